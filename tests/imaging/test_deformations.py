"""Real masks deformed by a known geometric operation (tests/imaging/deform.py) give the
heights, loss, Genant grade and shape that the deformed geometry implies: heights within
one voxel, the grading method's loss within 5 points of the method on the expected heights
and rulebook M-2 within 5 points of M-2 on them (data: TotalSegmentator example_ct, Apache-2.0;
HealthiVert-GAN case 0007, CC BY-SA 4.0).

example_ct's 3 mm voxels cannot hold a 4 mm endplate dent faithfully (each endplate
moves by up to half a voxel when the deformed mask is re-binarised, i.e. up to 10 loss
points), so that map is first split into 1 mm voxels (``upsample``), then deformed and
measured on that grid; 0007 is deformed on its own 1 mm grid."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from vertebro.imaging.geometry import LevelGeometry
from vertebro.imaging.labelmap import extract_vertebrae
from vertebro.imaging.labels import Convention, vertebra_levels
from vertebro.imaging.nifti import read_nifti_labels
from vertebro.morphometry import Heights, genant_grade, height_loss_pct, shape_of
from vertebro.morphometry.grading import grade_spine
from vertebro.services.measuring import measure_labels

from . import deform
from .conftest import TS, VERSE, require_data

Make = Callable[[LevelGeometry], deform.Deformation]

UPSAMPLE = {"example_ct_totalseg.nii.gz": 3}
_ORIGINALS: dict[Path, tuple[Any, Any]] = {}


def _original(path: Path) -> tuple[Any, Any]:
    """The map to deform and its measurement, once per map."""
    if path not in _ORIGINALS:
        volume = read_nifti_labels(path)
        if path.name in UPSAMPLE:
            volume = deform.upsampled(volume, UPSAMPLE[path.name])
        _ORIGINALS[path] = (volume, measure_labels(extract_vertebrae(volume)))
    return _ORIGINALS[path]


CASES: list[tuple[Path, str, Make, int, str]] = [
    # map, level, deformation, expected grade, expected shape
    (TS / "example_ct_totalseg.nii.gz", "L3", lambda g: deform.anterior_wedge(g, 0.32), 2, "wedge"),
    (
        TS / "example_ct_totalseg.nii.gz",
        "L3",
        lambda g: deform.central_dent(g, 0.30),
        2,
        "biconcave",
    ),
    (TS / "example_ct_totalseg.nii.gz", "L3", lambda g: deform.uniform_crush(0.50), 3, "crush"),
    (
        TS / "example_ct_totalseg.nii.gz",
        "L3",
        lambda g: deform.anterior_wedge(g, 0.10),
        0,
        "normal",
    ),
    (VERSE / "0007_msk.nii.gz", "T12", lambda g: deform.anterior_wedge(g, 0.40), 2, "wedge"),
    (VERSE / "0007_msk.nii.gz", "T12", lambda g: deform.central_dent(g, 0.35), 2, "biconcave"),
]


@pytest.mark.parametrize(
    ("path", "level", "make", "grade", "shape"),
    CASES,
    ids=[f"{c[0].stem.split('.')[0]}-{c[1]}-{c[3]}-{c[4]}" for c in CASES],
)
def test_deformed_level_measures_as_deformed(
    path: Path, level: str, make: Make, grade: int, shape: str
) -> None:
    require_data()
    volume, before = _original(path)
    g = next(x for x in before.geometry if x.level == level)
    item = next(x for x in before.document["levels"] if x["level"] == level)
    assert g.evaluable and g.landmarks_mm is not None
    d = make(g)

    conv = Convention(before.document["convention"])
    value = next(
        v for v, name in vertebra_levels(conv, volume.label_table).items() if name == level
    )
    after = measure_labels(extract_vertebrae(deform.deform_level(volume, value, g, d))).document
    got = next(x for x in after["levels"] if x["level"] == level)
    assert got["evaluable"], got

    # What the deformed geometry implies, from the undeformed measurement.
    h0 = item["heights_mm"]
    expected = Heights(
        *(
            h0[side] * d.at_line(g.landmarks_mm[f"{side}_superior"][0])
            for side in ("anterior", "middle", "posterior")
        )
    )
    reference = item["reference_height_mm"]
    loss, _ = height_loss_pct(None, expected, reference)
    assert loss is not None
    assert genant_grade(loss) == grade and str(shape_of(grade, expected, reference)) == shape
    # The grading method on the same expected heights, the other levels as measured before.
    spine = [
        (x["level"], expected if x["level"] == level else Heights(*x["heights_mm"].values()))
        for x in before.document["levels"]
        if x["evaluable"]
    ]
    method = next(r for r in grade_spine(spine) if r.level == level)
    assert method.genant_grade == grade

    voxel_mm = max(volume.spacing_mm)
    for side, want in zip(("anterior", "middle", "posterior"), expected, strict=True):
        assert got["heights_mm"][side] == pytest.approx(want, abs=voxel_mm), side
    assert got["reference_height_mm"] == pytest.approx(reference, abs=voxel_mm)
    assert got["grading"]["rulebook_height_loss_pct"] == pytest.approx(loss, abs=5.0)
    assert got["height_loss_pct"] == pytest.approx(method.height_loss_pct, abs=5.0)
    assert got["genant_grade"] == grade
    assert got["shape"] == shape
    if shape == "wedge":
        assert got["wedge_angle_deg"] > item["wedge_angle_deg"] + 5.0
