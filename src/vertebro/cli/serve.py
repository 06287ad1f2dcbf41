"""``vertebro serve``: create and migrate the registry, seed demo data on a fresh one, and
serve the API and web app with uvicorn (front door only; the work is in ``vertebro.api``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from vertebro.registry import Registry

__all__ = ["serve"]


def _is_fresh(url_text: str | None) -> tuple[bool, bool]:
    """(fresh, is_sqlite): whether this run creates the database."""
    from vertebro.registry import create_registry_engine, current_revision, resolve_url

    url = resolve_url(url_text)
    if url.get_backend_name() == "sqlite":
        path = url.database or ""
        fresh = path in ("", ":memory:") or not Path(path).expanduser().exists()
        if not fresh and Path(path).expanduser().stat().st_size == 0:
            fresh = True
        return fresh, True
    engine = create_registry_engine(url)
    try:
        return current_revision(engine) is None, False
    finally:
        engine.dispose()


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    database: Annotated[
        str | None,
        typer.Option(
            "--database",
            metavar="URL",
            help="Registry URL (default: $VERTEBRO_DATABASE_URL, "
            "else SQLite in the user's data directory).",
        ),
    ] = None,
    no_demo: Annotated[bool, typer.Option("--no-demo", help="Never seed demo data.")] = False,
    demo: Annotated[
        bool, typer.Option("--demo", help="Seed demo data into a fresh PostgreSQL database too.")
    ] = False,
    unit_phone: Annotated[
        str | None,
        typer.Option(
            "--unit-phone",
            envvar="VERTEBRO_UNIT_PHONE",
            metavar="PHONE",
            help="The phone number patients call, kept in the registry (an admin can change "
            "it on the Settings page); until it is set, staff see a warning.",
        ),
    ] = None,
) -> None:
    """Serve the REST API and the web app (demo data and a demo login on a fresh database)."""
    try:
        import uvicorn

        from vertebro.api import Settings, create_app
        from vertebro.api.demo import seed_demo
        from vertebro.registry import Registry, resolve_url
    except ImportError as exc:
        sys.stderr.write(f"vertebro serve needs the web and registry extras: {exc}\n")
        raise typer.Exit(code=2) from None

    from vertebro.imaging.limits import MeasureLimits

    try:
        MeasureLimits.from_env()  # a bad limit is refused now, not at the first upload
        settings = Settings.from_env()
    except ValueError as exc:
        sys.stderr.write(f"{exc}\n")
        raise typer.Exit(code=2) from None
    fresh, is_sqlite = _is_fresh(database)
    registry = Registry.open(database, migrate=True)
    shown = resolve_url(database).render_as_string(hide_password=True)
    sys.stdout.write(f"registry: {shown}{' (new)' if fresh else ''}\n")
    if fresh and not no_demo and (is_sqlite or demo):
        seeded = seed_demo(registry)
        sys.stdout.write(
            f"demo data: {seeded.cases} example cases assessed and stored"
            + (f", {seeded.registry_patients} demo patients" if seeded.registry_patients else "")
            + "\n"
            f"demo login: user {seeded.user}, password {seeded.password}  (shown only now)\n"
        )
    if unit_phone:
        _store_unit_phone(registry, unit_phone)
    sys.stdout.write(f"vertebro: http://{host}:{port}/  (API docs: /docs)\n")
    sys.stdout.flush()
    app = create_app(registry=registry, settings=settings)
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning")


def _store_unit_phone(registry: Registry, phone: str) -> None:
    """Keep ``--unit-phone`` in the registry (audited as the command line); exit 2 when it
    is not a phone number."""
    from vertebro.errors import InvalidDocument
    from vertebro.services.registry import Actor, set_unit_phone, unit_of_work

    try:
        with unit_of_work(registry, Actor.cli()) as tx:
            stored = set_unit_phone(tx, phone)
    except InvalidDocument as exc:
        sys.stderr.write(f"--unit-phone: {exc.problems[0].reason}\n")
        raise typer.Exit(code=2) from None
    sys.stdout.write(f"unit phone: {stored}\n")
