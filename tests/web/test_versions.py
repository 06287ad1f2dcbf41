"""The versions page's diff: each changed field in words, before → after."""

from __future__ import annotations

from vertebro.api.demo import example_documents
from vertebro.model import parse_case
from vertebro.web.versions import Change, version_changes


def _example(case_id: str) -> dict[str, object]:
    return next(d for d in example_documents() if d["case_id"] == case_id)


def test_a_new_answer_reads_as_field_words_before_and_after() -> None:
    document = _example("workup-missing-mri-and-plc")
    before = parse_case(document)
    changed = dict(document)
    fractures = [dict(f) for f in document["fractures"]]  # type: ignore[attr-defined]
    fractures[1]["mri_edema"] = True
    changed["fractures"] = fractures
    changed["clinical"] = {**document["clinical"], "pain_nrs": 9}  # type: ignore[dict-item]
    changes = version_changes(before, parse_case(changed))
    assert changes == [
        Change("Back pain now (NRS)", "7", "9"),
        Change(
            "T11 — Bone oedema on MRI (STIR / T2 fat-sat) or uptake on bone scan",
            "Not known",
            "Yes",
        ),
    ]


def test_the_first_version_lists_what_was_entered_and_no_change_is_empty() -> None:
    case = parse_case(_example("l1-wedge"))
    entered = version_changes(None, case)
    assert Change("Age", "Not known", str(case.patient.age_years)) in entered
    assert all(c.after != "Not known" for c in entered)
    assert version_changes(case, case) == []
