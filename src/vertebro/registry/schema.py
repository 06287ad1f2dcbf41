"""The registry's tables (SQLAlchemy 2 typed ORM).

Every document (case version, assessment, procedure, follow-up) is kept whole as JSON, and
what the analytics read is also a typed column (scores, technique per level, visit, dates,
leakage, new fractures). Coded values are TEXT with CHECK constraints; timestamps are UTC.
Changing a table means a new Alembic migration in ``registry/migrations/versions``.
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from vertebro.model import (
    Anaesthesia,
    Analgesics,
    Approach,
    ChecklistStatus,
    ComplicationType,
    Discharge,
    FollowUpStatus,
    FractureDetection,
    LeakageDetection,
    Level,
    Neurology,
    ProcedureStatus,
    Recommendation,
    Sex,
    Technique,
    Viscosity,
    Visit,
)
from vertebro.registry.types import JsonDocument, UtcDateTime, text_enum, utc_now

__all__ = [
    "ApiToken",
    "AssessmentLevelRow",
    "AssessmentRow",
    "AuditRow",
    "Base",
    "CaseRow",
    "CaseVersionRow",
    "ChecklistVersionRow",
    "ComplicationRow",
    "DraftRow",
    "FollowUpRow",
    "FollowUpVersionRow",
    "LoginAttemptRow",
    "NewFractureRow",
    "PatientRow",
    "ProcedureLevelRow",
    "ProcedureRow",
    "ProcedureVersionRow",
    "Role",
    "ScreeningDraftRow",
    "UnitSettingRow",
    "User",
    "WebSessionRow",
    "is_current_version",
]

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UtcDateTime(), dict[str, Any]: JsonDocument}


class Role(StrEnum):
    """What a user may do (api-v1 "Who may do what"); each role includes the ones before."""

    VIEWER = "viewer"
    COORDINATOR = "coordinator"
    CLINICIAN = "clinician"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        """Whether this role may do what ``needed`` may."""
        return self.rank >= needed.rank


def _level() -> Mapped[Level]:
    return mapped_column(text_enum(Level, "level"))


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(text_enum(Role, "role"))
    password_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    password_changed_at: Mapped[datetime] = mapped_column(default=utc_now)

    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )


class ApiToken(Base):
    """A bearer token, stored only as its SHA-256 hex digest."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="tokens")


class WebSessionRow(Base):
    """A web session (api-v1 1.1): the cookie holds a random id, the registry its SHA-256
    digest, the user and the session's CSRF token; ``ended_at`` once logged out or revoked."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    last_seen_at: Mapped[datetime] = mapped_column(default=utc_now)
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class LoginAttemptRow(Base):
    """One login attempt that reached (or is about to reach) the password check, counted
    per key (``user:<name>``, ``addr:<address>``) for the rate limit."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index(None, "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=utc_now)


