"""Alembic environment, configured in code: the caller passes an open connection in
``config.attributes["connection"]`` (see :mod:`vertebro.registry.migrate`)."""

from __future__ import annotations

from alembic import context

from vertebro.registry.schema import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
