"""Benchmark of ``vertebro outcomes`` (issue 5, point 7): the full outcomes report over
about 1,000,000 follow-up rows, on SQLite and on a private PostgreSQL server.

The registry is a demo registry (``vertebro demo-registry``'s generator, seed 0, every
row ``is_demo``) big enough to hold the asked number of follow-up rows; one draw fills
both databases (bulk ``executemany`` in one transaction each). The timed work is what
``vertebro outcomes --include-demo`` does after start-up: the registry query (typed
columns, SQLAlchemy Core) plus the statistics plus the JSON text. Printed: free disk
first, then per backend the rows, the database size, and the report's seconds (best and
median of ``--repeat`` runs) split into query and statistics. Goal: under 5 s on SQLite.

    .venv/bin/python benchmarks/bench_outcomes.py [--follow-ups 1000000] [--repeat 3]
        [--backend sqlite|postgresql|both] [--keep DIR]

``--keep DIR`` keeps the SQLite file there and reuses it on the next run when it holds
the same draw (generation takes minutes at this size).
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from vertebro.outcomes.report import outcomes_report_columns
from vertebro.registry import Registry
from vertebro.registry.schema import FollowUpRow, PatientRow
from vertebro.registry.scratch_postgres import ScratchPostgres, ScratchPostgresUnavailable
from vertebro.services.registry import Actor, unit_of_work
from vertebro.services.registry.demo import generate_demo_patients, seed_demo_registry
from vertebro.services.registry.outcome_columns import load_outcome_columns

AS_OF = date(2026, 12, 1)
SEED = 0


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def patients_for(follow_ups: int) -> int:
    """How many demo patients hold about ``follow_ups`` rows (rate from a 2,000 pilot)."""
    pilot = generate_demo_patients(2000, seed=SEED, as_of=AS_OF)
    rate = sum(len(p.follow_ups) for p in pilot) / len(pilot)
    return max(1, math.ceil(follow_ups / rate))


def _counts(registry: Registry) -> tuple[int, int]:
    with unit_of_work(registry, Actor.cli()) as tx:
        patients = tx.session.scalar(select(func.count()).select_from(PatientRow)) or 0
        rows = tx.session.scalar(select(func.count()).select_from(FollowUpRow)) or 0
    return patients, rows


def _timed_report(registry: Registry) -> tuple[float, float, int]:
    """(query seconds, statistics + JSON seconds, bytes of JSON) of one full report, the
    work of ``outcomes_document`` split in its two steps."""
    with unit_of_work(registry, Actor.cli()) as tx:
        started = time.perf_counter()
        columns = load_outcome_columns(tx)
        loaded = time.perf_counter()
        document = outcomes_report_columns(columns, as_of=AS_OF, include_demo=True)
        body = json.dumps(document, allow_nan=False)
        done = time.perf_counter()
    return loaded - started, done - loaded, len(body)


def _measure(name: str, registry: Registry, size: Callable[[], int], repeat: int) -> None:
    patients, rows = _counts(registry)
    runs = [_timed_report(registry) for _ in range(repeat)]
    totals = [q + s for q, s, _ in runs]
    best = min(range(repeat), key=lambda i: totals[i])
    query, stats, body = runs[best]
    print(f"\n{name}")
    print(f"  patients:           {patients:,}")
    print(f"  follow-up rows:     {rows:,}")
    print(f"  database size:      {size() / 1e6:,.0f} MB")
    print(f"  report (best):      {totals[best]:.2f} s  (query {query:.2f} s, "
          f"statistics + JSON {stats:.2f} s; {body / 1e3:,.0f} kB of JSON)")  # fmt: skip
    print(f"  report (median):    {statistics.median(totals):.2f} s over {repeat} runs")
    if name == "SQLite":
        verdict = "met" if totals[best] < 5.0 else "NOT met"
        print(f"  goal < 5 s:         {verdict}")


def _fill(registry: Registry, generated: list[Any]) -> float:
    started = time.perf_counter()
    seed_demo_registry(
        registry, patients=len(generated), seed=SEED, as_of=AS_OF, generated=generated
    )
    return time.perf_counter() - started


def run_sqlite(path: Path, generated: Callable[[], list[Any]], patients: int, repeat: int) -> None:
    url = f"sqlite:///{path}"
    registry = Registry.open(url, migrate=True)
    try:
        held, _ = _counts(registry)
        if held != patients:
            _say(f"sqlite: writing {patients:,} patients to {path} ...")
            _say(f"sqlite: written in {_fill(registry, generated()):.0f} s")
        else:
            _say(f"sqlite: reusing {path} ({held:,} patients)")
    finally:
        registry.close()
    with sqlite3.connect(path) as connection:  # fold the write-ahead log into the file
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    registry = Registry.open(url)
    try:
        _measure("SQLite", registry, lambda: path.stat().st_size, repeat)
    finally:
        registry.close()


def run_postgresql(generated: Callable[[], list[Any]], repeat: int) -> None:
    try:
        server = ScratchPostgres().start()
    except ScratchPostgresUnavailable as exc:
        print(f"\nPostgreSQL: skipped ({exc})")
        return
    try:
        registry = Registry.open(server.create_database("bench_outcomes"), migrate=True)
        try:
            patients = len(generated())
            _say(f"postgresql: writing {patients:,} patients ...")
            _say(f"postgresql: written in {_fill(registry, generated()):.0f} s")
            with registry.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT"
            ) as connection:
                connection.execute(text("VACUUM ANALYZE"))  # visibility map: index-only scans

            def size() -> int:
                with unit_of_work(registry, Actor.cli()) as tx:
                    value = tx.session.scalar(text("SELECT pg_database_size(current_database())"))
                return int(value or 0)

            _measure("PostgreSQL", registry, size, repeat)
        finally:
            registry.close()
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--follow-ups", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the SQLite file here")
    args = parser.parse_args()

    free = shutil.disk_usage(tempfile.gettempdir()).free
    print(f"free disk in {tempfile.gettempdir()}: {free / 1e9:.1f} GB")
    patients = patients_for(args.follow_ups)
    print(f"target: {args.follow_ups:,} follow-up rows -> {patients:,} demo patients "
          f"(seed {SEED}, as of {AS_OF})")  # fmt: skip

    cache: list[list[Any]] = []

    def generated() -> list[Any]:
        if not cache:
            _say(f"drawing {patients:,} demo patients ...")
            started = time.perf_counter()
            cache.append(generate_demo_patients(patients, seed=SEED, as_of=AS_OF))
            _say(f"drawn in {time.perf_counter() - started:.0f} s")
        return cache[0]

    if args.backend in ("sqlite", "both"):
        if args.keep is not None:
            args.keep.mkdir(parents=True, exist_ok=True)
            run_sqlite(args.keep / f"outcomes-{patients}.db", generated, patients, args.repeat)
        else:
            with tempfile.TemporaryDirectory(prefix="bench-outcomes.") as folder:
                run_sqlite(Path(folder) / "registry.db", generated, patients, args.repeat)
    if args.backend in ("postgresql", "both"):
        run_postgresql(generated, args.repeat)


if __name__ == "__main__":
    main()
