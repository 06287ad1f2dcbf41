"""Use case: re-assess the whole registry under the current rulebook (``vertebro reassess``)
and report whose recommendation a new rulebook version changes.

One pass over the registry, a chunk of cases at a time: every case's current version is
read with its latest stored assessment (two set-wise queries per chunk), assessed in
process by the engine, and compared with that assessment
(:func:`vertebro.guidance.changes.compare_assessments`).
A case whose latest assessment already is of the current rulebook and the current case
version is up to date and left alone, so a second run after a real one finds nothing.
Without ``dry_run`` the new assessments are stored beside the old ones (which keep their
rulebook version). Either way the run is audited with its report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from vertebro.errors import InvalidDocument, NotFound
from vertebro.guidance import RULEBOOK_VERSION, assess
from vertebro.guidance.changes import (
    AssessmentChange,
    CaseReassessment,
    ReassessmentReport,
    compare_assessments,
)
from vertebro.model import Assessment, parse_case
from vertebro.registry.schema import (
    AssessmentRow,
    AuditRow,
    CaseRow,
    CaseVersionRow,
    PatientRow,
    Role,
)
from vertebro.services.registry.assessments import latest_assessment_row, store_assessment
from vertebro.services.registry.context import Tx
from vertebro.services.registry.lookup import case_row, case_version_row

__all__ = [
    "CaseReassessment",
    "OlderRulebook",
    "PreparedReassessment",
    "ReassessmentReport",
    "commit_reassessment",
    "older_rulebook_check",
    "prepare_reassessment",
    "reassess_registry",
    "reassessment_run",
]

_RUN, _DRY_RUN = "registry.reassess", "registry.reassess.dry_run"

#: Cases read per round trip.
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class _Current:
    case_pk: int
    case_id: str
    patient_code: str
    version: int
    document: dict[str, Any]


def _case_keys(tx: Tx) -> list[int]:
    return list(tx.session.scalars(select(CaseRow.id).order_by(CaseRow.case_id)))


def _current_versions(tx: Tx, case_pks: list[int]) -> list[_Current]:
    query = (
        select(
            CaseRow.id,
            CaseRow.case_id,
            PatientRow.code,
            CaseVersionRow.version,
            CaseVersionRow.document,
        )
        .join(PatientRow, PatientRow.id == CaseRow.patient_id)
        .join(
            CaseVersionRow,
            (CaseVersionRow.case_pk == CaseRow.id)
            & (CaseVersionRow.version == CaseRow.current_version),
        )
        .where(CaseRow.id.in_(case_pks))
        .order_by(CaseRow.case_id)
    )
    return [_Current(*row) for row in tx.session.execute(query)]


def _latest_assessments(tx: Tx, case_pks: list[int]) -> dict[int, AssessmentRow]:
    newest = (
        select(func.max(AssessmentRow.id))
        .where(AssessmentRow.case_pk.in_(case_pks))
        .group_by(AssessmentRow.case_pk)
    )
    rows = tx.session.scalars(select(AssessmentRow).where(AssessmentRow.id.in_(newest)))
    return {row.case_pk: row for row in rows}


@dataclass(frozen=True, slots=True)
class _Pending:
    """A new assessment to store, of ``version``, made against the stored assessment
    ``compared_with``."""

    case_pk: int
    case_id: str
    version: int
    compared_with: int
    assessment: Assessment


@dataclass(slots=True)
class PreparedReassessment:
    """What a run found and what it would store (:func:`prepare_reassessment`), before
    anything is written."""

    report: ReassessmentReport
    pending: list[_Pending]


def prepare_reassessment(tx: Tx, *, dry_run: bool = False) -> PreparedReassessment:
    """Read and re-assess every case's current version under the current rulebook; store
    nothing (a read transaction is enough, so the engine never runs under the registry's
    write lock). Admin."""
    tx.require(Role.ADMIN)
    report = ReassessmentReport(RULEBOOK_VERSION, dry_run)
    pending: list[_Pending] = []
    keys = _case_keys(tx)
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        latest = _latest_assessments(tx, chunk)
        for current in _current_versions(tx, chunk):
            report.cases += 1
            stored = latest.get(current.case_pk)
            if stored is None:
                report.never_assessed += 1
                continue
            if stored.rulebook_version == RULEBOOK_VERSION and (
                stored.case_version == current.version
            ):
                report.up_to_date += 1
                continue
            try:
                case = parse_case(current.document)
            except InvalidDocument as exc:
                report.failures.append((current.case_id, "; ".join(exc.lines)))
                continue
            new = assess(case)
            report.reassessed += 1
            report.by_rulebook[stored.rulebook_version] = (
                report.by_rulebook.get(stored.rulebook_version, 0) + 1
            )
            change = compare_assessments(Assessment.model_validate(stored.document), new)
            if change is not None:
                report.changes.append(
                    CaseReassessment(
                        current.case_id,
                        current.patient_code,
                        current.version,
                        stored.case_version,
                        change,
                    )
                )
            pending.append(
                _Pending(current.case_pk, current.case_id, current.version, stored.id, new)
            )
    return PreparedReassessment(report, pending)


def _still_current(tx: Tx, pending: list[_Pending]) -> set[int]:
    """The case keys whose current version and latest stored assessment are still the ones
    a prepared run saw (another writer may have moved them since)."""
    fresh: set[int] = set()
    for start in range(0, len(pending), _CHUNK):
        chunk = pending[start : start + _CHUNK]
        keys = [p.case_pk for p in chunk]
        rows = tx.session.execute(
            select(CaseRow.id, CaseRow.current_version).where(CaseRow.id.in_(keys))
        )
        versions = {pk: version for pk, version in rows}
        latest = _latest_assessments(tx, keys)
        fresh |= {
            p.case_pk
            for p in chunk
            if versions.get(p.case_pk) == p.version
            and p.case_pk in latest
            and latest[p.case_pk].id == p.compared_with
        }
    return fresh


def commit_reassessment(tx: Tx, prepared: PreparedReassessment) -> ReassessmentReport:
    """Store a prepared run's new assessments (unless it is a dry run) and audit the run
    with its report, in the caller's write transaction. A case changed or re-assessed by
    someone else since the run was prepared is left alone and reported. Admin."""
    tx.require(Role.ADMIN)
    report = prepared.report
    if not report.dry_run:
        fresh = _still_current(tx, prepared.pending)
        for item in prepared.pending:
            if item.case_pk not in fresh:
                report.failures.append(
                    (item.case_id, "changed while the run was prepared; run it again")
                )
                continue
            store_assessment(tx, item.case_pk, item.case_id, item.version, item.assessment)
            report.stored += 1
    audit = tx.audit(
        _DRY_RUN if report.dry_run else _RUN, "registry", RULEBOOK_VERSION, after=report.as_dict()
    )
    tx.session.flush()
    report.run_id = audit.id
    audit.after = report.as_dict()
    return report


def reassess_registry(tx: Tx, *, dry_run: bool = False) -> ReassessmentReport:
    """Re-assess every case's current version under the current rulebook; store the new
    assessments unless ``dry_run``; report whose decisions or plan changed. Admin. (One
    transaction; front doors prepare in a read transaction and commit in a short write
    one: :func:`prepare_reassessment`, :func:`commit_reassessment`.)"""
    return commit_reassessment(tx, prepare_reassessment(tx, dry_run=dry_run))


def reassessment_run(tx: Tx, run_id: int) -> ReassessmentReport:
    """The report of an earlier run, as its audit entry keeps it. Admin."""
    tx.require(Role.ADMIN)
    row = tx.session.get(AuditRow, run_id)
    if row is None or row.action not in (_RUN, _DRY_RUN) or row.after is None:
        raise NotFound(f"no re-assessment run {run_id}")
    return ReassessmentReport.from_dict(row.after)


@dataclass(frozen=True, slots=True)
class OlderRulebook:
    """A case whose latest assessment was made under another rulebook version: what it
    said, what the current rulebook says of the current case version, and the change
    (``None`` when the decisions and the plan stay the same)."""

    assessed_under: str
    current_rulebook: str
    current: Assessment
    change: AssessmentChange | None


def older_rulebook_check(tx: Tx, case_id: str) -> OlderRulebook | None:
    """``None`` unless the case's latest assessment was made under a rulebook other than
    the current one; then what the current rulebook would say (nothing is stored)."""
    tx.require(Role.VIEWER)
    row = case_row(tx.session, case_id)
    stored = latest_assessment_row(tx, row)
    if stored is None or stored.rulebook_version == RULEBOOK_VERSION:
        return None
    version = case_version_row(tx.session, row, row.current_version)
    current = assess(parse_case(version.document))
    before = Assessment.model_validate(stored.document)
    return OlderRulebook(
        stored.rulebook_version, RULEBOOK_VERSION, current, compare_assessments(before, current)
    )
