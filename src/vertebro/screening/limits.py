"""Per-task size limits, read from the NIfTI header before anything is decompressed.

PROVISIONAL — to unify with the hardening issue (api-v1 1.1 "Label maps: the voxel count
and the decoded size are checked from the header …"): when the imaging readers check
``VERTEBRO_MAX_VOXELS`` and ``VERTEBRO_MAX_MEASURE_GIB`` themselves, delete this module
and its one call in ``vertebro.services.screening``; the task already turns any
``ImageError`` into that study's row of ``errors.csv``. Same variables, same defaults.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from vertebro.errors import ImageError

__all__ = ["DEFAULT_MAX_MEASURE_GIB", "DEFAULT_MAX_VOXELS", "check_size"]

DEFAULT_MAX_VOXELS = 600_000_000
DEFAULT_MAX_MEASURE_GIB = 4.0
#: Working memory of a measurement ≈ this many times the decoded array (the array, an
#: integer copy of a float map, the crops).
_WORKING_FACTOR = 2.0


def _limit(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if value > 0 else default


def _files(labels: Path) -> list[Path]:
    if labels.is_dir():
        from vertebro.imaging.labelmap import is_level_mask_file

        return sorted(p for p in labels.iterdir() if is_level_mask_file(p.name))
    return [labels]


def check_size(labels: str | Path) -> None:
    """Raise ``ImageError`` (``too large: …``, both numbers) when a file of ``labels``
    holds more voxels than ``VERTEBRO_MAX_VOXELS`` or would need more working memory
    than ``VERTEBRO_MAX_MEASURE_GIB``. Unreadable or missing files pass: the reader
    reports them."""
    import nibabel as nib

    max_voxels = _limit("VERTEBRO_MAX_VOXELS", DEFAULT_MAX_VOXELS)
    max_gib = _limit("VERTEBRO_MAX_MEASURE_GIB", DEFAULT_MAX_MEASURE_GIB)
    path = Path(labels)
    if not path.exists():
        return
    for file in _files(path):
        try:
            header: Any = nib.load(str(file)).header
            voxels = math.prod(int(n) for n in header.get_data_shape())
            itemsize = header.get_data_dtype().itemsize
        except Exception:  # unreadable headers are the reader's to report
            continue
        if voxels > max_voxels:
            raise ImageError(
                str(file),
                f"too large: {voxels:,} voxels (VERTEBRO_MAX_VOXELS is {max_voxels:,.0f})",
            )
        gib = voxels * itemsize * _WORKING_FACTOR / 2**30
        if gib > max_gib:
            raise ImageError(
                str(file),
                f"too large: about {gib:.1f} GiB to measure "
                f"(VERTEBRO_MAX_MEASURE_GIB is {max_gib:g})",
            )
