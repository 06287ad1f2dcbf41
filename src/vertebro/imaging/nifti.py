"""NIfTI reading with nibabel: label maps (raw stored values) and images, any orientation.

Label maps are read with ``np.asanyarray(img.dataobj)`` (never ``get_fdata``, which
would make a float64 copy); the affine is nibabel's best one (sform, else qform), so
oblique grids keep their geometry. The TotalSegmentator label table stored as a
CIFTI/Caret XML document in a header extension is parsed into ``{id: name}``.
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from vertebro.errors import ImageError, LabelMapError
from vertebro.imaging.limits import MeasureLimits, check_size, nifti_size
from vertebro.imaging.volume import ImageVolume, LabelVolume

__all__ = [
    "is_nifti_path",
    "label_table_from_contents",
    "label_table_from_extensions",
    "read_nifti_image",
    "read_nifti_labels",
]

logger = logging.getLogger(__name__)

_NIFTI_SUFFIX = re.compile(r"\.nii(\.gz)?$", re.IGNORECASE)


def is_nifti_path(path: Path) -> bool:
    """True for ``*.nii`` and ``*.nii.gz`` names."""
    return bool(_NIFTI_SUFFIX.search(path.name))


def _valid_affine(affine: npt.NDArray[np.float64]) -> bool:
    return bool(np.all(np.isfinite(affine))) and abs(np.linalg.det(affine[:3, :3])) >= 1e-9


def _load(
    path: Path, *, labels: bool, others: int = 0
) -> tuple[npt.NDArray[Any], npt.NDArray[np.float64], Any]:
    """The voxels, affine and image of a NIfTI file; its header is checked against the size
    limits (:mod:`vertebro.imaging.limits`; ``others``: bytes the other inputs of the same
    measurement take) before any voxel is decoded."""
    import nibabel as nib

    if not path.exists():
        raise ImageError(str(path), "no such file or folder")
    if path.is_dir():
        raise ImageError(str(path), "is a folder, not a NIfTI file")
    check_size(nifti_size(path, labels=labels), MeasureLimits.from_env(), others=others)
    try:
        img: Any = nib.load(str(path))
        array = np.asanyarray(img.dataobj)
    except Exception as exc:  # nibabel raises many kinds; all mean "cannot read"
        raise ImageError(str(path), f"cannot read as NIfTI ({type(exc).__name__}: {exc})") from exc
    affine = np.asarray(img.affine, dtype=np.float64)
    if not _valid_affine(affine):
        raise ImageError(str(path), "the affine is not a valid voxel-to-patient mapping")
    while array.ndim > 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim != 3:
        raise ImageError(str(path), f"expected a 3-D volume, found shape {array.shape}")
    return array, affine, img


def label_table_from_extensions(img: Any) -> dict[int, str] | None:
    """The ``{id: name}`` table of a Caret/CIFTI ``<LabelTable>`` header extension, or None."""
    extensions = getattr(getattr(img, "header", None), "extensions", None) or []
    contents: list[object] = []
    for ext in extensions:
        try:
            contents.append(ext.get_content())
        except Exception:  # a malformed extension is simply not a label table
            continue
    return label_table_from_contents(contents)


def label_table_from_contents(contents: list[object]) -> dict[int, str] | None:
    """The ``{id: name}`` table in the first header extension content holding a Caret/CIFTI
    ``<LabelTable>``, or None."""
    for content in contents:
        if isinstance(content, bytes):
            text = content.decode("utf-8", errors="replace")
        elif isinstance(content, str):
            text = content
        else:
            continue
        if "<LabelTable" not in text:
            continue
        try:
            root = ET.fromstring(text.strip().strip("\x00").strip())
        except ET.ParseError:
            logger.warning("unparsable label table in a NIfTI header extension: ignored")
            continue
        table: dict[int, str] = {}
        for label in root.iter("Label"):
            key = label.get("Key")
            if key is None or label.text is None:
                continue
            try:
                table[int(key)] = label.text.strip()
            except ValueError:
                continue
        if table:
            return table
    return None


def read_nifti_labels(path: Path) -> LabelVolume:
    """Read a NIfTI label map with its affine and header label table (if any): its header
    is checked against the size limits before any voxel is decoded; then the small NIfTI-1
    reader (``nifti1.py``) reads it when it handles the file, else nibabel."""
    from vertebro.imaging.nifti1 import read_nifti1

    if path.is_file():
        check_size(nifti_size(path, labels=True), MeasureLimits.from_env())
    fast = read_nifti1(path) if path.is_file() else None
    if fast is not None and _valid_affine(fast.affine):
        return LabelVolume(
            array=fast.array,
            affine=fast.affine,
            source=str(path),
            label_table=label_table_from_contents([c for _, c in fast.extensions]),
        )
    array, affine, img = _load(path, labels=True)
    if array.dtype.kind not in "biuf":
        raise LabelMapError(str(path), f"not a label map: unsupported data type {array.dtype}")
    return LabelVolume(
        array=array, affine=affine, source=str(path), label_table=label_table_from_extensions(img)
    )


def read_nifti_image(path: Path, *, others: int = 0) -> ImageVolume:
    """Read a CT or MR NIfTI volume (values scaled as the header says, e.g. HU) with its
    affine (``others``: bytes the other inputs of the measurement take, for the limits)."""
    array, affine, _ = _load(path, labels=False, others=others)
    if array.dtype.kind not in "biuf":
        raise ImageError(str(path), f"unsupported data type {array.dtype}")
    return ImageVolume(array=array, affine=affine, source=str(path))
