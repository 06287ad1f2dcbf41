"""A DICOM Segmentation (SEG) → a vertebra label map on a patient grid (pydicom only).

Reads the Segmentation IOD (DICOM PS3.3 A.51) as TotalSegmentator and hospital AI platforms
write it: binary, fractional or label-map segmentation types. Each segment is named a
vertebral level by its Segmented Property Type when that is one of the SNOMED CT codes of
DICOM CID 7603 "Vertebra" (C1 … L5, read from pydicom's copy of DICOM PS3.16, never typed in
here), else by its Segment Label (``vertebrae_L1``, ``L1``, ``L1 vertebra``, ``Lumbar vertebra
1``, ``first lumbar vertebra`` …); every other segment (organs, discs, sacrum) is ignored and
its frames are never decoded. A fractional segment holds a voxel when its value is at least
half the Maximum Fractional Value.

Geometry comes from the frames' Plane Position/Orientation and Pixel Measures. When the
image the SEG was drawn on is given, the frames are placed on that image's grid (so a
vertebra is "cut" only where the scan ends, even if the SEG omitted its empty frames);
otherwise the grid is the SEG's own, from its first to its last frame. The size
(rows × columns × frames, and the grid) is checked from the header before any pixel is
decoded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from vertebro.errors import LabelMapError
from vertebro.imaging.labels import SPINE_ORDER
from vertebro.imaging.volume import LPS_TO_RAS, FloatArray, ImageVolume, LabelVolume

__all__ = [
    "SEG_SOP_CLASSES",
    "SegHeader",
    "SegSegment",
    "find_seg_file",
    "level_of_code",
    "level_of_label",
    "read_dicom_seg",
    "read_seg_header",
]

#: Segmentation Storage and Label Map Segmentation Storage (DICOM PS3.4 B.5).
SEG_SOP_CLASSES = frozenset({"1.2.840.10008.5.1.4.1.1.66.4", "1.2.840.10008.5.1.4.1.1.66.7"})
_VERTEBRA_CID = "CID7603"
_ORDINALS = [
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
]
_REGIONS = {"cervical": "C", "thoracic": "T", "lumbar": "L", "sacral": "S"}
_BARE = re.compile(
    r"(?:vertebrae?|vertebral body) ?([ctls]) ?(\d{1,2})|([ctls]) ?(\d{1,2})"
    r"(?: vertebrae?| vertebral body)?"
)
_REGION_NUMBER = re.compile(
    r"(?:bone structure of |structure of )?(?:the )?"
    r"(cervical|thoracic|lumbar|sacral) (?:vertebrae? |spine )?(\d{1,2})(?: vertebrae?)?"
)
_REGION_ORDINAL = re.compile(
    r"(?:bone structure of |structure of )?(?:the )?([a-z]+) (cervical|thoracic|lumbar|sacral) "
    r"vertebrae?"
)
_CUT = 1e-2  # mm / voxels: how far a frame may sit from the grid


@dataclass(frozen=True, slots=True)
class SegSegment:
    """One segment: its number, label, and the level it names (``None``: not a vertebra)."""

    number: int
    label: str
    level: str | None
    named_by: str | None  # "code" or "label"


@dataclass(frozen=True, slots=True)
class SegHeader:
    """What a SEG says about itself, read without its pixels."""

    path: Path
    sop_class_uid: str
    sop_instance_uid: str
    series_instance_uid: str
    study_instance_uid: str
    source_series_uids: tuple[str, ...]
    segments: tuple[SegSegment, ...]

    def segment_numbers(self) -> dict[str, int]:
        """``{level: segment number}`` of the vertebra segments."""
        return {s.level: s.number for s in self.segments if s.level is not None}


@cache
def _levels_by_code() -> dict[tuple[str, str], str]:
    from pydicom.sr.codedict import Collection

    vertebrae = Collection(_VERTEBRA_CID)
    out: dict[tuple[str, str], str] = {}
    for level in SPINE_ORDER:
        keyword = f"{level}Vertebra"
        if keyword in vertebrae.dir():
            code = getattr(vertebrae, keyword)
            out[(str(code.value), str(code.scheme_designator))] = level
    return out


def level_of_code(value: str, scheme: str) -> str | None:
    """The level a SNOMED CT code of DICOM CID 7603 names (``66794005``, ``SCT`` → ``L1``)."""
    return _levels_by_code().get((value.strip(), scheme.strip().upper()))


def _level(letter: str, number: str) -> str | None:
    name = f"{letter.upper()}{int(number)}"
    return name if name in SPINE_ORDER else None


def level_of_label(label: str) -> str | None:
    """The level a segment label names, or None.

    >>> [level_of_label(s) for s in ("vertebrae_L1", "T12", "Lumbar vertebra 5", "C7 vertebra")]
    ['L1', 'T12', 'L5', 'C7']
    >>> [level_of_label(s) for s in ("first lumbar vertebra", "vertebrae_S1", "liver", "L1-L2")]
    ['L1', 'S1', None, None]
    """
    text = re.sub(r"[\s_\-.,:()]+", " ", label.lower()).strip()
    if m := _BARE.fullmatch(text):
        return _level(m.group(1) or m.group(3), m.group(2) or m.group(4))
    if m := _REGION_NUMBER.fullmatch(text):
        return _level(_REGIONS[m.group(1)], m.group(2))
    if (m := _REGION_ORDINAL.fullmatch(text)) and m.group(1) in _ORDINALS:
        return _level(_REGIONS[m.group(2)], str(_ORDINALS.index(m.group(1)) + 1))
    return None


def _segment(item: Any) -> SegSegment:
    label = str(item.get("SegmentLabel", "") or "")
    for code in item.get("SegmentedPropertyTypeCodeSequence", []) or []:
        level = level_of_code(
            str(code.get("CodeValue", "")), str(code.get("CodingSchemeDesignator", ""))
        )
        if level is not None:
            return SegSegment(int(item.SegmentNumber), label, level, "code")
    level = level_of_label(label)
    return SegSegment(int(item.SegmentNumber), label, level, None if level is None else "label")


def _is_seg_file(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(132)
    except OSError:
        return False
    if head[128:132] != b"DICM":
        return False
    from pydicom.filereader import read_file_meta_info

    try:
        meta = read_file_meta_info(str(path))
    except Exception:  # a broken file meta is simply not a SEG
        return False
    return str(meta.get("MediaStorageSOPClassUID", "")) in SEG_SOP_CLASSES


def find_seg_file(path: Path) -> Path | None:
    """``path`` itself when it is a DICOM SEG file; the one SEG in a folder; else None.

    A folder holding more than one SEG is refused (``LabelMapError``).
    """
    if path.is_file():
        return path if _is_seg_file(path) else None
    if not path.is_dir():
        return None
    found = [p for p in sorted(path.iterdir()) if p.is_file() and _is_seg_file(p)]
    if len(found) > 1:
        raise LabelMapError(
            str(path), f"{len(found)} DICOM SEG files in this folder; give one SEG file"
        )
    return found[0] if found else None


def _read(path: Path, *, pixels: bool) -> Any:
    import pydicom

    try:
        return pydicom.dcmread(str(path), stop_before_pixels=not pixels)
    except Exception as exc:  # pydicom raises many kinds; all mean "cannot read"
        raise LabelMapError(
            str(path), f"cannot read as DICOM ({type(exc).__name__}: {exc})"
        ) from exc


def _header(ds: Any, path: Path) -> SegHeader:
    src = str(path)
    sop_class = str(ds.get("SOPClassUID", ""))
    if sop_class not in SEG_SOP_CLASSES:
        raise LabelMapError(src, f"not a DICOM Segmentation (SOP Class UID {sop_class or 'none'})")
    if not ds.get("SegmentSequence"):
        raise LabelMapError(src, "the SEG has no SegmentSequence")
    sources = tuple(
        str(item.SeriesInstanceUID)
        for item in ds.get("ReferencedSeriesSequence", []) or []
        if item.get("SeriesInstanceUID")
    )
    return SegHeader(
        path=path,
        sop_class_uid=sop_class,
        sop_instance_uid=str(ds.get("SOPInstanceUID", "")),
        series_instance_uid=str(ds.get("SeriesInstanceUID", "")),
        study_instance_uid=str(ds.get("StudyInstanceUID", "")),
        source_series_uids=sources,
        segments=tuple(_segment(item) for item in ds.SegmentSequence),
    )


def read_seg_header(path: Path) -> SegHeader:
    """The SEG's identity and segments (pixels not read)."""
    return _header(_read(path, pixels=False), path)


