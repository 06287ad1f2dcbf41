"""Use cases: assess a stored case and keep the assessment with its rulebook version; re-run
a stored assessment under today's rulebook."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from vertebro.errors import NotFound
from vertebro.guidance import assess
from vertebro.model import Assessment, Case, parse_case
from vertebro.registry.schema import AssessmentLevelRow, AssessmentRow, CaseRow, Role
from vertebro.registry.views import AssessmentView
from vertebro.services.registry.context import Tx
from vertebro.services.registry.lookup import case_row, case_version_row

__all__ = [
    "PreparedAssessment",
    "assess_case",
    "latest_assessment",
    "list_assessments",
    "prepare_assessment",
    "rerun_assessment",
    "store_assessment",
]


@dataclass(frozen=True, slots=True)
class PreparedAssessment:
    """An assessment made before the write transaction opened (so the engine never runs
    while the registry's write lock is held), of the case version it names."""

    version: int
    assessment: Assessment


def prepare_assessment(version: int, case: Case) -> PreparedAssessment:
    """Assess ``case`` (the case's ``version``) now, outside any transaction."""
    return PreparedAssessment(version, assess(case))


def _store(
    tx: Tx, row: CaseRow, version: int, case: Case, prepared: PreparedAssessment | None = None
) -> AssessmentView:
    fits = prepared is not None and prepared.version == version
    assessment = prepared.assessment if prepared is not None and fits else assess(case)
    return store_assessment(tx, row.id, row.case_id, version, assessment)


def store_assessment(
    tx: Tx, case_pk: int, case_id: str, version: int, assessment: Assessment
) -> AssessmentView:
    """Keep ``assessment`` of version ``version`` of a case (audited); the caller has
    checked the actor's role."""
    planned = {p.level: p.technique for p in assessment.plan.levels} if assessment.plan else {}
    stored = AssessmentRow(
        case_pk=case_pk,
        case_version=version,
        rulebook_version=assessment.rulebook_version,
        recommendation=assessment.recommendation,
        document=assessment.model_dump(mode="json"),
        created_at=tx.now,
        created_by=tx.actor.name,
        levels=[
            AssessmentLevelRow(
                level=item.level,
                level_ordinal=item.level.ordinal,
                recommendation=item.recommendation,
                height_loss_pct=item.height_loss_pct,
                genant_grade=item.genant_grade,
                planned_technique=planned.get(item.level),
            )
            for item in assessment.levels
        ],
    )
    tx.session.add(stored)
    tx.session.flush()
    tx.audit(
        "assessment.create",
        "case",
        case_id,
        after={
            "assessment_id": stored.id,
            "case_version": version,
            "rulebook_version": assessment.rulebook_version,
            "recommendation": str(assessment.recommendation),
        },
    )
    return _view(case_id, stored, assessment)


def _view(case_id: str, row: AssessmentRow, assessment: Assessment | None = None) -> AssessmentView:
    return AssessmentView(
        id=row.id,
        case_id=case_id,
        case_version=row.case_version,
        rulebook_version=row.rulebook_version,
        assessment=assessment or Assessment.model_validate(row.document),
        created_at=row.created_at,
        created_by=row.created_by,
    )


def assess_case(tx: Tx, case_id: str, prepared: PreparedAssessment | None = None) -> AssessmentView:
    """Assess the current version of the case and store the result. A ``prepared``
    assessment of that very version is stored as it is (else the case is assessed here)."""
    tx.require(Role.CLINICIAN)
    row = case_row(tx.session, case_id)
    version = case_version_row(tx.session, row, row.current_version)
    return _store(tx, row, version.version, parse_case(version.document), prepared)


def rerun_assessment(tx: Tx, assessment_id: int) -> AssessmentView:
    """Assess again, under the current rulebook, the case version a stored assessment was
    made from, and store the new result beside the old one."""
    tx.require(Role.CLINICIAN)
    old = tx.session.get(AssessmentRow, assessment_id)
    if old is None:
        raise NotFound(f"no assessment {assessment_id}")
    row = tx.session.get_one(CaseRow, old.case_pk)
    version = case_version_row(tx.session, row, old.case_version)
    return _store(tx, row, version.version, parse_case(version.document))


def list_assessments(tx: Tx, case_id: str) -> list[AssessmentView]:
    """Every stored assessment of the case, oldest first."""
    tx.require(Role.VIEWER)
    row = case_row(tx.session, case_id)
    rows = tx.session.scalars(
        select(AssessmentRow).where(AssessmentRow.case_pk == row.id).order_by(AssessmentRow.id)
    )
    return [_view(case_id, r) for r in rows]


def latest_assessment(tx: Tx, case_id: str) -> AssessmentView | None:
    """The most recent stored assessment of the case, if any."""
    tx.require(Role.VIEWER)
    row = case_row(tx.session, case_id)
    found = latest_assessment_row(tx, row)
    return None if found is None else _view(case_id, found)


def latest_assessment_row(tx: Tx, row: CaseRow) -> AssessmentRow | None:
    return tx.session.scalars(
        select(AssessmentRow)
        .where(AssessmentRow.case_pk == row.id)
        .order_by(AssessmentRow.id.desc())
        .limit(1)
    ).first()
