"""Bounding boxes, connected components and trilinear sampling in numpy alone.

``vertebro measure`` on a small label map spends more time importing ``scipy.ndimage``
than measuring; these give the same results as ``ndimage.find_objects``,
``ndimage.label`` (full connectivity: 8 in 2-D, 26 in 3-D; the same numbering, in raster
order of each component's first voxel) and ``ndimage.map_coordinates`` (order 1, mode
``constant``, cval 0) on the crops the measurement works with, and on label maps small
enough to scan three times (``SMALL_MAP_VOXELS``). ``tests/imaging/test_components.py``
compares them with scipy (hypothesis).

When ``scipy.ndimage`` is already imported (a large map was scanned with it, or the
caller uses it), ``label`` and ``trilinear`` hand over to it: it is faster per call; the
numpy code saves its import on small maps.

Components are found on runs: the maximal stretches of inside voxels along the last
axis; two runs in neighbouring lines touch when their extents overlap or meet diagonally;
the runs' graph is labelled by repeated minimum propagation with pointer jumping.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "SMALL_MAP_VOXELS",
    "bounding_boxes",
    "box_of",
    "label",
    "label_numpy",
    "trilinear",
    "trilinear_numpy",
]

#: Label maps up to this many voxels are scanned for boxes with numpy (three bincounts).
SMALL_MAP_VOXELS = 1 << 22

Box3 = tuple[slice, slice, slice]
IntArray = npt.NDArray[np.int64]


def bounding_boxes(array: npt.NDArray[Any], top: int) -> dict[int, Box3]:
    """``{value: box}`` of the values 1…``top`` present in a 3-D integer array, as
    ``ndimage.find_objects`` gives them."""
    flat = np.asarray(array)
    values = top + 1
    extents: list[npt.NDArray[np.bool_]] = []
    for axis in range(flat.ndim):
        layers = np.moveaxis(flat, axis, 0).reshape(flat.shape[axis], -1)
        keys = np.arange(flat.shape[axis], dtype=np.int64)[:, None] * values + layers
        counts = np.bincount(keys.ravel(), minlength=flat.shape[axis] * values)
        extents.append(counts.reshape(flat.shape[axis], values) > 0)
    present = np.flatnonzero(extents[0].any(axis=0))
    boxes: dict[int, Box3] = {}
    for value in present.tolist():
        if 0 < value <= top:
            a, b, c = (_span(layer_has[:, value]) for layer_has in extents)
            boxes[value] = (a, b, c)
    return boxes


def _span(present: npt.NDArray[np.bool_]) -> slice:
    where = np.flatnonzero(present)
    return slice(int(where[0]), int(where[-1]) + 1)


def box_of(mask: npt.NDArray[np.bool_]) -> Box3:
    """The bounding box of a non-empty 3-D mask."""
    a, b, c = (
        _span(np.asarray(mask.any(axis=tuple(o for o in range(3) if o != axis))))
        for axis in range(3)
    )
    return (a, b, c)


def _runs(mask: npt.NDArray[np.bool_]) -> tuple[IntArray, IntArray, IntArray]:
    """(line, start, end) of every run along the last axis, in raster order."""
    lines = mask.reshape(-1, mask.shape[-1])
    padded = np.zeros((lines.shape[0], lines.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = lines
    step = np.diff(padded, axis=1)
    line_s, start = np.nonzero(step == 1)
    _, end = np.nonzero(step == -1)
    return line_s.astype(np.int64), start.astype(np.int64), end.astype(np.int64)


def _touching(
    line: IntArray, start: IntArray, end: IntArray, shape: tuple[int, ...]
) -> tuple[IntArray, IntArray]:
    """Pairs of runs in neighbouring lines that touch (full connectivity)."""
    width = shape[-1] + 2
    lead = shape[:-1]
    keys_start = line * width + start
    keys_end = line * width + end
    coords = np.unravel_index(line, lead) if lead else ()
    # half of the neighbouring lines, so that each touching pair is found once
    offsets: list[tuple[int, ...]] = [(1,)] if len(lead) == 1 else [(0, 1), (1, -1), (1, 0), (1, 1)]
    firsts: list[IntArray] = []
    seconds: list[IntArray] = []
    for offset in offsets:
        ok = np.ones(line.shape, dtype=bool)
        target = np.zeros(line.shape, dtype=np.int64)
        for axis, (c, d) in enumerate(zip(coords, offset, strict=True)):
            moved = c + d
            ok &= (moved >= 0) & (moved < lead[axis])
            target = target * lead[axis] + moved
        runs = np.flatnonzero(ok)
        t = target[runs]
        hi = np.searchsorted(keys_start, t * width + end[runs], side="right")
        lo = np.searchsorted(keys_end, t * width + start[runs], side="left")
        counts = np.maximum(hi - lo, 0)
        total = int(counts.sum())
        if total == 0:
            continue
        a = np.repeat(runs, counts)
        first = np.repeat(lo, counts)
        within = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        firsts.append(a)
        seconds.append(first + within)
    if not firsts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    return np.concatenate(firsts), np.concatenate(seconds)


def label(mask: npt.NDArray[np.bool_]) -> tuple[npt.NDArray[np.int32], int]:
    """(labels, count) of the fully connected components of a 2-D or 3-D mask, numbered
    1… in raster order of their first voxel, as ``ndimage.label`` with a full structure."""
    ndimage = sys.modules.get("scipy.ndimage")
    if ndimage is not None:
        labelled, count = ndimage.label(mask, structure=np.ones((3,) * mask.ndim, dtype=bool))
        return np.asarray(labelled, dtype=np.int32), int(count)
    return label_numpy(mask)


def label_numpy(mask: npt.NDArray[np.bool_]) -> tuple[npt.NDArray[np.int32], int]:
    """``label`` in numpy alone."""
    mask = np.ascontiguousarray(mask, dtype=bool)
    out = np.zeros(mask.shape, dtype=np.int32)
    line, start, end = _runs(mask)
    n = line.size
    if n == 0:
        return out, 0
    a, b = _touching(line, start, end, mask.shape)
    parent = np.arange(n, dtype=np.int64)
    while True:
        low = np.minimum(parent[a], parent[b])
        before = parent.copy()
        np.minimum.at(parent, a, low)
        np.minimum.at(parent, b, low)
        while True:  # pointer jumping
            jumped = parent[parent]
            if np.array_equal(jumped, parent):
                break
            parent = jumped
        if np.array_equal(parent, before):
            break
    roots, numbered = np.unique(parent, return_inverse=True)
    ids = numbered.astype(np.int32) + 1
    lengths = end - start
    flat = out.reshape(-1)
    row = mask.shape[-1]
    positions = np.repeat(line * row + start - np.cumsum(lengths) + lengths, lengths) + np.arange(
        int(lengths.sum())
    )
    flat[positions] = np.repeat(ids, lengths)
    return out, int(roots.size)


def trilinear(data: npt.NDArray[np.float32], coords: npt.NDArray[np.float64]) -> npt.NDArray[Any]:
    """``data`` at fractional indices ``coords`` (N, 3) by trilinear interpolation, 0
    outside ``[0, n − 1]`` on any axis (``map_coordinates``, order 1, mode constant)."""
    ndimage = sys.modules.get("scipy.ndimage")
    if ndimage is not None:
        out = ndimage.map_coordinates(data, coords.T, order=1, mode="constant", cval=0.0)
        return np.asarray(out, dtype=np.float32)
    return trilinear_numpy(data, coords)


def trilinear_numpy(
    data: npt.NDArray[np.float32], coords: npt.NDArray[np.float64]
) -> npt.NDArray[Any]:
    """``trilinear`` in numpy alone: the eight corners gathered from the flat array, then
    seven linear interpolations (z, then y, then x)."""
    n0, n1, n2 = data.shape
    c0, c1, c2 = coords[:, 0], coords[:, 1], coords[:, 2]
    inside = (c0 >= 0) & (c0 <= n0 - 1) & (c1 >= 0) & (c1 <= n1 - 1) & (c2 >= 0) & (c2 <= n2 - 1)
    out = np.zeros(coords.shape[0], dtype=np.float32)
    if not inside.any():
        return out
    c = coords[inside]
    base = np.floor(c).astype(np.intp)
    np.minimum(base, [max(n0 - 2, 0), max(n1 - 2, 0), max(n2 - 2, 0)], out=base)
    t = c - base
    flat = np.ascontiguousarray(data).reshape(-1)
    s0 = n1 * n2 if n0 > 1 else 0
    s1 = n2 if n1 > 1 else 0
    s2 = 1 if n2 > 1 else 0
    i = (base[:, 0] * n1 + base[:, 1]) * n2 + base[:, 2]
    tz, ty, tx = t[:, 2], t[:, 1], t[:, 0]

    def lerp(a: Any, b: Any, w: Any) -> Any:
        return a + (b - a) * w

    def along_z(j: Any) -> Any:
        lo = flat.take(j).astype(np.float64)
        return lerp(lo, flat.take(j + s2), tz)

    near = lerp(along_z(i), along_z(i + s1), ty)
    far = lerp(along_z(i + s0), along_z(i + s0 + s1), ty)
    out[inside] = lerp(near, far, tx)
    return out
