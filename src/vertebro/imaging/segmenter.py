"""Segmentation backends behind one method (CONVENTIONS rule 8).

``Segmenter.segment(image, workdir)`` returns the path of a label map (NIfTI file or
TotalSegmentator folder) that ``vertebro measure`` then reads like any other. The
TotalSegmentator adapter runs only when TotalSegmentator and its weights are already
installed: vertebro never downloads anything. Tests use ``PrecomputedSegmenter``.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path
from typing import Protocol, runtime_checkable

from vertebro.errors import ImageError

__all__ = ["PrecomputedSegmenter", "Segmenter", "TotalSegmentatorSegmenter"]

logger = logging.getLogger(__name__)

_VERTEBRAE = [
    *(f"vertebrae_C{i}" for i in range(1, 8)),
    *(f"vertebrae_T{i}" for i in range(1, 13)),
    *(f"vertebrae_L{i}" for i in range(1, 6)),
    "vertebrae_S1",
]


@runtime_checkable
class Segmenter(Protocol):
    """Anything that turns an image file (or DICOM folder) into a vertebra label map."""

    def segment(self, image: Path, workdir: Path) -> Path:
        """Segment ``image``; write into ``workdir``; return the label map's path."""
        ...


class PrecomputedSegmenter:
    """A stand-in that "segments" by returning a label map made earlier (tests, replays)."""

    def __init__(self, labels: Path) -> None:
        self.labels = Path(labels)
        self.calls: list[Path] = []

    def segment(self, image: Path, workdir: Path) -> Path:
        self.calls.append(Path(image))
        return self.labels


def _weights_present() -> bool:
    home = Path(os.environ.get("TOTALSEG_HOME_DIR", Path.home() / ".totalsegmentator"))
    results = home / "nnunet" / "results"
    return results.is_dir() and any(results.iterdir())


class TotalSegmentatorSegmenter:
    """Runs the ``TotalSegmentator`` command (task ``total``, vertebrae only, multilabel
    output with its label table). Refuses to run when its model weights are missing,
    because TotalSegmentator would download them."""

    def __init__(
        self, executable: str | None = None, *, fast: bool = False, device: str = "cpu"
    ) -> None:
        self.executable = executable or shutil.which("TotalSegmentator")
        self.fast = fast
        self.device = device

    @staticmethod
    def available() -> bool:
        return shutil.which("TotalSegmentator") is not None

    def segment(self, image: Path, workdir: Path) -> Path:
        if self.executable is None:
            raise ImageError(str(image), "--segment needs TotalSegmentator, which is not installed")
        if not _weights_present():
            raise ImageError(
                str(image),
                "TotalSegmentator's model weights are not installed and vertebro never downloads "
                "them; install them first (totalseg_download_weights -t total)",
            )
        out = workdir / "totalseg.nii.gz"
        cmd = [
            self.executable,
            "-i",
            str(image),
            "-o",
            str(out),
            "--ml",
            "--roi_subset",
            *_VERTEBRAE,
            "--device",
            self.device,
            "--quiet",
        ]
        if self.fast:
            cmd.append("--fast")
        logger.info("running %s", " ".join(cmd))
        env = {**os.environ, "TOTALSEG_DISABLE_TELEMETRY": "1"}
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        if done.returncode != 0 or not out.exists():
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise ImageError(str(image), f"TotalSegmentator failed: {tail[0]}")
        return out
