"""``vertebro outcomes --format html`` (a standalone page with figures) and the start-up
rule: the JSON and text paths never import matplotlib (RECIPES "Start-up time")."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.backends import require_module

require_module("sqlalchemy")
require_module("matplotlib")


def _run(*args: str, python: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *python, "-m", "vertebro.cli", *args],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env=dict(os.environ),
    )


def _registry(folder: Path, patients: int) -> str:
    """A migrated SQLite registry with ``patients`` generated demo patients."""
    url = f"sqlite:///{folder / 'registry.db'}"
    done = _run(
        "demo-registry", "--database", url, "--patients", str(patients), "--as-of", "2026-06-01"
    )
    assert done.returncode == 0, done.stderr
    return url


def test_html_on_an_empty_registry(tmp_path: Path) -> None:
    url = _registry(tmp_path, 0)
    done = _run("outcomes", "--database", url, "--format", "html", "--as-of", "2026-06-01")
    assert done.returncode == 0, done.stderr
    page = done.stdout
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert "<svg" not in page and "No pain change to show yet" in page
    assert "Follow-up completeness as of 2026-06-01" in page
    assert "outcomes: 0 patients" in done.stderr  # logs on standard error only


def test_html_on_a_demo_registry(tmp_path: Path) -> None:
    url = _registry(tmp_path, 60)
    args = ("outcomes", "--database", url, "--as-of", "2026-06-01", "--format", "html")
    left_out = _run(*args)
    assert left_out.returncode == 0, left_out.stderr
    assert (
        "<svg" not in left_out.stdout and "60 generated demo patients left out" in left_out.stdout
    )
    done = _run(*args, "--include-demo")
    assert done.returncode == 0, done.stderr
    page = done.stdout
    assert page.count('<svg class="outcome-plot"') == 4
    assert "generated demo patients included" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.IGNORECASE)
    again = _run(*args, "--include-demo")
    assert again.stdout == page  # deterministic


@pytest.mark.parametrize("output", ["json", "text"])
def test_json_and_text_paths_do_not_import_matplotlib(tmp_path: Path, output: str) -> None:
    url = _registry(tmp_path, 5)
    args = ("outcomes", "--database", url, "--include-demo", "--format", output)
    done = _run(*args, python=("-X", "importtime"))
    assert done.returncode == 0, done.stderr
    imported = {
        line.split("|")[-1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "vertebro.services.registry.outcomes" in imported  # the trace is real
    assert not {m for m in imported if m.split(".")[0] == "matplotlib"}
    assert "vertebro.reporting.outcome_plots" not in imported
