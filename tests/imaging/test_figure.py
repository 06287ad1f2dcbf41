"""The --figure PNG draws on the image (or the masks) and colours each body by grade."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vertebro.imaging.figure import GRADE_COLOURS
from vertebro.services.measuring import measure_study

from .conftest import TS, VERSE, require_data


@pytest.mark.parametrize(
    ("labels", "image"),
    [
        (TS / "example_ct_totalseg.nii.gz", TS / "example_ct.nii.gz"),
        (VERSE / "0007_msk.nii.gz", None),
    ],
    ids=["ct_background", "mask_background"],
)
def test_figure_shows_grades(labels: Path, image: Path | None, tmp_path: Path) -> None:
    require_data()
    import matplotlib.image as mpimg
    from matplotlib.colors import to_rgb

    from vertebro.imaging.figure import render_figure

    result = measure_study(labels, image=image)
    out = tmp_path / "fig.png"
    render_figure(result, out)
    pixels = mpimg.imread(out)[..., :3]
    assert pixels.shape[0] > 500 and pixels.shape[1] > 500
    grades = {i["genant_grade"] for i in result.document["levels"] if i["evaluable"]}
    for grade in grades:  # each grade present is drawn in its colour
        colour = np.array(to_rgb(GRADE_COLOURS[grade]))
        assert (np.abs(pixels - colour).max(axis=-1) < 0.05).sum() > 200, grade
    for grade in {0, 1, 2, 3} - grades:  # … and absent grades are not (legend swatches aside)
        colour = np.array(to_rgb(GRADE_COLOURS[grade]))
        assert (np.abs(pixels - colour).max(axis=-1) < 0.05).sum() < 400, grade
