"""What corrections of procedure and follow-up records share (registry-v1 1.1): the version
an edit is based on, the superseded version kept, and void with a reason.

A record is never deleted. An edit names the version it was based on (``If-Match``) and
keeps the old document as a superseded version; a void record stays, marked with who, when
and why, and leaves the schedule, the case status and every analytic.
"""

from __future__ import annotations

import re
from typing import Any, Protocol, TypeVar

from sqlalchemy import select

from vertebro.errors import (
    Conflict,
    InvalidDocument,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
)
from vertebro.registry.schema import CaseRow, FollowUpRow, ProcedureRow
from vertebro.registry.views import VoidMark
from vertebro.services.registry.context import Tx

__all__ = ["MAX_REASON", "check_version", "parse_reason", "record_row", "void_mark", "void_record"]

R = TypeVar("R", ProcedureRow, FollowUpRow)

MAX_REASON = 500
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class Voidable(Protocol):
    id: int
    case_pk: int
    version: int
    document: dict[str, Any]
    void_at: Any
    void_by: str | None
    void_reason: str | None


def record_row(
    tx: Tx, model: type[R], record_id: int, case_id: str | None, *, for_update: bool
) -> R:
    """The procedure or follow-up row ``record_id`` (of the case ``case_id`` when given);
    :class:`NotFound` otherwise."""
    query = select(model).where(model.id == record_id)
    if case_id is not None:
        query = query.join(CaseRow, CaseRow.id == model.case_pk).where(CaseRow.case_id == case_id)
    row = tx.session.scalars(query.with_for_update() if for_update else query).one_or_none()
    if row is None:
        what = "procedure" if model is ProcedureRow else "follow-up"
        where = "" if case_id is None else f" in case {case_id!r}"
        raise NotFound(f"no {what} {record_id}{where}")
    return row


def parse_reason(reason: object) -> str:
    """A void reason: a string of 1–500 characters without control characters (tab and
    newline allowed); :class:`InvalidDocument` at ``reason`` otherwise."""
    if not isinstance(reason, str):
        raise InvalidDocument.single("reason", "required: a string of 1–500 characters")
    text = reason.strip()
    if not text:
        raise InvalidDocument.single("reason", "must not be empty")
    if len(text) > MAX_REASON:
        raise InvalidDocument.single("reason", f"must be at most {MAX_REASON} characters")
    if _CONTROL.search(text):
        raise InvalidDocument.single("reason", "must not contain control characters")
    return text


def void_mark(row: Voidable) -> VoidMark | None:
    """The row's void mark, or ``None`` while it is live."""
    if row.void_at is None:
        return None
    return VoidMark(row.void_at, row.void_by or "", row.void_reason or "")


def check_version(what: str, row: Voidable, expected: int | None) -> None:
    """Refuse an edit of a void record (409), without a version (428) or of a stale one
    (412)."""
    if row.void_at is not None:
        raise Conflict(f"{what} is void; record a new one instead")
    if expected is None:
        raise PreconditionRequired(f"editing {what} needs the version it is based on")
    if row.version != expected:
        raise PreconditionFailed(
            f"{what} is at version {row.version}, not {expected}", current_version=row.version
        )


def void_record(tx: Tx, entity: str, row: Voidable, reason: object) -> str:
    """Mark ``row`` (a ``procedure`` or ``follow_up``) void by the acting user, now, for
    ``reason``; 409 when it already is. Audited as ``<entity>.void``; returns the case id."""
    text = parse_reason(reason)
    what = f"{entity.replace('_', '-')} {row.id}"
    if row.void_at is not None:
        raise Conflict(f"{what} is already void")
    row.void_at = tx.now
    row.void_by = tx.actor.name
    row.void_reason = text
    tx.session.flush()
    case_id = tx.session.get_one(CaseRow, row.case_pk).case_id
    tx.audit(
        f"{entity}.void",
        entity,
        f"{case_id}/{row.id}",
        before={"version": row.version, "document": row.document},
        after={"void": {"at": tx.now.isoformat(), "by": tx.actor.name, "reason": text}},
    )
    return case_id
