"""measurement-v1 "Geometry of one level", steps 1–7, in patient millimetres (RAS).

For each vertebra: its centroid, the spine axis ``y`` from neighbouring centroids
(or the principal axis of a lone vertebra), the mid-sagittal plane spanned by ``y``
and ``x`` (patient anterior made orthogonal to ``y``), the section of the mask on a
0.25 mm grid (trilinear, inside ≥ 0.5), the body section (the in-plane component
holding the most anterior inside point; 8-connected), the 3-D body, evaluability, and
the six landmarks at 15/50/85 % of the body's depth (outermost 0.5 crossings).
Every array operation works on the vertebra's crop, never on the whole volume.

Two refinements of the spec (grading method ``vertebro-sq/1``, docs/imaging.md):
a mask is *cut by the field of view* only when it meets an array face with a broad
flat face of bone (``cut_faces``), not when a complete vertebra of a tightly cropped
map touches the edge with a rim; and the body section ignores in-plane specks smaller
than a quarter of the largest component (a stray island in front of the body).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from vertebro.imaging.components import label, trilinear
from vertebro.imaging.labelmap import SpineLabels, VertebraMask
from vertebro.imaging.labels import evaluable_level
from vertebro.imaging.threads import measure_threads
from vertebro.imaging.volume import FloatArray
from vertebro.morphometry import MAX_HEIGHT_MM, Heights, heights_from_landmarks_mm, round_tenth

__all__ = [
    "CUT_FACE_FRACTION",
    "GRID_MM",
    "LANDMARKS",
    "LINE_FRACTIONS",
    "MIN_BODY_VOLUME_MM3",
    "MIN_SECTION_SHARE",
    "GeometryReason",
    "LevelGeometry",
    "Section",
    "cut_faces",
    "measure_geometry",
]

_MAX_WORKERS = 4

logger = logging.getLogger(__name__)

#: The six landmarks of rulebook M-1, in the order the document lists them.
LANDMARKS = (
    "anterior_superior",
    "anterior_inferior",
    "middle_superior",
    "middle_inferior",
    "posterior_superior",
    "posterior_inferior",
)
#: Sampling step of the mid-sagittal section, mm (spec step 4).
GRID_MM = 0.25
#: Where the three height lines sit, as fractions of the body depth from its posterior edge.
LINE_FRACTIONS: dict[str, float] = {"posterior": 0.15, "middle": 0.50, "anterior": 0.85}
#: Smallest 3-D body that can be measured, mm³ (2 cm³, spec step 6).
MIN_BODY_VOLUME_MM3 = 2000.0
#: A mask's layer on an array face is a cut when it holds at least this share of the mask's
#: largest layer along that axis (``cut_faces``).
CUT_FACE_FRACTION = 0.25
#: In-plane components smaller than this share of the largest are not the body section.
MIN_SECTION_SHARE = 0.25
_LINE_MARGIN_MM = 1.0
_ANTERIOR = np.array([0.0, 1.0, 0.0])
_SUPERIOR = np.array([0.0, 0.0, 1.0])

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True, eq=False)
class Section:
    """The sampled mid-sagittal plane of one level.

    ``values[j, i]`` is the interpolated mask at ``u[i]`` (along ``x``) and ``v[j]``
    (along ``y``), mm from the level centroid; ``body`` marks the body section.
    """

    u_mm: FloatArray
    v_mm: FloatArray
    values: npt.NDArray[np.float32]
    body: BoolArray


class GeometryReason(StrEnum):
    """Why a level is not evaluable: measurement-v1's ``reason`` (spec "Geometry of one
    level", step 5); the values are the JSON strings."""

    OUTSIDE_T1_L5 = "outside_T1_L5"
    CUT_BY_FOV = "cut_by_fov"
    TOO_SMALL = "too_small"


_CUT, _SMALL = GeometryReason.CUT_BY_FOV, GeometryReason.TOO_SMALL


@dataclass(frozen=True, slots=True, eq=False)
class LevelGeometry:
    """Everything the spec's geometry yields for one level (RAS mm unless named).

    ``origin_mm`` is the body section's centroid in patient space: the origin of
    ``landmarks_mm`` (``x`` along ``x_axis``, ``y`` along ``y_axis``). ``level`` is the label
    map's name of the vertebra, C1 to S1 (``model.Level`` holds only T1–L5, the levels that
    can be evaluable).
    """

    level: str
    centroid_mm: FloatArray
    y_axis: FloatArray
    x_axis: FloatArray
    section: Section | None
    origin_mm: FloatArray | None
    body_centroid_mm: FloatArray | None
    reason: GeometryReason | None
    landmarks_mm: dict[str, tuple[float, float]] | None
    heights: Heights | None

    @property
    def evaluable(self) -> bool:
        return self.reason is None

    def plane_to_world(self, xy: Sequence[float]) -> FloatArray:
        """A landmark ``(x, y)`` (mm, origin at the body section centroid) → RAS mm."""
        assert self.origin_mm is not None
        return self.origin_mm + xy[0] * self.x_axis + xy[1] * self.y_axis


