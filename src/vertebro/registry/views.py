"""What the registry services return: plain immutable values, never ORM rows, so front
doors can serialise them after the transaction has ended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from vertebro.model import Assessment, Case, Checklist, ChecklistStatus, FollowUp, Procedure, Sex
from vertebro.model.pathway import CaseStatus, VisitDue
from vertebro.registry.schema import Role

__all__ = [
    "AssessmentView",
    "AuditEntry",
    "Baseline",
    "CaseOverview",
    "CaseView",
    "ChecklistView",
    "FollowUpView",
    "PatientView",
    "Principal",
    "ProcedureView",
    "StoredToken",
    "TokenView",
    "UserView",
    "VoidMark",
    "case_etag",
    "record_etag",
    "version_from_etag",
]


def case_etag(case_id: str, version: int) -> str:
    """The strong ETag of a case version: ``"<case_id>.v<version>"``."""
    return f'"{case_id}.v{version}"'


def record_etag(kind: str, record_id: int | str, version: int) -> str:
    """The strong ETag of a record version: ``"<kind>-<id>.v<version>"`` (``procedure``,
    ``follow-up``; the checklist uses the case id: ``"checklist-<case_id>.v<n>"``)."""
    return f'"{kind}-{record_id}.v{version}"'


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
class VoidMark:
    """Why a record is void: when, by whom, and the reason given."""

    at: datetime
    by: str
    reason: str


@dataclass(frozen=True, slots=True)
class ProcedureView:
    id: int
    case_id: str
    version: int
    procedure: Procedure
    created_at: datetime
    updated_at: datetime
    created_by: str
    void: VoidMark | None = None

    @property
    def etag(self) -> str:
        return record_etag("procedure", self.id, self.version)


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
    void: VoidMark | None = None

    @property
    def etag(self) -> str:
        return record_etag("follow-up", self.id, self.version)


@dataclass(frozen=True, slots=True)
class ChecklistView:
    """A case's checklist at ``version`` (0: none stored yet, every answer not known)."""

    case_id: str
    version: int
    checklist: Checklist
    created_at: datetime | None
    created_by: str | None

    @property
    def status(self) -> ChecklistStatus:
        return self.checklist.status

    @property
    def etag(self) -> str:
        return record_etag("checklist", self.case_id, self.version)


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
    checklist_status: ChecklistStatus | None = None

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
    """An authenticated user (``token_to_touch``: the bearer token it came with, when its
    last use is due to be recorded)."""

    user_id: int
    name: str
    role: Role
    token_to_touch: int | None = None


@dataclass(frozen=True, slots=True)
class TokenView:
    """A token just issued: the secret is in ``token`` and is never shown again."""

    token: str
    user: str
    expires_at: datetime
    id: int = 0


@dataclass(frozen=True, slots=True)
class StoredToken:
    """What is known of a stored token (never its secret)."""

    id: int
    user: str
    label: str | None
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


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
