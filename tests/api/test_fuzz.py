"""A bounded schemathesis run (RECIPES.md) against the live server: examples, coverage and
fuzzing phases, seed 0, a handful of examples per operation; no server error, and no
operation that ignores authentication."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.api.server import LiveServer


def _st() -> list[str]:
    found = shutil.which("st", path=str(Path(sys.executable).parent)) or shutil.which("st")
    return [found] if found else [sys.executable, "-m", "schemathesis.cli"]


def test_schemathesis_finds_no_server_error(server: LiveServer) -> None:
    command = [
        "timeout", "600", *_st(), "run", f"{server.url}/openapi.json",
        "--checks", "not_a_server_error,ignored_auth",
        "-n", os.environ.get("VERTEBRO_FUZZ_EXAMPLES", "8"),
        "--phases", "examples,coverage,fuzzing",
        "--seed", "0",
        "-H", f"Authorization: Bearer {server.tokens['admin']}",
        "--max-response-time", "10",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=660)
    report = result.stdout[-6000:] + result.stderr[-3000:]
    assert result.returncode == 0, report