class PatientRow(Base):
    """A pseudonymous patient: a code, never a name or a record number."""

    __tablename__ = "patients"
    __table_args__ = (
        CheckConstraint("birth_year IS NULL OR birth_year BETWEEN 1880 AND 2200", "birth_year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    birth_year: Mapped[int | None] = mapped_column(Integer)
    sex: Mapped[Sex] = mapped_column(text_enum(Sex, "sex"), default=Sex.UNKNOWN)
    is_demo: Mapped[bool] = mapped_column(default=False, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class CaseRow(Base):
    """A case: its identity and the number of its current version."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[str] = mapped_column(String(64), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    current_version: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)

    patient: Mapped[PatientRow] = relationship()


class CaseVersionRow(Base):
    """One stored version of a case document (every edit is kept)."""

    __tablename__ = "case_versions"
    __table_args__ = (
        UniqueConstraint("case_pk", "version"),
        # covering index of the outcomes query (baseline at the anchor)
        Index(
            "ix_case_versions_outcomes",
            "case_pk",
            "version",
            "created_at",
            "pain_nrs",
            "odi",
            "rdq",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_pk: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    version: Mapped[int]
    document: Mapped[dict[str, Any]]
    age_years: Mapped[int]
    sex: Mapped[Sex] = mapped_column(text_enum(Sex, "sex"))
    pain_nrs: Mapped[int]
    odi: Mapped[float | None] = mapped_column(Float)
    rdq: Mapped[int | None]
    neurology: Mapped[Neurology] = mapped_column(text_enum(Neurology, "neurology"))
    levels: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    created_by: Mapped[str] = mapped_column(String(100))


def is_current_version() -> ColumnElement[bool]:
    """The join condition of a case (``CaseRow``) with its current version's row."""
    return (CaseVersionRow.case_pk == CaseRow.id) & (
        CaseVersionRow.version == CaseRow.current_version
    )


class AssessmentRow(Base):
    """A stored assessment of one case version under one rulebook version."""

    __tablename__ = "assessments"
    __table_args__ = (Index(None, "case_pk", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_pk: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    case_version: Mapped[int]
    rulebook_version: Mapped[str] = mapped_column(String(20))
    recommendation: Mapped[Recommendation] = mapped_column(
        text_enum(Recommendation, "recommendation")
    )
    document: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    created_by: Mapped[str] = mapped_column(String(100))

    levels: Mapped[list[AssessmentLevelRow]] = relationship(
        cascade="all, delete-orphan", order_by="AssessmentLevelRow.level_ordinal"
    )


class AssessmentLevelRow(Base):
    """Per-level results of an assessment that analytics group by."""

    __tablename__ = "assessment_levels"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[Level] = _level()
    level_ordinal: Mapped[int]
    recommendation: Mapped[Recommendation] = mapped_column(
        text_enum(Recommendation, "recommendation")
    )
    height_loss_pct: Mapped[float | None] = mapped_column(Float)
    genant_grade: Mapped[int | None]
    planned_technique: Mapped[Technique | None] = mapped_column(
        text_enum(Technique, "planned_technique")
    )


class ProcedureRow(Base):
    """One procedure session ``vertebro.procedure/1``."""

    __tablename__ = "procedures"
    __table_args__ = (
        Index(None, "case_pk", "date"),
        # covering index of the outcomes query (index session per patient)
        Index("ix_procedures_outcomes", "status", "case_pk", "date", "assessment_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_pk: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(default=1)
    status: Mapped[ProcedureStatus] = mapped_column(text_enum(ProcedureStatus, "status"))
    date: Mapped[dt.date]
    operator: Mapped[str] = mapped_column(Text)
    anaesthesia: Mapped[Anaesthesia] = mapped_column(text_enum(Anaesthesia, "anaesthesia"))
    duration_min: Mapped[int | None]
    fluoroscopy_s: Mapped[float | None] = mapped_column(Float)
    dose_area_product: Mapped[float | None] = mapped_column(Float)
    biopsy_taken: Mapped[bool]
    biopsy_histology: Mapped[str | None] = mapped_column(Text)
    discharge: Mapped[Discharge | None] = mapped_column(text_enum(Discharge, "discharge"))
    discharge_date: Mapped[dt.date | None]
    override_reason: Mapped[str | None] = mapped_column(Text)
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id"))
    document: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)
    created_by: Mapped[str] = mapped_column(String(100))
    void_at: Mapped[datetime | None]
    void_by: Mapped[str | None] = mapped_column(String(100))
    void_reason: Mapped[str | None] = mapped_column(Text)

    levels: Mapped[list[ProcedureLevelRow]] = relationship(
        cascade="all, delete-orphan", order_by="ProcedureLevelRow.level_ordinal"
    )
    complications: Mapped[list[ComplicationRow]] = relationship(
        cascade="all, delete-orphan",
        primaryjoin="ProcedureRow.id == ComplicationRow.procedure_id",
        order_by="ComplicationRow.id",
    )


class ProcedureLevelRow(Base):
    """One treated level of a session: technique, cement, heights after, leakage."""

    __tablename__ = "procedure_levels"
    __table_args__ = (
        UniqueConstraint("procedure_id", "level"),
        # covering index of the outcomes query (technique and leakage per level)
        Index(
            "ix_procedure_levels_outcomes",
            "procedure_id",
            "level_ordinal",
            "technique",
            "leakage_present",
            "leakage_detected_by",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id", ondelete="CASCADE"))
    level: Mapped[Level] = _level()
    level_ordinal: Mapped[int]
    technique: Mapped[Technique] = mapped_column(text_enum(Technique, "technique"))
    approach: Mapped[Approach] = mapped_column(text_enum(Approach, "approach"))
    cement_product: Mapped[str | None] = mapped_column(Text)
    cement_viscosity: Mapped[Viscosity] = mapped_column(text_enum(Viscosity, "viscosity"))
    cement_ml: Mapped[float] = mapped_column(Float)
    balloon_ml: Mapped[float | None] = mapped_column(Float)
    post_anterior_mm: Mapped[float | None] = mapped_column(Float)
    post_middle_mm: Mapped[float | None] = mapped_column(Float)
    post_posterior_mm: Mapped[float | None] = mapped_column(Float)
    leakage_present: Mapped[bool | None]
    leakage_venous: Mapped[bool | None]
    leakage_disc: Mapped[bool | None]
    leakage_epidural: Mapped[bool | None]
    leakage_foraminal: Mapped[bool | None]
    leakage_paravertebral: Mapped[bool | None]
    leakage_symptomatic: Mapped[bool | None]
    leakage_detected_by: Mapped[LeakageDetection | None] = mapped_column(
        text_enum(LeakageDetection, "leakage_detected_by")
    )


#: The follow-up rows that must be unique per (case, visit): timed or baseline, not void.
LIVE_TIMED_VISIT = "visit <> 'unscheduled' AND void_at IS NULL"


class FollowUpRow(Base):
    """One follow-up visit ``vertebro.follow_up/1``; one live record per (case, visit) but
    unscheduled (a void record stays, and a new one may take its place)."""

    __tablename__ = "follow_ups"
    __table_args__ = (
        Index(
            "uq_follow_ups_case_pk_visit",
            "case_pk",
            "visit",
            unique=True,
            sqlite_where=text(LIVE_TIMED_VISIT),
            postgresql_where=text(LIVE_TIMED_VISIT),
        ),
        # covering index of the outcomes query (a million rows read without the documents)
        Index(
            "ix_follow_ups_outcomes",
            "case_pk",
            "visit",
            "date",
            "status",
            "pain_nrs",
            "odi",
            "rdq",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_pk: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(default=1)
    visit: Mapped[Visit] = mapped_column(text_enum(Visit, "visit"))
    date: Mapped[dt.date]
    status: Mapped[FollowUpStatus] = mapped_column(text_enum(FollowUpStatus, "status"))
    pain_nrs: Mapped[int | None]
    odi: Mapped[float | None] = mapped_column(Float)
    rdq: Mapped[int | None]
    eq5d_index: Mapped[float | None] = mapped_column(Float)
    eq5d_value_set: Mapped[str | None] = mapped_column(String(100))
    analgesics: Mapped[Analgesics | None] = mapped_column(text_enum(Analgesics, "analgesics"))
    osteoporosis_treatment: Mapped[bool | None]
    document: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)
    created_by: Mapped[str] = mapped_column(String(100))
    void_at: Mapped[datetime | None]
    void_by: Mapped[str | None] = mapped_column(String(100))
    void_reason: Mapped[str | None] = mapped_column(Text)

    new_fractures: Mapped[list[NewFractureRow]] = relationship(
        cascade="all, delete-orphan", order_by="NewFractureRow.level_ordinal"
    )
    complications: Mapped[list[ComplicationRow]] = relationship(
        cascade="all, delete-orphan",
        primaryjoin="FollowUpRow.id == ComplicationRow.follow_up_id",
        order_by="ComplicationRow.id",
    )


class ProcedureVersionRow(Base):
    """A superseded version of a procedure record (the current one is the row itself)."""

    __tablename__ = "procedure_versions"
    __table_args__ = (UniqueConstraint("procedure_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id", ondelete="CASCADE"))
    version: Mapped[int]
    document: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    created_by: Mapped[str] = mapped_column(String(100))


class FollowUpVersionRow(Base):
    """A superseded version of a follow-up record (the current one is the row itself)."""

    __tablename__ = "follow_up_versions"
    __table_args__ = (UniqueConstraint("follow_up_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    follow_up_id: Mapped[int] = mapped_column(ForeignKey("follow_ups.id", ondelete="CASCADE"))
    version: Mapped[int]
    document: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    created_by: Mapped[str] = mapped_column(String(100))


class ChecklistVersionRow(Base):
    """One version of a case's pre-procedure checklist ``vertebro.checklist/1`` (registry-v1
    1.1); the case's checklist is its highest version. ``status`` is computed when stored."""

    __tablename__ = "checklist_versions"
    __table_args__ = (UniqueConstraint("case_pk", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_pk: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    version: Mapped[int]
    status: Mapped[ChecklistStatus] = mapped_column(text_enum(ChecklistStatus, "status"))
    document: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    created_by: Mapped[str] = mapped_column(String(100))


class NewFractureRow(Base):
    """A new vertebral fracture found at a follow-up (adjacent or remote is computed)."""

    __tablename__ = "new_fractures"

    id: Mapped[int] = mapped_column(primary_key=True)
    follow_up_id: Mapped[int] = mapped_column(
        ForeignKey("follow_ups.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[Level] = _level()
    level_ordinal: Mapped[int]
    detected_by: Mapped[FractureDetection] = mapped_column(
        text_enum(FractureDetection, "detected_by")
    )
    symptomatic: Mapped[bool]


class ComplicationRow(Base):
    """A complication of a procedure session or reported at a follow-up (rulebook R-3)."""

    __tablename__ = "complications"
    __table_args__ = (
        CheckConstraint("(procedure_id IS NULL) <> (follow_up_id IS NULL)", "one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int | None] = mapped_column(
        ForeignKey("procedures.id", ondelete="CASCADE"), index=True
    )
    follow_up_id: Mapped[int | None] = mapped_column(
        ForeignKey("follow_ups.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[ComplicationType] = mapped_column(text_enum(ComplicationType, "type"))
    symptomatic: Mapped[bool]
    note: Mapped[str | None] = mapped_column(Text)


class DraftRow(Base):
    """A draft case imported from another system's FHIR Bundle: the documents as far as
    the Bundle filled them and the import report, until a clinician completes it into a
    case (``case_pk``)."""

    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[str] = mapped_column(String(64), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    source: Mapped[str] = mapped_column(String(20))
    document: Mapped[dict[str, Any]]
    report: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    created_by: Mapped[str] = mapped_column(String(100))
    case_pk: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    completed_at: Mapped[datetime | None]

    patient: Mapped[PatientRow] = relationship()


class AuditRow(Base):
    """Who did what, when, with the state before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (Index(None, "entity", "entity_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    entity: Mapped[str] = mapped_column(String(50))
    entity_key: Mapped[str | None] = mapped_column(String(100))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]


class ScreeningDraftRow(Base):
    """A draft case found by screening (``vertebro screen``), without clinical data: the
    geometry of its fractured levels as a draft ``vertebro.case/1`` (``patient`` and
    ``clinical`` empty, so not a case until a clinician completes it), shown apart on the
    worklist until a clinician marks it reviewed. ``draft_id`` is also its patient's
    pseudonymous code; ``findings`` holds the levels at or above the screening grade."""

    __tablename__ = "screening_drafts"
    __table_args__ = (
        CheckConstraint("max_grade BETWEEN 0 AND 3", "max_grade"),
        Index(None, "reviewed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[str] = mapped_column(String(64), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    document: Mapped[dict[str, Any]]
    findings: Mapped[dict[str, Any]]
    max_grade: Mapped[int]
    method_version: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    created_by: Mapped[str] = mapped_column(String(100))
    reviewed_at: Mapped[datetime | None]
    reviewed_by: Mapped[str | None] = mapped_column(String(100))

    patient: Mapped[PatientRow] = relationship()


class UnitSettingRow(Base):
    """A setting of the unit kept in the registry (``unit_phone``: the number patients call),
    set by an admin on the web or by ``vertebro serve --unit-phone``."""

    __tablename__ = "unit_settings"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_by: Mapped[str] = mapped_column(String(100))
