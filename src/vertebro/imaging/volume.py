"""Arrays with their geometry: the one place for voxel ↔ patient (RAS, mm) conversions.

Every volume carries a 4×4 affine mapping voxel indices ``(i, j, k)`` to patient
coordinates in millimetres, RAS (+x right, +y anterior, +z superior), as NIfTI does.
DICOM's LPS is converted on reading (``dicom.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["LPS_TO_RAS", "ImageVolume", "LabelVolume", "voxel_to_world", "world_to_voxel"]

#: Flips the first two axes: DICOM LPS ↔ NIfTI RAS.
LPS_TO_RAS: npt.NDArray[np.float64] = np.diag([-1.0, -1.0, 1.0, 1.0])

FloatArray = npt.NDArray[np.float64]


def voxel_to_world(affine: FloatArray, ijk: npt.ArrayLike) -> FloatArray:
    """Voxel indices ``(N, 3)`` → patient RAS ``(N, 3)`` mm."""
    pts = np.asarray(ijk, dtype=np.float64)
    out: FloatArray = pts @ affine[:3, :3].T + affine[:3, 3]
    return out


def world_to_voxel(affine: FloatArray, xyz: npt.ArrayLike) -> FloatArray:
    """Patient RAS ``(N, 3)`` mm → (fractional) voxel indices ``(N, 3)``."""
    inv = np.linalg.inv(affine)
    pts = np.asarray(xyz, dtype=np.float64)
    out: FloatArray = pts @ inv[:3, :3].T + inv[:3, 3]
    return out


@dataclass(frozen=True, slots=True, eq=False)
class _Volume:
    """A 3-D array and its affine (voxel → RAS mm); ``source`` names the file for errors."""

    array: npt.NDArray[Any]
    affine: FloatArray
    source: str

    @property
    def shape(self) -> tuple[int, int, int]:
        s = self.array.shape
        return (int(s[0]), int(s[1]), int(s[2]))

    @property
    def spacing_mm(self) -> tuple[float, float, float]:
        """Length of each voxel edge along the array axes, mm."""
        n = np.linalg.norm(self.affine[:3, :3], axis=0)
        return (float(n[0]), float(n[1]), float(n[2]))

    @property
    def voxel_volume_mm3(self) -> float:
        return float(abs(np.linalg.det(self.affine[:3, :3])))


@dataclass(frozen=True, slots=True, eq=False)
class ImageVolume(_Volume):
    """A CT (HU) or MR (arbitrary units) volume, ``(I, J, K)`` float32 or integer."""


@dataclass(frozen=True, slots=True, eq=False)
class LabelVolume(_Volume):
    """An integer label map ``(I, J, K)``.

    ``label_table`` holds the id → class name table found in the file's header
    extension (TotalSegmentator writes one), else ``None``. ``from_folder`` marks a
    map assembled from a folder of per-class masks (``folder.py``).
    """

    label_table: dict[int, str] | None = None
    from_folder: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def box_inside_image(
    image: ImageVolume,
    affine: FloatArray,
    lo_index: npt.ArrayLike,
    hi_index: npt.ArrayLike,
    tolerance_voxels: float = 1.0,
) -> bool:
    """True when the index box ``[lo, hi]`` of a grid with ``affine`` lies inside the
    image's field of view (its voxel centres, widened by ``tolerance_voxels``)."""
    lo, hi = np.asarray(lo_index, dtype=np.float64), np.asarray(hi_index, dtype=np.float64)
    corners = np.array(
        [
            [(lo, hi)[a][0], (lo, hi)[b][1], (lo, hi)[c][2]]
            for a in (0, 1)
            for b in (0, 1)
            for c in (0, 1)
        ]
    )
    in_image = world_to_voxel(image.affine, voxel_to_world(affine, corners))
    limit = np.asarray(image.shape, dtype=np.float64) - 1.0
    return bool(
        np.all(in_image >= -tolerance_voxels) and np.all(in_image <= limit + tolerance_voxels)
    )
