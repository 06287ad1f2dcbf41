"""Application services: the PACS loop over DICOMweb. No printing, no exiting.

``find_studies`` lists studies; ``pull_study`` brings a study's DICOM SEG and the image
series it was drawn on into a new folder (``image/`` and ``seg.dcm``), whole or not at all;
``push_files`` stores DICOM files (the SR and secondary capture of ``vertebro measure``);
``measure_from_pacs`` pulls and measures in one go (the web app's "From PACS" page).
Errors: ``PacsError`` (server), ``ImageError`` (files).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vertebro.errors import ImageError
from vertebro.exchange.dicomweb import PacsError, PacsSettings, StudySummary, open_pacs

if TYPE_CHECKING:
    from vertebro.exchange.dicomweb import Pacs, SeriesSummary
    from vertebro.imaging.result import MeasurementResult

__all__ = [
    "PacsError",
    "PacsSettings",
    "PulledStudy",
    "each_seg_study",
    "find_studies",
    "measure_from_pacs",
    "pull_study",
    "push_files",
]

IMAGE_MODALITIES = ("CT", "MR")
_UID = re.compile(r"[0-9]+(\.[0-9]+)*")


def _check_uid(what: str, uid: str) -> None:
    """A DICOM UID (PS3.5 9.1: digits and dots, at most 64 characters); anything else would
    end up in the PACS's URL paths."""
    if len(uid) > 64 or not _UID.fullmatch(uid):
        raise ImageError(what, f"{uid[:80]!r} is not a DICOM UID (digits and dots, ≤ 64)")


@dataclass(frozen=True, slots=True)
class PulledStudy:
    """A study brought from the PACS: its image series folder and its SEG file."""

    study_uid: str
    folder: Path
    image: Path
    seg: Path
    image_series_uid: str
    seg_series_uid: str
    instances: int


def find_studies(
    settings: PacsSettings,
    *,
    patient_id: str | None = None,
    modality: str | None = None,
    since: str | None = None,
    limit: int = 50,
) -> list[StudySummary]:
    """Studies on the PACS, newest first (``modality="SEG"``: only those with a SEG)."""
    with open_pacs(settings) as pacs:
        return pacs.find_studies(patient_id=patient_id, modality=modality, since=since, limit=limit)


def each_seg_study(
    settings: PacsSettings, since: str | None = None, limit: int | None = None
) -> list[str]:
    """The Study Instance UIDs of every study holding a DICOM SEG (since ``YYYYMMDD``, at
    most ``limit``), paged through the PACS: the studies an archive screening measures."""
    with open_pacs(settings) as pacs:
        return [s.study_uid for s in pacs.each_study(modality="SEG", since=since, limit=limit)]


def _choose(
    pacs: Pacs, study_uid: str, series: list[SeriesSummary], image_series: str | None
) -> tuple[str, str]:
    """(image series UID, SEG series UID): the SEG drawn on ``image_series`` or on a CT/MR
    series of the study."""
    images = {s.series_uid for s in series if s.modality in IMAGE_MODALITIES}
    if image_series is not None and image_series not in images:
        raise PacsError(
            pacs.settings.url, f"not found: no CT or MR series {image_series} in study {study_uid}"
        )
    segs = [s for s in series if s.modality == "SEG"]
    if not segs:
        raise PacsError(pacs.settings.url, f"study {study_uid} holds no DICOM SEG")
    for seg in sorted(segs, key=lambda s: -(s.number or 0)):
        drawn_on = pacs.referenced_series(study_uid, seg.series_uid) & images
        if image_series is not None and image_series in drawn_on:
            return image_series, seg.series_uid
        if image_series is None and len(drawn_on) == 1:
            return drawn_on.pop(), seg.series_uid
        if image_series is None and not drawn_on and len(images) == 1:
            return next(iter(images)), seg.series_uid
    raise PacsError(
        pacs.settings.url,
        f"no SEG of study {study_uid} names the CT or MR series it was drawn on"
        + ("" if image_series is None else f" ({image_series})"),
    )


def _write(dataset: Any, path: Path) -> None:
    dataset.save_as(path, enforce_file_format=True)


def pull_study(
    settings: PacsSettings, study_uid: str, out: Path, *, image_series: str | None = None
) -> PulledStudy:
    """Bring the SEG of a study and its image series into ``out`` (a new or empty folder):
    ``out/image/<SOP Instance UID>.dcm`` and ``out/seg.dcm``. Nothing is left in ``out``
    when anything fails."""
    _check_uid("study", study_uid)
    if image_series is not None:
        _check_uid("--series", image_series)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ImageError(str(out), "already exists and is not an empty folder")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise ImageError(str(out), f"no folder {parent}")
    with open_pacs(settings) as pacs:
        series = pacs.series(study_uid)
        image_uid, seg_uid = _choose(pacs, study_uid, series, image_series)
        seg_instances = pacs.retrieve_series(study_uid, seg_uid)
        images = pacs.retrieve_series(study_uid, image_uid)
    if not images:
        raise PacsError(settings.url, f"series {image_uid} has no instances")
    if len(seg_instances) != 1:
        raise PacsError(
            settings.url, f"SEG series {seg_uid} holds {len(seg_instances)} instances; expected 1"
        )
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".part", dir=parent))
    try:
        (staging / "image").mkdir()
        for ds in images:
            _write(ds, staging / "image" / f"{ds.SOPInstanceUID}.dcm")
        _write(seg_instances[0], staging / "seg.dcm")
        if out.exists():
            out.rmdir()
        staging.rename(out)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise ImageError(str(out), f"cannot write ({exc.strerror or exc})") from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return PulledStudy(
        study_uid=study_uid,
        folder=out,
        image=out / "image",
        seg=out / "seg.dcm",
        image_series_uid=image_uid,
        seg_series_uid=seg_uid,
        instances=len(images),
    )


def push_files(settings: PacsSettings, files: list[Path]) -> list[tuple[Path, str]]:
    """Store DICOM files in the PACS in one STOW-RS request; every file is read first, so a
    bad file sends nothing. Returns ``(path, SOP Instance UID)`` per file."""
    import pydicom

    datasets: list[tuple[Path, Any]] = []
    for path in files:
        try:
            ds = pydicom.dcmread(str(path))
        except FileNotFoundError:
            raise ImageError(str(path), "no such file") from None
        except Exception as exc:  # pydicom raises many kinds; all mean "not DICOM"
            raise ImageError(str(path), f"not a DICOM file ({type(exc).__name__})") from exc
        if not str(ds.get("SOPInstanceUID", "")) or not str(ds.get("StudyInstanceUID", "")):
            raise ImageError(str(path), "has no SOP Instance UID or Study Instance UID")
        datasets.append((path, ds))
    if not datasets:
        raise ImageError("push", "no file given")
    with open_pacs(settings) as pacs:
        pacs.store([ds for _, ds in datasets])
    return [(path, str(ds.SOPInstanceUID)) for path, ds in datasets]


def measure_from_pacs(settings: PacsSettings, study_uid: str) -> MeasurementResult:
    """Pull a study's SEG and image series into a temporary folder and measure them."""
    from vertebro.services.measuring import measure_study

    with tempfile.TemporaryDirectory(prefix="vertebro-pacs-") as tmp:
        pulled = pull_study(settings, study_uid, Path(tmp) / "study")
        return measure_study(pulled.seg, image=pulled.image)
