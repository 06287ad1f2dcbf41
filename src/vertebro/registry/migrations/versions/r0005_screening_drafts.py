"""Draft cases found by screening (``screening_drafts``): without clinical data, shown
apart on the worklist until a clinician marks them reviewed.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

TIMESTAMP = sa.DateTime(timezone=True)
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "screening_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.String(length=64), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("document", JSON_DOC, nullable=False),
        sa.Column("findings", JSON_DOC, nullable=False),
        sa.Column("max_grade", sa.Integer(), nullable=False),
        sa.Column("method_version", sa.String(length=100), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("reviewed_at", TIMESTAMP, nullable=True),
        sa.Column("reviewed_by", sa.String(length=100), nullable=True),
        sa.CheckConstraint("max_grade BETWEEN 0 AND 3", name=op.f("ck_screening_drafts_max_grade")),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_screening_drafts_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_drafts")),
        sa.UniqueConstraint("draft_id", name=op.f("uq_screening_drafts_draft_id")),
    )
    with op.batch_alter_table("screening_drafts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_screening_drafts_reviewed_at"), ["reviewed_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_screening_drafts_patient_id"), ["patient_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("screening_drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screening_drafts_patient_id"))
        batch_op.drop_index(batch_op.f("ix_screening_drafts_reviewed_at"))
    op.drop_table("screening_drafts")
