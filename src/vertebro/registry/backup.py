"""Backups and restores of the registry (registry-v1 1.1, "Backups").

- SQLite → SQLite file through the online backup API in one step (never a file copy of a
  WAL database): one consistent snapshot even while others write.
- PostgreSQL → an application-level logical dump: one JSON document holding the schema
  revision and every table's rows (``vertebro.registry-dump/1``), all read in a single
  ``SERIALIZABLE READ ONLY DEFERRABLE`` transaction, so the dump is one state that
  existed at one instant (a foreign key never points to a row the dump lacks).

A restore goes only into an empty database (no tables at all), and a failed restore leaves
it as it was: a dump is loaded — schema at the dump's revision, every row, the upgrade to
the newest revision — in one transaction; a SQLite backup restored into SQLite is copied,
checked (``integrity_check``, ``foreign_key_check``) and upgraded in a temporary file next
to the target first, then copied into the target in one step. A file that cannot be
restored (truncated, garbage, from a newer vertebro, rows breaking the schema) raises
:class:`~vertebro.errors.InvalidBackup`.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Date, DateTime, Engine, MetaData, Table, inspect, select, text
from sqlalchemy.exc import SQLAlchemyError

from vertebro.errors import Conflict, InvalidBackup, RegistryError
from vertebro.files import write_atomically
from vertebro.registry.database import WRITE_OPTION, create_registry_engine
from vertebro.registry.migrate import config_for, current_revision, upgrade

__all__ = ["DUMP_FORMAT", "BackupInfo", "backup", "dump", "load", "restore"]

logger = logging.getLogger(__name__)

DUMP_FORMAT = "vertebro.registry-dump/1"
_SQLITE_MAGIC = b"SQLite format 3\x00"
_VERSION_TABLE = "alembic_version"


class BackupInfo(dict[str, Any]):
    """What a backup or restore did: ``kind`` (sqlite or dump), ``revision``, ``rows``."""


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """One read-only transaction that sees a single state of the whole database."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.exec_driver_sql(
                "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE"
            )
            yield connection
            connection.rollback()
    else:  # SQLite in WAL mode: a read transaction sees the snapshot of its first read
        with engine.connect().execution_options(**{WRITE_OPTION: False}) as connection:
            yield connection
            connection.rollback()


def dump(engine: Engine) -> dict[str, Any]:
    """Every table's rows (in dependency order) and the schema revision, as JSON values,
    read in one snapshot."""
    tables: dict[str, Any] = {}
    with _snapshot(engine) as connection:
        revision = MigrationContext.configure(connection).get_current_revision()
        metadata = MetaData()
        metadata.reflect(connection)
        for table in metadata.sorted_tables:
            columns = [c.name for c in table.columns]
            order = list(table.primary_key.columns) or list(table.columns)
            rows = connection.execute(select(table).order_by(*order))
            tables[table.name] = {
                "columns": columns,
                "rows": [[_plain(v) for v in row] for row in rows],
            }
    return {"format": DUMP_FORMAT, "revision": revision, "tables": tables}


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


def _require_empty(bind: Engine | Connection) -> None:
    names = inspect(bind).get_table_names()
    if names:
        raise Conflict(
            f"refusing to restore into a database that is not empty ({len(names)} tables); "
            "restore into a new, empty database"
        )


def _check_dump(document: Any, source: str) -> dict[str, Any]:
    """The dump's shape, or :class:`InvalidBackup` saying what is wrong."""
    if not isinstance(document, dict) or document.get("format") != DUMP_FORMAT:
        found = document.get("format") if isinstance(document, dict) else type(document).__name__
        raise InvalidBackup(source, f"not a vertebro registry dump (format {found!r})")
    if not isinstance(document.get("revision"), str):
        raise InvalidBackup(source, "the dump names no schema revision")
    tables = document.get("tables")
    if not isinstance(tables, dict):
        raise InvalidBackup(source, "the dump has no tables")
    for name, data in tables.items():
        if (
            not isinstance(data, dict)
            or not isinstance(data.get("columns"), list)
            or not isinstance(data.get("rows"), list)
            or not all(isinstance(row, list) for row in data["rows"])
        ):
            raise InvalidBackup(source, f"table {name!r}: expected columns and rows")
    return document


def _load_rows(connection: Connection, document: dict[str, Any], source: str) -> int:
    metadata = MetaData()
    metadata.reflect(connection)
    dialect = connection.dialect.name
    count = 0
    for table in metadata.sorted_tables:
        if table.name == _VERSION_TABLE or table.name not in document["tables"]:
            continue
        data = document["tables"][table.name]
        columns: list[str] = data["columns"]
        unknown = [c for c in columns if c not in table.columns]
        if unknown:
            raise InvalidBackup(source, f"table {table.name!r}: unknown columns {unknown}")
        try:
            rows = [
                {c: _value(table, c, v, dialect) for c, v in zip(columns, r, strict=True)}
                for r in data["rows"]
            ]
        except (ValueError, TypeError) as exc:
            raise InvalidBackup(source, f"table {table.name!r}: {exc}") from None
        if rows:
            connection.execute(table.insert(), rows)
            count += len(rows)
        if dialect == "postgresql" and "id" in table.columns:
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table.name}"
                )
            )
    return count