def _functional(ds: Any, frame: int, sequence: str, src: str) -> Any:
    """The item of a functional group macro for ``frame``: per-frame, else shared."""
    per_frame = ds.get("PerFrameFunctionalGroupsSequence")
    for groups in (
        per_frame[frame] if per_frame and frame < len(per_frame) else None,
        (ds.get("SharedFunctionalGroupsSequence") or [None])[0],
    ):
        if groups is not None and sequence in groups and groups[sequence]:
            return groups[sequence][0]
    raise LabelMapError(src, f"frame {frame + 1} has no {sequence}")


@dataclass(frozen=True, slots=True)
class _Frame:
    index: int
    segment: int
    affine: FloatArray  # frame pixel (column, row, 0) → RAS mm


def _frames(ds: Any, src: str, labelmap: bool) -> list[_Frame]:
    frames: list[_Frame] = []
    for f in range(int(ds.get("NumberOfFrames", 1) or 1)):
        orientation = np.asarray(
            _functional(ds, f, "PlaneOrientationSequence", src).ImageOrientationPatient, float
        )
        position = np.asarray(
            _functional(ds, f, "PlanePositionSequence", src).ImagePositionPatient, float
        )
        spacing = np.asarray(_functional(ds, f, "PixelMeasuresSequence", src).PixelSpacing, float)
        segment = 0
        if not labelmap:
            segment = int(
                _functional(ds, f, "SegmentIdentificationSequence", src).ReferencedSegmentNumber
            )
        lps = np.eye(4)
        lps[:3, 0] = orientation[:3] * spacing[1]
        lps[:3, 1] = orientation[3:] * spacing[0]
        lps[:3, 2] = np.cross(orientation[:3], orientation[3:])
        lps[:3, 3] = position
        frames.append(_Frame(f, segment, LPS_TO_RAS @ lps))
    return frames


