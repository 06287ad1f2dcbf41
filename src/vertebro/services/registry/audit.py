"""Use cases: read the audit log (admin) and record exports."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from vertebro.registry.schema import AuditRow, Role
from vertebro.registry.views import AuditEntry
from vertebro.services.registry.context import Tx

__all__ = ["list_audit", "record_export"]


def list_audit(
    tx: Tx,
    *,
    entity: str | None = None,
    entity_key: str | None = None,
    record: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AuditEntry]:
    """Audit rows, newest first (``limit`` 1–1000). ``record`` selects a record and what
    belongs to it: a case id gives the case's rows (versions, assessments, checklist,
    exports) and its procedures' and follow-ups' (``<case id>/<record id>``)."""
    tx.require(Role.ADMIN)
    query = select(AuditRow).order_by(AuditRow.id.desc())
    if entity is not None:
        query = query.where(AuditRow.entity == entity)
    if entity_key is not None:
        query = query.where(AuditRow.entity_key == entity_key)
    if record is not None:
        under = record.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "/%"
        query = query.where(
            or_(AuditRow.entity_key == record, AuditRow.entity_key.like(under, escape="\\"))
        )
    rows = tx.session.scalars(query.limit(max(1, min(limit, 1000))).offset(max(0, offset)))
    return [
        AuditEntry(r.id, r.at, r.actor, r.action, r.entity, r.entity_key, r.before, r.after)
        for r in rows
    ]


def record_export(
    tx: Tx, what: str, detail: dict[str, Any] | None = None, *, case_id: str | None = None
) -> None:
    """Audit an export of registry data: of one case (``case_id``: report, leaflet, FHIR
    Bundle) under that case, with ``what`` in the details; else (outcomes, CSV, backup)
    under the registry."""
    tx.require(Role.VIEWER)
    if case_id is not None:
        tx.audit("export", "case", case_id, after={"what": what, **(detail or {})})
    else:
        tx.audit("export", "registry", what, after=detail)
