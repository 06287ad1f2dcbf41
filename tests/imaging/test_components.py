"""The numpy-only bounding boxes, connected components and trilinear sampling
(``imaging/components.py``) give what scipy.ndimage gives (hypothesis, random masks and
label arrays of every small shape); ``test_startup.py`` checks that a whole ``vertebro
measure`` process, which then never imports scipy, prints the same document."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import ndimage

from vertebro.imaging.components import bounding_boxes, label_numpy, trilinear_numpy

shapes_3d = st.tuples(st.integers(1, 9), st.integers(1, 9), st.integers(1, 9))
shapes_2d = st.tuples(st.integers(1, 14), st.integers(1, 14))


@settings(max_examples=150, deadline=None)
@given(st.one_of(shapes_2d, shapes_3d).flatmap(lambda s: hnp.arrays(np.bool_, s)))
def test_label_equals_scipy(mask: np.ndarray) -> None:
    expected, n = ndimage.label(mask, structure=np.ones((3,) * mask.ndim, dtype=bool))
    got, m = label_numpy(mask)
    assert m == n
    assert np.array_equal(got, expected)


@settings(max_examples=100, deadline=None)
@given(shapes_3d.flatmap(lambda s: hnp.arrays(np.uint8, s, elements=st.integers(0, 6))))
def test_bounding_boxes_equal_find_objects(array: np.ndarray) -> None:
    top = int(array.max())
    expected = {
        i + 1: box for i, box in enumerate(ndimage.find_objects(array, max_label=top)) if box
    }
    assert bounding_boxes(array, top) == expected


@settings(max_examples=100, deadline=None)
@given(
    shapes_3d.flatmap(lambda s: hnp.arrays(np.bool_, s)),
    st.lists(st.tuples(*(st.floats(-2.0, 11.0) for _ in range(3))), min_size=1, max_size=40),
)
def test_trilinear_equals_map_coordinates(mask: np.ndarray, points: list) -> None:
    data = np.pad(mask.astype(np.float32), 1)
    coords = np.asarray(points, dtype=np.float64)
    expected = ndimage.map_coordinates(data, coords.T, order=1, mode="constant", cval=0.0)
    got = trilinear_numpy(data, coords)
    assert got.dtype == np.float32
    assert np.allclose(got, expected, atol=1e-6)
