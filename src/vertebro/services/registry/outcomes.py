"""Use case: the outcomes document (``vertebro outcomes``, ``GET /api/outcomes``).

:func:`outcomes_document` reads the registry as columns
(:func:`~vertebro.services.registry.outcome_columns.load_outcome_columns`) and hands them
to the pure :func:`~vertebro.outcomes.report.outcomes_report_columns`.
:func:`load_patient_outcomes` reads the same facts as one
:class:`~vertebro.outcomes.records.PatientOutcome` per patient, with SQLAlchemy Core
(plain rows, never ORM objects or the stored JSON documents): the readable reference the
fast path is tested against, and the records the pure statistics take.

One record per patient (``n`` counts patients, spec "Outcomes"): the patient's case with
the earliest first performed session; cases without a performed session take no part.
Per case (spec "Follow-up"):

* anchor: the date of the first performed session; the *index session* is that session
  (the lowest id when several were performed on that day);
* treated levels: the levels of the index session with their technique and leakage; the
  Genant grade is the one of the assessment the session was recorded against (else the
  case's latest assessment);
* baseline: the ``baseline`` follow-up record if any, else the clinical values of the case
  version current at the anchor (the latest created on or before it, else version 1).

Void sessions and follow-ups, and rows dated outside the years the analytics can place,
take no part (as in :mod:`.outcome_columns`).

Demo patients left out (no ``include_demo``) are passed on as bare records (anchor and
group only) so that the report counts them in ``demo_left_out``; their follow-ups are not
read.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVarTuple

from sqlalchemy import Select, func, select

from vertebro.model import FollowUpStatus, Level, ProcedureStatus, Technique, Visit
from vertebro.model.procedure import LeakageDetection
from vertebro.outcomes.records import (
    FollowUpRecord,
    PatientOutcome,
    TechniqueGroup,
    TreatedLevel,
    technique_group,
)
from vertebro.outcomes.report import outcomes_report_columns
from vertebro.registry.schema import (
    AssessmentLevelRow,
    AssessmentRow,
    CaseRow,
    CaseVersionRow,
    FollowUpRow,
    NewFractureRow,
    PatientRow,
    ProcedureLevelRow,
    ProcedureRow,
    Role,
)
from vertebro.services.registry.context import Tx
from vertebro.services.registry.outcome_columns import (
    ANALYSED_FROM,
    ANALYSED_UNTIL,
    load_outcome_columns,
)

__all__ = ["load_patient_outcomes", "outcomes_document"]

Ts = TypeVarTuple("Ts")
_Scores = tuple[int | None, float | None, int | None]


def _live(row: type[ProcedureRow] | type[FollowUpRow]) -> Any:
    """The row is not void and its date is one the analytics can place."""
    return row.void_at.is_(None) & (row.date >= ANALYSED_FROM) & (row.date < ANALYSED_UNTIL)


@dataclass(frozen=True, slots=True)
class _IndexCase:
    case_pk: int
    patient_pk: int
    is_demo: bool
    anchor: date
    procedure_id: int
    assessment_id: int | None


def _index_cases(tx: Tx) -> dict[int, _IndexCase]:
    """Per patient (key: patient pk) the case with the earliest first performed session."""
    rows = tx.session.execute(
        select(
            ProcedureRow.id,
            ProcedureRow.case_pk,
            ProcedureRow.date,
            ProcedureRow.assessment_id,
            CaseRow.patient_id,
            PatientRow.is_demo,
        )
        .join(CaseRow, CaseRow.id == ProcedureRow.case_pk)
        .join(PatientRow, PatientRow.id == CaseRow.patient_id)
        .where(ProcedureRow.status == ProcedureStatus.PERFORMED, _live(ProcedureRow))
    ).all()
    first: dict[int, _IndexCase] = {}
    for procedure_id, case_pk, when, assessment_id, patient_pk, is_demo in rows:
        found = first.get(patient_pk)
        candidate = _IndexCase(
            case_pk, patient_pk, bool(is_demo), when, procedure_id, assessment_id
        )
        if found is None or (when, case_pk, procedure_id) < (
            found.anchor,
            found.case_pk,
            found.procedure_id,
        ):
            first[patient_pk] = candidate
    return first


def _levels(tx: Tx, include_demo: bool) -> dict[int, list[tuple[Any, ...]]]:
    """Levels of every performed session, keyed by procedure id."""
    query = (
        select(
            ProcedureLevelRow.procedure_id,
            ProcedureLevelRow.level,
            ProcedureLevelRow.technique,
            ProcedureLevelRow.leakage_present,
            ProcedureLevelRow.leakage_detected_by,
        )
        .join(ProcedureRow, ProcedureRow.id == ProcedureLevelRow.procedure_id)
        .where(ProcedureRow.status == ProcedureStatus.PERFORMED, _live(ProcedureRow))
        .order_by(ProcedureLevelRow.procedure_id, ProcedureLevelRow.level_ordinal)
    )
    out: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for procedure_id, *rest in tx.session.execute(query):
        out[procedure_id].append(tuple(rest))
    return out


def _with_patient(query: Select[*Ts], case_pk: Any, include_demo: bool) -> Select[*Ts]:
    if include_demo:
        return query
    return (
        query.join(CaseRow, CaseRow.id == case_pk)
        .join(PatientRow, PatientRow.id == CaseRow.patient_id)
        .where(PatientRow.is_demo.is_(False))
    )


def _genant_grades(
    tx: Tx, include_demo: bool
) -> tuple[dict[int, int], dict[tuple[int, Level], int | None]]:
    """The latest assessment id per case, and the Genant grade per (assessment, level)."""
    latest_query = _with_patient(
        select(AssessmentRow.case_pk, func.max(AssessmentRow.id)),
        AssessmentRow.case_pk,
        include_demo,
    ).group_by(AssessmentRow.case_pk)
    latest = {case_pk: assessment_id for case_pk, assessment_id in tx.session.execute(latest_query)}
    grade_query = _with_patient(
        select(
            AssessmentLevelRow.assessment_id,
            AssessmentLevelRow.level,
            AssessmentLevelRow.genant_grade,
        ).join(AssessmentRow, AssessmentRow.id == AssessmentLevelRow.assessment_id),
        AssessmentRow.case_pk,
        include_demo,
    )
    grades = {(a, level): grade for a, level, grade in tx.session.execute(grade_query)}
    return latest, grades


def _follow_ups(
    tx: Tx, include_demo: bool
) -> tuple[dict[int, list[FollowUpRecord]], dict[int, _Scores]]:
    """Timed and unscheduled records per case, and the ``baseline`` record's scores."""
    fracture_query = _with_patient(
        select(NewFractureRow.follow_up_id, NewFractureRow.level)
        .join(FollowUpRow, FollowUpRow.id == NewFractureRow.follow_up_id)
        .where(_live(FollowUpRow))
        .order_by(NewFractureRow.follow_up_id, NewFractureRow.level_ordinal),
        FollowUpRow.case_pk,
        include_demo,
    )
    fractures: dict[int, list[Level]] = defaultdict(list)
    for follow_up_id, level in tx.session.execute(fracture_query):
        fractures[follow_up_id].append(level)
    query = _with_patient(
        select(
            FollowUpRow.id,
            FollowUpRow.case_pk,
            FollowUpRow.visit,
            FollowUpRow.date,
            FollowUpRow.status,
            FollowUpRow.pain_nrs,
            FollowUpRow.odi,
            FollowUpRow.rdq,
        ).where(_live(FollowUpRow)),
        FollowUpRow.case_pk,
        include_demo,
    )
    records: dict[int, list[FollowUpRecord]] = defaultdict(list)
    baselines: dict[int, _Scores] = {}
    for follow_up_id, case_pk, visit, when, status, nrs, odi, rdq in tx.session.execute(query):
        if visit is Visit.BASELINE:
            baselines[case_pk] = (nrs, odi, rdq)
            continue
        records[case_pk].append(
            FollowUpRecord(
                visit=Visit(visit),
                date=when,
                pain_nrs=nrs,
                odi=odi,
                rdq=rdq,
                status=FollowUpStatus(status),
                new_fracture_levels=tuple(fractures.get(follow_up_id, ())),
            )
        )
    return records, baselines


