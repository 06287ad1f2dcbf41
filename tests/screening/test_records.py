"""What screening calls a finding (a vertebra of Genant grade ≥ min_grade, rulebook M-3),
how findings are ranked, the rows of measurements.parquet, and the pseudonymous codes."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from vertebro.screening.records import (
    ROW_COLUMNS,
    finding_of,
    level_rows,
    max_grade,
    method_version,
    patient_code,
)

from .conftest import DATA, require_data

LEVELS = ["T10", "T11", "T12", "L1", "L2", "L3", "L4", "L5"]


def _grade(loss: float) -> int:
    return 0 if loss < 20 else 1 if loss < 25 else 2 if loss <= 40 else 3


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    """Measurement documents with random evaluable levels and losses."""
    levels = []
    for level in draw(st.lists(st.sampled_from(LEVELS), unique=True, max_size=8)):
        evaluable = draw(st.booleans())
        loss = draw(st.floats(0, 100).map(lambda x: round(x, 1)))
        levels.append(
            {
                "level": level,
                "evaluable": evaluable,
                "reason": None if evaluable else "cut_by_fov",
                "centroid_mm": [0.0, 0.0, 0.0],
                "heights_mm": None,
                "height_loss_pct": loss if evaluable else None,
                "genant_grade": _grade(loss) if evaluable else None,
                "shape": "wedge" if evaluable and loss >= 20 else None,
            }
        )
    return {"schema": "vertebro.measurement/1", "convention": "verse", "levels": levels}


@given(documents(), st.integers(1, 3))
def test_a_finding_is_a_vertebra_at_or_above_the_grade(doc: dict[str, Any], grade: int) -> None:
    found = finding_of("s", "s.nii.gz", doc, grade)
    top = max_grade(doc)
    assert (found is not None) == (top is not None and top >= grade)
    if found is not None:
        assert found.max_grade == top
        assert all(level.genant_grade >= grade for level in found.levels)
        evaluable_at_grade = [
            item["level"]
            for item in doc["levels"]
            if item["evaluable"] and item["genant_grade"] >= grade
        ]
        assert [level.level for level in found.levels] == evaluable_at_grade


@given(st.lists(st.tuples(documents(), st.text(min_size=1, max_size=8)), max_size=12))
def test_findings_sort_most_severe_first(items: list[tuple[dict[str, Any], str]]) -> None:
    found = [f for doc, sid in items if (f := finding_of(sid, sid, doc, 1)) is not None]
    ranked = sorted(found, key=lambda f: f.severity_key)
    for a, b in itertools.pairwise(ranked):
        assert a.max_grade >= b.max_grade
        if a.max_grade == b.max_grade:
            assert len(a.levels) >= len(b.levels)
            if len(a.levels) == len(b.levels):
                assert a.worst_loss_pct >= b.worst_loss_pct


def test_graded_spine_verse007() -> None:
    """VerSe'19 sub-verse007 (Löffler et al. 2020: T12 and L1 grade 2): what vertebro
    measures there is a finding at grade 2."""
    from vertebro.services.measuring import measure_study

    require_data()
    path = DATA / "verse19_graded" / "sub-verse007_seg-vert_msk.nii.gz"
    document = measure_study(path).document
    found = finding_of("v7", str(path), document, 2)
    assert found is not None
    assert {level.level for level in found.levels} >= {"T12", "L1"}
    rows = level_rows("v7", str(path), document)
    assert [tuple(row) for row in rows] == [ROW_COLUMNS] * len(document["levels"])
    assert [row["level"] for row in rows] == [item["level"] for item in document["levels"]]
    by_level = {row["level"]: row for row in rows}
    t12 = next(item for item in document["levels"] if item["level"] == "T12")
    assert by_level["T12"]["height_anterior_mm"] == t12["heights_mm"]["anterior"]
    assert by_level["T12"]["genant_grade"] == t12["genant_grade"]
    assert by_level["T12"]["method_version"] == method_version(document)
    assert Path(by_level["T12"]["labels"]) == path


def test_method_version_reads_the_document() -> None:
    base = {"schema": "vertebro.measurement/1"}
    assert method_version(base) == "vertebro.measurement/1"
    assert method_version({**base, "method_version": "genant-2"}) == "genant-2"
    named = {"name": "vertebro-sq", "version": "1", "grading": "Genant semi-quantitative …"}
    assert method_version({**base, "method": named}) == "vertebro-sq/1"
    assert method_version({**base, "method": {"name": "sq"}}) == "sq"


@given(st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=40))
def test_patient_codes_are_stable_and_fit_the_registry(a: str, b: str) -> None:
    code = patient_code(a)
    assert re.fullmatch(r"SCR-[0-9a-f]{16}", code)
    assert patient_code(a) == code
    assert (patient_code(b) == code) == (a == b)
    assert patient_code(a, b"secret") != code
