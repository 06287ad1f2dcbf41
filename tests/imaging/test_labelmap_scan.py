"""The label scan finds the same boxes whether the map is scanned whole or in parallel slabs."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage

from vertebro.imaging.labelmap import find_boxes


@settings(max_examples=40)
@given(
    st.integers(1, 40),
    st.integers(1, 12),
    st.integers(1, 12),
    st.integers(1, 9),
    st.integers(0, 2**32 - 1),
)
def test_slab_scan_joins_to_the_whole_scan(nx: int, ny: int, nz: int, top: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    array = rng.integers(0, top + 1, size=(nx, ny, nz), dtype=np.uint8)
    array[rng.random(array.shape) < 0.7] = 0  # sparse labels: some values absent
    whole = {
        i + 1: b for i, b in enumerate(ndimage.find_objects(array, max_label=top)) if b is not None
    }
    assert find_boxes(array, top, slab_voxels=1) == whole  # as many slabs as workers allow
    assert find_boxes(array, top) == whole  # small: one pass