def load(engine: Engine, document: dict[str, Any], *, source: str = "dump") -> int:
    """Load a logical dump into an empty database in one transaction: the schema at the
    dump's revision, every row, then the upgrade to the newest revision. Nothing is left
    behind when anything fails. Returns the row count."""
    document = _check_dump(document, source)
    _require_empty(engine)
    try:
        with engine.begin() as connection:
            _require_empty(connection)
            command.upgrade(config_for(connection), document["revision"])
            count = _load_rows(connection, document, source)
            command.upgrade(config_for(connection), "head")
    except CommandError as exc:
        raise InvalidBackup(source, f"cannot be restored by this vertebro: {exc}") from None
    except SQLAlchemyError as exc:
        first = str(getattr(exc, "orig", exc)).splitlines()[0]
        raise InvalidBackup(source, f"its rows break the registry's schema: {first}") from None
    return count


def _sqlite_path(engine: Engine) -> str:
    database = engine.url.database
    if not database or database == ":memory:":
        raise RegistryError("an in-memory SQLite database cannot be backed up or restored")
    return database


def _copy_sqlite(source: str, target: str, *, read_only: bool = False) -> None:
    """Copy a whole SQLite database with the online backup API, in one step."""
    origin = sqlite3.connect(f"file:{source}?mode=ro" if read_only else source, uri=read_only)
    destination = sqlite3.connect(target, timeout=5.0)
    try:
        origin.backup(destination)
    finally:
        destination.close()
        origin.close()


def backup(engine: Engine, path: Path) -> BackupInfo:
    """Back the registry up to ``path`` (replaced atomically when it exists)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if engine.dialect.name == "sqlite":
        revision = current_revision(engine)
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        os.close(handle)
        try:
            _copy_sqlite(_sqlite_path(engine), temp)
            with sqlite3.connect(temp) as target:
                target.execute("PRAGMA journal_mode=DELETE")
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        logger.info("registry backed up to %s (SQLite, revision %s)", path, revision)
        return BackupInfo(kind="sqlite", revision=revision, path=str(path))
    document = dump(engine)
    rows = sum(len(t["rows"]) for t in document["tables"].values())
    write_atomically(path, json.dumps(document, ensure_ascii=False).encode("utf-8"))
    logger.info("registry dumped to %s (%d rows, revision %s)", path, rows, document["revision"])
    return BackupInfo(kind="dump", revision=document["revision"], rows=rows, path=str(path))


def _check_sqlite_file(path: str, source: str) -> None:
    """:class:`InvalidBackup` unless the SQLite file is whole, keeps its foreign keys and
    is a registry."""
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            integrity = [row[0] for row in connection.execute("PRAGMA integrity_check")]
            if integrity != ["ok"]:
                raise InvalidBackup(source, f"the SQLite file is damaged: {integrity[0]}")
            orphans = connection.execute("PRAGMA foreign_key_check").fetchall()
            if orphans:
                raise InvalidBackup(source, f"{len(orphans)} rows point to missing rows")
            names = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
            if _VERSION_TABLE not in names:
                raise InvalidBackup(source, "a SQLite file, but not a vertebro registry")
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        raise InvalidBackup(source, f"not a readable SQLite backup: {exc}") from None


def _restore_sqlite_into_sqlite(engine: Engine, path: Path) -> str:
    """Restore into a temporary file beside the target, check and upgrade it there, then
    copy it into the target in one step; the target is untouched until then."""
    target = _sqlite_path(engine)
    handle, temp = tempfile.mkstemp(dir=Path(target).parent, prefix=".restore-", suffix=".db")
    os.close(handle)
    try:
        try:
            _copy_sqlite(str(path), temp, read_only=True)
        except sqlite3.DatabaseError as exc:
            raise InvalidBackup(str(path), f"not a readable SQLite backup: {exc}") from None
        _check_sqlite_file(temp, str(path))
        staging = create_registry_engine(f"sqlite:///{temp}")
        try:
            revision = upgrade(staging)
        except CommandError as exc:
            raise InvalidBackup(str(path), f"cannot be restored by this vertebro: {exc}") from None
        finally:
            staging.dispose()
        engine.dispose()
        _require_empty(engine)
        engine.dispose()
        _copy_sqlite(temp, target)
        return revision
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(temp + suffix).unlink(missing_ok=True)


def restore(engine: Engine, path: Path) -> BackupInfo:
    """Restore a backup made by :func:`backup` (either kind) into the empty database of
    ``engine``, then upgrade it to the newest schema; all or nothing."""
    path = Path(path)
    source = str(path)
    with path.open("rb") as handle:
        head = handle.read(len(_SQLITE_MAGIC))
    _require_empty(engine)
    if head == _SQLITE_MAGIC:
        if engine.dialect.name == "sqlite":
            revision = _restore_sqlite_into_sqlite(engine, path)
            return BackupInfo(kind="sqlite", revision=revision, path=source)
        _check_sqlite_file(source, source)
        source_engine = create_registry_engine(f"sqlite:///{path}")
        try:
            document = dump(source_engine)
        except SQLAlchemyError as exc:
            raise InvalidBackup(source, f"not a readable SQLite backup: {exc}") from None
        finally:
            source_engine.dispose()
    else:
        try:
            document = json.loads(path.read_bytes())
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise InvalidBackup(
                source, f"neither a SQLite backup nor a registry dump ({exc})"
            ) from None
    rows = load(engine, document, source=source)
    return BackupInfo(kind="dump", revision=current_revision(engine), rows=rows, path=source)
