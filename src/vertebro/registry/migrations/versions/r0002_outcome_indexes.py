"""Covering indexes for the outcomes query: follow-ups, case versions, procedures and
their levels are read without their JSON documents.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

INDEXES: dict[str, tuple[str, list[str]]] = {
    "ix_follow_ups_outcomes": (
        "follow_ups",
        ["case_pk", "visit", "date", "status", "pain_nrs", "odi", "rdq"],
    ),
    "ix_case_versions_outcomes": (
        "case_versions",
        ["case_pk", "version", "created_at", "pain_nrs", "odi", "rdq"],
    ),
    "ix_procedures_outcomes": ("procedures", ["status", "case_pk", "date", "assessment_id", "id"]),
    "ix_procedure_levels_outcomes": (
        "procedure_levels",
        ["procedure_id", "level_ordinal", "technique", "leakage_present", "leakage_detected_by"],
    ),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, (table, _) in INDEXES.items():
        op.drop_index(name, table_name=table)
