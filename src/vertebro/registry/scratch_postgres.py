"""A throwaway PostgreSQL server for tests and benchmarks (never for patient data).

``initdb`` and ``pg_ctl`` from Debian's ``postgresql`` package, run as the ``postgres``
user when we are root (initdb refuses root), in a fresh folder under /tmp, listening on
loopback only, ``fsync`` off, trust authentication for the user ``vertebro``. The server
and its folder are gone when :meth:`ScratchPostgres.stop` returns.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

__all__ = ["ScratchPostgres", "ScratchPostgresUnavailable"]


class ScratchPostgresUnavailable(RuntimeError):
    """PostgreSQL's server programs are missing or the server would not start."""


def _pg_bin() -> Path | None:
    found = Path("/usr/lib/postgresql").glob("*/bin/initdb")
    candidates = sorted(found, key=lambda p: [int(x) for x in p.parts[-3].split(".")])
    return candidates[-1].parent if candidates else None


def _as_postgres(*args: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ScratchPostgres:
    """A private server: ``with ScratchPostgres() as pg: url = pg.create_database("x")``."""

    def __init__(self) -> None:
        pg_bin = _pg_bin()
        if pg_bin is None:
            raise ScratchPostgresUnavailable(
                "no /usr/lib/postgresql/*/bin/initdb (apt-get install postgresql)"
            )
        if os.geteuid() == 0 and shutil.which("runuser") is None:
            raise ScratchPostgresUnavailable("runuser is missing")
        self._bin = pg_bin
        self.folder = Path(tempfile.mkdtemp(prefix="vpg.", dir="/tmp"))
        self.port = _free_port()
        self._running = False

    @property
    def data(self) -> Path:
        """The cluster's data directory."""
        return self.folder / "data"

    def start(self) -> ScratchPostgres:
        """initdb and start; :class:`ScratchPostgresUnavailable` when either fails."""
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        try:
            subprocess.run(
                _as_postgres(
                    str(self._bin / "initdb"), "-D", str(self.data), "-A", "trust",
                    "-U", "vertebro", "--no-sync", "-E", "UTF8",
                ),
                check=True, capture_output=True, timeout=120,
            )  # fmt: skip
            subprocess.run(
                _as_postgres(
                    str(self._bin / "pg_ctl"), "-D", str(self.data), "-w",
                    "-l", str(self.folder / "log"), "start", "-o",
                    f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder} "
                    "-c fsync=off",
                ),
                check=True, capture_output=True, timeout=120,
            )  # fmt: skip
        except (subprocess.CalledProcessError, OSError, subprocess.TimeoutExpired) as exc:
            detail = getattr(exc, "stderr", b"") or b""
            shutil.rmtree(self.folder, ignore_errors=True)
            raise ScratchPostgresUnavailable(
                f"could not start a server: {exc} {detail.decode(errors='replace')}"
            ) from exc
        self._running = True
        return self

    def url(self, database: str) -> str:
        """SQLAlchemy URL (psycopg 3) of ``database`` on this server."""
        return f"postgresql+psycopg://vertebro@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str) -> None:
        """Run one administrative statement (outside a transaction) on ``postgres``."""
        from sqlalchemy import create_engine, text

        engine = create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text(sql))
        finally:
            engine.dispose()

    def create_database(self, name: str, *, template: str = "template0") -> str:
        """Create ``name`` (a copy of ``template``); its URL."""
        self.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
        return self.url(name)

    def stop(self) -> None:
        """Stop the server and delete its folder."""
        if self._running:
            subprocess.run(
                _as_postgres(
                    str(self._bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"
                ),
                check=False, capture_output=True, timeout=120,
            )  # fmt: skip
            self._running = False
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> ScratchPostgres:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
