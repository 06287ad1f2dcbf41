"""A DICOM series folder → one ``ImageVolume`` in RAS mm (pydicom 3).

Compressed transfer syntaxes (JPEG 2000 among them) decode through pydicom's pixel
handlers, i.e. ``pylibjpeg`` + ``pylibjpeg-openjpeg`` when installed. Stored values
become HU (or modality units) through RescaleSlope/RescaleIntercept. Slices are
sorted by their position along the slice normal, not by file name or instance number;
a folder holding more than one series, slices of different geometry, duplicated
positions or a gap in the positions is refused with a clear reason.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from vertebro.errors import ImageError
from vertebro.imaging.limits import MeasureLimits, VolumeSize, check_size
from vertebro.imaging.volume import LPS_TO_RAS, ImageVolume

__all__ = ["looks_like_dicom_folder", "read_dicom_series", "series_size"]

logger = logging.getLogger(__name__)

#: Relative tolerance on the spacing between consecutive slice positions.
_GAP_TOLERANCE = 0.1


def looks_like_dicom_folder(path: Path) -> bool:
    """True when ``path`` is a folder holding at least one file with the DICOM preamble."""
    if not path.is_dir():
        return False
    for child in sorted(path.iterdir()):
        if child.is_file():
            try:
                with child.open("rb") as fh:
                    head = fh.read(132)
            except OSError:
                continue
            if head[128:132] == b"DICM":
                return True
    return False


@dataclass(frozen=True, slots=True)
class _Slice:
    """One image file's header: what stacking the series needs, read before any pixel."""

    path: Path
    series: str
    rows: int
    columns: int
    frames: int
    bytes_per_voxel: int
    orientation: tuple[float, ...]
    spacing: tuple[float, float]
    position: tuple[float, float, float] | None
    thickness: float

    @property
    def key(self) -> tuple[Any, ...]:
        return (
            self.series,
            self.rows,
            self.columns,
            tuple(round(v, 4) for v in self.orientation),
            tuple(round(v, 4) for v in self.spacing),
        )


def _numbers(ds: Any, name: str, count: int) -> tuple[float, ...]:
    values = tuple(float(v) for v in ds[name].value)
    if len(values) != count or not all(np.isfinite(values)):
        raise ValueError(f"{name} must hold {count} finite numbers")
    return values


