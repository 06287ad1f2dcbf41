"""The registry handle: an engine, a session factory and one transaction at a time."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session, sessionmaker

from vertebro.registry.database import create_registry_engine
from vertebro.registry.migrate import upgrade

__all__ = ["Registry"]

logger = logging.getLogger(__name__)


class Registry:
    """A registry database. ``transaction()`` gives a session whose work is committed when
    the block ends normally and rolled back (nothing written) when it raises."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False, autoflush=True)

    @classmethod
    def open(cls, database: str | URL | None = None, *, migrate: bool = False) -> Registry:
        """Connect to ``database`` (see :func:`~vertebro.registry.database.resolve_url`),
        migrating it to the newest schema first when ``migrate`` is true."""
        registry = cls(create_registry_engine(database))
        if migrate:
            upgrade(registry.engine)
        return registry

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One database transaction: commit on success, roll back on any exception."""
        with self._sessions.begin() as session:
            yield session

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()
