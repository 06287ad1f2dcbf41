"""Reviewed measurements: every version of a vertebro.measurement/1 document checked by a
reader in the browser, with what changed and the scene of the review page.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

TIMESTAMP = sa.DateTime(timezone=True)
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "measurement_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_key", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("document", JSON_DOC, nullable=False),
        sa.Column("changes", JSON_DOC, nullable=True),
        sa.Column("scene", JSON_DOC, nullable=True),
        sa.CheckConstraint(
            "status IN ('automatic', 'reviewed')", name=op.f("ck_measurement_reviews_status")
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_measurement_reviews_version")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measurement_reviews")),
        sa.UniqueConstraint(
            "review_key", "version", name=op.f("uq_measurement_reviews_review_key_version")
        ),
    )
    with op.batch_alter_table("measurement_reviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_measurement_reviews_review_key"), ["review_key"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("measurement_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measurement_reviews_review_key"))
    op.drop_table("measurement_reviews")