def _indices(v: VertebraMask, mask: BoolArray | None = None) -> npt.NDArray[np.int64]:
    idx = np.argwhere(v.mask if mask is None else mask)
    out: npt.NDArray[np.int64] = idx + np.asarray(v.offset)
    return out


def cut_faces(
    mask: BoolArray, offset: Sequence[int], shape: Sequence[int]
) -> list[tuple[int, int, float]]:
    """The array faces that cut a cropped mask: ``(axis, side 0|1, fraction)`` for each
    face where the mask's layer on that face holds at least ``CUT_FACE_FRACTION`` of its
    largest layer along that axis.

    A plane through a vertebral body shows the body's whole cross-section; a complete
    body that merely reaches the last layer of a tightly cropped map (its bounding box)
    touches it with the cap of a convex or waisted surface, a few per cent of that
    cross-section (1–6 % on the VerSe'19 crops, 45–100 % on the real cuts of the
    TotalSegmentator, TPTBox and 0007 maps).

    >>> m = np.ones((4, 4, 4), dtype=bool)
    >>> cut_faces(m, (3, 3, 0), (10, 10, 4))   # the full section lies on both z faces
    [(2, 0, 1.0), (2, 1, 1.0)]
    >>> m[:, :, 0] = False; m[1, 1, 0] = True   # only a rim point reaches z = 0
    >>> cut_faces(m, (3, 3, 0), (10, 10, 4))
    [(2, 1, 1.0)]
    """
    out: list[tuple[int, int, float]] = []
    for axis in range(3):
        lo = int(offset[axis])
        hi = lo + mask.shape[axis] - 1
        if lo > 0 and hi < int(shape[axis]) - 1:
            continue
        counts = mask.sum(axis=tuple(a for a in range(3) if a != axis))
        largest = int(counts.max()) if counts.size else 0
        if largest == 0:
            continue
        for side, at_face, count in (
            (0, lo <= 0, counts[0]),
            (1, hi >= shape[axis] - 1, counts[-1]),
        ):
            fraction = float(count) / largest
            if at_face and fraction >= CUT_FACE_FRACTION:
                out.append((axis, side, round(fraction, 3)))
    return out


def _label_cut(v: VertebraMask, shape: Sequence[int]) -> bool:
    return bool(cut_faces(v.mask, v.offset, shape))


def _body_cut(body_idx: npt.NDArray[np.int64], shape: Sequence[int]) -> bool:
    """Spec step 6 ``cut_by_fov``, with ``cut_faces``: the 3-D body has a broad face on
    an array face."""
    lo = body_idx.min(axis=0)
    hi = body_idx.max(axis=0)
    if not (np.any(lo <= 0) or np.any(hi >= np.asarray(shape) - 1)):
        return False
    crop = np.zeros(tuple(int(n) for n in hi - lo + 1), dtype=bool)
    crop[tuple((body_idx - lo).T)] = True
    return bool(cut_faces(crop, lo.tolist(), shape))


def _rows_times(rows: npt.NDArray[Any], matrix: npt.NDArray[Any]) -> FloatArray:
    """``rows @ matrix`` for (N, 3) rows and a 3×3 matrix, written out: on such thin
    products BLAS threads cost more than they save (and wait on a busy machine)."""
    out: FloatArray = rows[:, :1] * matrix[0] + rows[:, 1:2] * matrix[1] + rows[:, 2:3] * matrix[2]
    return out


def _rows_dot(rows: FloatArray, vec: FloatArray) -> FloatArray:
    """``rows @ vec`` for (N, 3) rows, written out (see ``_rows_times``)."""
    out: FloatArray = rows[:, 0] * vec[0] + rows[:, 1] * vec[1] + rows[:, 2] * vec[2]
    return out


def _unit(vec: FloatArray) -> FloatArray:
    n = float(np.linalg.norm(vec))
    return vec / n if n > 0 else vec


