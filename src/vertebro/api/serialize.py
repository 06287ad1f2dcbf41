"""Registry views → JSON values, and JSON responses (UTF-8, compact)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from fastapi.responses import Response

from vertebro.services.registry import (
    AssessmentView,
    AuditEntry,
    CaseOverview,
    CaseView,
    FollowUpView,
    PatientView,
    ProcedureView,
    StoredToken,
    VoidMark,
)

__all__ = [
    "assessment_item",
    "audit_item",
    "case_version_item",
    "follow_up_item",
    "json_response",
    "overview_item",
    "patient_item",
    "procedure_item",
    "token_item",
]


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def json_response(
    value: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    content = json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")
    return Response(content, status_code=status, media_type="application/json", headers=headers)


def patient_item(view: PatientView) -> dict[str, Any]:
    return {
        "code": view.code,
        "birth_year": view.birth_year,
        "sex": str(view.sex),
        "is_demo": view.is_demo,
        "created_at": _iso(view.created_at),
    }


def case_version_item(view: CaseView) -> dict[str, Any]:
    return {
        "case_id": view.case_id,
        "patient_code": view.patient_code,
        "version": view.version,
        "etag": view.etag,
        "created_at": _iso(view.created_at),
        "created_by": view.created_by,
        "case": view.case.model_dump(mode="json"),
    }


def assessment_item(view: AssessmentView) -> dict[str, Any]:
    return {
        "id": view.id,
        "case_id": view.case_id,
        "case_version": view.case_version,
        "rulebook_version": view.rulebook_version,
        "created_at": _iso(view.created_at),
        "created_by": view.created_by,
        "assessment": view.assessment.model_dump(mode="json"),
    }


def _void(mark: VoidMark | None) -> dict[str, Any] | None:
    if mark is None:
        return None
    return {"at": _iso(mark.at), "by": mark.by, "reason": mark.reason}


def procedure_item(view: ProcedureView) -> dict[str, Any]:
    return {
        "id": view.id,
        "case_id": view.case_id,
        "version": view.version,
        "etag": view.etag,
        "created_at": _iso(view.created_at),
        "updated_at": _iso(view.updated_at),
        "created_by": view.created_by,
        "void": _void(view.void),
        "procedure": view.procedure.model_dump(mode="json"),
    }


def follow_up_item(view: FollowUpView) -> dict[str, Any]:
    return {
        "id": view.id,
        "case_id": view.case_id,
        "version": view.version,
        "etag": view.etag,
        "days_after_anchor": view.days_after_anchor,
        "out_of_window": view.out_of_window,
        "created_at": _iso(view.created_at),
        "updated_at": _iso(view.updated_at),
        "created_by": view.created_by,
        "void": _void(view.void),
        "follow_up": view.follow_up.model_dump(mode="json"),
    }


def token_item(token: StoredToken) -> dict[str, Any]:
    return {
        "id": token.id,
        "user": token.user,
        "label": token.label,
        "created_at": _iso(token.created_at),
        "expires_at": _iso(token.expires_at),
        "last_used_at": _iso(token.last_used_at),
        "revoked_at": _iso(token.revoked_at),
    }


def overview_item(view: CaseOverview) -> dict[str, Any]:
    return {
        "case_id": view.case_id,
        "patient_code": view.patient_code,
        "version": view.version,
        "status": str(view.status),
        "recommendation": view.latest_recommendation,
        "anchor": _iso(view.anchor),
        "visits": [
            {
                "visit": str(v.visit),
                "due_date": _iso(v.due_date),
                "window_start": _iso(v.window_start),
                "window_end": _iso(v.window_end),
                "state": str(v.state),
                "recorded_date": _iso(v.recorded_date),
                "out_of_window": v.out_of_window,
            }
            for v in view.schedule
        ],
        "due": [str(v.visit) for v in view.due_visits],
        "overdue": [str(v.visit) for v in view.overdue_visits],
        "checklist": None if view.checklist_status is None else str(view.checklist_status),
    }


def audit_item(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": _iso(entry.at),
        "actor": entry.actor,
        "action": entry.action,
        "entity": entry.entity,
        "entity_key": entry.entity_key,
        "before": entry.before,
        "after": entry.after,
    }
