"""Application service: measure a study (measurement-v1). No printing, no exiting.

``measure_study`` reads a label map (NIfTI file, TotalSegmentator folder or DICOM SEG), optionally
an image (NIfTI or DICOM series) and a VerSe subregion map, or segments the image
first with a ``Segmenter``; it returns a ``MeasurementResult`` whose ``document`` is
the ``vertebro.measurement/1`` JSON object. Errors are ``ImageError``/``LabelMapError``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from vertebro.errors import ImageError
from vertebro.imaging.result import MeasurementResult

if TYPE_CHECKING:
    from vertebro.imaging.labelmap import SpineLabels
    from vertebro.imaging.limits import VolumeSize
    from vertebro.imaging.segmenter import Segmenter
    from vertebro.imaging.volume import ImageVolume, LabelVolume

__all__ = [
    "CONVENTIONS",
    "MeasurementResult",
    "ProgressCallback",
    "check_inputs",
    "measure_labels",
    "measure_study",
    "read_image",
]

logger = logging.getLogger(__name__)

#: ``progress(step, done, total)``: a named step and how far it has gone.
ProgressCallback = Callable[[str, int, int], None]
CONVENTIONS = ("auto", "totalsegmentator", "verse")


def _no_progress(step: str, done: int, total: int) -> None:
    return None


def read_image(path: Path, *, others: int = 0) -> ImageVolume:
    """A CT/MR volume from a NIfTI file or a DICOM series folder (``others``: bytes the
    other inputs of the measurement take, for the size limits)."""
    from vertebro.imaging.dicom import read_dicom_series
    from vertebro.imaging.nifti import read_nifti_image

    if not path.exists():
        raise ImageError(str(path), "no such file or folder")
    if path.is_dir():
        return read_dicom_series(path, others=others)
    return read_nifti_image(path, others=others)


def _label_sizes(labels: Path) -> list[VolumeSize]:
    """The header sizes of a label map, or of each mask file of a folder (a DICOM SEG
    checks its own header against the same limits: :mod:`vertebro.imaging.dicom_seg`)."""
    from vertebro.imaging.dicom_seg import find_seg_file
    from vertebro.imaging.labelmap import mask_files
    from vertebro.imaging.limits import nifti_size

    if not labels.exists():
        raise ImageError(str(labels), "no such file or folder")
    if find_seg_file(labels) is not None:
        return []
    files = mask_files(labels) if labels.is_dir() else [labels]
    return [nifti_size(path, labels=True) for path in files]


def check_inputs(labels: Path | None, image: Path | None, subregions: Path | None) -> int:
    """Check the NIfTI inputs' headers against the size limits, together (the label map, a
    folder's largest mask, the subregions and a NIfTI image are held at once), before any
    voxel is decoded. Returns the bytes they take, for a DICOM image's own check."""
    from vertebro.imaging.limits import MeasureLimits, check_size, nifti_size

    limits = MeasureLimits.from_env()
    held: list[VolumeSize] = []
    if labels is not None:
        sizes = _label_sizes(labels)  # a folder's masks are read one at a time
        for size in sizes:
            check_size(size, limits)
        if sizes:
            held.append(max(sizes, key=lambda s: s.working_bytes))
    if subregions is not None:
        held.append(nifti_size(subregions, labels=True))
    if image is not None and image.is_file():
        held.append(nifti_size(image, labels=False))
    total = sum(s.working_bytes for s in held)
    for size in held:
        check_size(size, limits, others=total - size.working_bytes)
    return total


def _read_spine(
    labels: Path,
    convention: str,
    subregions: LabelVolume | None,
    image: ImageVolume | None = None,
) -> SpineLabels:
    from vertebro.imaging.dicom_seg import find_seg_file
    from vertebro.imaging.labelmap import extract_vertebrae, read_mask_folder
    from vertebro.imaging.nifti import read_nifti_labels

    if not labels.exists():
        raise ImageError(str(labels), "no such file or folder")
    seg = find_seg_file(labels)
    if seg is not None:
        return _read_seg_spine(seg, convention, subregions, image)
    if labels.is_dir():
        return read_mask_folder(labels, convention, subregions)
    return extract_vertebrae(read_nifti_labels(labels), convention, subregions)