def _spine_axes(labels: SpineLabels, centroids: list[FloatArray]) -> list[FloatArray]:
    """Spec step 2: the spine axis of each level, pointing to patient +S."""
    usable = [not _label_cut(v, labels.shape) for v in labels.vertebrae]
    rot = labels.affine[:3, :3]
    axes: list[FloatArray] = []
    for i, v in enumerate(labels.vertebrae):
        above = next((j for j in range(i - 1, -1, -1) if usable[j]), None)
        below = next((j for j in range(i + 1, len(centroids)) if usable[j]), None)
        if above is not None and below is not None:
            y = centroids[above] - centroids[below]
        elif above is not None:
            y = centroids[above] - centroids[i]
        elif below is not None:
            y = centroids[i] - centroids[below]
        else:
            idx = np.argwhere(v.mask).astype(np.float64)
            cov = rot @ np.cov(idx.T) @ rot.T if idx.shape[0] > 1 else np.eye(3)
            _, vecs = np.linalg.eigh(cov)
            y = vecs[:, 0]
        y = _unit(np.asarray(y, dtype=np.float64))
        if float(y @ _SUPERIOR) < 0:
            y = -y
        axes.append(y)
    return axes


def _half_voxel_along(affine: FloatArray, direction: FloatArray) -> float:
    """Half the extent of one voxel along ``direction``, mm."""
    return 0.5 * float(np.sum(np.abs(direction @ affine[:3, :3])))


class _Sampler:
    """Trilinear interpolation of a cropped 0/1 mask at patient-space points."""

    def __init__(self, mask: BoolArray, offset: tuple[int, int, int], affine: FloatArray) -> None:
        self._data = np.pad(mask.astype(np.float32), 1)
        inv = np.linalg.inv(affine)
        self._rot = inv[:3, :3]
        self._shift = inv[:3, 3] - np.asarray(offset, dtype=np.float64) + 1.0

    def __call__(self, points: FloatArray) -> npt.NDArray[np.float32]:
        flat = points.reshape(-1, 3)
        # a 3×3 product written out: BLAS threads cost more than they save on this shape
        coords = _rows_times(flat, self._rot.T) + self._shift
        out = trilinear(self._data, coords)
        return np.asarray(out, dtype=np.float32).reshape(points.shape[:-1])


def _grid(lo: float, hi: float) -> FloatArray:
    k0 = int(np.floor(lo / GRID_MM))
    k1 = int(np.ceil(hi / GRID_MM))
    return np.arange(k0, k1 + 1, dtype=np.float64) * GRID_MM


def _body_section(values: npt.NDArray[np.float32], whole: bool) -> BoolArray | None:
    """Spec step 4: the in-plane component holding the most anterior inside point."""
    inside = values >= 0.5
    if not inside.any():
        return None
    if whole:
        return inside
    labelled, n = label(inside)
    sizes = np.bincount(labelled.ravel(), minlength=n + 1)
    sizes[0] = 0
    candidates = inside & (sizes[labelled] >= MIN_SECTION_SHARE * sizes.max())
    cols = np.nonzero(candidates.any(axis=0))[0]
    front = int(cols[-1])
    row = int(np.nonzero(candidates[:, front])[0][0])
    out: BoolArray = labelled == labelled[row, front]
    return out


def _crossings(values: npt.NDArray[np.float32], v: FloatArray) -> tuple[float, float] | None:
    """Outermost 0.5 crossings along a sampled line (inner gaps ignored)."""
    inside = np.nonzero(values >= 0.5)[0]
    if inside.size == 0:
        return None
    j0, j1 = int(inside[0]), int(inside[-1])

    def cross(a: int, b: int) -> float:
        fa, fb = float(values[a]), float(values[b])
        t = (0.5 - fa) / (fb - fa)
        return float(v[a] + t * (v[b] - v[a]))

    low = float(v[j0]) if j0 == 0 else cross(j0 - 1, j0)
    high = float(v[j1]) if j1 == values.size - 1 else cross(j1 + 1, j1)
    return low, high


