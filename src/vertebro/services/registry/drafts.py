"""Use cases: draft cases imported from other systems' FHIR Bundles.

A draft holds the documents as far as the Bundle filled them (``case``, ``procedures``,
``follow_ups``) and the import report; its patient is registered at import. A clinician
completes it with full documents (:func:`complete_draft`): they are stored as a case with
the draft's id through the same services as any case, and the draft records which case it
became. Drafts are never deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select

from vertebro.errors import Conflict, InvalidDocument, NotFound
from vertebro.exchange.fhir_foreign import Draft
from vertebro.model.parsing import parse_case, parse_follow_up, parse_procedure
from vertebro.registry.schema import CaseRow, DraftRow, Role
from vertebro.services.registry.case_records import at, ensure_patient, store_case_records
from vertebro.services.registry.context import Tx
from vertebro.services.registry.lookup import patient_row

__all__ = ["DraftView", "complete_draft", "get_draft", "list_drafts", "store_draft"]

SOURCE = "fhir"


@dataclass(frozen=True, slots=True)
class DraftView:
    """A stored draft: its documents, report, patient, and the case it became (if any)."""

    draft_id: str
    patient_code: str
    documents: dict[str, Any]
    report: dict[str, Any]
    created_at: datetime
    created_by: str
    case_id: str | None
    completed_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "draft_id": self.draft_id,
            "patient_code": self.patient_code,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "case_id": self.case_id,
            "completed_at": None if self.completed_at is None else self.completed_at.isoformat(),
            **self.documents,
            "report": self.report,
        }


def _view(tx: Tx, row: DraftRow) -> DraftView:
    case_id = None
    if row.case_pk is not None:
        case_id = tx.session.scalar(select(CaseRow.case_id).where(CaseRow.id == row.case_pk))
    return DraftView(
        row.draft_id,
        row.patient.code,
        dict(row.document),
        dict(row.report),
        row.created_at,
        row.created_by,
        case_id,
        row.completed_at,
    )


def _row(tx: Tx, draft_id: str, *, for_update: bool = False) -> DraftRow:
    query = select(DraftRow).where(DraftRow.draft_id == draft_id)
    row = tx.session.scalars(query.with_for_update() if for_update else query).one_or_none()
    if row is None:
        raise NotFound(f"no draft {draft_id!r}")
    return row


def store_draft(tx: Tx, draft: Draft) -> bool:
    """Store an imported draft (its patient registered when new: ``True``).
    :class:`Conflict` when the same Bundle was imported before (the draft id is taken) or
    a case has that id."""
    tx.require(Role.CLINICIAN)
    taken = tx.session.scalar(select(DraftRow.id).where(DraftRow.draft_id == draft.draft_id))
    if taken is not None:
        raise Conflict(f"draft {draft.draft_id!r} already exists: this Bundle was imported")
    if tx.session.scalar(select(CaseRow.id).where(CaseRow.case_id == draft.draft_id)):
        raise Conflict(f"case {draft.draft_id!r} already exists in this registry")
    created = ensure_patient(tx, draft.patient_code, draft.birth_year, draft.sex)
    row = DraftRow(
        draft_id=draft.draft_id,
        patient_id=patient_row(tx.session, draft.patient_code).id,
        source=SOURCE,
        document=draft.documents,
        report=draft.report.as_dict(),
        created_at=tx.now,
        created_by=tx.actor.name,
    )
    tx.session.add(row)
    tx.flush(f"draft {draft.draft_id!r} already exists")
    tx.audit(
        "draft.create",
        "draft",
        draft.draft_id,
        after={"patient": draft.patient_code, "document": draft.documents},
    )
    return created


def list_drafts(tx: Tx, *, include_completed: bool = False) -> list[DraftView]:
    """The drafts, newest first (open ones only unless ``include_completed``)."""
    tx.require(Role.VIEWER)
    query = select(DraftRow).order_by(DraftRow.created_at.desc(), DraftRow.id.desc())
    if not include_completed:
        query = query.where(DraftRow.case_pk.is_(None))
    return [_view(tx, row) for row in tx.session.scalars(query)]


def get_draft(tx: Tx, draft_id: str) -> DraftView:
    """One draft; :class:`NotFound` when there is none."""
    tx.require(Role.VIEWER)
    return _view(tx, _row(tx, draft_id))


T = TypeVar("T")


def _parsed(parse: Callable[[Any], T], item: Any, where: str) -> T:
    try:
        return parse(item)
    except InvalidDocument as exc:
        raise at(where, exc) from None


def complete_draft(
    tx: Tx,
    draft_id: str,
    case: Any,
    procedures: Sequence[Any] = (),
    follow_ups: Sequence[Any] = (),
) -> str:
    """Complete a draft: store ``case`` (a full ``vertebro.case/1`` whose ``case_id`` is the
    draft's) for the draft's patient, assess it, record ``procedures`` and ``follow_ups``
    (documents, parsed strictly) through their services, and mark the draft completed.
    The case id. :class:`Conflict` when the draft was completed before; paths of problems:
    ``case.…``, ``procedures[i].…``, ``follow_ups[i].…``. Needs the clinician role."""
    tx.require(Role.CLINICIAN)
    row = _row(tx, draft_id, for_update=True)
    if row.case_pk is not None:
        raise Conflict(f"draft {draft_id!r} was completed already")
    try:
        parsed = parse_case(case)
    except InvalidDocument as exc:
        raise at("case", exc) from None
    if parsed.case_id != draft_id:
        raise InvalidDocument.single("case.case_id", f"must be the draft's id {draft_id!r}")
    parsed_procedures = [
        _parsed(parse_procedure, item, f"procedures[{i}]") for i, item in enumerate(procedures)
    ]
    parsed_follow_ups = [
        _parsed(parse_follow_up, item, f"follow_ups[{i}]") for i, item in enumerate(follow_ups)
    ]
    store_case_records(tx, row.patient.code, parsed, parsed_procedures, parsed_follow_ups)
    row.case_pk = tx.session.scalar(select(CaseRow.id).where(CaseRow.case_id == draft_id))
    row.completed_at = tx.now
    tx.flush(f"draft {draft_id!r} was completed already")
    tx.audit("draft.complete", "draft", draft_id, after={"case_id": draft_id})
    return draft_id


def draft_body(body: Mapping[str, Any]) -> tuple[Any, list[Any], list[Any]]:
    """The completion body ``{case, procedures?, follow_ups?}`` of the API."""
    if not isinstance(body, Mapping):
        raise InvalidDocument.single("$", "must be an object {case, procedures, follow_ups}")
    unknown = sorted(set(body) - {"case", "procedures", "follow_ups"})
    if unknown:
        raise InvalidDocument.single(unknown[0], "unknown key")
    if "case" not in body:
        raise InvalidDocument.single("case", "required")
    lists = []
    for name in ("procedures", "follow_ups"):
        value = body.get(name, [])
        if not isinstance(value, list):
            raise InvalidDocument.single(name, "must be a list")
        lists.append(value)
    return body["case"], lists[0], lists[1]