def _version_baselines(tx: Tx, include_demo: bool, anchors: dict[int, date]) -> dict[int, _Scores]:
    """Clinical scores of the case version current at the anchor, per case."""
    query = _with_patient(
        select(
            CaseVersionRow.case_pk,
            CaseVersionRow.version,
            CaseVersionRow.created_at,
            CaseVersionRow.pain_nrs,
            CaseVersionRow.odi,
            CaseVersionRow.rdq,
        ),
        CaseVersionRow.case_pk,
        include_demo,
    ).order_by(CaseVersionRow.case_pk, CaseVersionRow.version)
    chosen: dict[int, _Scores] = {}
    for case_pk, version, created_at, nrs, odi, rdq in tx.session.execute(query):
        anchor = anchors.get(case_pk)
        if anchor is None:
            continue
        if version == 1 or created_at.date() <= anchor:
            chosen[case_pk] = (nrs, odi, rdq)
    return chosen


def load_patient_outcomes(tx: Tx, *, include_demo: bool = False) -> list[PatientOutcome]:
    """One :class:`PatientOutcome` per patient with a performed session (demo patients
    as bare records unless ``include_demo``)."""
    index = _index_cases(tx)
    levels = _levels(tx, include_demo)
    kept = {i.case_pk: i for i in index.values() if include_demo or not i.is_demo}
    latest, grades = _genant_grades(tx, include_demo)
    records, baselines = _follow_ups(tx, include_demo)
    versions = _version_baselines(tx, include_demo, {pk: i.anchor for pk, i in kept.items()})
    out: list[PatientOutcome] = []
    for item in sorted(index.values(), key=lambda i: i.patient_pk):
        session_levels = levels.get(item.procedure_id, [])
        if not session_levels:  # a performed session without levels: nothing to group by
            continue
        group = technique_group({Technique(t) for _, t, _, _ in session_levels})
        if item.case_pk not in kept:
            out.append(PatientOutcome(str(item.case_pk), group, item.anchor, is_demo=item.is_demo))
            continue
        assessment_id = item.assessment_id or latest.get(item.case_pk)
        treated = tuple(
            TreatedLevel(
                level=Level(level),
                technique=Technique(technique),
                genant_grade=None if assessment_id is None else grades.get((assessment_id, level)),
                leakage=None if detected_by is None else leak,
                detected_by=None if detected_by is None else LeakageDetection(detected_by),
            )
            for level, technique, leak, detected_by in session_levels
        )
        nrs, odi, rdq = baselines.get(item.case_pk) or versions.get(
            item.case_pk, (None, None, None)
        )
        out.append(
            PatientOutcome(
                patient_id=str(item.case_pk),
                technique=group,
                anchor=item.anchor,
                levels=treated,
                baseline_nrs=nrs,
                baseline_odi=odi,
                baseline_rdq=rdq,
                follow_ups=tuple(records.get(item.case_pk, ())),
                is_demo=item.is_demo,
            )
        )
    return out


def outcomes_document(
    tx: Tx,
    *,
    as_of: date | None = None,
    include_demo: bool = False,
    since: date | None = None,
    technique: TechniqueGroup | None = None,
) -> dict[str, Any]:
    """The outcomes document (``docs/outcomes-json.md``) of the registry; ``as_of``
    defaults to ``tx.today``."""
    tx.require(Role.VIEWER)
    return outcomes_report_columns(
        load_outcome_columns(tx),
        as_of=as_of or tx.today,
        include_demo=include_demo,
        since=since,
        technique=technique,
    )
