"""Registry use cases against SQLite and PostgreSQL (registry-v1, api-v1 "Behaviour")."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from tests.registry.conftest import NOW, TODAY, example_case, follow_up_doc, procedure_doc
from vertebro.errors import (
    Conflict,
    InvalidCase,
    InvalidDocument,
    InvalidProcedure,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    PreconditionRequired,
    ProcedureRefused,
)
from vertebro.registry import Registry, Role
from vertebro.registry.schema import AuditRow, CaseRow, CaseVersionRow, ProcedureLevelRow
from vertebro.services import registry as svc
from vertebro.services.registry import Actor, Tx, unit_of_work

CLINICIAN = Actor("alice", Role.CLINICIAN, 1)
COORDINATOR = Actor("carol", Role.COORDINATOR, 2)
VIEWER = Actor("victor", Role.VIEWER, 3)


def tx_of(registry: Registry, actor: Actor = CLINICIAN) -> Any:
    return unit_of_work(registry, actor, now=NOW, today=TODAY)


def seed_case(registry: Registry, name: str = "l1-wedge", case_id: str = "c-1") -> None:
    with tx_of(registry) as tx:
        if case_id == "c-1" or not _patient_exists(tx):
            svc.create_patient(tx, {"code": "P-1", "birth_year": 1948, "sex": "female"})
        svc.create_case(tx, "P-1", example_case(name, case_id))


def _patient_exists(tx: Tx) -> bool:
    return any(p.code == "P-1" for p in svc.list_patients(tx))


def audit_actions(registry: Registry) -> list[str]:
    with registry.transaction() as session:
        return list(session.scalars(select(AuditRow.action).order_by(AuditRow.id)))


def test_patient_is_created_once_and_audited(registry: Registry) -> None:
    with tx_of(registry) as tx:
        view = svc.create_patient(tx, {"code": "P-1", "birth_year": 1948, "sex": "female"})
    assert (view.code, view.birth_year, view.sex, view.is_demo) == ("P-1", 1948, "female", False)
    assert view.created_at == NOW
    with pytest.raises(Conflict), tx_of(registry) as tx:
        svc.create_patient(tx, {"code": "P-1"})
    with pytest.raises(InvalidDocument) as info, tx_of(registry) as tx:
        svc.create_patient(tx, {"code": "a b", "birth_year": 1800, "name": "Smith"})
    assert info.value.lines == [
        'code: must be 1–64 characters of A-Za-z0-9._-, got "a b"',
        "birth_year: must be at least 1880, got 1800",
        "name: unknown key",
    ]
    assert audit_actions(registry) == ["patient.create"]


def test_case_is_stored_as_version_1_with_typed_columns(registry: Registry) -> None:
    seed_case(registry)
    with tx_of(registry, VIEWER) as tx:
        view = svc.get_case(tx, "c-1")
    assert (view.version, view.current_version, view.patient_code) == (1, 1, "P-1")
    assert view.case.case_id == "c-1"
    assert view.etag == '"c-1.v1"'
    with registry.transaction() as session:
        row = session.scalars(select(CaseVersionRow)).one()
        assert (row.pain_nrs, row.levels, row.created_by) == (8, "L1", "alice")
        assert row.document["schema"] == "vertebro.case/1"


def test_case_creation_refuses_unknown_patient_duplicate_id_and_bad_document(
    registry: Registry,
) -> None:
    seed_case(registry)
    with pytest.raises(NotFound), tx_of(registry) as tx:
        svc.create_case(tx, "P-404", example_case("l1-wedge", "c-2"))
    with pytest.raises(Conflict), tx_of(registry) as tx:
        svc.create_case(tx, "P-1", example_case("l1-wedge", "c-1"))
    bad = example_case("l1-wedge", "c-3")
    bad["patient"]["age_years"] = 7.0
    with pytest.raises(InvalidCase) as info, tx_of(registry) as tx:
        svc.create_case(tx, "P-1", bad)
    assert info.value.lines == ["patient.age_years: must be an integer, got 7.0"]


def test_every_edit_is_a_version_and_a_stale_edit_fails(registry: Registry) -> None:
    seed_case(registry)
    edited = example_case("l1-wedge", "c-1")
    edited["clinical"]["pain_nrs"] = 6
    with tx_of(registry) as tx:
        view = svc.replace_case(tx, "c-1", edited, expected_version=1)
    assert (view.version, view.case.clinical.pain_nrs) == (2, 6)
    with pytest.raises(PreconditionFailed) as info, tx_of(registry) as tx:
        svc.replace_case(tx, "c-1", edited, expected_version=1)
    assert info.value.current_version == 2
    assert info.value.status == 412
    with pytest.raises(PreconditionRequired), tx_of(registry) as tx:
        svc.replace_case(tx, "c-1", edited, expected_version=None)
    with pytest.raises(InvalidCase) as bad, tx_of(registry) as tx:
        svc.replace_case(tx, "c-1", example_case("l1-wedge", "other"), expected_version=2)
    assert bad.value.lines == ["case_id: must be 'c-1', the case being edited"]
    with tx_of(registry, VIEWER) as tx:
        versions = svc.list_case_versions(tx, "c-1")
        first = svc.get_case(tx, "c-1", version=1)
    assert [v.version for v in versions] == [1, 2]
    assert first.case.clinical.pain_nrs == 8
    assert audit_actions(registry) == ["patient.create", "case.create", "case.edit"]


def test_etag_round_trip() -> None:
    assert svc.version_from_etag(svc.case_etag("c-1", 12)) == 12
    assert svc.version_from_etag('W/"c.v.v3"') == 3
    assert svc.version_from_etag('"nonsense"') is None


def test_assessment_is_stored_with_rulebook_version_and_rerun(registry: Registry) -> None:
    seed_case(registry)
    with tx_of(registry) as tx:
        stored = svc.assess_case(tx, "c-1")
    assert stored.rulebook_version == "2026.2"
    assert stored.assessment.recommendation == "kyphoplasty"
    assert stored.case_version == 1
    with tx_of(registry) as tx:
        again = svc.rerun_assessment(tx, stored.id)
        listed = svc.list_assessments(tx, "c-1")
    assert again.id != stored.id and again.assessment == stored.assessment
    assert [a.id for a in listed] == [stored.id, again.id]
    assert audit_actions(registry)[-2:] == ["assessment.create", "assessment.create"]


def test_roles_are_enforced(registry: Registry) -> None:
    seed_case(registry)
    with pytest.raises(PermissionDenied), tx_of(registry, VIEWER) as tx:
        svc.assess_case(tx, "c-1")
    with pytest.raises(PermissionDenied), tx_of(registry, COORDINATOR) as tx:
        svc.record_procedure(tx, "c-1", procedure_doc())
    with tx_of(registry, COORDINATOR) as tx:
        svc.record_follow_up(tx, "c-1", follow_up_doc("baseline", "2026-03-01"))
    with pytest.raises(PermissionDenied), tx_of(registry, VIEWER) as tx:
        svc.record_follow_up(tx, "c-1", follow_up_doc("baseline", "2026-03-01"))


def test_procedure_following_the_plan_is_recorded_with_typed_levels(registry: Registry) -> None:
    seed_case(registry)
    with tx_of(registry) as tx:
        svc.assess_case(tx, "c-1")
        view = svc.record_procedure(tx, "c-1", procedure_doc())
    assert view.procedure.levels[0].technique == "kyphoplasty"
    with registry.transaction() as session:
        level = session.scalars(select(ProcedureLevelRow)).one()
        assert (level.level, level.cement_ml, level.balloon_ml) == ("L1", 4.5, 3.0)
        assert (level.leakage_present, level.leakage_detected_by) == (False, "fluoroscopy")
        assert level.leakage_venous is False


def test_departing_procedure_needs_override_reason(registry: Registry) -> None:
    seed_case(registry)
    vp = procedure_doc()
    vp["levels"][0] = {**vp["levels"][0], "technique": "vertebroplasty", "balloon_ml": None}
    with pytest.raises(InvalidProcedure) as info, tx_of(registry) as tx:
        svc.record_procedure(tx, "c-1", vp)
    assert info.value.lines == ["override_reason: required: the case has no stored assessment"]
    with tx_of(registry) as tx:
        svc.assess_case(tx, "c-1")
    with pytest.raises(InvalidProcedure) as info, tx_of(registry) as tx:
        svc.record_procedure(tx, "c-1", vp)
    assert info.value.lines == [
        "override_reason: required: L1 is planned as kyphoplasty, not vertebroplasty"
    ]
    with tx_of(registry) as tx:
        view = svc.record_procedure(tx, "c-1", {**vp, "override_reason": "balloon unavailable"})
    assert view.procedure.override_reason == "balloon unavailable"


def test_procedure_for_contraindicated_case_is_refused(registry: Registry) -> None:
    seed_case(registry, "contraindicated-urosepsis-pmma-allergy", "c-1")
    with tx_of(registry) as tx:
        assert svc.assess_case(tx, "c-1").assessment.recommendation == "contraindicated"
    with pytest.raises(ProcedureRefused) as info, tx_of(registry) as tx:
        svc.record_procedure(tx, "c-1", procedure_doc(override_reason="we insist"))
    assert info.value.status == 409


def test_procedure_edit_checks_its_version(registry: Registry) -> None:
    seed_case(registry)
    with tx_of(registry) as tx:
        svc.assess_case(tx, "c-1")
        first = svc.record_procedure(tx, "c-1", procedure_doc(status="scheduled"))
    with tx_of(registry) as tx:
        done = svc.update_procedure(tx, first.id, procedure_doc(duration_min=35), 1)
    assert (done.version, done.procedure.status, done.procedure.duration_min) == (
        2,
        "performed",
        35,
    )
    with pytest.raises(PreconditionFailed), tx_of(registry) as tx:
        svc.update_procedure(tx, first.id, procedure_doc(), 1)


def test_second_record_of_a_visit_is_an_edit(registry: Registry) -> None:
    seed_case(registry)
    with tx_of(registry) as tx:
        svc.assess_case(tx, "c-1")
        svc.record_procedure(tx, "c-1", procedure_doc(date="2026-01-01"))
    with tx_of(registry, COORDINATOR) as tx:
        first = svc.record_follow_up(tx, "c-1", follow_up_doc("1 month", "2026-02-01"))
        second = svc.record_follow_up(tx, "c-1", follow_up_doc("1 month", "2026-02-02", pain_nrs=2))
        svc.record_follow_up(tx, "c-1", follow_up_doc("unscheduled", "2026-01-20"))
        svc.record_follow_up(tx, "c-1", follow_up_doc("unscheduled", "2026-01-25"))
        listed = svc.list_follow_ups(tx, "c-1")
    assert first.id == second.id and second.version == 2
    assert second.follow_up.pain_nrs == 2
    assert [f.follow_up.visit for f in listed] == ["unscheduled", "unscheduled", "1 month"]
    assert "follow_up.edit" in audit_actions(registry)


def test_out_of_window_is_accepted_and_flagged(registry: Registry) -> None:
    seed_case(registry)
    with tx_of(registry) as tx:
        svc.assess_case(tx, "c-1")
        early = svc.record_follow_up(tx, "c-1", follow_up_doc("1 week", "2026-01-01"))
        assert early.out_of_window is None  # no anchor yet
        svc.record_procedure(tx, "c-1", procedure_doc(date="2026-01-01"))
        inside = svc.record_follow_up(tx, "c-1", follow_up_doc("1 day", "2026-01-04"))
        outside = svc.record_follow_up(tx, "c-1", follow_up_doc("1 month", "2026-01-18"))
        late = svc.record_follow_up(tx, "c-1", follow_up_doc("1 week", "2026-01-12"))
    assert (inside.days_after_anchor, inside.out_of_window) == (3, False)
    assert (outside.days_after_anchor, outside.out_of_window) == (17, True)
    assert (late.days_after_anchor, late.out_of_window) == (11, True)


def test_a_failure_midway_writes_nothing(registry: Registry) -> None:
    seed_case(registry)
    before = audit_actions(registry)
    with pytest.raises(Conflict), tx_of(registry) as tx:
        svc.create_patient(tx, {"code": "P-2"})
        svc.create_case(tx, "P-2", example_case("l1-wedge", "c-2"))
        svc.assess_case(tx, "c-2")
        svc.create_case(tx, "P-2", example_case("l1-wedge", "c-1"))  # taken: fails here
    with tx_of(registry, VIEWER) as tx:
        assert [p.code for p in svc.list_patients(tx)] == ["P-1"]
        with pytest.raises(NotFound):
            svc.get_case(tx, "c-2")
    with registry.transaction() as session:
        assert session.scalar(select(func.count()).select_from(CaseRow)) == 1
    assert audit_actions(registry) == before


def test_audit_rows_say_who_what_when_before_and_after(registry: Registry) -> None:
    seed_case(registry)
    edited = example_case("l1-wedge", "c-1")
    edited["clinical"]["pain_nrs"] = 5
    with unit_of_work(registry, Actor.cli(), now=NOW) as tx:
        svc.replace_case(tx, "c-1", edited, expected_version=1)
        svc.record_export(tx, "outcomes", {"format": "json"})
    with tx_of(registry, Actor("root", Role.ADMIN)) as tx:
        entries = svc.list_audit(tx, entity="case", entity_key="c-1")
        everything = svc.list_audit(tx)
    edit = entries[0]
    assert edit.action == "case.edit"
    assert edit.actor.startswith("cli:")
    assert edit.at == NOW
    assert edit.before is not None and edit.after is not None
    assert edit.before["document"]["clinical"]["pain_nrs"] == 8  # type: ignore[index]
    assert edit.after["document"]["clinical"]["pain_nrs"] == 5  # type: ignore[index]
    assert everything[0].action == "export"
    with pytest.raises(PermissionDenied), tx_of(registry) as tx:
        svc.list_audit(tx)
