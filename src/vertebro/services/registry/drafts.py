"""Use cases: draft cases from screening — imported once each, listed apart from the cases
until a clinician has reviewed them.

A draft is not a case: it has the geometry of the fractured levels and no clinical data
(screening never invents any), so it cannot be assessed. Each comes with its own
pseudonymous patient (``draft_id`` = the patient's code), registered on import.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import defer, joinedload

from vertebro.errors import NotFound
from vertebro.registry.schema import DraftCaseRow, DraftOrigin, PatientRow, Role
from vertebro.services.registry.context import Tx
from vertebro.services.registry.patients import create_patient
from vertebro.services.registry.views import DraftLevel, DraftView

__all__ = [
    "DraftImport",
    "NewDraft",
    "get_draft",
    "import_screening_drafts",
    "list_drafts",
    "mark_draft_reviewed",
]

_BATCH = 500


@dataclass(frozen=True, slots=True)
class NewDraft:
    """A screening finding to import: its pseudonymous code, the draft document, and the
    levels at or above the screening grade."""

    code: str
    document: dict[str, Any]
    levels: tuple[DraftLevel, ...]
    method_version: str

    @property
    def max_grade(self) -> int:
        return max(level.genant_grade for level in self.levels)


@dataclass(frozen=True, slots=True)
class DraftImport:
    """Which drafts were created and which were already in the registry."""

    created: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)


def _view(row: DraftCaseRow, *, document: bool = True) -> DraftView:
    return DraftView(
        draft_id=row.draft_id,
        patient_code=row.patient.code,
        origin=row.origin,
        max_grade=row.max_grade,
        levels=tuple(
            DraftLevel(
                str(item["level"]),
                int(item["genant_grade"]),
                float(item["height_loss_pct"]),
                item.get("shape"),
            )
            for item in row.findings["levels"]
        ),
        method_version=row.method_version,
        document=dict(row.document) if document else None,
        created_at=row.created_at,
        created_by=row.created_by,
        reviewed_at=row.reviewed_at,
        reviewed_by=row.reviewed_by,
    )


def import_screening_drafts(tx: Tx, drafts: Iterable[NewDraft]) -> DraftImport:
    """Create a draft flagged ``screening`` (and its pseudonymous patient) for each new
    code; codes already imported are skipped, so nothing is ever imported twice."""
    tx.require(Role.CLINICIAN)
    result = DraftImport()
    wanted = list(drafts)
    known: set[str] = set()
    for start in range(0, len(wanted), _BATCH):
        codes = [d.code for d in wanted[start : start + _BATCH]]
        known.update(
            tx.session.scalars(
                select(DraftCaseRow.draft_id).where(DraftCaseRow.draft_id.in_(codes))
            )
        )
    for draft in wanted:
        if draft.code in known:
            result.already.append(draft.code)
            continue
        patient = tx.session.scalar(select(PatientRow).where(PatientRow.code == draft.code))
        if patient is None:
            create_patient(tx, {"code": draft.code})
            patient = tx.session.scalars(
                select(PatientRow).where(PatientRow.code == draft.code)
            ).one()
        row = DraftCaseRow(
            draft_id=draft.code,
            origin=DraftOrigin.SCREENING,
            patient_id=patient.id,
            document=draft.document,
            findings={
                "levels": [
                    {
                        "level": level.level,
                        "genant_grade": level.genant_grade,
                        "height_loss_pct": level.height_loss_pct,
                        "shape": level.shape,
                    }
                    for level in draft.levels
                ]
            },
            max_grade=draft.max_grade,
            method_version=draft.method_version[:100],
            created_at=tx.now,
            created_by=tx.actor.name,
        )
        tx.session.add(row)
        tx.flush(f"draft {draft.code!r} was imported concurrently")
        known.add(draft.code)
        result.created.append(draft.code)
        tx.audit(
            "draft.import",
            "draft_case",
            draft.code,
            after={"origin": "screening", "max_grade": draft.max_grade, "document": row.document},
        )
    return result


def list_drafts(tx: Tx, *, reviewed: bool | None = False) -> list[DraftView]:
    """Draft cases (by default those not yet reviewed), most severe first: the highest
    grade, then the number of levels found, then the greatest height loss (as screening
    ranks its findings), then the oldest. Without their documents (``document`` None):
    :func:`get_draft` has it."""
    tx.require(Role.VIEWER)
    query = select(DraftCaseRow).options(
        defer(DraftCaseRow.document), joinedload(DraftCaseRow.patient)
    )
    if reviewed is not None:
        done = DraftCaseRow.reviewed_at
        query = query.where(done.is_not(None) if reviewed else done.is_(None))
    views = [_view(row, document=False) for row in tx.session.scalars(query)]
    return sorted(
        views,
        key=lambda d: (
            -d.max_grade,
            -len(d.levels),
            -max((lv.height_loss_pct for lv in d.levels), default=0.0),
            d.created_at,
            d.draft_id,
        ),
    )


def _draft_row(tx: Tx, draft_id: str) -> DraftCaseRow:
    row = tx.session.scalars(
        select(DraftCaseRow).where(DraftCaseRow.draft_id == draft_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"no draft case {draft_id!r}")
    return row


def get_draft(tx: Tx, draft_id: str) -> DraftView:
    """One draft case with its draft ``vertebro.case/1`` document."""
    tx.require(Role.VIEWER)
    return _view(_draft_row(tx, draft_id))


def mark_draft_reviewed(tx: Tx, draft_id: str) -> DraftView:
    """A clinician has looked at the draft's images: it leaves the worklist's screening
    list. Marking it again changes nothing."""
    tx.require(Role.CLINICIAN)
    row = _draft_row(tx, draft_id)
    if row.reviewed_at is None:
        row.reviewed_at = tx.now
        row.reviewed_by = tx.actor.name
        tx.flush(f"draft {draft_id!r} was changed concurrently")
        tx.audit(
            "draft.review",
            "draft_case",
            draft_id,
            before={"reviewed_at": None},
            after={"reviewed_at": tx.now.isoformat(), "reviewed_by": tx.actor.name},
        )
    return _view(row)
