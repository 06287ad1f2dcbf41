"""The registry's storage: SQLAlchemy 2 tables, Alembic migrations configured in code,
connections (SQLite by default, PostgreSQL by URL), credentials and backups.

It stores and never decides clinically; the use cases live in
:mod:`vertebro.services.registry`. Needs the ``registry`` extra
(``pip install 'vertebro[registry]'``).
"""

from vertebro.registry.database import (
    DATABASE_ENV,
    create_registry_engine,
    default_sqlite_path,
    resolve_url,
)
from vertebro.registry.migrate import current_revision, head_revision, is_current, upgrade
from vertebro.registry.review_schema import MeasurementReviewRow
from vertebro.registry.schema import Base, Role
from vertebro.registry.store import Registry

__all__ = [
    "DATABASE_ENV",
    "Base",
    "MeasurementReviewRow",
    "Registry",
    "Role",
    "create_registry_engine",
    "current_revision",
    "default_sqlite_path",
    "head_revision",
    "is_current",
    "resolve_url",
    "upgrade",
]