def _slice_header(ds: Any, path: Path, src: str) -> _Slice:
    """The header of one image file; ImageError when a value cannot be used."""
    if "ImageOrientationPatient" not in ds or "PixelSpacing" not in ds:
        raise ImageError(src, "a DICOM slice lacks its position, orientation or pixel spacing")
    try:
        rows, columns = int(ds.Rows), int(ds.Columns)
        frames = int(ds.get("NumberOfFrames", 1) or 1)
        bits = int(ds.get("BitsAllocated", 16) or 16)
        orientation = _numbers(ds, "ImageOrientationPatient", 6)
        spacing = _numbers(ds, "PixelSpacing", 2)
        position = _numbers(ds, "ImagePositionPatient", 3) if "ImagePositionPatient" in ds else None
        thickness = float(ds.get("SpacingBetweenSlices", ds.get("SliceThickness", 1.0)) or 1.0)
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        raise ImageError(src, f"{path.name}: unusable DICOM header ({exc})") from None
    if rows < 1 or columns < 1 or frames < 1 or not 1 <= bits <= 64:
        raise ImageError(src, f"{path.name}: impossible image size in the DICOM header")
    return _Slice(
        path,
        str(ds.get("SeriesInstanceUID", "")),
        rows,
        columns,
        frames,
        max(1, bits // 8),
        orientation,
        (spacing[0], spacing[1]),
        (position[0], position[1], position[2]) if position is not None else None,
        thickness if np.isfinite(thickness) and thickness > 0 else 1.0,
    )


def _headers(folder: Path, src: str) -> list[_Slice]:
    """The header of every image file of ``folder`` (files that are not DICOM, or DICOM
    without an image, are skipped), read without pixel data."""
    import pydicom

    slices: list[_Slice] = []
    for child in sorted(folder.iterdir()):
        if not child.is_file():
            continue
        try:
            ds = pydicom.dcmread(str(child), stop_before_pixels=True)
        except Exception:  # pydicom raises many kinds for what is not DICOM: skip it
            logger.debug("skipping non-DICOM file %s", child)
            continue
        if "Rows" not in ds or "Columns" not in ds:
            continue
        slices.append(_slice_header(ds, child, src))
    return slices


def series_size(slices: list[_Slice], src: str) -> VolumeSize:
    """The voxel count and working memory (the float32 volume, one slice decoded) of a
    series, from its headers."""
    first = slices[0]
    per_slice = first.rows * first.columns * first.frames
    voxels = per_slice * len(slices)
    working = voxels * 4 + per_slice * first.bytes_per_voxel * 2
    return VolumeSize(src, (first.columns, first.rows, len(slices) * first.frames), voxels, working)


def _pixels(item: _Slice, src: str) -> npt.NDArray[np.float32]:
    """One slice's values (modality units), decoded from its file."""
    import pydicom

    ds: Any = None
    try:
        ds = pydicom.dcmread(str(item.path))
        stored = ds.pixel_array
        slope = float(ds.get("RescaleSlope", 1.0) or 1.0)
        intercept = float(ds.get("RescaleIntercept", 0.0) or 0.0)
    except Exception as exc:  # no pixel data, decoder missing, corrupt or truncated data
        syntax = getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", None)
        name = getattr(syntax, "name", "unknown transfer syntax")
        missing = "plugin" in str(exc) or isinstance(exc, NotImplementedError | ImportError)
        hint = "; JPEG 2000 needs pylibjpeg and pylibjpeg-openjpeg" if missing else ""
        raise ImageError(
            src, f"cannot decode pixel data of {item.path.name} ({name}): {exc}{hint}"
        ) from exc
    if stored.ndim != 2 or stored.shape != (item.rows, item.columns):
        raise ImageError(src, "multi-frame or colour images are not supported")
    values: npt.NDArray[np.float32] = stored.astype(np.float32) * slope + intercept
    return values


def read_dicom_series(folder: Path, *, others: int = 0) -> ImageVolume:
    """Read every DICOM image file of ``folder`` as one volume ``(columns, rows, slices)``.

    The headers are read first and checked against the size limits
    (:mod:`vertebro.imaging.limits`; ``others``: bytes the other inputs of the measurement
    take); then the slices are decoded one at a time.

    Errors (``ImageError``): no DICOM image, several series or geometries, a slice
    without position, duplicated or missing slices, pixel data that cannot be decoded.
    """
    src = str(folder)
    if not folder.is_dir():
        raise ImageError(src, "not a folder of DICOM files")
    slices = _headers(folder, src)
    if not slices:
        raise ImageError(src, "no DICOM image in this folder")
    if any(item.position is None for item in slices):
        raise ImageError(src, "a DICOM slice lacks its position, orientation or pixel spacing")
    keys = {item.key for item in slices}
    if len(keys) > 1:
        series = {k[0] for k in keys}
        what = f"{len(series)} series" if len(series) > 1 else "slices of different geometry"
        raise ImageError(src, f"mixed series: the folder holds {what}; give one series per folder")
    check_size(series_size(slices, src), MeasureLimits.from_env(), others=others)

    orientation = np.asarray(slices[0].orientation)
    row_dir, col_dir = orientation[:3], orientation[3:]
    normal = np.cross(row_dir, col_dir)
    positions = np.asarray([item.position for item in slices])
    along = positions @ normal
    order = np.argsort(along, kind="stable")
    slices = [slices[i] for i in order]
    along = along[order]
    positions = positions[order]
    if len(slices) > 1:
        steps = np.diff(along)
        if np.any(steps < 1e-3):
            raise ImageError(src, "two slices share one position (duplicated or mixed series)")
        step = float(np.median(steps))
        bad = np.nonzero(np.abs(steps - step) > _GAP_TOLERANCE * step)[0]
        if bad.size:
            i = int(bad[0])
            raise ImageError(
                src,
                f"missing slices: gap of {steps[i]:.2f} mm between slice positions "
                f"{along[i]:.2f} and {along[i + 1]:.2f} mm where the spacing is {step:.2f} mm",
            )
        slice_vec = (positions[-1] - positions[0]) / (len(slices) - 1)
    else:
        slice_vec = normal * slices[0].thickness

    rows, cols = slices[0].rows, slices[0].columns
    volume = np.empty((cols, rows, len(slices)), dtype=np.float32)
    for k, item in enumerate(slices):
        volume[:, :, k] = _pixels(item, src).T

    spacing = slices[0].spacing  # [row spacing, column spacing]
    affine_lps: npt.NDArray[np.float64] = np.eye(4)
    affine_lps[:3, 0] = row_dir * spacing[1]  # along a row: column index i
    affine_lps[:3, 1] = col_dir * spacing[0]  # down a column: row index j
    affine_lps[:3, 2] = slice_vec
    affine_lps[:3, 3] = positions[0]
    return ImageVolume(array=volume, affine=LPS_TO_RAS @ affine_lps, source=src)
