"""Migrations: up from an empty database, idempotent, and in step with the ORM tables."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from vertebro.registry import (
    Base,
    create_registry_engine,
    current_revision,
    head_revision,
    is_current,
    upgrade,
)


def test_upgrade_from_empty_creates_every_table(empty_database_url: str) -> None:
    engine = create_registry_engine(empty_database_url)
    try:
        assert current_revision(engine) is None and not is_current(engine)
        assert upgrade(engine) == head_revision()
        assert upgrade(engine) == head_revision()  # a second upgrade changes nothing
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) | {"alembic_version"} == tables
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_sqlite_settings_lose_nothing(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    engine = create_registry_engine(f"sqlite:///{tmp_path / 'a' / 'r.db'}")
    try:
        with engine.connect() as connection:
            pragma = {
                name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "busy_timeout", "synchronous", "foreign_keys")
            }
        assert pragma == {
            "journal_mode": "wal",
            "busy_timeout": 5000,
            "synchronous": 1,
            "foreign_keys": 1,
        }
    finally:
        engine.dispose()


def test_urls_are_resolved(monkeypatch: object) -> None:
    import pytest

    from vertebro.registry import resolve_url

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    monkeypatch.delenv("VERTEBRO_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", "/tmp/xdg-test")
    assert str(resolve_url()) == "sqlite:////tmp/xdg-test/vertebro/vertebro.db"
    monkeypatch.setenv("VERTEBRO_DATABASE_URL", "postgresql://u@h:5/db")
    assert resolve_url().drivername == "postgresql+psycopg"
    assert resolve_url("sqlite:///x.db").drivername == "sqlite"
