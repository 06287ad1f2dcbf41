"""Backups and restores of the registry.

- SQLite → SQLite file through the online backup API (never a file copy of a WAL
  database); it is consistent even while others write.
- PostgreSQL → an application-level logical dump: one JSON document holding the schema
  revision and every table's rows (``vertebro.registry-dump/1``).

A restore goes only into an empty database (no tables at all). A SQLite backup restored
into SQLite is copied back through the backup API; anything else is loaded row by row into
the schema at the dump's revision. Either way the database is then upgraded to the newest
revision.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Date, DateTime, Engine, MetaData, Table, inspect, select, text

from vertebro.errors import Conflict, RegistryError
from vertebro.files import write_atomically
from vertebro.registry.database import create_registry_engine
from vertebro.registry.migrate import current_revision, upgrade

__all__ = ["DUMP_FORMAT", "BackupInfo", "backup", "dump", "load", "restore"]

logger = logging.getLogger(__name__)

DUMP_FORMAT = "vertebro.registry-dump/1"
_SQLITE_MAGIC = b"SQLite format 3\x00"
_VERSION_TABLE = "alembic_version"


class BackupInfo(dict[str, Any]):
    """What a backup or restore did: ``kind`` (sqlite or dump), ``revision``, ``rows``."""


def _reflect(engine: Engine) -> MetaData:
    metadata = MetaData()
    metadata.reflect(engine)
    return metadata


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def dump(engine: Engine) -> dict[str, Any]:
    """Every table's rows (in dependency order) and the schema revision, as JSON values."""
    metadata = _reflect(engine)
    tables: dict[str, Any] = {}
    with engine.begin() as connection:
        for table in metadata.sorted_tables:
            columns = [c.name for c in table.columns]
            order = list(table.primary_key.columns) or list(table.columns)
            rows = connection.execute(select(table).order_by(*order))
            tables[table.name] = {
                "columns": columns,
                "rows": [[_plain(v) for v in row] for row in rows],
            }
    return {"format": DUMP_FORMAT, "revision": current_revision(engine), "tables": tables}


def _value(table: Table, column: str, value: Any, dialect: str) -> Any:
    if value is None:
        return None
    kind = table.columns[column].type
    if isinstance(kind, DateTime):
        moment = datetime.fromisoformat(value).astimezone(UTC)
        return moment.replace(tzinfo=None) if dialect == "sqlite" else moment
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    return value


def _require_empty(engine: Engine) -> None:
    names = inspect(engine).get_table_names()
    if names:
        raise Conflict(
            f"refusing to restore into a database that is not empty ({len(names)} tables); "
            "restore into a new, empty database"
        )


def load(engine: Engine, document: dict[str, Any]) -> int:
    """Load a logical dump into an empty database: create the schema at the dump's
    revision, insert every row in one transaction, then upgrade. Returns the row count."""
    if document.get("format") != DUMP_FORMAT:
        raise RegistryError(f"not a vertebro registry dump (format {document.get('format')!r})")
    _require_empty(engine)
    revision = document.get("revision")
    if revision:
        upgrade(engine, revision)
    metadata = _reflect(engine)
    count = 0
    with engine.begin() as connection:
        for table in metadata.sorted_tables:
            if table.name == _VERSION_TABLE or table.name not in document["tables"]:
                continue
            data = document["tables"][table.name]
            columns: list[str] = data["columns"]
            rows = [
                {
                    c: _value(table, c, v, engine.dialect.name)
                    for c, v in zip(columns, r, strict=True)
                }
                for r in data["rows"]
            ]
            if rows:
                connection.execute(table.insert(), rows)
                count += len(rows)
            if engine.dialect.name == "postgresql" and "id" in table.columns:
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table.name}"
                    )
                )
    upgrade(engine)
    return count


def _sqlite_path(engine: Engine) -> str:
    database = engine.url.database
    if not database or database == ":memory:":
        raise RegistryError("an in-memory SQLite database cannot be backed up or restored")
    return database


def backup(engine: Engine, path: Path) -> BackupInfo:
    """Back the registry up to ``path`` (replaced atomically when it exists)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    revision = current_revision(engine)
    if engine.dialect.name == "sqlite":
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        os.close(handle)
        try:
            source = sqlite3.connect(_sqlite_path(engine), timeout=5.0)
            target = sqlite3.connect(temp)
            try:
                source.backup(target)
                target.execute("PRAGMA journal_mode=DELETE")
            finally:
                target.close()
                source.close()
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        logger.info("registry backed up to %s (SQLite, revision %s)", path, revision)
        return BackupInfo(kind="sqlite", revision=revision, path=str(path))
    document = dump(engine)
    rows = sum(len(t["rows"]) for t in document["tables"].values())
    write_atomically(path, json.dumps(document, ensure_ascii=False).encode("utf-8"))
    logger.info("registry dumped to %s (%d rows, revision %s)", path, rows, revision)
    return BackupInfo(kind="dump", revision=revision, rows=rows, path=str(path))


def restore(engine: Engine, path: Path) -> BackupInfo:
    """Restore a backup made by :func:`backup` (either kind) into the empty database of
    ``engine``, then upgrade it to the newest schema."""
    path = Path(path)
    with path.open("rb") as source:
        head = source.read(len(_SQLITE_MAGIC))
    _require_empty(engine)
    if head == _SQLITE_MAGIC:
        if engine.dialect.name == "sqlite":
            source_db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            target = sqlite3.connect(_sqlite_path(engine))
            try:
                source_db.backup(target)
            finally:
                target.close()
                source_db.close()
            engine.dispose()
            revision = upgrade(engine)
            return BackupInfo(kind="sqlite", revision=revision, path=str(path))
        source_engine = create_registry_engine(f"sqlite:///{path}")
        try:
            document = dump(source_engine)
        finally:
            source_engine.dispose()
    else:
        try:
            document = json.loads(path.read_bytes())
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise RegistryError(f"{path}: neither a SQLite backup nor a registry dump") from exc
    rows = load(engine, document)
    return BackupInfo(kind="dump", revision=current_revision(engine), rows=rows, path=str(path))
