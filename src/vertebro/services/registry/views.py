"""What the registry services return: plain immutable values, never ORM rows, so front
doors can serialise them after the transaction has ended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from vertebro.model import Assessment, Case, FollowUp, Procedure, Sex
from vertebro.model.pathway import CaseStatus, VisitDue
from vertebro.registry.schema import Role

__all__ = [
    "AssessmentView",
    "AuditEntry",
    "Baseline",
    "CaseOverview",
    "CaseView",
    "FollowUpView",
    "PatientView",
    "Principal",
    "ProcedureView",
    "TokenView",
    "UserView",
    "case_etag",
    "version_from_etag",
]


def case_etag(case_id: str, version: int) -> str:
    """The strong ETag of a case version: ``"<case_id>.v<version>"``."""
    return f'"{case_id}.v{version}"'


def version_from_etag(etag: str) -> int | None:
    """The version named by an ``If-Match`` value made by :func:`case_etag` (``W/`` and
    the quotes allowed), or ``None`` when it is not one."""
    value = etag.strip().removeprefix("W/").strip('"')
    _, sep, number = value.rpartition(".v")
    return int(number) if sep and number.isdigit() and len(number) < 10 else None


@dataclass(frozen=True, slots=True)
class PatientView:
    code: str
    birth_year: int | None
    sex: Sex
    is_demo: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class CaseView:
    """One version of a case (the current one unless asked otherwise)."""

    case_id: str
    patient_code: str
    version: int
    current_version: int
    case: Case
    created_at: datetime
    created_by: str

    @property
    def etag(self) -> str:
        return case_etag(self.case_id, self.version)


@dataclass(frozen=True, slots=True)
class AssessmentView:
    id: int
    case_id: str
    case_version: int
    rulebook_version: str
    assessment: Assessment
    created_at: datetime
    created_by: str


@dataclass(frozen=True, slots=True)
class ProcedureView:
    id: int
    case_id: str
    version: int
    procedure: Procedure
    created_at: datetime
    updated_at: datetime
    created_by: str


@dataclass(frozen=True, slots=True)
class FollowUpView:
    """A follow-up record with what is computed about it: days after the anchor and
    whether its date is outside the visit's window (``None`` without an anchor)."""

    id: int
    case_id: str
    version: int
    follow_up: FollowUp
    days_after_anchor: int | None
    out_of_window: bool | None
    created_at: datetime
    updated_at: datetime
    created_by: str


@dataclass(frozen=True, slots=True)
class Baseline:
    """Baseline scores: from the ``baseline`` record, else the case version current at the
    anchor (``source`` says which; ``case_version`` names it)."""

    pain_nrs: int | None
    odi: float | None
    rdq: int | None
    source: str
    case_version: int | None


@dataclass(frozen=True, slots=True)
class CaseOverview:
    """A case's computed state on ``today``: status, anchor, visit schedule, baseline."""

    case_id: str
    patient_code: str
    version: int
    status: CaseStatus
    latest_recommendation: str | None
    anchor: date | None
    schedule: tuple[VisitDue, ...]
    baseline: Baseline | None
    today: date

    @property
    def due_visits(self) -> tuple[VisitDue, ...]:
        return tuple(v for v in self.schedule if v.state == "due")

    @property
    def overdue_visits(self) -> tuple[VisitDue, ...]:
        return tuple(v for v in self.schedule if v.state == "overdue")


@dataclass(frozen=True, slots=True)
class UserView:
    name: str
    role: Role
    active: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated user."""

    user_id: int
    name: str
    role: Role


@dataclass(frozen=True, slots=True)
class TokenView:
    """A token just issued: the secret is in ``token`` and is never shown again."""

    token: str
    user: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_key: str | None
    before: dict[str, object] | None
    after: dict[str, object] | None
