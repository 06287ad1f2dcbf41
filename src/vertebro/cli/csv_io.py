"""``vertebro export-csv`` and ``vertebro import-csv``: the registry as CSV files
(``docs/csv.md``).

Front door only: it reads arguments, calls :mod:`vertebro.services.registry.csv_registry` in one
registry transaction, prints. Exit codes: 0 done; 2 refused input (every bad row or clash
with the registry as ``<file>:<row>:<column>: <reason>``; nothing is imported); 1 failed
(a database error). Messages on standard error.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from vertebro.cli.registry import DatabaseOption, _fail, _guarded, _registry

__all__ = ["export_csv", "import_csv"]


def export_csv(
    folder: Annotated[
        Path,
        typer.Argument(
            metavar="DIR",
            help="Folder to write patients.csv, cases.csv, procedures.csv, follow_ups.csv "
            "into (created if needed; files of those names are replaced).",
        ),
    ],
    deidentify: Annotated[
        bool,
        typer.Option(
            "--deidentify",
            help="Random patient codes and case ids, no birth years, operators, notes or "
            "other free text.",
        ),
    ] = False,
    database: DatabaseOption = None,
) -> None:
    """Export the whole registry as CSV files (one per record kind)."""
    from vertebro.services.registry import Actor, unit_of_work
    from vertebro.services.registry.csv_registry import export_registry

    with _registry(database) as registry:

        def run() -> str:
            with unit_of_work(registry, Actor.cli()) as tx:
                return str(export_registry(tx, folder, deidentify=deidentify))

        summary = _guarded(run)
    kind = "de-identified " if deidentify else ""
    sys.stderr.write(f"exported {kind}{summary} to {folder}\n")


def import_csv(
    folder: Annotated[
        Path,
        typer.Argument(
            metavar="DIR",
            help="Folder holding patients.csv, cases.csv, procedures.csv, follow_ups.csv "
            "(as `vertebro export-csv` writes them).",
        ),
    ],
    database: DatabaseOption = None,
) -> None:
    """Import CSV files: every row is checked first; if any is bad, each problem is
    reported as <file>:<row>:<column>: <reason> and nothing is imported."""
    from vertebro.services.registry import Actor, unit_of_work
    from vertebro.services.registry.csv_registry import CsvImportError, import_registry

    if not folder.is_dir():
        raise _fail([f"{folder}: no such folder"], 2)
    with _registry(database) as registry:

        def run() -> str:
            with unit_of_work(registry, Actor.cli()) as tx:
                return str(import_registry(tx, folder))

        try:
            summary = _guarded(run)
        except CsvImportError as exc:
            raise _fail([*exc.lines, "nothing was imported"], 2) from None
    sys.stderr.write(f"imported {summary} from {folder}\n")
