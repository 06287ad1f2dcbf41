"""The ``vertebro`` command line (Typer). Front door only: it reads, calls a service, prints.

Exit codes: 0 done, 2 invalid input or unreadable file (details on standard error).
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from vertebro.cli_csv import export_csv, import_csv
from vertebro.cli_drafts import fhir_app  # every fhir command, the drafts ones included
from vertebro.cli_help import unwrap_help
from vertebro.cli_measure import measure
from vertebro.cli_outcomes import demo_registry, outcomes
from vertebro.cli_pacs import pacs_app
from vertebro.cli_reassess import reassess
from vertebro.cli_registry import db_app, users_app
from vertebro.cli_report import leaflet, report
from vertebro.cli_screen import screen_app
from vertebro.cli_serve import serve
from vertebro.errors import InvalidCase

app = typer.Typer(
    name="vertebro",
    help="Vertebral augmentation (vertebroplasty / kyphoplasty): measure, decide, plan.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")


class OutputFormat(StrEnum):
    JSON = "json"
    TEXT = "text"


def _fail(lines: list[str]) -> typer.Exit:
    for line in lines:
        sys.stderr.write(line + "\n")
    return typer.Exit(code=2)


def _read_bytes(source: str) -> bytes:
    if source == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        raise _fail([f"{source}: {exc.strerror or exc}"]) from None


@app.command()
def assess(
    case: Annotated[
        str | None,
        typer.Argument(
            metavar="CASE.json|-", help="A vertebro.case/1 file, or - for standard input."
        ),
    ] = None,
    output: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="json (vertebro.assessment/1) or text.")
    ] = OutputFormat.JSON,
    jsonl: Annotated[
        str | None,
        typer.Option(
            "--jsonl",
            metavar="FILE|-",
            help="One case per line in, one assessment (or error object) per line out.",
        ),
    ] = None,
) -> None:
    """Assess a case under the rulebook: decision, reasons, scores, plan and aftercare."""
    from vertebro.services.assessing import assess_json

    if jsonl is not None:
        if case is not None:
            raise _fail(["$: give either CASE.json or --jsonl, not both"])
        _assess_lines(jsonl)
        return
    if case is None:
        raise _fail(["$: no case given (CASE.json, - for standard input, or --jsonl FILE)"])
    try:
        assessment = assess_json(_read_bytes(case))
    except InvalidCase as exc:
        name = "<stdin>" if case == "-" else case  # the whole document: the file's name
        lines = [f"{name}{line[1:]}" if line.startswith("$:") else line for line in exc.lines]
        raise _fail(lines) from None
    if output is OutputFormat.TEXT:
        from vertebro.reporting import assessment_text

        sys.stdout.write(assessment_text(assessment))
    else:
        sys.stdout.write(assessment.model_dump_json(indent=2) + "\n")


def _assess_lines(source: str) -> None:
    from vertebro.services.assessing import write_assessment_lines

    try:
        stream = sys.stdin.buffer if source == "-" else Path(source).open("rb")  # noqa: SIM115
    except OSError as exc:
        raise _fail([f"{source}: {exc.strerror or exc}"]) from None
    try:
        with stream:
            write_assessment_lines(stream, sys.stdout.buffer)
    except OSError as exc:
        raise _fail([f"{source}: {exc.strerror or exc}"]) from None


app.command("measure")(measure)
app.command("serve")(serve)
app.command("outcomes")(outcomes)
app.command("demo-registry")(demo_registry)
app.command("reassess")(reassess)
app.add_typer(fhir_app, name="fhir")
app.add_typer(pacs_app, name="pacs")
app.command("export-csv")(export_csv)
app.command("import-csv")(import_csv)
app.command("report")(report)
app.command("leaflet")(leaflet)
app.add_typer(screen_app, name="screen")


@app.command()
def rules() -> None:
    """List every rule of the current rulebook with its statement and source tags, then
    every source cited with its full citation (literature first, patient information last)."""
    from vertebro.guidance import RULEBOOK_VERSION, citation, rule_ids
    from vertebro.guidance.sources import bibliography
    from vertebro.reporting.citations import cite, kind_label

    sys.stdout.write(f"rulebook {RULEBOOK_VERSION}\n")
    items = [citation(rule_id) for rule_id in rule_ids()]
    for item in items:
        sys.stdout.write(f"{item.rule:<5} {item.text} [{', '.join(item.source)}]\n")
    sys.stdout.write("\nSources\n")
    for source in bibliography(item.source for item in items):
        sys.stdout.write(f"{source.tag:<9} {kind_label(source)}. {cite(source)}\n")


@app.command()
def version() -> None:
    """Print the vertebro version, the rulebook version and whether the compiled core runs."""
    from vertebro import __version__
    from vertebro._compiled import compiled_in_use
    from vertebro.guidance import RULEBOOK_VERSION, engine

    core = "compiled core" if compiled_in_use(engine) else "pure Python core"
    sys.stdout.write(f"vertebro {__version__} (rulebook {RULEBOOK_VERSION}, {core})\n")


unwrap_help(app)


def main() -> None:
    """Console entry point."""
    app()


if __name__ == "__main__":
    main()
