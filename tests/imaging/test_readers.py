"""Readers and label conventions: DICOM series (TotalSegmentator's example_ct_dicom,
Apache-2.0), NIfTI header label tables, conventions, and the "not a label map" rules."""

from __future__ import annotations

import shutil
from pathlib import Path

import nibabel as nib
import numpy as np
import pydicom
import pytest

from vertebro.errors import ImageError, LabelMapError
from vertebro.imaging.dicom import read_dicom_series
from vertebro.imaging.labelmap import extract_vertebrae, scan_label_values
from vertebro.imaging.labels import Convention, choose_convention, vertebra_levels
from vertebro.imaging.nifti import read_nifti_labels
from vertebro.imaging.volume import LabelVolume, voxel_to_world, world_to_voxel

from .conftest import TS, require_data

DICOM = TS / "example_ct_dicom"


@pytest.fixture(scope="module")
def ct_dicom() -> object:
    require_data()
    return read_dicom_series(DICOM)


def test_dicom_series_volume_hu_and_geometry(ct_dicom: object) -> None:
    """JPEG 2000 decodes, values are HU, slices are sorted by position, and the grid
    agrees with TotalSegmentator's NIfTI of the same series (LAS, 512×512×20)."""
    vol = ct_dicom
    assert vol.shape == (512, 512, 20)  # type: ignore[attr-defined]
    assert vol.array.min() == pytest.approx(-1024.0)  # type: ignore[attr-defined]
    assert vol.spacing_mm == pytest.approx((0.9765625, 0.9765625, 2.0))  # type: ignore[attr-defined]
    seg = nib.load(TS / "example_seg_dicom.nii.gz")
    corners = np.array([[0, 0, 0], [511, 511, 19], [0, 511, 19]])
    same = world_to_voxel(vol.affine, voxel_to_world(seg.affine, corners))  # type: ignore[attr-defined]
    # TotalSegmentator's NIfTI flips the rows (j) of the DICOM series.
    assert np.allclose(same, [[0, 511, 0], [511, 0, 19], [0, 0, 19]], atol=1e-3)
    labels = np.asanyarray(seg.dataobj)
    bone = vol.array[:, ::-1, :][labels == 32]  # type: ignore[attr-defined]
    assert 150.0 < float(bone.mean()) < 500.0  # T12: vertebral bone in HU
    assert float(vol.array[:, ::-1, :][labels == 0].mean()) < -300.0  # type: ignore[attr-defined]


def _copy_series(tmp_path: Path) -> tuple[Path, list[Path]]:
    target = tmp_path / "series"
    shutil.copytree(DICOM, target)
    return target, sorted(target.iterdir())


def test_dicom_missing_slice_is_refused(tmp_path: Path) -> None:
    require_data()
    folder, files = _copy_series(tmp_path)
    files[7].unlink()
    with pytest.raises(ImageError, match=r"missing slices: gap of 4\.00 mm"):
        read_dicom_series(folder)


def test_dicom_mixed_series_is_refused(tmp_path: Path) -> None:
    require_data()
    folder, files = _copy_series(tmp_path)
    ds = pydicom.dcmread(files[3])
    ds.SeriesInstanceUID = pydicom.uid.generate_uid()
    ds.save_as(folder / "other_series.dcm")
    with pytest.raises(ImageError, match="mixed series"):
        read_dicom_series(folder)


def test_dicom_shuffled_file_names_do_not_matter(tmp_path: Path, ct_dicom: object) -> None:
    folder, files = _copy_series(tmp_path)
    for i, f in enumerate(reversed(files)):
        f.rename(folder / f"im{i:03d}")
    again = read_dicom_series(folder)
    assert np.array_equal(again.array, ct_dicom.array)  # type: ignore[attr-defined]
    assert np.allclose(again.affine, ct_dicom.affine)  # type: ignore[attr-defined]


def test_empty_folder_is_not_a_dicom_series(tmp_path: Path) -> None:
    with pytest.raises(ImageError, match="no DICOM image"):
        read_dicom_series(tmp_path)


def test_header_label_table_is_read() -> None:
    require_data()
    vol = read_nifti_labels(TS / "example_ct_vertebrae_body_per_level.nii.gz")
    assert vol.label_table is not None
    assert vol.label_table[19] == "vertebrae_T12"
    assert vertebra_levels(Convention.TOTALSEGMENTATOR, vol.label_table)[20] == "L1"


