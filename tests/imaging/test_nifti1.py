"""The small NIfTI-1 label-map reader agrees with nibabel: on every NIfTI file in
../shared/data (TotalSegmentator, Apache-2.0; TPTBox, Apache-2.0; HealthiVert-GAN 0007 and
VerSe'19, CC BY-SA 4.0) and on generated files with random grids, qforms, sforms, data
types and byte orders (hypothesis)."""

from __future__ import annotations

from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vertebro.imaging.nifti import label_table_from_extensions, read_nifti_labels
from vertebro.imaging.nifti1 import read_nifti1

from .conftest import DATA, require_data

FILES = sorted(p for p in DATA.rglob("*.nii*") if p.is_file()) if DATA.is_dir() else []
LABEL_MAPS = [p for p in FILES if "seg" in p.name or "msk" in p.name or "vertebrae" in p.name]


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_same_array_affine_and_label_table_as_nibabel(path: Path) -> None:
    require_data()
    img = nib.load(path)
    fast = read_nifti1(path)
    if fast is None:
        assert path not in LABEL_MAPS, "every label map here is read without nibabel"
        return
    expected = np.asanyarray(img.dataobj)
    while expected.ndim > 3 and expected.shape[-1] == 1:
        expected = expected[..., 0]
    assert fast.array.dtype == expected.dtype and fast.array.shape == expected.shape
    assert np.array_equal(fast.array, expected)
    assert np.allclose(fast.affine, img.affine, rtol=0, atol=1e-6)
    volume = read_nifti_labels(path)
    assert volume.label_table == label_table_from_extensions(img)


def test_every_label_map_takes_the_fast_path() -> None:
    require_data()
    assert LABEL_MAPS
    for path in LABEL_MAPS:
        assert read_nifti1(path) is not None, path


@settings(max_examples=40, deadline=None)
@given(
    shape=st.tuples(st.integers(1, 5), st.integers(1, 5), st.integers(1, 5)),
    dtype=st.sampled_from(["u1", "i2", "<u2", ">i4", "<f4", ">f8", "i1"]),
    quaternion=st.tuples(*(st.floats(-0.7, 0.7) for _ in range(3))),
    zooms=st.tuples(*(st.floats(0.3, 4.0) for _ in range(3))),
    qfac=st.sampled_from([-1.0, 1.0]),
    use_sform=st.booleans(),
    gz=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_generated_files(
    tmp_path_factory: pytest.TempPathFactory,
    shape: tuple[int, int, int],
    dtype: str,
    quaternion: tuple[float, float, float],
    zooms: tuple[float, float, float],
    qfac: float,
    use_sform: bool,
    gz: bool,
    seed: int,
) -> None:
    b, c, d = quaternion
    if b * b + c * c + d * d >= 1.0:
        return
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 50, size=shape).astype(np.dtype(dtype))
    hdr = nib.Nifti1Header()
    hdr.set_data_dtype(np.dtype(dtype))
    img = nib.Nifti1Image(data, None, hdr)
    img.header.set_zooms(zooms)
    img.header["pixdim"][0] = qfac
    img.header["quatern_b"], img.header["quatern_c"], img.header["quatern_d"] = b, c, d
    img.header["qoffset_x"], img.header["qoffset_y"], img.header["qoffset_z"] = 3.5, -2.0, 10.0
    img.header["qform_code"] = 1
    if use_sform:
        img.header.set_sform(np.diag([*zooms, 1.0]) + 0.01, code=2)
    else:
        img.header["sform_code"] = 0
    path = tmp_path_factory.mktemp("nii") / ("x.nii.gz" if gz else "x.nii")
    nib.save(img, str(path))
    back = nib.load(path)
    fast = read_nifti1(path)
    assert fast is not None
    assert np.array_equal(fast.array, np.asanyarray(back.dataobj))
    assert fast.array.dtype == np.asanyarray(back.dataobj).dtype
    assert np.allclose(fast.affine, back.affine, rtol=0, atol=1e-5)