def _own_grid(ds: Any, frames: list[_Frame], src: str) -> tuple[tuple[int, int, int], FloatArray]:
    """The SEG's own grid: its frames' plane, stacked along the normal from first to last."""
    first = frames[0].affine
    normal = first[:3, 2]
    if any(not np.allclose(f.affine[:3, :3], first[:3, :3], atol=1e-4) for f in frames):
        raise LabelMapError(src, "frames of different orientation or spacing are not supported")
    along = np.asarray([float(f.affine[:3, 3] @ normal) for f in frames])
    distinct = np.unique(np.round(along, 3))
    measures = _functional(ds, 0, "PixelMeasuresSequence", src)
    step = float(measures.get("SpacingBetweenSlices", 0) or 0)
    if step <= 0:
        step = (
            float(np.min(np.diff(distinct)))
            if distinct.size > 1
            else float(measures.get("SliceThickness", 1.0) or 1.0)
        )
    lowest = frames[int(np.argmin(along))].affine[:3, 3]
    affine = first.copy()
    affine[:3, 2] = normal * step
    affine[:3, 3] = lowest
    slices = int(np.rint((distinct[-1] - distinct[0]) / step)) + 1
    return (int(ds.Columns), int(ds.Rows), slices), affine


def _placement(
    frame: FloatArray, grid: FloatArray, shape: tuple[int, int, int], rows: int, cols: int
) -> tuple[Any, bool] | None:
    """Where a frame's pixels land in the grid: an index tuple for the ``[row, column]``
    frame (transposed when the flag is true), or None when it is not on the grid."""
    m = np.linalg.inv(grid) @ frame
    t = m[:3, 3]
    if not np.allclose(t, np.rint(t), atol=_CUT):
        return None
    t_int = np.rint(t).astype(int)
    axes: list[tuple[int, int]] = []
    for col in (0, 1):  # frame column index, frame row index
        vec = m[:3, col]
        a = int(np.argmax(np.abs(vec)))
        if not np.isclose(abs(vec[a]), 1.0, atol=1e-3) or np.sum(np.abs(vec) > 1e-3) != 1:
            return None
        axes.append((a, 1 if vec[a] > 0 else -1))
    (a_c, s_c), (a_r, s_r) = axes
    fixed = 3 - a_c - a_r
    if a_c == a_r or not 0 <= t_int[fixed] < shape[fixed]:
        return None
    index: list[Any] = [None, None, None]
    index[fixed] = int(t_int[fixed])
    for axis, sign, count in ((a_c, s_c, cols), (a_r, s_r, rows)):
        start, last = int(t_int[axis]), int(t_int[axis]) + sign * (count - 1)
        if min(start, last) < 0 or max(start, last) >= shape[axis]:
            return None
        end = last + sign
        index[axis] = slice(start, None if end < 0 else end, sign)
    # The 2-D slab keeps the grid's axis order; the frame is [row, column].
    return tuple(index), a_c < a_r


