"""Screening findings in the registry: screening drafts, one per study with
its pseudonymous patient, never imported twice, listed apart until a clinician reviews
them — on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.registry.conftest import NOW
from tests.screening.conftest import FINDINGS, archive, screened
from vertebro.errors import NotFound, PermissionDenied
from vertebro.registry import Role
from vertebro.services.registry import Actor, get_patient, list_audit, unit_of_work
from vertebro.services.registry.screening_drafts import (
    get_screening_draft,
    list_screening_drafts,
    mark_screening_draft_reviewed,
)
from vertebro.services.screening import import_findings

__all__ = ["archive", "screened"]  # the fixtures, shared with tests/screening


def _codes(out: Path) -> list[str]:
    from vertebro.screening.writers import read_findings_csv

    return [row["patient_code"] for row in read_findings_csv(out / "findings.csv")]


def test_import_once_then_review(registry: Any, screened: Path) -> None:
    clinician = Actor("dr", Role.CLINICIAN)
    with unit_of_work(registry, clinician, now=NOW) as tx:
        first = import_findings(tx, screened)
    assert first.created == _codes(screened) and first.already == []
    assert len(first.created) == len(FINDINGS)
    with unit_of_work(registry, clinician, now=NOW) as tx:
        second = import_findings(tx, screened)
    assert second.created == [] and second.already == first.created  # nothing twice

    with unit_of_work(registry, Actor("v", Role.VIEWER)) as tx:
        waiting = list_screening_drafts(tx)
        patient = get_patient(tx, waiting[0].patient_code)
        document = get_screening_draft(tx, waiting[0].draft_id).document
    assert [d.draft_id for d in waiting] == first.created  # most severe first, as findings.csv
    draft = waiting[0]
    assert draft.max_grade == max(d.max_grade for d in waiting) >= 2
    assert draft.reviewed_at is None
    assert draft.patient_code == draft.draft_id
    assert patient.code == draft.draft_id and patient.birth_year is None
    assert draft.document is None and document is not None  # lists leave documents out
    assert document["schema"] == "vertebro.case/1" and document["case_id"] == draft.draft_id
    assert document["patient"] == {} and document["clinical"] == {}  # nothing invented
    assert all("etiology" not in fracture for fracture in document["fractures"])  # type: ignore[union-attr]

    with unit_of_work(registry, clinician, now=NOW) as tx:
        reviewed = mark_screening_draft_reviewed(tx, draft.draft_id)
        again = mark_screening_draft_reviewed(tx, draft.draft_id)  # a second click changes nothing
    assert reviewed.reviewed_at == NOW and reviewed.reviewed_by == "dr"
    assert again.reviewed_at == NOW
    with unit_of_work(registry, Actor("v", Role.VIEWER)) as tx:
        assert draft.draft_id not in {d.draft_id for d in list_screening_drafts(tx)}
        assert [d.draft_id for d in list_screening_drafts(tx, reviewed=True)] == [draft.draft_id]
        assert len(list_screening_drafts(tx, reviewed=None)) == len(FINDINGS)
    with unit_of_work(registry, Actor.cli()) as tx:
        actions = [entry.action for entry in list_audit(tx)]
    assert actions.count("screening_draft.import") == len(FINDINGS)
    assert actions.count("screening_draft.review") == 1
    assert actions.count("patient.create") == len(FINDINGS)


def test_roles_and_unknown_drafts(registry: Any, screened: Path) -> None:
    for role in (Role.VIEWER, Role.COORDINATOR):
        with pytest.raises(PermissionDenied), unit_of_work(registry, Actor("x", role)) as tx:
            import_findings(tx, screened)
    with unit_of_work(registry, Actor("v", Role.VIEWER)) as tx:
        assert list_screening_drafts(tx) == []  # nothing was written
    with (
        pytest.raises(NotFound, match="no screening draft 'SCR-0'"),
        unit_of_work(registry, Actor("dr", Role.CLINICIAN)) as tx,
    ):
        mark_screening_draft_reviewed(tx, "SCR-0")
