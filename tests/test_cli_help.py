"""``--help`` speaks in whole sentences: a command's description is never broken where the
source docstring was wrapped (the terminal wraps it, at its own width)."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from vertebro.cli import app

GROUPS = ([], ["db"], ["users"], ["fhir"], ["pacs"], ["screen"])


def _help(args: list[str]) -> str:
    result = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": "400"}, terminal_width=400)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("group", GROUPS, ids=lambda g: " ".join(g) or "vertebro")
def test_every_command_is_described_on_one_line(group: list[str]) -> None:
    """In a 400-column terminal each command of the list takes one line: a continuation
    line (nothing in the command column) means the description was broken mid-sentence."""
    text = _help(group)
    panel = text[text.index("Commands") :]
    rows = [line for line in panel.splitlines() if line.startswith("│")]
    assert rows
    broken = [row for row in rows if re.match(r"│\s{3,}\S", row)]
    assert broken == []


def test_a_command_help_paragraph_is_one_line() -> None:
    text = _help(["measure"])
    description = text[text.index("Usage:") : text.index("╭")].strip().splitlines()[1:]
    paragraphs = [line for line in description if line.strip()]
    assert paragraphs == [
        " Measure vertebral body heights, height loss, Genant grade, shape and kyphosis from a"
        " vertebra label map (measurement-v1)."
    ]