def _check_size(
    src: str, rows: int, cols: int, frames: int, grid: tuple[int, int, int] | None = None
) -> None:
    from vertebro.imaging.limits import MeasureLimits, VolumeSize, check_size

    samples = rows * cols * frames
    voxels = 0 if grid is None else int(np.prod(grid))
    # the measurement limits of every label map (VERTEBRO_MAX_VOXELS, _MAX_MEASURE_GIB):
    # the decoded frames (one byte a sample) and the label map on the grid (one byte a voxel)
    shape = (rows, cols, frames)
    check_size(
        VolumeSize(src, shape, max(samples, voxels), samples + voxels), MeasureLimits.from_env()
    )


def read_dicom_seg(path: Path, grid: ImageVolume | None = None) -> LabelVolume:
    """The vertebra segments of a SEG as one label map: value ``n`` is the ``n``-th vertebra
    segment, ``label_table`` names it ``vertebrae_<level>``; on ``grid``'s voxels when every
    frame lies on them, else on the SEG's own grid. Errors are ``LabelMapError``."""
    src = str(path)
    ds = _read(path, pixels=False)
    header = _header(ds, path)
    seg_type = str(ds.get("SegmentationType", "")).upper()
    if seg_type not in ("BINARY", "FRACTIONAL", "LABELMAP"):
        raise LabelMapError(src, f"unsupported SegmentationType {seg_type or 'none'}")
    rows, cols = int(ds.Rows), int(ds.Columns)
    n_frames = int(ds.get("NumberOfFrames", 1) or 1)
    _check_size(src, rows, cols, n_frames)
    vertebrae = [s for s in header.segments if s.level is not None]
    if not vertebrae:
        raise LabelMapError(
            src,
            "no vertebra segments (none coded as a vertebra of DICOM CID 7603 "
            "nor labelled like L1 or vertebrae_L1)",
        )
    seen: dict[str, int] = {}
    for s in vertebrae:
        assert s.level is not None
        if s.level in seen:
            raise LabelMapError(src, f"segments {seen[s.level]} and {s.number} both name {s.level}")
        seen[s.level] = s.number
    value_of = {s.number: i for i, s in enumerate(vertebrae, start=1)}
    frames = _frames(ds, src, seg_type == "LABELMAP")
    if not frames:
        raise LabelMapError(src, "the SEG has no frames")

    placements: list[tuple[Any, bool] | None] | None = None
    if grid is not None:
        shape, affine = grid.shape, grid.affine
        placements = [_placement(f.affine, affine, shape, rows, cols) for f in frames]
        if any(p is None for p in placements):
            placements = None  # not drawn on this image's grid: use the SEG's own
    if placements is None:
        shape, affine = _own_grid(ds, frames, src)
        placements = [_placement(f.affine, affine, shape, rows, cols) for f in frames]
        if any(p is None for p in placements):
            raise LabelMapError(src, "frame positions are not on one regular grid")
    _check_size(src, rows, cols, n_frames, shape)

    wanted = [f.index for f in frames if seg_type == "LABELMAP" or f.segment in value_of]
    array = np.zeros(shape, dtype=np.uint8)
    threshold = 0.5 * float(ds.get("MaximumFractionalValue", 1) or 1)
    full = _read(path, pixels=True)
    from pydicom.pixels.utils import iter_pixels

    try:
        for f_index, stored in zip(wanted, iter_pixels(full, indices=wanted), strict=True):
            frame = frames[f_index]
            where = placements[f_index]
            assert where is not None
            index, transpose = where
            plane: npt.NDArray[Any] = stored.T if transpose else stored
            slab = array[index]
            if seg_type == "LABELMAP":
                for number, value in value_of.items():
                    slab[plane == number] = value
            else:
                inside = plane >= threshold if seg_type == "FRACTIONAL" else plane > 0
                slab[inside] = value_of[frame.segment]
    except LabelMapError:
        raise
    except Exception as exc:  # decoder missing or corrupt pixel data
        raise LabelMapError(
            src, f"cannot decode the SEG's pixel data ({type(exc).__name__}: {exc})"
        ) from exc
    table = {value_of[s.number]: f"vertebrae_{s.level}" for s in vertebrae}
    return LabelVolume(
        array=array, affine=affine, source=src, label_table=table, extra={"seg": header}
    )