def test_header_table_beats_values() -> None:
    """example_seg_mr holds values 46–49 (TotalSegmentator-CT vertebra ids) but its header
    says they are autochthon and iliopsoas muscles: the header decides."""
    require_data()
    vol = read_nifti_labels(TS / "example_seg_mr.nii.gz")
    assert vol.label_table is not None and vol.label_table[19] == "vertebrae"
    with pytest.raises(LabelMapError, match="no vertebra labels"):
        extract_vertebrae(vol)
    stripped = LabelVolume(vol.array, vol.affine, vol.source, None)
    spine = extract_vertebrae(stripped)  # without the header, the values say TotalSegmentator
    assert spine.convention_source == "values"
    assert [v.level for v in spine.vertebrae] == ["C5", "C4", "C3", "C2"][::-1]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({26, 0}, "totalsegmentator"),
        ({29}, "totalsegmentator"),
        ({50}, "totalsegmentator"),
        ({28, 20}, "verse"),
        ({1, 2, 25}, "verse"),
        ({51, 100}, "verse"),
    ],
)
def test_convention_from_values(values: set[int], expected: str) -> None:
    conv, source = choose_convention(
        "auto", from_folder=False, label_table=None, present_values=values
    )
    assert (conv, source) == (expected, "values")


def test_verse_numbering() -> None:
    levels = vertebra_levels(Convention.VERSE, None)
    assert levels[1] == "C1" and levels[8] == "T1" and levels[19] == "T12"
    assert levels[20] == "L1" and levels[25] == "L6" and levels[28] == "T13"
    assert 26 not in levels and 27 not in levels


def _vol(array: np.ndarray) -> LabelVolume:
    return LabelVolume(array, np.eye(4), "m.nii.gz")


@pytest.mark.parametrize(
    ("array", "reason"),
    [
        (np.full((4, 4, 4), 0.5, dtype=np.float32), "values are not integers"),
        (np.full((4, 4, 4), -1, dtype=np.int16), "negative values"),
        (np.arange(4 * 4 * 20, dtype=np.int32).reshape(4, 4, 20), "distinct values"),
        (np.full((4, 4, 4), np.nan, dtype=np.float32), "non-finite"),
    ],
    ids=["fractional", "negative", "too_many_values", "nan"],
)
def test_not_a_label_map(array: np.ndarray, reason: str) -> None:
    with pytest.raises(LabelMapError, match=f"m.nii.gz: not a label map: .*{reason}"):
        scan_label_values(array, "m.nii.gz")


def test_integral_floats_are_a_label_map() -> None:
    array = np.zeros((6, 6, 6), dtype=np.float64)
    array[1:5, 1:5, 1:5] = 20.0
    out, boxes = scan_label_values(array, "m")
    assert out.dtype.kind == "u" and list(boxes) == [20]


def test_255_distinct_values_with_zero_are_refused_256_not() -> None:
    ok = np.arange(255, dtype=np.uint8).reshape(5, 51, 1).repeat(2, axis=2)  # 0..254: 255 values
    scan_label_values(ok, "m")
    bad = np.arange(256, dtype=np.uint8).reshape(4, 64, 1).repeat(2, axis=2)  # 0..255: 256 values
    with pytest.raises(LabelMapError, match="256 distinct values"):
        scan_label_values(bad, "m")


def test_largest_26_connected_component_is_kept() -> None:
    array = np.zeros((40, 40, 40), dtype=np.uint8)
    array[5:25, 5:25, 5:20] = 31  # L1 body-sized block
    array[30:33, 30:33, 30:33] = 31  # a stray island of the same label
    array[25, 25, 20] = 31  # diagonal neighbour: 26-connected to the block
    spine = extract_vertebrae(_vol(array), "totalsegmentator")
    (l1,) = spine.vertebrae
    assert l1.level == "L1" and int(l1.mask.sum()) == 20 * 20 * 15 + 1
    assert l1.offset == (5, 5, 5)


def test_folder_on_different_grids_is_refused(tmp_path: Path) -> None:
    a = np.zeros((10, 10, 10), np.uint8)
    a[2:8, 2:8, 2:8] = 1
    nib.save(nib.Nifti1Image(a, np.eye(4)), tmp_path / "vertebrae_L1.nii.gz")
    nib.save(nib.Nifti1Image(a, np.diag([2.0, 2.0, 2.0, 1.0])), tmp_path / "vertebrae_L2.nii.gz")
    from vertebro.imaging.labelmap import read_mask_folder

    with pytest.raises(LabelMapError, match=r"vertebrae_L2\.nii\.gz: not on the grid of "):
        read_mask_folder(tmp_path)


def test_public_names_resolve() -> None:
    import vertebro.imaging as imaging

    for name in imaging.__all__:
        assert getattr(imaging, name) is not None
