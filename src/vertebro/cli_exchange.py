"""``vertebro fhir export|import``: HL7 FHIR R4 Bundles of a case and its records (files)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

fhir_app = typer.Typer(
    help="Exchange a case with other systems as an HL7 FHIR R4 Bundle.", no_args_is_help=True
)


def _fail(lines: list[str]) -> typer.Exit:
    for line in lines:
        sys.stderr.write(line + "\n")
    return typer.Exit(code=2)


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
