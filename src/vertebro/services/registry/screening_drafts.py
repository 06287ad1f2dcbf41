"""Use cases: draft cases found by screening (``vertebro screen``) — imported once each,
listed apart from the cases until a clinician has reviewed them.

A screening draft is not a case: it has the geometry of the fractured levels and no
clinical data (screening never invents any), so it cannot be assessed. Each comes with its
own pseudonymous patient (``draft_id`` = the patient's code), registered on import.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import defer, joinedload

from vertebro.errors import NotFound
from vertebro.registry.schema import PatientRow, Role, ScreeningDraftRow
from vertebro.services.registry.context import Tx
from vertebro.services.registry.patients import create_patient

__all__ = [
    "NewScreeningDraft",
    "ScreeningDraftView",
    "ScreeningImport",
    "ScreeningLevel",
    "get_screening_draft",
    "import_screening_drafts",
    "list_screening_drafts",
    "mark_screening_draft_reviewed",
]

_BATCH = 500


@dataclass(frozen=True, slots=True)
class ScreeningLevel:
    """A level of a screening draft at or above the screening grade."""

    level: str
    genant_grade: int
    height_loss_pct: float
    shape: str | None


@dataclass(frozen=True, slots=True)
class ScreeningDraftView:
    """A screening draft (not yet a case: no clinical data) and its review state.
    ``document`` is the draft ``vertebro.case/1`` (geometry of every level of grade ≥ 1);
    None in lists."""

    draft_id: str
    patient_code: str
    max_grade: int
    levels: tuple[ScreeningLevel, ...]
    method_version: str
    document: dict[str, Any] | None
    created_at: datetime
    created_by: str
    reviewed_at: datetime | None
    reviewed_by: str | None


@dataclass(frozen=True, slots=True)
class NewScreeningDraft:
    """A screening finding to import: its pseudonymous code, the draft document, and the
    levels at or above the screening grade."""

    code: str
    document: dict[str, Any]
    levels: tuple[ScreeningLevel, ...]
    method_version: str

    @property
    def max_grade(self) -> int:
        return max(level.genant_grade for level in self.levels)


@dataclass(frozen=True, slots=True)
class ScreeningImport:
    """Which drafts were created and which were already in the registry."""

    created: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)


def _view(row: ScreeningDraftRow, *, document: bool = True) -> ScreeningDraftView:
    return ScreeningDraftView(
        draft_id=row.draft_id,
        patient_code=row.patient.code,
        max_grade=row.max_grade,
        levels=tuple(
            ScreeningLevel(
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


def import_screening_drafts(tx: Tx, drafts: Iterable[NewScreeningDraft]) -> ScreeningImport:
    """Create a screening draft (and its pseudonymous patient) for each new code; codes
    already imported are skipped, so nothing is ever imported twice."""
    tx.require(Role.CLINICIAN)
    result = ScreeningImport()
    wanted = list(drafts)
    known: set[str] = set()
    for start in range(0, len(wanted), _BATCH):
        codes = [d.code for d in wanted[start : start + _BATCH]]
        known.update(
            tx.session.scalars(
                select(ScreeningDraftRow.draft_id).where(ScreeningDraftRow.draft_id.in_(codes))
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
        row = ScreeningDraftRow(
            draft_id=draft.code,
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
            "screening_draft.import",
            "screening_draft",
            draft.code,
            after={"max_grade": draft.max_grade, "document": row.document},
        )
    return result


def list_screening_drafts(tx: Tx, *, reviewed: bool | None = False) -> list[ScreeningDraftView]:
    """Draft cases (by default those not yet reviewed), most severe first: the highest
    grade, then the number of levels found, then the greatest height loss (as screening
    ranks its findings), then the oldest. Without their documents (``document`` None):
    :func:`get_screening_draft` has it."""
    tx.require(Role.VIEWER)
    query = select(ScreeningDraftRow).options(
        defer(ScreeningDraftRow.document), joinedload(ScreeningDraftRow.patient)
    )
    if reviewed is not None:
        done = ScreeningDraftRow.reviewed_at
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


def _draft_row(tx: Tx, draft_id: str) -> ScreeningDraftRow:
    row = tx.session.scalars(
        select(ScreeningDraftRow).where(ScreeningDraftRow.draft_id == draft_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"no screening draft {draft_id!r}")
    return row


def get_screening_draft(tx: Tx, draft_id: str) -> ScreeningDraftView:
    """One screening draft with its draft ``vertebro.case/1`` document."""
    tx.require(Role.VIEWER)
    return _view(_draft_row(tx, draft_id))


def mark_screening_draft_reviewed(tx: Tx, draft_id: str) -> ScreeningDraftView:
    """A clinician has looked at the draft's images: it leaves the worklist's screening
    list. Marking it again changes nothing."""
    tx.require(Role.CLINICIAN)
    row = _draft_row(tx, draft_id)
    if row.reviewed_at is None:
        row.reviewed_at = tx.now
        row.reviewed_by = tx.actor.name
        tx.flush(f"draft {draft_id!r} was changed concurrently")
        tx.audit(
            "screening_draft.review",
            "screening_draft",
            draft_id,
            before={"reviewed_at": None},
            after={"reviewed_at": tx.now.isoformat(), "reviewed_by": tx.actor.name},
        )
    return _view(row)
