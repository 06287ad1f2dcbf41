"""Imaging: label maps and images in, vertebral body morphometry out (measurement-v1).

Pixels → landmarks: readers (``nifti``, ``dicom``, TotalSegmentator folders in
``labelmap``), label conventions (``labels`` + the versioned schemes in ``data/``),
the spec's geometry (``geometry``), the ``vertebro.measurement/1`` document
(``measurement``), the draft case, the text report, the figure and segmenters.
Names are re-exported lazily so that ``import vertebro.imaging`` stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = [
    "MEASUREMENT_SCHEMA",
    "Convention",
    "ImageVolume",
    "LabelVolume",
    "PrecomputedSegmenter",
    "Segmenter",
    "SpineLabels",
    "TotalSegmentatorSegmenter",
    "build_document",
    "extract_vertebrae",
    "measure_geometry",
    "read_dicom_series",
    "read_mask_folder",
    "read_nifti_image",
    "read_nifti_labels",
]

_WHERE = {
    "MEASUREMENT_SCHEMA": "measurement",
    "Convention": "labels",
    "ImageVolume": "volume",
    "LabelVolume": "volume",
    "PrecomputedSegmenter": "segmenter",
    "Segmenter": "segmenter",
    "SpineLabels": "labelmap",
    "TotalSegmentatorSegmenter": "segmenter",
    "build_document": "measurement",
    "extract_vertebrae": "labelmap",
    "measure_geometry": "geometry",
    "read_dicom_series": "dicom",
    "read_mask_folder": "labelmap",
    "read_nifti_image": "nifti",
    "read_nifti_labels": "nifti",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(f"vertebro.imaging.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'vertebro.imaging' has no attribute {name!r}")
