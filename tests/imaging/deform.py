"""Known geometric deformations of one real vertebra, for fracture-grading tests.

Each deformation compresses the level along its spine axis ``y`` about the body
section's centroid (the landmark origin), by a factor ``f(u, w)`` that depends on the
position ``u`` along the body's depth axis ``x`` and ``w`` across it (left–right):
the column of the mask at ``(u, w)`` becomes ``f`` times as tall. The measured heights
of the deformed level are then the original ones times ``f`` on each height line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from vertebro.imaging.geometry import LevelGeometry
from vertebro.imaging.volume import LabelVolume, voxel_to_world, world_to_voxel

Factor = Callable[[npt.NDArray[np.float64], npt.NDArray[np.float64]], npt.NDArray[np.float64]]


@dataclass(frozen=True)
class Deformation:
    """A named height factor ``f(u, w)``, u and w in mm from the landmark origin."""

    name: str
    factor: Factor

    def at_line(self, u_mm: float) -> float:
        return float(self.factor(np.array([u_mm]), np.array([0.0]))[0])


def anterior_wedge(g: LevelGeometry, k: float) -> Deformation:
    """Anterior wedge compression: f = 1 at the posterior height line, falling linearly
    to 1 − k at the anterior line (and below it further forward, clipped)."""
    assert g.landmarks_mm is not None
    u_post = g.landmarks_mm["posterior_superior"][0]
    u_ant = g.landmarks_mm["anterior_superior"][0]

    def f(u: npt.NDArray[np.float64], w: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return 1.0 - k * np.clip((u - u_post) / (u_ant - u_post), 0.0, 1.2)

    return Deformation(f"anterior wedge {k:.0%}", f)


def central_dent(g: LevelGeometry, k: float, half_depth_fraction: float = 0.4) -> Deformation:
    """Central biconcave dent: f = 1 − k·max(0, 1 − (Δu/a)² − (w/a)²) about the middle
    line, a = ``half_depth_fraction`` × the distance between the outer height lines / 0.7."""
    assert g.landmarks_mm is not None
    u_mid = g.landmarks_mm["middle_superior"][0]
    depth = (g.landmarks_mm["anterior_superior"][0] - g.landmarks_mm["posterior_superior"][0]) / 0.7
    a = half_depth_fraction * depth

    def f(u: npt.NDArray[np.float64], w: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        bump = np.maximum(0.0, 1.0 - ((u - u_mid) / a) ** 2 - (w / a) ** 2)
        return 1.0 - k * bump

    return Deformation(f"central dent {k:.0%}", f)


def uniform_crush(k: float) -> Deformation:
    """Uniform crush of the whole level to 1 − k of its height."""

    def f(u: npt.NDArray[np.float64], w: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return np.full_like(u, 1.0 - k)

    return Deformation(f"uniform crush {k:.0%}", f)


def deform_level(volume: LabelVolume, value: int, g: LevelGeometry, d: Deformation) -> LabelVolume:
    """A copy of ``volume`` in which label ``value`` is deformed by ``d`` in the frame of
    its measured geometry ``g`` (trilinear resampling of its 0/1 mask, inside ≥ 0.5)."""
    assert g.origin_mm is not None
    array = np.array(volume.array, copy=True)
    where = np.argwhere(array == value)
    lo = np.maximum(where.min(axis=0) - 2, 0)
    hi = np.minimum(where.max(axis=0) + 3, np.asarray(array.shape))
    box = tuple(slice(int(a), int(b)) for a, b in zip(lo, hi, strict=True))
    crop = array[box]
    mask = (crop == value).astype(np.float32)
    idx = np.indices(crop.shape).reshape(3, -1).T + lo
    world = voxel_to_world(volume.affine, idx)
    rel = world - g.origin_mm
    lateral = np.cross(g.x_axis, g.y_axis)
    u, v, w = rel @ g.x_axis, rel @ g.y_axis, rel @ lateral
    f = d.factor(u, w)
    source = world + (v / f - v)[:, None] * g.y_axis
    src_idx = world_to_voxel(volume.affine, source) - lo
    warped = ndimage.map_coordinates(mask, src_idx.T, order=1, mode="constant", cval=0.0)
    inside = (warped >= 0.5).reshape(crop.shape)
    crop[crop == value] = 0
    crop[inside & (crop == 0)] = value
    array[box] = crop
    return LabelVolume(
        array=array, affine=volume.affine, source=volume.source, label_table=volume.label_table
    )


def upsampled(volume: LabelVolume, factor: int) -> LabelVolume:
    """The same map on a ``factor`` times finer grid (each voxel split, nearest neighbour),
    its affine adjusted so that the new voxels tile the old ones."""
    array = volume.array
    for axis in range(3):
        array = np.repeat(array, factor, axis=axis)
    scale = np.eye(4)
    scale[:3, :3] /= factor
    scale[:3, 3] = (1.0 / factor - 1.0) / 2.0
    return LabelVolume(
        array=array,
        affine=volume.affine @ scale,
        source=volume.source,
        label_table=volume.label_table,
    )
