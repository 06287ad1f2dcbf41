"""The ``vertebro`` command line, run as a real subprocess (case-v1 "Command line contract")."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SHARED

EXAMPLE = SHARED / "spec/examples/case-l1-wedge.json"
EXPECTED = SHARED / "spec/examples/assessment-l1-wedge.json"


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "vertebro.cli", *args],
        input=stdin,
        capture_output=True,
        timeout=60,
        check=False,
    )


def test_assess_prints_the_spec_example_exactly() -> None:
    result = run("assess", str(EXAMPLE))
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""
    assert json.loads(result.stdout) == json.loads(EXPECTED.read_text())


def test_assess_reads_standard_input() -> None:
    result = run("assess", "-", stdin=EXAMPLE.read_bytes())
    assert result.returncode == 0
    assert json.loads(result.stdout)["recommendation"] == "kyphoplasty"


def test_text_report_puts_the_decision_first() -> None:
    result = run("assess", str(EXAMPLE), "--format", "text")
    assert result.returncode == 0
    lines = result.stdout.decode().splitlines()
    assert "KYPHOPLASTY" in lines[0]
    text = "\n".join(lines)
    for expected in ("L1", "40.0 %", "Genant grade 2", "wedge", "T-5", "Session 1", "A-6"):
        assert expected in text
    assert text.index("\nLevels") < text.index("\nPlan\n") < text.index("\nAftercare")
    assert "Level  Decision" in lines[3]  # the summary table comes right after the decision


def test_invalid_case_exits_2_with_one_line_per_problem(tmp_path: Path) -> None:
    doc: dict[str, Any] = json.loads(EXAMPLE.read_text())
    doc["fractures"].append({"level": "C5", "etiology": "osteoporotic"})
    doc["patient"]["foo"] = 1
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    result = run("assess", str(bad))
    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr.decode().splitlines() == [
        "patient.foo: unknown key",
        "fractures[1].level: 'C5' is outside T1–L5",
    ]


def test_unreadable_file_names_the_file() -> None:
    result = run("assess", "no/such/case.json")
    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr.decode().startswith("no/such/case.json: ")


def test_jsonl_keeps_order_and_reports_bad_lines() -> None:
    good = json.dumps(json.loads(EXAMPLE.read_text()))
    stream = "\n".join([good, "", '{"schema": "vertebro.case/1"}', "{oops", good]) + "\n"
    result = run("assess", "--jsonl", "-", stdin=stream.encode())
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode().split("\n")
    assert out[-1] == ""  # every line ends with a newline, no extra line
    lines = [json.loads(x) for x in out[:-1]]
    assert len(lines) == 5
    assert lines[0] == lines[4] == json.loads(EXPECTED.read_text())
    assert lines[1]["line"] == 2 and lines[1]["errors"][0].startswith("$: ")
    assert lines[2] == {
        "line": 3,
        "errors": [
            "case_id: required",
            "patient: required",
            "clinical: required",
            "fractures: required",
        ],
    }
    assert lines[3]["line"] == 4 and lines[3]["errors"][0].startswith("$: not valid JSON")


def test_jsonl_without_final_newline_and_unreadable_input(tmp_path: Path) -> None:
    good = json.dumps(json.loads(EXAMPLE.read_text()))
    path = tmp_path / "cohort.jsonl"
    path.write_text(good + "\n" + good)
    result = run("assess", "--jsonl", str(path))
    assert result.returncode == 0
    assert len(result.stdout.decode().splitlines()) == 2
    missing = run("assess", "--jsonl", str(tmp_path / "none.jsonl"))
    assert missing.returncode == 2 and missing.stdout == b""


@pytest.mark.parametrize("args", [["assess"], ["assess", "--format", "xml", str(EXAMPLE)]])
def test_usage_errors_exit_2(args: list[str]) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert result.stdout == b""


def test_rules_lists_every_rule_with_its_source() -> None:
    result = run("rules")
    assert result.returncode == 0
    text = result.stdout.decode()
    assert "rulebook 2026.2" in text
    assert "T-5" in text and "[003, 000, 004, FREE, LEAK, KAV]" in text
    assert "K-12" in text


def test_truncated_json_names_the_file(tmp_path: Path) -> None:
    """A file cut short is reported against its name, on one line (not ``$: …``)."""
    cut = tmp_path / "case.json"
    cut.write_bytes(EXAMPLE.read_bytes()[:200])
    result = run("assess", str(cut))
    assert result.returncode == 2 and result.stdout == b""
    (line,) = result.stderr.decode().splitlines()
    assert line.startswith(f"{cut}: not valid JSON: ")
    piped = run("assess", "-", stdin=EXAMPLE.read_bytes()[:200])
    assert piped.stderr.decode().startswith("<stdin>: not valid JSON: ")
