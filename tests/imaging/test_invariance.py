"""The geometry lives in patient millimetres: re-indexing the same voxels (axes
permuted or flipped, affine adjusted), tilting the grid obliquely, or resampling it to
a finer grid must not change the measurement (data: TotalSegmentator example_ct,
Apache-2.0; TPTBox sample_ct, Apache-2.0)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from vertebro.imaging.labelmap import extract_vertebrae
from vertebro.imaging.nifti import read_nifti_labels
from vertebro.imaging.volume import LabelVolume
from vertebro.services.measuring import measure_labels

from . import deform
from .conftest import TPT, TS, require_data

MAPS = {
    "ts_ct": TS / "example_ct_totalseg.nii.gz",
    "tptbox_ct": TPT / "sample_ct" / "sub-ct_seg-vert_label-22_msk.nii.gz",
}


def _doc(volume: LabelVolume) -> dict[str, Any]:
    return measure_labels(extract_vertebrae(volume)).document


def _permuted(vol: LabelVolume, order: tuple[int, int, int]) -> LabelVolume:
    affine = vol.affine.copy()
    affine[:3, :3] = vol.affine[:3, list(order)]
    return LabelVolume(np.transpose(vol.array, order), affine, vol.source, vol.label_table)


def _flipped(vol: LabelVolume, axis: int) -> LabelVolume:
    affine = vol.affine.copy()
    n = vol.array.shape[axis]
    affine[:3, 3] = vol.affine[:3, 3] + (n - 1) * vol.affine[:3, axis]
    affine[:3, axis] = -vol.affine[:3, axis]
    return LabelVolume(np.flip(vol.array, axis), affine, vol.source, vol.label_table)


def _rotated_about_right(vol: LabelVolume, degrees: float) -> LabelVolume:
    t = np.radians(degrees)
    rot = np.eye(4)
    rot[1:3, 1:3] = [[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]]
    return LabelVolume(vol.array, rot @ vol.affine, vol.source, vol.label_table)


def _heights(doc: dict[str, Any]) -> dict[str, tuple[str | None, list[float] | None]]:
    return {
        i["level"]: (
            i["reason"],
            None if i["heights_mm"] is None else list(i["heights_mm"].values()),
        )
        for i in doc["levels"]
    }


@pytest.fixture(scope="module", params=list(MAPS))
def original(request: pytest.FixtureRequest) -> tuple[LabelVolume, dict[str, Any]]:
    require_data()
    vol = read_nifti_labels(MAPS[request.param])
    return vol, _doc(vol)


def _assert_same(a: dict[str, Any], b: dict[str, Any], tol_mm: float) -> None:
    ha, hb = _heights(a), _heights(b)
    assert list(ha) == list(hb)
    for level in ha:
        assert ha[level][0] == hb[level][0], level
        if ha[level][1] is not None:
            assert np.allclose(ha[level][1], hb[level][1], atol=tol_mm), (
                level,
                ha[level],
                hb[level],
            )


TRANSFORMS: dict[str, Callable[[LabelVolume], LabelVolume]] = {
    "permute_201": lambda v: _permuted(v, (2, 0, 1)),
    "permute_102": lambda v: _permuted(v, (1, 0, 2)),
    "flip_0": lambda v: _flipped(v, 0),
    "flip_1": lambda v: _flipped(v, 1),
    "flip_2": lambda v: _flipped(v, 2),
    "permute_and_flip": lambda v: _flipped(_permuted(v, (2, 1, 0)), 1),
}


@pytest.mark.parametrize("name", list(TRANSFORMS))
def test_axes_permuted_or_flipped_give_same_heights(
    name: str, original: tuple[LabelVolume, dict[str, Any]]
) -> None:
    vol, doc = original
    other = _doc(TRANSFORMS[name](vol))
    _assert_same(doc, other, tol_mm=0.1)
    assert other["regional"]["kyphosis_deg"] == pytest.approx(
        doc["regional"]["kyphosis_deg"], abs=0.1
    )
    for a, b in zip(doc["levels"], other["levels"], strict=True):
        assert np.allclose(a["centroid_mm"], b["centroid_mm"], atol=0.1)


def test_oblique_grid_tilted_about_patient_right(
    original: tuple[LabelVolume, dict[str, Any]],
) -> None:
    """An oblique affine: the whole grid (and so the anatomy) tilted by 20° about the
    patient's left–right axis. Sagittal lengths are kept; only because the spine axis
    has a small left–right component does "patient anterior made orthogonal to y"
    turn slightly against the anatomy (a second-order effect): heights within 0.3 mm."""
    vol, doc = original
    tilted = _doc(_rotated_about_right(vol, 20.0))
    _assert_same(doc, tilted, tol_mm=0.3)
    assert tilted["regional"]["kyphosis_deg"] == pytest.approx(
        doc["regional"]["kyphosis_deg"], abs=0.2
    )


def test_finer_grid_within_one_original_voxel(original: tuple[LabelVolume, dict[str, Any]]) -> None:
    vol, doc = original
    finer = _doc(deform.upsampled(vol, 2))
    voxel_mm = max(vol.spacing_mm)
    _assert_same(doc, finer, tol_mm=voxel_mm)
