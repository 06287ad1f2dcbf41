"""Schema migrations (Alembic), configured in code: no ``alembic.ini`` at run time; the
scripts are package data in ``vertebro/registry/migrations``. SQLite uses batch mode."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

__all__ = ["config_for", "current_revision", "head_revision", "is_current", "upgrade"]

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def config_for(connection: Connection) -> Config:
    """Alembic's configuration running on ``connection`` (inside the caller's transaction)."""
    return _config(connection)


def head_revision() -> str:
    """The newest migration shipped with this vertebro."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (``None`` for an empty or unmanaged database)."""
    with engine.connect().execution_options(vertebro_write=False) as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_current(engine: Engine) -> bool:
    """Whether the database is at the newest revision."""
    return current_revision(engine) == head_revision()


def upgrade(engine: Engine, revision: str = "head") -> str:
    """Migrate the database up to ``revision`` in one transaction; returns the new revision."""
    before = current_revision(engine)
    with engine.begin() as connection:
        command.upgrade(_config(connection), revision)
    after = current_revision(engine)
    logger.info("registry migrated from %s to %s", before, after)
    return after or ""
