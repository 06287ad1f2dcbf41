"""Connecting to the registry: which database, and an engine configured to lose nothing.

The URL comes from ``--database URL``, else ``VERTEBRO_DATABASE_URL``, else a SQLite file
in the user's data directory. SQLite runs in WAL mode with ``busy_timeout=5000``,
``synchronous=NORMAL`` and foreign keys on; the driver's own transaction handling is off
(``isolation_level=None``). A write transaction starts with ``BEGIN IMMEDIATE``, so two
writers queue instead of failing or losing an update; a read transaction (execution option
``vertebro_write=False``) starts with a plain ``BEGIN`` and never takes the write lock (WAL
readers see one snapshot and never wait for a writer). PostgreSQL goes through psycopg 3;
its read transactions are ``READ ONLY``.
"""

from __future__ import annotations

import functools
import logging
import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

__all__ = [
    "DATABASE_ENV",
    "WRITE_OPTION",
    "create_registry_engine",
    "default_sqlite_path",
    "resolve_url",
]

logger = logging.getLogger(__name__)

DATABASE_ENV = "VERTEBRO_DATABASE_URL"
#: The connection execution option saying whether a transaction may write (default yes).
WRITE_OPTION = "vertebro_write"


def default_sqlite_path() -> Path:
    """``vertebro.db`` in the user's data directory (``$XDG_DATA_HOME/vertebro`` on Linux)."""
    try:
        from platformdirs import user_data_path
    except ImportError:  # pragma: no cover - platformdirs is part of the registry extra
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local/share")
        return Path(base) / "vertebro" / "vertebro.db"
    return user_data_path("vertebro", appauthor=False) / "vertebro.db"


def resolve_url(database: str | None = None) -> URL:
    """The registry's URL: ``database``, else ``$VERTEBRO_DATABASE_URL``, else the default
    SQLite file. ``postgresql://`` and ``postgres://`` become ``postgresql+psycopg://``."""
    raw = database or os.environ.get(DATABASE_ENV) or None
    if raw is None:
        return make_url(f"sqlite:///{default_sqlite_path()}")
    url = make_url(raw)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def _sqlite_connect(busy_ms: int, dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _writes(connection: Any) -> bool:
    return bool(connection.get_execution_options().get(WRITE_OPTION, True))


def _sqlite_begin(connection: Any) -> None:
    writes = _writes(connection)
    connection.exec_driver_sql(f"PRAGMA query_only={0 if writes else 1}")
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def _postgresql_begin(connection: Any) -> None:
    if not _writes(connection):
        connection.exec_driver_sql("SET TRANSACTION READ ONLY")


def create_registry_engine(
    database: str | URL | None = None, *, echo: bool = False, busy_timeout_s: float = 5.0
) -> Engine:
    """An engine for ``database`` (see :func:`resolve_url`); a SQLite file's folder is
    created when missing. ``busy_timeout_s``: how long a SQLite connection waits for
    another writer's lock before it gives up (the server answers 503 then; the command line
    waits longer)."""
    url = database if isinstance(database, URL) else resolve_url(database)
    if url.get_backend_name() == "sqlite":
        path = url.database
        if path and path != ":memory:" and not path.startswith("file:"):
            Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"isolation_level": None, "check_same_thread": False},
        )
        event.listen(
            engine, "connect", functools.partial(_sqlite_connect, int(busy_timeout_s * 1000))
        )
        event.listen(engine, "begin", _sqlite_begin)
    else:
        engine = create_engine(url, echo=echo, pool_pre_ping=True)
        event.listen(engine, "begin", _postgresql_begin)
    logger.debug("registry engine for %s", url.render_as_string(hide_password=True))
    return engine