def _read_seg_spine(
    seg: Path, convention: str, subregions: LabelVolume | None, image: ImageVolume | None
) -> SpineLabels:
    """A DICOM SEG: segments named by code or label, on the image's grid when it has one."""
    import dataclasses

    from vertebro.errors import LabelMapError
    from vertebro.imaging.dicom_seg import read_dicom_seg
    from vertebro.imaging.labelmap import extract_vertebrae

    if convention == "verse":
        raise LabelMapError(
            str(seg), "a DICOM SEG names its segments; convention verse does not apply"
        )
    if subregions is not None:
        raise LabelMapError(
            subregions.source, "subregion maps go with NIfTI label maps, not a DICOM SEG"
        )
    spine = extract_vertebrae(read_dicom_seg(seg, image), "totalsegmentator")
    return dataclasses.replace(spine, convention_source="DICOM SEG segments")


def _check_space(spine: SpineLabels, image: ImageVolume) -> None:
    import numpy as np

    from vertebro.imaging.volume import box_inside_image

    lo = np.min([v.offset for v in spine.vertebrae], axis=0)
    hi = np.max(
        [np.asarray(v.offset) + np.asarray(v.mask.shape) - 1 for v in spine.vertebrae], axis=0
    )
    if not box_inside_image(image, spine.affine, lo, hi):
        raise ImageError(
            image.source,
            f"image and labels are not in the same patient space (the labels of {spine.source} "
            "lie outside the image's field of view)",
        )


def measure_labels(
    spine: SpineLabels,
    image: ImageVolume | None = None,
    progress: ProgressCallback | None = None,
) -> MeasurementResult:
    """Measure already-read vertebra masks (the in-memory core of ``measure_study``)."""
    from vertebro.imaging.geometry import measure_geometry
    from vertebro.imaging.measurement import build_document

    report = progress or _no_progress
    if image is not None:
        _check_space(spine, image)
    geometry = measure_geometry(spine, progress=lambda d, t: report("measuring levels", d, t))
    document = build_document(str(spine.convention), geometry)
    return MeasurementResult(
        document=document,
        convention_source=spine.convention_source,
        labels_source=spine.source,
        geometry=geometry,
        spine=spine,
        image=image,
    )


def measure_study(
    labels: str | Path | None,
    image: str | Path | None = None,
    subregions: str | Path | None = None,
    convention: str = "auto",
    progress: ProgressCallback | None = None,
    *,
    segmenter: Segmenter | None = None,
) -> MeasurementResult:
    """Measure vertebral bodies per measurement-v1.

    ``labels``: NIfTI label map, TotalSegmentator folder, or a DICOM SEG file (or a folder
    holding one; placed on ``image``'s grid when drawn on it); may be None when a
    ``segmenter`` is given, which then segments ``image`` first. ``image``: NIfTI or
    DICOM folder in the same patient space (figure background only). ``subregions``:
    VerSe subregion map on the label map's grid. ``convention``: auto, totalsegmentator
    or verse. ``progress(step, done, total)`` is called as work advances.
    """
    from vertebro.imaging.nifti import read_nifti_labels

    if convention not in CONVENTIONS:
        raise ValueError(f"convention must be one of {', '.join(CONVENTIONS)}")
    import tempfile

    report = progress or _no_progress
    held = check_inputs(
        None if labels is None else Path(labels),
        None if image is None else Path(image),
        None if subregions is None else Path(subregions),
    )
    image_volume: ImageVolume | None = None
    if image is not None:
        report("reading image", 0, 1)
        image_volume = read_image(Path(image), others=held if Path(image).is_dir() else 0)
        report("reading image", 1, 1)
    with tempfile.TemporaryDirectory(prefix="vertebro-seg-") as tmp:
        if labels is None:
            if segmenter is None or image is None:
                raise ValueError("give a label map, or an image and a segmenter")
            report("segmenting", 0, 1)
            labels = segmenter.segment(
                _nifti_for_segmenter(Path(image), image_volume, Path(tmp)), Path(tmp)
            )
            report("segmenting", 1, 1)
        labels_path = Path(labels)
        report("reading labels", 0, 1)
        sub_volume = read_nifti_labels(Path(subregions)) if subregions is not None else None
        spine = _read_spine(labels_path, convention, sub_volume, image_volume)
        report("reading labels", 1, 1)
        result = measure_labels(spine, image_volume, report)
    logger.info(result.convention_line)
    return result


def _nifti_for_segmenter(image: Path, volume: ImageVolume | None, workdir: Path) -> Path:
    """Segmenters take NIfTI: a DICOM series is written out once (RAS affine kept)."""
    if not image.is_dir():
        return image
    import nibabel as nib

    assert volume is not None
    out = workdir / "image.nii.gz"
    nib.save(nib.Nifti1Image(volume.array, volume.affine), str(out))  # type: ignore[no-untyped-call]
    return out
