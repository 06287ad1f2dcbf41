"""The examples in the docstrings (``>>>``) still hold, run on the sources (doctest cannot
see into compiled functions, so this runs with ``VERTEBRO_PURE_PYTHON=1``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

SRC = ROOT / "src"


def _module(path: os.PathLike[str]) -> str:
    parts = Path(path).relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = sorted(
    _module(path) for path in (SRC / "vertebro").rglob("*.py") if ">>>" in path.read_text("utf-8")
)

_RUNNER = """
import doctest, importlib, sys
failed = attempted = 0
for name in sys.argv[1:]:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    failed, attempted = failed + result.failed, attempted + result.attempted
print(attempted)
sys.exit(1 if failed else 0)
"""


def test_every_docstring_example_holds() -> None:
    assert len(MODULES) >= 10
    env = {**os.environ, "VERTEBRO_PURE_PYTHON": "1"}
    result = subprocess.run(
        [sys.executable, "-c", _RUNNER, *MODULES],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert int(result.stdout.split()[-1]) >= 30  # the examples ran (compiled ones cannot)