def _measure_level(
    v: VertebraMask,
    centroid: FloatArray,
    y: FloatArray,
    labels: SpineLabels,
) -> LevelGeometry:
    affine = labels.affine
    x = _unit(_ANTERIOR - float(_ANTERIOR @ y) * y)
    use_body = v.body is not None
    plane_mask = v.body if v.body is not None else v.mask
    half_x = _half_voxel_along(affine, x)
    half_y = _half_voxel_along(affine, y)

    # Extent of the level along x and y, from the crop's voxel centres.
    rot = affine[:3, :3]
    idx = _indices(v)
    rel = _rows_times(idx, rot.T) + (affine[:3, 3] - centroid)
    u_all, v_all = _rows_dot(rel, x), _rows_dot(rel, y)
    u_grid = _grid(float(u_all.min()) - half_x - GRID_MM, float(u_all.max()) + half_x + GRID_MM)
    v_grid = _grid(float(v_all.min()) - half_y - GRID_MM, float(v_all.max()) + half_y + GRID_MM)

    sampler = _Sampler(plane_mask, v.offset, affine)
    points = centroid + v_grid[:, None, None] * y + u_grid[None, :, None] * x
    values = sampler(points)
    body2d = _body_section(values, whole=use_body)

    def result(
        reason: GeometryReason | None,
        section: Section | None = None,
        origin: FloatArray | None = None,
        body_centroid: FloatArray | None = None,
        landmarks: dict[str, tuple[float, float]] | None = None,
        heights: Heights | None = None,
    ) -> LevelGeometry:
        return LevelGeometry(
            v.level,
            centroid,
            y,
            x,
            section,
            origin,
            body_centroid,
            reason,
            landmarks,
            heights,
        )

    outside = None if evaluable_level(v.level) else GeometryReason.OUTSIDE_T1_L5
    if body2d is None:
        cut = _label_cut(v, labels.shape)
        return result(outside or (_CUT if cut else _SMALL))
    section = Section(u_grid, v_grid, values, body2d)
    rows, cols = np.nonzero(body2d)
    u_body, v_body = u_grid[cols], v_grid[rows]
    posterior_edge = float(u_body.min())
    depth = float(u_body.max()) - posterior_edge
    cu, cv = float(u_body.mean()), float(v_body.mean())
    origin = centroid + cu * x + cv * y

    # Step 5: the 3-D body.
    if use_body:
        assert v.body is not None
        body_idx = _indices(v, v.body)
    else:
        keep = u_all >= posterior_edge - half_x
        body_idx = idx[keep]
    volume = float(body_idx.shape[0]) * labels.voxel_volume_mm3
    if body_idx.shape[0] == 0:
        return result(outside or _SMALL, section, origin)
    body_centroid = body_idx.mean(axis=0) @ rot.T + affine[:3, 3]
    if outside:
        return result(outside, section, origin, body_centroid)
    if _body_cut(body_idx, labels.shape):
        return result(_CUT, section, origin, body_centroid)
    if volume < MIN_BODY_VOLUME_MM3:
        return result(_SMALL, section, origin, body_centroid)

    # Step 7: three lines parallel to y; outermost 0.5 crossings.
    v_lo, v_hi = float(v_body.min()) - _LINE_MARGIN_MM, float(v_body.max()) + _LINE_MARGIN_MM
    v_line = v_grid[(v_grid >= v_lo) & (v_grid <= v_hi)]
    landmarks: dict[str, tuple[float, float]] = {}
    for name in ("anterior", "middle", "posterior"):
        u_line = posterior_edge + LINE_FRACTIONS[name] * depth
        line_points = centroid + u_line * x + v_line[:, None] * y
        found = _crossings(sampler(line_points), v_line)
        if found is None:
            return result(_SMALL, section, origin, body_centroid)
        lx = round_tenth(u_line - cu)
        landmarks[f"{name}_superior"] = (lx, round_tenth(found[1] - cv))
        landmarks[f"{name}_inferior"] = (lx, round_tenth(found[0] - cv))
    ordered = {key: landmarks[key] for key in LANDMARKS}
    raw = heights_from_landmarks_mm(ordered)
    heights = Heights(*(round_tenth(h) for h in raw))
    if any(not 0.0 < h <= MAX_HEIGHT_MM for h in heights):
        return result(_SMALL, section, origin, body_centroid, ordered, None)
    return result(None, section, origin, body_centroid, ordered, heights)


def measure_geometry(
    labels: SpineLabels, progress: Callable[[int, int], None] | None = None
) -> list[LevelGeometry]:
    """Spec "Geometry of one level", steps 1–7, for every vertebra, cranial → caudal;
    ``progress(done, total)`` after each level."""
    rot, shift = labels.affine[:3, :3], labels.affine[:3, 3]
    centroids = [np.argwhere(v.mask).mean(axis=0) + np.asarray(v.offset) for v in labels.vertebrae]
    centroids = [c @ rot.T + shift for c in centroids]
    axes = _spine_axes(labels, centroids)
    out: list[LevelGeometry] = []
    total = len(labels.vertebrae)
    jobs = list(zip(labels.vertebrae, centroids, axes, strict=True))
    # levels are independent once the axes are known; numpy releases the
    # GIL in their loops, so a second core shortens the work (results keep their order)
    with ThreadPoolExecutor(min(_MAX_WORKERS, measure_threads(), max(1, total))) as pool:
        for (v, _, _), measured in zip(
            jobs,
            pool.map(lambda job: _measure_level(job[0], job[1], job[2], labels), jobs),
            strict=True,
        ):
            out.append(measured)
            logger.debug("measured %s: %s", v.level, measured.reason or "evaluable")
            if progress is not None:
                progress(len(out), total)
    return out
