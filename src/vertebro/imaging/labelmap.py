"""From a label map (or a folder of masks) to one cropped mask per vertebra.

measurement-v1 "Reading the labels": value checks ("not a label map"), the
convention, the vertebra classes, the largest 26-connected component of each, and the
cranial → caudal order. The full volume is scanned in one pass
(``scipy.ndimage.find_objects``, or numpy alone for a small map: ``components.py``);
everything after works on small crops.
"""

from __future__ import annotations

import itertools
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from vertebro.errors import LabelMapError
from vertebro.imaging.components import SMALL_MAP_VOXELS, bounding_boxes, label
from vertebro.imaging.labels import (
    Convention,
    choose_convention,
    spine_index,
    verse_body_subregions,
    vertebra_levels,
)
from vertebro.imaging.nifti import read_nifti_labels
from vertebro.imaging.threads import measure_threads
from vertebro.imaging.volume import FloatArray, LabelVolume

__all__ = [
    "SpineLabels",
    "VertebraMask",
    "extract_vertebrae",
    "is_level_mask_file",
    "mask_files",
    "read_mask_folder",
    "scan_label_values",
]

logger = logging.getLogger(__name__)

Box = tuple[slice, slice, slice]
BoolArray = npt.NDArray[np.bool_]

_MAX_DISTINCT = 255
_CHUNK_VOXELS = 1 << 23
_PARALLEL_VOXELS = 1 << 25  # arrays from twice this size are scanned in parallel slabs
_MAX_WORKERS = 4
_FOLDER_FILE = re.compile(r"vertebrae_(C[1-7]|T([1-9]|1[0-3])|L[1-6]|S1)\.nii(\.gz)?")


@dataclass(frozen=True, slots=True, eq=False)
class VertebraMask:
    """One vertebra: its largest 26-connected component cropped to its bounding box.

    ``offset`` is the full-array index of ``mask[0, 0, 0]``; ``body`` is the subregion
    body (49/50/62) on the same crop when a subregion map was given.
    """

    level: str
    value: int | None
    mask: BoolArray
    offset: tuple[int, int, int]
    body: BoolArray | None = None

    @property
    def box(self) -> Box:
        o, s = self.offset, self.mask.shape
        return (slice(o[0], o[0] + s[0]), slice(o[1], o[1] + s[1]), slice(o[2], o[2] + s[2]))


@dataclass(frozen=True, slots=True, eq=False)
class SpineLabels:
    """The vertebrae of one label map, cranial → caudal, with the map's grid."""

    source: str
    shape: tuple[int, int, int]
    affine: FloatArray
    convention: Convention
    convention_source: str
    vertebrae: tuple[VertebraMask, ...]

    @property
    def voxel_volume_mm3(self) -> float:
        return float(abs(np.linalg.det(self.affine[:3, :3])))


