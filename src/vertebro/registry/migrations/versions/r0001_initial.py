"""Initial registry: users and tokens, patients, case versions, assessments, procedures,
follow-ups, complications, new fractures and the audit log.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

TIMESTAMP = sa.DateTime(timezone=True)
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("entity", sa.String(length=50), nullable=False),
        sa.Column("entity_key", sa.String(length=100), nullable=True),
        sa.Column("before", JSON_DOC, nullable=True),
        sa.Column("after", JSON_DOC, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_log_entity_entity_key"), ["entity", "entity_key"], unique=False
        )

    op.create_table(
        "patients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column(
            "sex",
            sa.Enum(
                "female",
                "male",
                "other",
                "unknown",
                name="sex",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint(
            "birth_year IS NULL OR birth_year BETWEEN 1880 AND 2200",
            name=op.f("ck_patients_birth_year"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patients")),
        sa.UniqueConstraint("code", name=op.f("uq_patients_code")),
    )
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_patients_is_demo"), ["is_demo"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "viewer",
                "coordinator",
                "clinician",
                "admin",
                name="role",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("password_changed_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("name", name=op.f("uq_users_name")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.Column("revoked_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_cases_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("case_id", name=op.f("uq_cases_case_id")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_pk", sa.Integer(), nullable=False),
        sa.Column("case_version", sa.Integer(), nullable=False),
        sa.Column("rulebook_version", sa.String(length=20), nullable=False),
        sa.Column(
            "recommendation",
            sa.Enum(
                "kyphoplasty",
                "vertebroplasty",
                "either",
                "mixed",
                "open_surgery",
                "conservative",
                "contraindicated",
                "needs_workup",
                name="recommendation",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("document", JSON_DOC, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_pk"], ["cases.id"], name=op.f("fk_assessments_case_pk_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
    )
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessments_case_pk_id"), ["case_pk", "id"], unique=False
        )

    op.create_table(
        "case_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_pk", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", JSON_DOC, nullable=False),
        sa.Column("age_years", sa.Integer(), nullable=False),
        sa.Column(
            "sex",
            sa.Enum(
                "female",
                "male",
                "other",
                "unknown",
                name="sex",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("pain_nrs", sa.Integer(), nullable=False),
        sa.Column("odi", sa.Float(), nullable=True),
        sa.Column("rdq", sa.Integer(), nullable=True),
        sa.Column(
            "neurology",
            sa.Enum(
                "intact",
                "root",
                "incomplete_cord",
                "complete_cord",
                "cauda_equina",
                "unknown",
                name="neurology",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("levels", sa.String(length=120), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_pk"],
            ["cases.id"],
            name=op.f("fk_case_versions_case_pk_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_versions")),
        sa.UniqueConstraint("case_pk", "version", name=op.f("uq_case_versions_case_pk_version")),
    )
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_pk", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "visit",
            sa.Enum(
                "baseline",
                "1 day",
                "1 week",
                "2 weeks",
                "1 month",
                "3 months",
                "6 months",
                "12 months",
                "unscheduled",
                name="visit",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "seen",
                "lost",
                "withdrawn",
                "deceased",
                name="status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("pain_nrs", sa.Integer(), nullable=True),
        sa.Column("odi", sa.Float(), nullable=True),
        sa.Column("rdq", sa.Integer(), nullable=True),
        sa.Column("eq5d_index", sa.Float(), nullable=True),
        sa.Column("eq5d_value_set", sa.String(length=100), nullable=True),
        sa.Column(
            "analgesics",
            sa.Enum(
                "none",
                "non_opioid",
                "weak_opioid",
                "strong_opioid",
                name="analgesics",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("osteoporosis_treatment", sa.Boolean(), nullable=True),
        sa.Column("document", JSON_DOC, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_pk"], ["cases.id"], name=op.f("fk_follow_ups_case_pk_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_ups")),
    )
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_follow_ups_case_pk"), ["case_pk"], unique=False)
        batch_op.create_index(
            "uq_follow_ups_case_pk_visit",
            ["case_pk", "visit"],
            unique=True,
            sqlite_where=sa.text("visit <> 'unscheduled'"),
            postgresql_where=sa.text("visit <> 'unscheduled'"),
        )

    op.create_table(
        "assessment_levels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "T1",
                "T2",
                "T3",
                "T4",
                "T5",
                "T6",
                "T7",
                "T8",
                "T9",
                "T10",
                "T11",
                "T12",
                "L1",
                "L2",
                "L3",
                "L4",
                "L5",
                name="level",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("level_ordinal", sa.Integer(), nullable=False),
        sa.Column(
            "recommendation",
            sa.Enum(
                "kyphoplasty",
                "vertebroplasty",
                "either",
                "mixed",
                "open_surgery",
                "conservative",
                "contraindicated",
                "needs_workup",
                name="recommendation",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("height_loss_pct", sa.Float(), nullable=True),
        sa.Column("genant_grade", sa.Integer(), nullable=True),
        sa.Column(
            "planned_technique",
            sa.Enum(
                "kyphoplasty",
                "vertebroplasty",
                name="planned_technique",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_assessment_levels_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_levels")),
    )
    with op.batch_alter_table("assessment_levels", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessment_levels_assessment_id"), ["assessment_id"], unique=False
        )

    op.create_table(
        "new_fractures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("follow_up_id", sa.Integer(), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "T1",
                "T2",
                "T3",
                "T4",
                "T5",
                "T6",
                "T7",
                "T8",
                "T9",
                "T10",
                "T11",
                "T12",
                "L1",
                "L2",
                "L3",
                "L4",
                "L5",
                name="level",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("level_ordinal", sa.Integer(), nullable=False),
        sa.Column(
            "detected_by",
            sa.Enum(
                "radiograph",
                "mri",
                "ct",
                "clinical",
                name="detected_by",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("symptomatic", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["follow_up_id"],
            ["follow_ups.id"],
            name=op.f("fk_new_fractures_follow_up_id_follow_ups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_new_fractures")),
    )
    with op.batch_alter_table("new_fractures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_new_fractures_follow_up_id"), ["follow_up_id"], unique=False
        )

    op.create_table(
        "procedures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_pk", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "scheduled",
                "performed",
                "cancelled",
                name="status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("operator", sa.Text(), nullable=False),
        sa.Column(
            "anaesthesia",
            sa.Enum(
                "general",
                "local_sedation",
                name="anaesthesia",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("duration_min", sa.Integer(), nullable=True),
        sa.Column("fluoroscopy_s", sa.Float(), nullable=True),
        sa.Column("dose_area_product", sa.Float(), nullable=True),
        sa.Column("biopsy_taken", sa.Boolean(), nullable=False),
        sa.Column("biopsy_histology", sa.Text(), nullable=True),
        sa.Column(
            "discharge",
            sa.Enum(
                "same_day", "overnight", name="discharge", native_enum=False, create_constraint=True
            ),
            nullable=True,
        ),
        sa.Column("discharge_date", sa.Date(), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("assessment_id", sa.Integer(), nullable=True),
        sa.Column("document", JSON_DOC, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_procedures_assessment_id_assessments"),
        ),
        sa.ForeignKeyConstraint(
            ["case_pk"], ["cases.id"], name=op.f("fk_procedures_case_pk_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procedures")),
    )
    with op.batch_alter_table("procedures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_procedures_case_pk_date"), ["case_pk", "date"], unique=False
        )

    op.create_table(
        "complications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=True),
        sa.Column("follow_up_id", sa.Integer(), nullable=True),
        sa.Column(
            "type",
            sa.Enum(
                "cement_leakage",
                "pulmonary_cement_embolism",
                "nerve_damage",
                "infection",
                "bleeding",
                "thromboembolism",
                "anaesthesia_reaction",
                "residual_pain",
                "readmission",
                "repeat_augmentation",
                "death",
                "other",
                name="type",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("symptomatic", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "(procedure_id IS NULL) <> (follow_up_id IS NULL)",
            name=op.f("ck_complications_one_owner"),
        ),
        sa.ForeignKeyConstraint(
            ["follow_up_id"],
            ["follow_ups.id"],
            name=op.f("fk_complications_follow_up_id_follow_ups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["procedure_id"],
            ["procedures.id"],
            name=op.f("fk_complications_procedure_id_procedures"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complications")),
    )
    with op.batch_alter_table("complications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complications_follow_up_id"), ["follow_up_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_complications_procedure_id"), ["procedure_id"], unique=False
        )

    op.create_table(
        "procedure_levels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "T1",
                "T2",
                "T3",
                "T4",
                "T5",
                "T6",
                "T7",
                "T8",
                "T9",
                "T10",
                "T11",
                "T12",
                "L1",
                "L2",
                "L3",
                "L4",
                "L5",
                name="level",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("level_ordinal", sa.Integer(), nullable=False),
        sa.Column(
            "technique",
            sa.Enum(
                "kyphoplasty",
                "vertebroplasty",
                name="technique",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "approach",
            sa.Enum(
                "bipedicular",
                "unipedicular",
                name="approach",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("cement_product", sa.Text(), nullable=True),
        sa.Column(
            "cement_viscosity",
            sa.Enum(
                "high", "standard", name="viscosity", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("cement_ml", sa.Float(), nullable=False),
        sa.Column("balloon_ml", sa.Float(), nullable=True),
        sa.Column("post_anterior_mm", sa.Float(), nullable=True),
        sa.Column("post_middle_mm", sa.Float(), nullable=True),
        sa.Column("post_posterior_mm", sa.Float(), nullable=True),
        sa.Column("leakage_present", sa.Boolean(), nullable=True),
        sa.Column("leakage_venous", sa.Boolean(), nullable=True),
        sa.Column("leakage_disc", sa.Boolean(), nullable=True),
        sa.Column("leakage_epidural", sa.Boolean(), nullable=True),
        sa.Column("leakage_foraminal", sa.Boolean(), nullable=True),
        sa.Column("leakage_paravertebral", sa.Boolean(), nullable=True),
        sa.Column("leakage_symptomatic", sa.Boolean(), nullable=True),
        sa.Column(
            "leakage_detected_by",
            sa.Enum(
                "fluoroscopy",
                "radiograph",
                "ct",
                name="leakage_detected_by",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["procedure_id"],
            ["procedures.id"],
            name=op.f("fk_procedure_levels_procedure_id_procedures"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procedure_levels")),
        sa.UniqueConstraint(
            "procedure_id", "level", name=op.f("uq_procedure_levels_procedure_id_level")
        ),
    )


def downgrade() -> None:
    op.drop_table("procedure_levels")
    op.drop_table("complications")
    op.drop_table("procedures")
    op.drop_table("new_fractures")
    op.drop_table("assessment_levels")
    op.drop_table("follow_ups")
    op.drop_table("case_versions")
    op.drop_table("assessments")
    op.drop_table("cases")
    op.drop_table("api_tokens")
    op.drop_table("users")
    op.drop_table("patients")
    op.drop_table("audit_log")
