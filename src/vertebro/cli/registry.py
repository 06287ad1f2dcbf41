"""``vertebro db …`` and ``vertebro users …``: the registry's database and its users.

Front door only: it reads arguments and standard input, calls a registry service, prints.
SQLAlchemy and the registry are imported inside the commands, so other commands do not
pay for them at start-up. Exit codes (every registry command): 0 done; 2 the input is
refused — invalid, naming no record, or clashing with the registry (a user or case that
exists, a non-empty database to restore into); 1 the work failed — a database error, a
registry not at the current schema, a file that cannot be written, a missing extra.
Messages go to standard error.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

if TYPE_CHECKING:
    from vertebro.registry import Registry
    from vertebro.services.registry import HashedPassword

__all__ = ["db_app", "users_app"]

T = TypeVar("T")

db_app = typer.Typer(
    help="The registry database: migrate, back up, restore.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
users_app = typer.Typer(
    help="Registry users: add them, change roles, issue, list and revoke API tokens, "
    "reset passwords, end every session.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database",
        metavar="URL",
        help="Database URL (default: $VERTEBRO_DATABASE_URL, else SQLite in the user's "
        "data directory). postgresql://… uses psycopg 3.",
    ),
]


def _fail(lines: list[str], code: int) -> typer.Exit:
    for line in lines:
        sys.stderr.write(line + "\n")
    return typer.Exit(code=code)


def _guarded(call: Callable[[], T]) -> T:
    """Run ``call``, turning vertebro's and the database's errors into exit codes: 2 when
    the input is refused (invalid, unknown or clashing with the registry), 1 when the work
    failed (a database error)."""
    from sqlalchemy.exc import SQLAlchemyError

    from vertebro.errors import InvalidBackup, InvalidDocument, RegistryError

    try:
        return call()
    except InvalidDocument as exc:
        raise _fail(exc.lines, 2) from None
    except InvalidBackup as exc:
        raise _fail([str(exc)], 2) from None
    except RegistryError as exc:
        raise _fail([str(exc)], 2) from None
    except (SQLAlchemyError, OSError) as exc:
        raise _fail([f"database error: {exc}".splitlines()[0]], 1) from None


@contextmanager
def _registry(database: str | None, *, require_current: bool = True) -> Iterator[Registry]:
    from vertebro.registry import Registry, is_current
    from vertebro.registry.database import resolve_url

    url = resolve_url(database)
    path = url.database if url.get_backend_name() == "sqlite" else None
    if require_current and path and path != ":memory:" and not Path(path).expanduser().exists():
        raise _fail(
            [
                f"{path}: no registry here; create one with `vertebro db upgrade` "
                "(or `vertebro serve`), or name another with --database"
            ],
            1,
        )
    # a command-line job waits for a busy server's write lock rather than fail at once
    registry = Registry.open(database, busy_timeout_s=60.0)
    try:
        if require_current and not _guarded(lambda: is_current(registry.engine)):
            shown = registry.engine.url.render_as_string(hide_password=True)
            raise _fail(
                [f"{shown}: the registry is not at the current schema; run `vertebro db upgrade`"],
                1,
            )
        yield registry
    finally:
        registry.close()


def _read_password(prompt: str) -> str:
    """The password from standard input: one line (its newline dropped), or typed twice
    without echo at a terminal."""
    if sys.stdin.isatty():
        first = getpass.getpass(f"{prompt}: ")
        if getpass.getpass("again: ") != first:
            raise _fail(["password: the two entries differ"], 2)
        return first
    text = sys.stdin.readline()
    return text.removesuffix("\n").removesuffix("\r")


@db_app.command("upgrade")
def db_upgrade(database: DatabaseOption = None) -> None:
    """Create or migrate the registry to the newest schema."""
    from vertebro.registry import upgrade

    with _registry(database, require_current=False) as registry:
        revision = _guarded(lambda: upgrade(registry.engine))
        url = registry.engine.url.render_as_string(hide_password=True)
    sys.stdout.write(f"{url}: at revision {revision}\n")


@db_app.command("backup")
def db_backup(
    path: Annotated[Path, typer.Argument(help="Where to write the backup.")],
    database: DatabaseOption = None,
) -> None:
    """Back the registry up: SQLite through its online backup API, PostgreSQL as a
    logical dump (JSON) read in one consistent snapshot."""
    from vertebro.registry.backup import backup
    from vertebro.services.registry import Actor, record_export, unit_of_work

    with _registry(database) as registry:
        info = _guarded(lambda: backup(registry.engine, path))

        def audit() -> None:
            with unit_of_work(registry, Actor.cli()) as tx:
                record_export(tx, "db.backup", dict(info))

        _guarded(audit)
    sys.stdout.write(f"backed up to {path} ({info['kind']}, revision {info['revision']})\n")


@db_app.command("restore")
def db_restore(
    path: Annotated[Path, typer.Argument(help="A backup made by `vertebro db backup`.")],
    database: DatabaseOption = None,
) -> None:
    """Restore a backup into an empty database, then upgrade it: all or nothing (a file
    that cannot be restored exits 2 and leaves the database as it was)."""
    import sqlite3

    from vertebro.errors import InvalidBackup, InvalidDocument, RegistryError
    from vertebro.registry.backup import BackupInfo, restore
    from vertebro.services.registry import Actor, unit_of_work

    if not path.is_file():
        raise _fail([f"{path}: no such file"], 2)
    with _registry(database, require_current=False) as registry:

        def run() -> BackupInfo:
            try:
                return restore(registry.engine, path)
            except InvalidBackup:
                raise
            except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
                reason = f"not a usable backup ({type(exc).__name__}: {exc})"
                raise InvalidDocument.single(str(path), reason[:300]) from None
            except RegistryError as exc:
                if str(exc).startswith(str(path)):
                    raise
                raise InvalidDocument.single(str(path), str(exc)) from None
            except sqlite3.DatabaseError as exc:
                raise InvalidDocument.single(
                    str(path), f"not a usable SQLite backup: {exc}"
                ) from None

        info = _guarded(run)

        def audit() -> None:
            with unit_of_work(registry, Actor.cli()) as tx:
                tx.audit("db.restore", "registry", None, after=dict(info))

        _guarded(audit)
    sys.stdout.write(f"restored {path} ({info['kind']}, now at revision {info['revision']})\n")


def _hashed(password: str, name: str) -> HashedPassword:
    """Check and hash the password before any transaction opens (exit 2 when refused)."""
    from vertebro.services.registry import hashed_password

    return _guarded(lambda: hashed_password(password, user=name))


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="The user's login name.")],
    role: Annotated[str, typer.Option("--role", help="viewer, coordinator, clinician or admin.")],
    database: DatabaseOption = None,
) -> None:
    """Add a user; the password is read from standard input (at least 12 characters and
    hard to guess: a zxcvbn strength of 3 of 4)."""
    from vertebro.services.registry import Actor, add_user, unit_of_work

    password = _hashed(_read_password(f"password for {name}"), name)
    with _registry(database) as registry:

        def run() -> str:
            with unit_of_work(registry, Actor.cli()) as tx:
                return str(add_user(tx, name, role, password).role)

        added_role = _guarded(run)
    sys.stdout.write(f"user {name} added ({added_role})\n")


@users_app.command("role")
def users_role(
    name: Annotated[str, typer.Argument(help="The user whose role changes.")],
    role: Annotated[str, typer.Option("--role", help="viewer, coordinator, clinician or admin.")],
    database: DatabaseOption = None,
) -> None:
    """Give a user another role; every web session of the user ends at once."""
    from vertebro.services.registry import Actor, set_role, unit_of_work

    with _registry(database) as registry:

        def run() -> str:
            with unit_of_work(registry, Actor.cli()) as tx:
                return str(set_role(tx, name, role).role)

        new_role = _guarded(run)
    sys.stdout.write(f"user {name} is now {new_role}; their sessions ended\n")


@users_app.command("token")
def users_token(
    name: Annotated[str, typer.Argument(help="The user the token stands for.")],
    days: Annotated[
        int, typer.Option("--days", min=1, max=365, help="Valid for N days (at most 365).")
    ] = 90,
    database: DatabaseOption = None,
) -> None:
    """Issue an API token; it is printed once, here, and stored only as a SHA-256 hash."""
    from vertebro.services.registry import Actor, issue_token, unit_of_work

    with _registry(database) as registry:

        def run() -> str:
            with unit_of_work(registry, Actor.cli()) as tx:
                view = issue_token(tx, name, days, label="cli")
                sys.stderr.write(
                    f"token {view.id} for {name}, expires {view.expires_at.isoformat()}\n"
                )
                return view.token

        token = _guarded(run)
    sys.stdout.write(token + "\n")


@users_app.command("tokens")
def users_tokens(
    name: Annotated[str, typer.Argument(help="The user whose tokens are listed.")],
    database: DatabaseOption = None,
) -> None:
    """List a user's tokens (never their secrets): id, created, expires, last used,
    revoked, label — one per line, tab-separated, newest first."""
    from vertebro.services.registry import Actor, get_user, list_tokens, unit_of_work

    with _registry(database) as registry:

        def run() -> list[str]:
            with unit_of_work(registry, Actor.cli(), write=False) as tx:
                get_user(tx, name)
                return [
                    "\t".join(
                        [
                            str(t.id),
                            t.created_at.isoformat(timespec="seconds"),
                            t.expires_at.isoformat(timespec="seconds"),
                            "-"
                            if t.last_used_at is None
                            else t.last_used_at.isoformat("T", "seconds"),
                            "-" if t.revoked_at is None else t.revoked_at.isoformat("T", "seconds"),
                            t.label or "-",
                        ]
                    )
                    for t in list_tokens(tx, name)
                ]

        lines = _guarded(run)
    sys.stdout.write("id\tcreated\texpires\tlast_used\trevoked\tlabel\n")
    sys.stdout.writelines(line + "\n" for line in lines)


@users_app.command("revoke-token")
def users_revoke_token(
    token_id: Annotated[int, typer.Argument(help="The token's id (`vertebro users tokens`).")],
    database: DatabaseOption = None,
) -> None:
    """Revoke one token; it is refused at once."""
    from vertebro.services.registry import Actor, revoke_token_id, unit_of_work

    with _registry(database) as registry:

        def run() -> None:
            with unit_of_work(registry, Actor.cli()) as tx:
                revoke_token_id(tx, token_id)

        _guarded(run)
    sys.stdout.write(f"token {token_id} revoked\n")


@users_app.command("revoke-all")
def users_revoke_all(
    name: Annotated[str, typer.Argument(help="The user whose sessions and tokens end.")],
    database: DatabaseOption = None,
) -> None:
    """End every web session and revoke every token of a user at once."""
    from vertebro.services.registry import Actor, revoke_all, unit_of_work

    with _registry(database) as registry:

        def run() -> tuple[int, int]:
            with unit_of_work(registry, Actor.cli()) as tx:
                return revoke_all(tx, name)

        sessions, tokens = _guarded(run)
    sys.stdout.write(f"{name}: {sessions} session(s) ended, {tokens} token(s) revoked\n")


@users_app.command("reset-password")
def users_reset_password(
    name: Annotated[str, typer.Argument(help="The user whose password is reset.")],
    database: DatabaseOption = None,
) -> None:
    """Set a new password, read from standard input; every session of the user ends and
    every token is revoked."""
    from vertebro.services.registry import Actor, reset_password, unit_of_work

    password = _hashed(_read_password(f"new password for {name}"), name)
    with _registry(database) as registry:

        def run() -> None:
            with unit_of_work(registry, Actor.cli()) as tx:
                reset_password(tx, name, password)

        _guarded(run)
    sys.stdout.write(f"password of {name} reset; their sessions ended and tokens revoked\n")
