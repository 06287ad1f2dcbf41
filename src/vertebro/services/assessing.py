"""Use case: assess one case or a stream of cases (JSON in, JSON out)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from vertebro.errors import InvalidCase
from vertebro.guidance import assess
from vertebro.guidance.engine import evaluate
from vertebro.guidance.verdict_json import verdict_json
from vertebro.model import Assessment, parse_case_json

__all__ = [
    "assess_json",
    "assess_json_bytes",
    "assess_json_lines",
    "assessment_json",
    "write_assessment_lines",
]


def assessment_json(assessment: Assessment, *, indent: int | None = None) -> str:
    """The ``vertebro.assessment/1`` document as JSON text (UTF-8, no ASCII escaping)."""
    return assessment.model_dump_json(indent=indent)


def assess_json(text: str | bytes) -> Assessment:
    """Parse and assess one case document; raises :class:`InvalidCase` with every problem."""
    return assess(parse_case_json(text))


def assess_json_bytes(text: str | bytes) -> bytes:
    """Parse and assess one case document, returning compact UTF-8 JSON (the fast path)."""
    return verdict_json(evaluate(parse_case_json(text)))


def _assessed_lines(lines: Iterable[str | bytes]) -> Iterator[tuple[bytes, bool]]:
    """Each input line's output line (see :func:`assess_json_lines`) and whether the line
    was a valid case."""
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip(b"\r\n") if isinstance(raw, bytes) else raw.rstrip("\r\n")
        try:
            if not line or line.isspace():
                raise InvalidCase.single("$", "not valid JSON: empty line")
            yield assess_json_bytes(line), True
        except InvalidCase as exc:
            error = {"line": number, "errors": exc.lines}
            yield json.dumps(error, ensure_ascii=False).encode("utf-8"), False


def assess_json_lines(lines: Iterable[str | bytes]) -> Iterator[bytes]:
    """One UTF-8 JSON output line (without its newline) per input line, in order: the
    assessment, or for a bad line ``{"line": n, "errors": ["<path>: <reason>", …]}``
    (n from 1). Blank lines are bad lines."""
    for out, _ in _assessed_lines(lines):
        yield out


def write_assessment_lines(lines: Iterable[str | bytes], sink: BinaryIO) -> tuple[int, int]:
    """``vertebro assess --jsonl``: write :func:`assess_json_lines` to ``sink``, one line
    (with its newline) per input line, as each is assessed. Returns (lines, bad lines)."""
    write = sink.write
    count = bad = 0
    for out, valid in _assessed_lines(lines):
        write(out + b"\n")
        count += 1
        if not valid:
            bad += 1
    return count, bad
