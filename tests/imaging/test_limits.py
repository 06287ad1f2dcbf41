"""Size limits read from headers (api-v1 1.1 "Label maps"): the header parser agrees with
nibabel on real and written files, and the limits hold at their boundary."""

from __future__ import annotations

from pathlib import Path

import nibabel as nib
import numpy as np
import pytest

from tests.conftest import SHARED
from vertebro.errors import ImageTooLarge
from vertebro.imaging.limits import MeasureLimits, VolumeSize, check_size, nifti_size

REAL = sorted((SHARED / "data").rglob("*.nii*"))


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_the_header_parser_agrees_with_nibabel_on_every_real_map(path: Path) -> None:
    image = nib.load(str(path))
    size = nifti_size(path, labels=True)
    assert size.shape == image.shape
    assert size.voxels == int(np.prod(image.shape))
    decoded = size.voxels * image.get_data_dtype().itemsize
    assert size.working_bytes >= decoded * (2 if path.suffix == ".gz" else 1)


@pytest.mark.parametrize("kind", [nib.Nifti1Image, nib.Nifti2Image])
@pytest.mark.parametrize("order", ["<", ">"])
@pytest.mark.parametrize("dtype", ["u1", "i2", "f4", "f8"])
def test_nifti1_and_nifti2_in_both_byte_orders(
    tmp_path: Path, kind: type, order: str, dtype: str
) -> None:
    array = np.zeros((5, 6, 7, 2), dtype=np.dtype(dtype).newbyteorder(order))
    image = kind(array, np.eye(4))
    image.header.set_data_dtype(array.dtype)
    if order == ">":
        image = kind(array, np.eye(4), header=image.header.as_byteswapped(">"))
    for name in ("m.nii", "m.nii.gz"):
        nib.save(image, str(tmp_path / name))
        size = nifti_size(tmp_path / name, labels=True)
        assert size.shape == (5, 6, 7, 2) and size.voxels == 420, name
        itemsize = np.dtype(dtype).itemsize
        expected = 420 * itemsize * (2 if name.endswith(".gz") else 1) + 420 * (dtype[0] == "f")
        assert size.working_bytes == expected, name


def test_scaling_counts_the_float64_copy(tmp_path: Path) -> None:
    image = nib.Nifti1Image(np.zeros((4, 4, 4), dtype=np.int16), np.eye(4))
    image.header.set_slope_inter(2.0, -1024.0)
    nib.save(image, str(tmp_path / "ct.nii"))
    assert nifti_size(tmp_path / "ct.nii", labels=False).working_bytes == 64 * 2 + 64 * 8


@pytest.mark.parametrize(("voxels", "refused"), [(1000, False), (1001, True)])
def test_the_voxel_limit_is_inclusive(voxels: int, refused: bool) -> None:
    size = VolumeSize("m.nii", (voxels,), voxels, 10)
    limits = MeasureLimits(max_voxels=1000, max_gib=1.0)
    if refused:
        with pytest.raises(ImageTooLarge, match="1,001 voxels"):
            check_size(size, limits)
    else:
        check_size(size, limits)


def test_the_memory_limit_counts_the_other_inputs() -> None:
    limits = MeasureLimits(max_voxels=10**9, max_gib=1.0)
    size = VolumeSize("image", (10,), 10, 600 * 2**20)
    check_size(size, limits)
    with pytest.raises(ImageTooLarge) as info:
        check_size(size, limits, others=500 * 2**20)
    assert "about 1.1 GiB of working memory with the other inputs" in str(info.value)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("VERTEBRO_MAX_VOXELS", "0"),
        ("VERTEBRO_MAX_VOXELS", "1e9"),
        ("VERTEBRO_MAX_MEASURE_GIB", "nan"),
        ("VERTEBRO_MAX_MEASURE_GIB", "0"),
        ("VERTEBRO_MAX_MEASURE_GIB", "four"),
    ],
)
def test_bad_settings_are_refused_by_name(variable: str, value: str) -> None:
    with pytest.raises(ValueError, match=f"^{variable}: must be a positive"):
        MeasureLimits.from_env({variable: value})


def test_settings_from_the_environment() -> None:
    assert MeasureLimits.from_env({}) == MeasureLimits(600_000_000, 4.0)
    custom = {"VERTEBRO_MAX_VOXELS": "1000", "VERTEBRO_MAX_MEASURE_GIB": "0.5"}
    assert MeasureLimits.from_env(custom) == MeasureLimits(1000, 0.5)