def _chunks(array: npt.NDArray[Any]) -> Any:
    flat_len = array.shape[0]
    per_slab = max(1, _CHUNK_VOXELS // max(1, array[0].size))
    for start in range(0, flat_len, per_slab):
        yield array[start : start + per_slab]


def _integral_copy(array: npt.NDArray[Any], source: str) -> npt.NDArray[Any]:
    """Float label maps: accepted only if every value is a finite non-negative integer."""
    top = 0.0
    for chunk in _chunks(array):
        if not np.all(np.isfinite(chunk)):
            raise LabelMapError(source, "not a label map: non-finite values")
        if np.any(chunk != np.floor(chunk)):
            raise LabelMapError(source, "not a label map: values are not integers")
        if chunk.size and float(chunk.min()) < 0:
            raise LabelMapError(source, "not a label map: negative values")
        if chunk.size:
            top = max(top, float(chunk.max()))
    dtype = np.uint8 if top < 2**8 else np.uint16 if top < 2**16 else np.uint32
    return array.astype(dtype)


def find_boxes(
    array: npt.NDArray[Any], top: int, *, slab_voxels: int = _PARALLEL_VOXELS
) -> dict[int, Box]:
    """``{value: bounding box}`` of the values 1…``top`` of a C-ordered integer array.

    One ``scipy.ndimage.find_objects`` pass; a large array is cut into slabs along its
    first axis, scanned in parallel threads (find_objects releases the GIL) and the
    slabs' boxes are joined.
    """
    if array.size <= SMALL_MAP_VOXELS:  # numpy alone: no scipy import for a small map
        return bounding_boxes(array, top)
    from scipy import ndimage

    workers = min(_MAX_WORKERS, measure_threads(), max(1, array.size // slab_voxels))
    if workers == 1:
        found = ndimage.find_objects(array, max_label=top)
        return {i + 1: b for i, b in enumerate(found) if b is not None}
    bounds = np.linspace(0, array.shape[0], workers + 1).astype(int).tolist()
    slabs = [(start, array[start:stop]) for start, stop in itertools.pairwise(bounds)]
    with ThreadPoolExecutor(workers) as pool:
        parts = list(pool.map(lambda slab: ndimage.find_objects(slab[1], max_label=top), slabs))
    boxes: dict[int, Box] = {}
    for (start, _), found in zip(slabs, parts, strict=True):
        for i, b in enumerate(found):
            if b is None:
                continue
            shifted = (slice(b[0].start + start, b[0].stop + start), *b[1:])
            known = boxes.get(i + 1)
            boxes[i + 1] = (
                shifted  # type: ignore[assignment]
                if known is None
                else tuple(
                    slice(min(k.start, n.start), max(k.stop, n.stop))
                    for k, n in zip(known, shifted, strict=True)
                )
            )
    return dict(sorted(boxes.items()))


def scan_label_values(
    array: npt.NDArray[Any], source: str
) -> tuple[npt.NDArray[Any], dict[int, Box]]:
    """Check a label map's values and find every nonzero value's bounding box in one pass.

    Returns the (integer) array and ``{value: box}``. Raises ``LabelMapError`` ("not a
    label map: …") for non-integral or negative values or more than 255 distinct values.
    """
    if array.dtype == np.bool_:
        array = array.view(np.uint8)
    elif array.dtype.kind == "f":
        array = _integral_copy(array, source)
    elif array.dtype.kind not in "iu":
        raise LabelMapError(source, f"not a label map: data type {array.dtype}")
    if array.size == 0:
        raise LabelMapError(source, "not a label map: empty array")
    if array.dtype.kind == "i" and int(array.min()) < 0:
        raise LabelMapError(source, "not a label map: negative values")
    # uint8 maps (the common case) need no max pass: every value is a possible label.
    top = 255 if array.dtype == np.uint8 else int(array.max())
    if top == 0:
        return array, {}
    if top > 1 << 16:
        values = np.unique(array)
        if values.size > _MAX_DISTINCT:
            raise LabelMapError(
                source, f"not a label map: {values.size} distinct values (at most 255)"
            )
        boxes: dict[int, Box] = {}
        for v in values[values > 0]:
            idx = np.nonzero(array == v)
            boxes[int(v)] = tuple(slice(int(i.min()), int(i.max()) + 1) for i in idx)  # type: ignore[assignment]
        return array, boxes
    if array.flags.f_contiguous and not array.flags.c_contiguous:
        # NIfTI arrays come in Fortran order: scan the C-ordered transposed view (7× faster).
        boxes = {v: b[::-1] for v, b in find_boxes(array.T, top).items()}
    else:
        boxes = find_boxes(array, top)
    distinct = len(boxes)
    if distinct >= _MAX_DISTINCT:
        has_zero = distinct > _MAX_DISTINCT or any(
            bool(np.any(chunk == 0)) for chunk in _chunks(array)
        )
        if distinct + int(has_zero) > _MAX_DISTINCT:
            raise LabelMapError(
                source,
                f"not a label map: {distinct + int(has_zero)} distinct values (at most 255)",
            )
    return array, boxes


def _largest_component(
    crop: BoolArray, offset: tuple[int, int, int]
) -> tuple[BoolArray, tuple[int, int, int]]:
    """Spec step 4: keep the largest 26-connected component, re-cropped to its box."""
    labelled, n = label(crop)
    if n > 1:
        counts = np.bincount(labelled.ravel())
        counts[0] = 0
        keep_id = int(np.argmax(counts))
        keep = labelled == keep_id
        box = tuple(
            slice(
                int(np.flatnonzero(keep.any(axis=tuple(a for a in range(3) if a != axis)))[0]),
                int(np.flatnonzero(keep.any(axis=tuple(a for a in range(3) if a != axis)))[-1]) + 1,
            )
            for axis in range(3)
        )
        mask = keep[box]
        return mask, (
            offset[0] + box[0].start,
            offset[1] + box[1].start,
            offset[2] + box[2].start,
        )
    return crop, offset


def _subregion_body(subregions: LabelVolume | None, box: Box, mask: BoolArray) -> BoolArray | None:
    if subregions is None:
        return None
    values = np.asarray(subregions.array[box])
    return mask & np.isin(values, list(verse_body_subregions()))


def _check_subregions(
    subregions: LabelVolume | None,
    shape: tuple[int, int, int],
    affine: FloatArray,
    labels_source: str,
) -> None:
    if subregions is None:
        return
    if subregions.shape != shape or not np.allclose(subregions.affine, affine, atol=1e-3, rtol=0):
        raise LabelMapError(
            subregions.source, f"subregion map is not on the grid of {labels_source}"
        )
    if subregions.array.dtype.kind not in "iu":
        scan_label_values(subregions.array, subregions.source)


def extract_vertebrae(
    volume: LabelVolume,
    convention: str = "auto",
    subregions: LabelVolume | None = None,
) -> SpineLabels:
    """Spec steps 1, 2, 4, 5 on a multilabel map: one ``VertebraMask`` per vertebra."""
    array, boxes = scan_label_values(volume.array, volume.source)
    conv, conv_source = choose_convention(
        convention, from_folder=False, label_table=volume.label_table, present_values=boxes
    )
    levels = vertebra_levels(conv, volume.label_table)
    _check_subregions(subregions, volume.shape, volume.affine, volume.source)
    found: list[VertebraMask] = []
    for value, box in boxes.items():
        level = levels.get(value)
        if level is None:
            continue
        crop = np.asarray(array[box]) == value
        offset = (box[0].start, box[1].start, box[2].start)
        mask, offset = _largest_component(crop, offset)
        vm = VertebraMask(level=level, value=value, mask=mask, offset=offset)
        body = _subregion_body(subregions, vm.box, mask)
        found.append(VertebraMask(level, value, mask, offset, body))
    if not found:
        raise LabelMapError(volume.source, "no vertebra labels")
    _refuse_duplicates(found, volume.source)
    found.sort(key=lambda v: spine_index(v.level))
    return SpineLabels(
        source=volume.source,
        shape=volume.shape,
        affine=volume.affine,
        convention=conv,
        convention_source=conv_source,
        vertebrae=tuple(found),
    )


def _refuse_duplicates(found: list[VertebraMask], source: str) -> None:
    seen: dict[str, int | None] = {}
    for v in found:
        if v.level in seen:
            raise LabelMapError(
                source, f"two labels ({seen[v.level]} and {v.value}) both name {v.level}"
            )
        seen[v.level] = v.value


def is_level_mask_file(name: str) -> bool:
    """True for a TotalSegmentator per-class vertebra mask name (``vertebrae_L1.nii.gz``).

    >>> is_level_mask_file("vertebrae_T13.nii.gz"), is_level_mask_file("sacrum.nii.gz")
    (True, False)
    """
    return _FOLDER_FILE.fullmatch(name) is not None


def mask_files(folder: Path) -> list[Path]:
    """The ``vertebrae_<LEVEL>.nii[.gz]`` files of a TotalSegmentator folder, by name."""
    return sorted(p for p in folder.iterdir() if _FOLDER_FILE.fullmatch(p.name))


def read_mask_folder(
    folder: Path, convention: str = "auto", subregions: LabelVolume | None = None
) -> SpineLabels:
    """Spec step 3: a TotalSegmentator per-class folder; only ``vertebrae_<LEVEL>.nii[.gz]``
    files are read, an all-zero file is absent, inside means > 0, one grid for all."""
    if convention == Convention.VERSE:
        raise LabelMapError(
            str(folder),
            "a folder of masks is TotalSegmentator's layout; convention verse does not apply",
        )
    files = mask_files(folder)
    shape: tuple[int, int, int] | None = None
    affine: FloatArray | None = None
    first = ""
    found: list[VertebraMask] = []
    for path in files:
        vol = read_nifti_labels(path)
        if shape is None or affine is None:
            shape, affine, first = vol.shape, vol.affine, path.name
        elif vol.shape != shape or not np.allclose(vol.affine, affine, atol=1e-3, rtol=0):
            raise LabelMapError(
                str(path), f"not on the grid of {first} (files of one folder must share one grid)"
            )
        array, boxes = scan_label_values(vol.array, vol.source)
        if not boxes:
            continue
        lo = np.min([[b.start for b in box] for box in boxes.values()], axis=0)
        hi = np.max([[b.stop for b in box] for box in boxes.values()], axis=0)
        box = (
            slice(int(lo[0]), int(hi[0])),
            slice(int(lo[1]), int(hi[1])),
            slice(int(lo[2]), int(hi[2])),
        )
        crop = np.asarray(array[box]) > 0
        mask, offset = _largest_component(crop, (box[0].start, box[1].start, box[2].start))
        level = _FOLDER_FILE.fullmatch(path.name).group(1)  # type: ignore[union-attr]
        found.append(VertebraMask(level, None, mask, offset))
    if shape is None or affine is None or not found:
        raise LabelMapError(str(folder), "no vertebra labels")
    _check_subregions(subregions, shape, affine, str(folder))
    if subregions is not None:
        found = [
            VertebraMask(
                v.level, v.value, v.mask, v.offset, _subregion_body(subregions, v.box, v.mask)
            )
            for v in found
        ]
    found.sort(key=lambda v: spine_index(v.level))
    return SpineLabels(
        source=str(folder),
        shape=shape,
        affine=affine,
        convention=Convention.TOTALSEGMENTATOR,
        convention_source="option" if convention != "auto" else "folder",
        vertebrae=tuple(found),
    )
