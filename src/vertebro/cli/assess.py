"""``vertebro assess``: a case (or one per line with ``--jsonl``) under the rulebook.

Exit codes: 0 done, 2 invalid input or unreadable file (``<path>: <reason>`` lines on
standard error).
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from vertebro.errors import InvalidCase

__all__ = ["OutputFormat", "assess"]


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
