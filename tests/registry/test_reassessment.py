"""A new rulebook version over a registry (``vertebro reassess``), on SQLite and PostgreSQL.

The registry's history is real: the stored assessments in ``data/rulebook-2026.1/`` are
what vertebro said of those examples under rulebook 2026.1. Under 2026.2 exactly one of
them changes: the Kümmell fracture with a cleft and no oedema, conservative (Q-3) before,
kyphoplasty (T-4) now.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.registry.conftest import NOW, TODAY, example_case
from vertebro.errors import PermissionDenied
from vertebro.model import Assessment
from vertebro.registry import Registry, Role
from vertebro.registry.schema import AssessmentRow, AuditRow, CaseRow
from vertebro.services import registry as svc
from vertebro.services.registry import Actor, unit_of_work
from vertebro.services.registry.assessments import store_assessment

HISTORY = Path(__file__).parent / "data" / "rulebook-2026.1"
KUMMELL = "t12-kummell-cleft-no-oedema"
UNCHANGED = ("l1-wedge", "t12-kummell-cleft-either", "conservative-controlled-pain-four-levels")
ADMIN = Actor("ada", Role.ADMIN, 1)
CLINICIAN = Actor("alice", Role.CLINICIAN, 2)


def _tx(registry: Registry, actor: Actor = ADMIN) -> Any:
    return unit_of_work(registry, actor, now=NOW, today=TODAY)


def _stored_2026_1(name: str) -> Assessment:
    return Assessment.model_validate_json((HISTORY / f"{name}.json").read_text("utf-8"))


def _seed_history(registry: Registry, names: tuple[str, ...] = (KUMMELL, *UNCHANGED)) -> None:
    """Cases whose only assessment was made under rulebook 2026.1."""
    with _tx(registry) as tx:
        svc.create_patient(tx, {"code": "P-1"})
        for name in names:
            view = svc.create_case(tx, "P-1", example_case(name))
            pk = tx.session.scalars(select(CaseRow.id).where(CaseRow.case_id == name)).one()
            store_assessment(tx, pk, view.case_id, view.version, _stored_2026_1(name))


def _assessments(registry: Registry) -> list[tuple[str, str, str]]:
    with registry.transaction() as session:
        rows = session.execute(
            select(CaseRow.case_id, AssessmentRow.rulebook_version, AssessmentRow.recommendation)
            .join(CaseRow, CaseRow.id == AssessmentRow.case_pk)
            .order_by(AssessmentRow.id)
        )
        return [(c, v, str(r)) for c, v, r in rows]


def _audits(registry: Registry, prefix: str) -> list[dict[str, Any]]:
    with registry.transaction() as session:
        rows = session.scalars(
            select(AuditRow).where(AuditRow.action.startswith(prefix)).order_by(AuditRow.id)
        )
        return [{"action": r.action, "actor": r.actor, "after": r.after} for r in rows]


def test_the_history_fixture_is_what_2026_1_decided() -> None:
    assert _stored_2026_1(KUMMELL).recommendation == "conservative"
    assert [r.rule for r in _stored_2026_1(KUMMELL).levels[0].reasons] == ["Q-3"]
    assert {_stored_2026_1(n).rulebook_version for n in (KUMMELL, *UNCHANGED)} == {"2026.1"}


def test_dry_run_lists_exactly_the_changed_case_and_stores_nothing(registry: Registry) -> None:
    _seed_history(registry)
    before = _assessments(registry)
    with _tx(registry) as tx:
        report = svc.reassess_registry(tx, dry_run=True)
    assert (report.cases, report.reassessed, report.up_to_date, report.stored) == (4, 4, 0, 0)
    assert report.by_rulebook == {"2026.1": 4}
    assert [c.case_id for c in report.changes] == [KUMMELL]
    change = report.changes[0].change
    assert (change.before, change.after) == ("conservative", "kyphoplasty")
    assert (change.before_rulebook, change.after_rulebook) == ("2026.1", "2026.2")
    [level] = change.levels
    assert (level.level, level.before, level.after) == ("T12", "conservative", "kyphoplasty")
    assert (level.before_rules, level.after_rules) == (("Q-3",), ("T-4",))
    assert change.plan_before == "none"
    assert change.plan_after.startswith("T12 kyphoplasty bipedicular 4–4.5 ml high")
    assert _assessments(registry) == before
    [audit] = _audits(registry, "registry.reassess")
    assert audit["action"] == "registry.reassess.dry_run" and audit["actor"] == "ada"
    assert audit["after"]["changes"][0]["case_id"] == KUMMELL


def test_real_run_stores_new_assessments_keeps_old_ones_and_a_second_run_finds_nothing(
    registry: Registry,
) -> None:
    _seed_history(registry)
    with _tx(registry) as tx:
        report = svc.reassess_registry(tx)
    assert [c.case_id for c in report.changes] == [KUMMELL]
    assert report.stored == 4
    stored = _assessments(registry)
    assert [v for _, v, _ in stored] == ["2026.1"] * 4 + ["2026.2"] * 4
    assert (KUMMELL, "2026.1", "conservative") in stored
    assert (KUMMELL, "2026.2", "kyphoplasty") in stored
    with _tx(registry) as tx:
        latest = svc.latest_assessment(tx, KUMMELL)
        assert latest is not None and latest.assessment.recommendation == "kyphoplasty"
        again = svc.reassess_registry(tx, dry_run=True)
        assert svc.older_rulebook_check(tx, KUMMELL) is None
    assert (again.changes, again.reassessed, again.up_to_date) == ([], 0, 4)
    with _tx(registry) as tx:
        real_again = svc.reassess_registry(tx)
    assert (real_again.changes, real_again.stored) == ([], 0)
    assert len(_assessments(registry)) == 8
    per_case = [a for a in _audits(registry, "assessment.create")]
    assert len(per_case) == 8  # 4 historic + 4 re-assessments, each audited


def test_never_assessed_and_edited_cases(registry: Registry) -> None:
    _seed_history(registry, (KUMMELL,))
    with _tx(registry) as tx:
        svc.create_case(tx, "P-1", example_case("l1-wedge", "never-assessed"))
        # The Kümmell case was edited after its 2026.1 assessment: now oedema is seen.
        edited = example_case(KUMMELL)
        edited["fractures"][0]["mri_edema"] = True
        svc.replace_case(tx, KUMMELL, edited, 1)
    with _tx(registry) as tx:
        report = svc.reassess_registry(tx, dry_run=True)
    assert (report.never_assessed, report.reassessed) == (1, 1)
    [item] = report.changes
    assert (item.assessed_case_version, item.case_version) == (1, 2)
    assert item.change.levels[0].after_rules == ("T-4",)


def test_only_an_admin_may_reassess_the_registry(registry: Registry) -> None:
    _seed_history(registry, (KUMMELL,))
    with pytest.raises(PermissionDenied), _tx(registry, CLINICIAN) as tx:
        svc.reassess_registry(tx, dry_run=True)


def test_a_case_under_an_older_rulebook_says_what_the_current_one_would(
    registry: Registry,
) -> None:
    _seed_history(registry)
    with _tx(registry, Actor("victor", Role.VIEWER, 3)) as tx:
        kummell = svc.older_rulebook_check(tx, KUMMELL)
        wedge = svc.older_rulebook_check(tx, "l1-wedge")
    assert kummell is not None and kummell.assessed_under == "2026.1"
    assert kummell.current.recommendation == "kyphoplasty"
    assert kummell.change is not None and kummell.change.before == "conservative"
    # T-5 was reworded and re-sourced in 2026.2, but the decision and plan stand.
    assert wedge is not None and wedge.change is None
    [t5] = wedge.current.levels[0].reasons
    assert t5.rule == "T-5" and t5.source[-3:] == ["FREE", "LEAK", "KAV"]
    with registry.transaction() as session:
        count = session.scalar(select(func.count()).select_from(AssessmentRow))
    assert count == 4  # looking stores nothing


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vertebro.cli", "reassess", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_command_line_text_json_csv_then_real_run(registry: Registry, database_url: str) -> None:
    _seed_history(registry)
    text = _cli("--dry-run", "--database", database_url)
    assert text.returncode == 0, text.stderr
    assert "Re-assessment under rulebook 2026.2 (dry run: nothing stored)" in text.stdout
    assert "decisions or plan changed: 1 case(s)" in text.stdout
    assert "T12       conservative (Q-3) → kyphoplasty (T-4)" in text.stdout
    for name in UNCHANGED:
        assert name not in text.stdout

    as_json = _cli("--dry-run", "--format", "json", "--database", database_url)
    document = json.loads(as_json.stdout)
    assert document["changed"] == 1 and document["dry_run"] is True
    assert document["changes"][0]["levels"][0]["after_rules"] == ["T-4"]

    as_csv = _cli("--dry-run", "--format", "csv", "--database", database_url)
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [(r["case_id"], r["level"], r["level_before"], r["level_after"]) for r in rows] == [
        (KUMMELL, "T12", "conservative", "kyphoplasty")
    ]
    assert rows[0]["rules_before"] == "Q-3" and rows[0]["rules_after"] == "T-4"

    real = _cli("--database", database_url)
    assert real.returncode == 0 and "4 new assessments stored" in real.stdout
    second = _cli("--dry-run", "--format", "csv", "--database", database_url)
    assert second.stdout.splitlines()[1:] == []
    actors = {a["actor"] for a in _audits(registry, "registry.reassess")}
    assert all(actor.startswith("cli:") for actor in actors)


def test_a_case_changed_between_prepare_and_commit_is_left_alone(registry: Registry) -> None:
    """The front doors prepare in a read transaction and commit in a write one; a clinician
    re-assessing the case in between wins, and the run says so."""
    _seed_history(registry, (KUMMELL, "l1-wedge"))
    with _tx(registry) as tx:
        prepared = svc.prepare_reassessment(tx)
    with _tx(registry, CLINICIAN) as tx:
        svc.assess_case(tx, KUMMELL)
    with _tx(registry) as tx:
        report = svc.commit_reassessment(tx, prepared)
    assert report.stored == 1
    assert report.failures == [(KUMMELL, "changed while the run was prepared; run it again")]
    assert len(_assessments(registry)) == 4  # 2 historic + the clinician's + l1-wedge's
