"""The registry handle: an engine, a session factory and one transaction at a time."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session, sessionmaker

from vertebro.registry.database import WRITE_OPTION, create_registry_engine
from vertebro.registry.migrate import upgrade

__all__ = ["ReadOnlyTransaction", "Registry"]

logger = logging.getLogger(__name__)


class ReadOnlyTransaction(RuntimeError):
    """A read transaction tried to write (a programming error: open it with ``write=True``)."""


def _refuse_writes(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get("read_only") and (session.new or session.dirty or session.deleted):
        raise ReadOnlyTransaction("a write in a read transaction")


class Registry:
    """A registry database. ``transaction()`` gives a session whose work is committed when
    the block ends normally and rolled back (nothing written) when it raises."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False, autoflush=True)
        event.listen(self._sessions, "before_flush", _refuse_writes)

    @classmethod
    def open(
        cls,
        database: str | URL | None = None,
        *,
        migrate: bool = False,
        busy_timeout_s: float = 5.0,
    ) -> Registry:
        """Connect to ``database`` (see :func:`~vertebro.registry.database.resolve_url`),
        migrating it to the newest schema first when ``migrate`` is true; SQLite waits up
        to ``busy_timeout_s`` for another writer."""
        registry = cls(create_registry_engine(database, busy_timeout_s=busy_timeout_s))
        if migrate:
            upgrade(registry.engine)
        return registry

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Session]:
        """One database transaction: commit on success, roll back on any exception.

        ``write=False`` opens a read transaction: on SQLite it takes no write lock (a plain
        ``BEGIN``, not ``BEGIN IMMEDIATE``), on PostgreSQL it is ``READ ONLY``, and adding
        or changing a row in it raises :class:`ReadOnlyTransaction`."""
        with self._sessions.begin() as session:
            session.info["read_only"] = not write
            session.connection(execution_options={WRITE_OPTION: write})
            yield session

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()
