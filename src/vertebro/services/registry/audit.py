"""Use cases: read the audit log (admin) and record exports."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from vertebro.registry.schema import AuditRow, Role
from vertebro.registry.views import AuditEntry
from vertebro.services.registry.context import Tx

__all__ = ["list_audit", "record_export"]


def list_audit(
    tx: Tx,
    *,
    entity: str | None = None,
    entity_key: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AuditEntry]:
    """Audit rows, newest first (``limit`` 1–1000)."""
    tx.require(Role.ADMIN)
    query = select(AuditRow).order_by(AuditRow.id.desc())
    if entity is not None:
        query = query.where(AuditRow.entity == entity)
    if entity_key is not None:
        query = query.where(AuditRow.entity_key == entity_key)
    rows = tx.session.scalars(query.limit(max(1, min(limit, 1000))).offset(max(0, offset)))
    return [
        AuditEntry(r.id, r.at, r.actor, r.action, r.entity, r.entity_key, r.before, r.after)
        for r in rows
    ]


def record_export(tx: Tx, what: str, detail: dict[str, Any] | None = None) -> None:
    """Audit an export (outcomes, CSV, FHIR …) of registry data."""
    tx.require(Role.VIEWER)
    tx.audit("export", "registry", what, after=detail)
