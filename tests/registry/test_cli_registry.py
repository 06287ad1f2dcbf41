"""``vertebro db`` and ``vertebro users`` as real subprocesses, on both backends."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from vertebro.errors import AuthenticationFailed
from vertebro.registry import Registry, head_revision
from vertebro.services import registry as svc
from vertebro.services.registry import Actor, unit_of_work


def run(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "vertebro.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=environment,
    )


def test_db_and_users_commands(empty_database_url: str, tmp_path: Path, backend: str) -> None:
    db = ["--database", empty_database_url]
    early = run("users", "add", "alice", "--role", "clinician", *db, stdin="correct horse\n")
    assert early.returncode == 1 and "vertebro db upgrade" in early.stderr
    upgraded = run("db", "upgrade", *db)
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"at revision {head_revision()}" in upgraded.stdout

    added = run("users", "add", "alice", "--role", "clinician", *db, stdin="correct horse\n")
    assert added.returncode == 0, added.stderr
    assert added.stdout == "user alice added (clinician)\n"
    again = run("users", "add", "alice", "--role", "clinician", *db, stdin="correct horse\n")
    assert again.returncode == 2 and "already exists" in again.stderr
    bad_role = run("users", "add", "bob", "--role", "root", *db, stdin="correct horse\n")
    assert bad_role.returncode == 2 and bad_role.stderr.startswith("role: ")
    short = run("users", "reset-password", "alice", *db, stdin="short\n")
    assert short.returncode == 2
    assert short.stderr == "password: must be at least 12 characters\n"
    weak = run("users", "add", "bob", "--role", "viewer", *db, stdin="aaaaaaaaaaaa\n")
    assert weak.returncode == 2 and weak.stderr.startswith("password: is too easy to guess")

    token = run("users", "token", "alice", "--days", "3", *db)
    assert token.returncode == 0, token.stderr
    secret = token.stdout.strip()
    assert token.stdout == secret + "\n" and secret.startswith("vt_")
    too_long = run("users", "token", "alice", "--days", "3650", *db)
    assert too_long.returncode == 2 and "365" in too_long.stderr
    missing = run("users", "token", "nobody", *db)
    assert missing.returncode == 2 and "no user" in missing.stderr

    registry = Registry.open(empty_database_url)
    try:
        with unit_of_work(registry, Actor.cli()) as tx:
            assert svc.verify_token(tx, secret).name == "alice"
            actors = {e.actor for e in svc.list_audit(tx)}
        assert all(a.startswith("cli:") for a in actors)
        assert svc.log_in(registry, "alice", "correct horse").principal is not None
    finally:
        registry.close()

    backup_file = tmp_path / "backup.bin"
    made = run("db", "backup", str(backup_file), *db)
    assert made.returncode == 0, made.stderr
    kind = "sqlite" if backend == "sqlite" else "dump"
    assert f"({kind}, revision {head_revision()})" in made.stdout
    refused = run("db", "restore", str(backup_file), *db)
    assert refused.returncode == 2 and "not empty" in refused.stderr
    fresh = f"sqlite:///{tmp_path / 'restored.db'}"
    restored = run("db", "restore", str(backup_file), "--database", fresh)
    assert restored.returncode == 0, restored.stderr
    other = Registry.open(fresh)
    try:
        with unit_of_work(other, Actor.cli()) as tx:
            assert svc.verify_token(tx, secret).name == "alice"
    finally:
        other.close()

    # tokens listed without secrets, revoked by id; a reset revokes the rest
    second = run("users", "token", "alice", *db).stdout.strip()
    listed = run("users", "tokens", "alice", *db)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0] == "id\tcreated\texpires\tlast_used\trevoked\tlabel"
    assert len(lines) == 3 and secret not in listed.stdout and second not in listed.stdout
    first_id = lines[2].split("\t")[0]
    revoked = run("users", "revoke-token", first_id, *db)
    assert revoked.returncode == 0 and revoked.stdout == f"token {first_id} revoked\n"
    assert run("users", "revoke-token", "999999", *db).returncode == 2  # unknown: refused input
    reset = run("users", "reset-password", "alice", *db, stdin="battery staple horse\n")
    assert reset.returncode == 0, reset.stderr
    registry = Registry.open(empty_database_url)
    try:
        with unit_of_work(registry, Actor.cli()) as tx:
            for each in (secret, second):
                with pytest.raises(AuthenticationFailed, match="revoked"):
                    svc.verify_token(tx, each)
        assert svc.log_in(registry, "alice", "battery staple horse").principal is not None
    finally:
        registry.close()
    third = run("users", "token", "alice", *db).stdout.strip()
    everything = run("users", "revoke-all", "alice", *db)
    assert everything.returncode == 0
    assert everything.stdout == "alice: 0 session(s) ended, 1 token(s) revoked\n"
    role = run("users", "role", "alice", "--role", "viewer", *db)
    assert role.returncode == 0 and "now viewer" in role.stdout
    registry = Registry.open(empty_database_url)
    try:
        with unit_of_work(registry, Actor.cli()) as tx:
            with pytest.raises(AuthenticationFailed, match="revoked"):
                svc.verify_token(tx, third)
            actions = [e.action for e in svc.list_audit(tx, limit=5)]
        assert actions[:3] == ["user.role", "user.revoke_all", "token.create"]
    finally:
        registry.close()


def test_database_url_from_the_environment(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'env.db'}"
    result = run("db", "upgrade", env={"VERTEBRO_DATABASE_URL": url})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "env.db").exists()


def test_assess_start_up_does_not_import_the_registry() -> None:
    code = (
        "import sys, vertebro.cli; heavy = ('sqlalchemy', 'alembic', 'psycopg', 'argon2'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"
