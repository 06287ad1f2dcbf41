"""A missing backend fails the test run; ``VERTEBRO_ALLOW_SKIPS=1`` turns that into a skip."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

MISSING = """
from tests.backends import require_module, unavailable

def test_needs_a_server():
    unavailable("no such server")

def test_needs_a_package():
    require_module("vertebro_no_such_package")
"""


def _run(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    test = tmp_path / "test_missing.py"
    test.write_text(MISSING)
    environment = {k: v for k, v in os.environ.items() if k != "VERTEBRO_ALLOW_SKIPS"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path),
         str(test)],
        capture_output=True, text=True, cwd=ROOT, env={**environment, **env}, timeout=120,
        check=False,
    )  # fmt: skip


def test_a_missing_backend_fails_the_run(tmp_path: Path) -> None:
    done = _run(tmp_path)
    assert done.returncode == 1, done.stdout
    assert "2 failed" in done.stdout
    assert "no such server; bash scripts/test.sh installs it" in done.stdout
    assert "vertebro_no_such_package is missing" in done.stdout


def test_allow_skips_turns_it_into_a_reported_skip(tmp_path: Path) -> None:
    done = _run(tmp_path, VERTEBRO_ALLOW_SKIPS="1")
    assert done.returncode == 0, done.stdout
    assert "2 skipped" in done.stdout


def test_only_the_exact_opt_out_counts(tmp_path: Path) -> None:
    assert _run(tmp_path, VERTEBRO_ALLOW_SKIPS="true").returncode == 1
    assert _run(tmp_path, CI="true").returncode == 1
