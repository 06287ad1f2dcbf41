"""The batch use case behind ``vertebro assess --jsonl``."""

from __future__ import annotations

import io
import json

from tests.conftest import EXAMPLES
from vertebro import assess, parse_case
from vertebro.services.assessing import write_assessment_lines

GOOD = json.dumps(json.loads((EXAMPLES / "l1-wedge.json").read_text()))


def test_every_line_gets_one_output_line_and_bad_lines_are_counted() -> None:
    sink = io.BytesIO()
    lines = [GOOD + "\n", " \t\r\n", '{"schema": "vertebro.case/1"}', GOOD.encode() + b"\r\n"]
    assert write_assessment_lines(lines, sink) == (4, 2)
    out = sink.getvalue().split(b"\n")
    assert out[-1] == b"" and len(out) == 5
    expected = assess(parse_case(json.loads(GOOD))).model_dump_json().encode()
    assert out[0] == out[3] == expected
    assert json.loads(out[1]) == {"line": 2, "errors": ["$: not valid JSON: empty line"]}
    assert json.loads(out[2])["line"] == 3


def test_nothing_in_nothing_out() -> None:
    sink = io.BytesIO()
    assert write_assessment_lines([], sink) == (0, 0)
    assert sink.getvalue() == b""
