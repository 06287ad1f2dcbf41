"""``vertebro fhir export|import|export-case|import-bundle``: HL7 FHIR R4 Bundles of a case
and its records, from and to files (``export``, ``import``) or the registry (``export-case``,
``import-bundle``); ``docs/fhir.md``.

Front door only: it reads arguments, calls :mod:`vertebro.exchange` or a registry service,
prints. Exit codes: 0 done; 2 refused input (invalid, an unknown case, a clash with the
registry); 1 failed (database error, fhir.resources missing, cannot write). Messages on
standard error.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from vertebro.cli_registry import DatabaseOption, _guarded, _registry
from vertebro.cli_registry import _fail as _exit

fhir_app = typer.Typer(
    help="Exchange a case with other systems as an HL7 FHIR R4 Bundle.", no_args_is_help=True
)


def _fail(lines: list[str]) -> typer.Exit:
    for line in lines:
        sys.stderr.write(line + "\n")
    return typer.Exit(code=2)


def _need_fhir() -> None:
    """Exit 1 with the way out when the ``exchange`` extra (fhir.resources) is missing."""
    try:
        import fhir.resources  # noqa: F401
    except ImportError as exc:
        raise _exit(
            [f"FHIR exchange needs fhir.resources ({exc}): pip install 'vertebro[exchange]'"], 1
        ) from None


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _fail([f"{path}: {exc.strerror or exc}"]) from None


@fhir_app.command("export")
def export(
    case: Annotated[Path, typer.Argument(metavar="CASE.json", help="A vertebro.case/1 file.")],
    patient_code: Annotated[str, typer.Option(help="The patient's pseudonymous code.")],
    procedure: Annotated[
        list[Path] | None, typer.Option(help="A vertebro.procedure/1 file (repeatable).")
    ] = None,
    follow_up: Annotated[
        list[Path] | None, typer.Option(help="A vertebro.follow_up/1 file (repeatable).")
    ] = None,
    birth_year: Annotated[int | None, typer.Option(min=1880, max=2100)] = None,
) -> None:
    """Print the Bundle (type collection) of a case, its assessment, procedures and follow-ups."""
    from vertebro.errors import InvalidDocument
    from vertebro.exchange.fhir_export import ExchangeRecord, bundle_json
    from vertebro.guidance import assess
    from vertebro.model.parsing import parse_case_json, parse_follow_up_json, parse_procedure_json

    try:
        parsed = parse_case_json(_read(case))
        procedures = tuple(parse_procedure_json(_read(p)) for p in procedure or [])
        follow_ups = tuple(parse_follow_up_json(_read(f)) for f in follow_up or [])
    except InvalidDocument as exc:
        raise _fail(exc.lines) from None
    record = ExchangeRecord(
        case=parsed,
        patient_code=patient_code,
        assessment=assess(parsed),
        procedures=procedures,
        follow_ups=follow_ups,
        birth_year=birth_year,
    )
    sys.stdout.write(bundle_json(record) + "\n")


@fhir_app.command("import")
def import_(
    bundle: Annotated[Path, typer.Argument(metavar="BUNDLE.json")],
    out_dir: Annotated[
        Path | None,
        typer.Option(
            help="Write case.json, procedure-N.json and follow-up-N.json here; "
            "without it the case is printed."
        ),
    ] = None,
) -> None:
    """Read a Bundle written by vertebro back into its vertebro documents (lossless)."""
    from vertebro.errors import InvalidDocument
    from vertebro.exchange.fhir_import import read_bundle

    try:
        record = read_bundle(_read(bundle))
    except InvalidDocument as exc:
        raise _fail(exc.lines) from None
    documents = {"case.json": record.case.model_dump_json(exclude_unset=True, indent=2)}
    for i, p in enumerate(record.procedures, 1):
        documents[f"procedure-{i}.json"] = p.model_dump_json(exclude_unset=True, indent=2)
    for i, f in enumerate(record.follow_ups, 1):
        documents[f"follow-up-{i}.json"] = f.model_dump_json(exclude_unset=True, indent=2)
    if out_dir is None:
        sys.stdout.write(documents["case.json"] + "\n")
        return
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, text in documents.items():
            (out_dir / name).write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise _fail([f"{out_dir}: {exc.strerror or exc}"]) from None
    sys.stderr.write(f"{out_dir}: wrote {', '.join(documents)}\n")


@fhir_app.command("export-case")
def export_case(
    case_id: Annotated[str, typer.Argument(metavar="CASE_ID", help="The case's case_id.")],
    database: DatabaseOption = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            metavar="FILE",
            help="Write the Bundle here (atomically: a temporary file in the same folder, "
            "renamed); without it the Bundle is printed.",
        ),
    ] = None,
) -> None:
    """Export a registry case as a Bundle: its current version, the latest stored
    assessment, procedures and follow-ups (audited)."""
    from vertebro.exchange.fhir_export import bundle_json
    from vertebro.files import write_atomically
    from vertebro.services.registry import Actor, unit_of_work
    from vertebro.services.registry.exchange import exchange_record

    _need_fhir()
    target = output
    if target is not None:
        if target.is_dir():
            raise _fail([f"{target}: is a folder; give a file name such as {target / 'b.json'}"])
        if not target.parent.is_dir():
            raise _fail([f"{target}: no such folder: {target.parent}"])

    with _registry(database) as registry:

        def run() -> str:
            written = False
            try:
                # the file is written inside the transaction: no audit record without it,
                # and no file without its audit record (removed if the commit fails)
                with unit_of_work(registry, Actor.cli()) as tx:
                    text = bundle_json(exchange_record(tx, case_id)) + "\n"
                    if target is not None:
                        try:
                            write_atomically(target, text.encode("utf-8"))
                        except OSError as exc:
                            raise _exit(
                                [f"{target}: cannot write: {exc.strerror or exc}"], 1
                            ) from None
                        written = True
            except BaseException:
                if written and target is not None:
                    target.unlink(missing_ok=True)
                raise
            return text

        text = _guarded(run)
    if target is None:
        sys.stdout.write(text)
    else:
        sys.stderr.write(f"{target}: wrote the FHIR Bundle of case {case_id}\n")


@fhir_app.command("import-bundle")
def import_bundle(
    bundle: Annotated[
        Path, typer.Argument(metavar="BUNDLE.json", help="A Bundle written by vertebro.")
    ],
    database: DatabaseOption = None,
) -> None:
    """Import a Bundle into the registry as a new case (its patient registered if new),
    assessed, with its procedures and follow-ups; prints the case id. All or nothing."""
    from vertebro.services.registry import Actor, unit_of_work
    from vertebro.services.registry.exchange import import_bundle as import_into

    _need_fhir()
    data = _read(bundle)
    with _registry(database) as registry:

        def run() -> str:
            with unit_of_work(registry, Actor.cli()) as tx:
                return import_into(tx, data)

        try:
            case_id = _guarded(run)
        except typer.Exit:
            sys.stderr.write("nothing was imported\n")
            raise
    sys.stdout.write(case_id + "\n")
