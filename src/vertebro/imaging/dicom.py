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
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from vertebro.errors import ImageError
from vertebro.imaging.volume import LPS_TO_RAS, ImageVolume

__all__ = ["looks_like_dicom_folder", "read_dicom_series"]

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


def _geometry_key(ds: Any) -> tuple[Any, ...]:
    return (
        str(ds.get("SeriesInstanceUID", "")),
        int(ds.Rows),
        int(ds.Columns),
        tuple(round(float(v), 4) for v in ds.ImageOrientationPatient),
        tuple(round(float(v), 4) for v in ds.PixelSpacing),
    )


def read_dicom_series(folder: Path) -> ImageVolume:
    """Read every DICOM image file of ``folder`` as one volume ``(columns, rows, slices)``.

    Errors (``ImageError``): no DICOM image, several series or geometries, a slice
    without position, duplicated or missing slices, pixel data that cannot be decoded.
    """
    import pydicom
    from pydicom.errors import InvalidDicomError

    src = str(folder)
    if not folder.is_dir():
        raise ImageError(src, "not a folder of DICOM files")
    datasets: list[Any] = []
    for child in sorted(folder.iterdir()):
        if not child.is_file():
            continue
        try:
            ds = pydicom.dcmread(str(child), stop_before_pixels=False)
        except (InvalidDicomError, OSError, EOFError, ValueError):
            logger.debug("skipping non-DICOM file %s", child)
            continue
        if "PixelData" not in ds:
            continue
        datasets.append(ds)
    if not datasets:
        raise ImageError(src, "no DICOM image in this folder")
    missing_geometry = [
        ds
        for ds in datasets
        if "ImagePositionPatient" not in ds
        or "ImageOrientationPatient" not in ds
        or "PixelSpacing" not in ds
    ]
    if missing_geometry:
        raise ImageError(src, "a DICOM slice lacks its position, orientation or pixel spacing")
    keys = {_geometry_key(ds) for ds in datasets}
    if len(keys) > 1:
        series = {k[0] for k in keys}
        what = f"{len(series)} series" if len(series) > 1 else "slices of different geometry"
        raise ImageError(src, f"mixed series: the folder holds {what}; give one series per folder")

    orientation = np.asarray([float(v) for v in datasets[0].ImageOrientationPatient])
    row_dir, col_dir = orientation[:3], orientation[3:]
    normal = np.cross(row_dir, col_dir)
    positions = np.asarray([[float(v) for v in ds.ImagePositionPatient] for ds in datasets])
    along = positions @ normal
    order = np.argsort(along, kind="stable")
    datasets = [datasets[i] for i in order]
    along = along[order]
    positions = positions[order]
    if len(datasets) > 1:
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
        slice_vec = (positions[-1] - positions[0]) / (len(datasets) - 1)
    else:
        thickness = float(
            datasets[0].get("SpacingBetweenSlices", datasets[0].get("SliceThickness", 1.0)) or 1.0
        )
        slice_vec = normal * thickness

    rows, cols = int(datasets[0].Rows), int(datasets[0].Columns)
    volume = np.empty((cols, rows, len(datasets)), dtype=np.float32)
    for k, ds in enumerate(datasets):
        try:
            stored = ds.pixel_array
        except Exception as exc:  # decoder missing or corrupt data
            raise ImageError(
                src,
                f"cannot decode pixel data ({ds.file_meta.TransferSyntaxUID.name}): {exc}; "
                "JPEG 2000 needs pylibjpeg and pylibjpeg-openjpeg",
            ) from exc
        if stored.ndim != 2:
            raise ImageError(src, "multi-frame or colour images are not supported")
        slope = float(ds.get("RescaleSlope", 1.0) or 1.0)
        intercept = float(ds.get("RescaleIntercept", 0.0) or 0.0)
        volume[:, :, k] = (stored.astype(np.float32) * slope + intercept).T

    spacing = [float(v) for v in datasets[0].PixelSpacing]  # [row spacing, column spacing]
    affine_lps: npt.NDArray[np.float64] = np.eye(4)
    affine_lps[:3, 0] = row_dir * spacing[1]  # along a row: column index i
    affine_lps[:3, 1] = col_dir * spacing[0]  # down a column: row index j
    affine_lps[:3, 2] = slice_vec
    affine_lps[:3, 3] = positions[0]
    return ImageVolume(array=volume, affine=LPS_TO_RAS @ affine_lps, source=src)
