"""The public Python API and what the import contracts cannot see (tests/test_architecture.py
checks the imports themselves)."""

from __future__ import annotations

import subprocess
import sys

import vertebro
from tests.conftest import ROOT

PACKAGE = ROOT / "src/vertebro"


def test_exported_names_are_exactly_all() -> None:
    public = {name for name in dir(vertebro) if not name.startswith("_")}
    modules = {name for name in public if isinstance(getattr(vertebro, name), type(vertebro))}
    assert public - modules == set(vertebro.__all__) - {"__version__"}
    for name in ("Case", "Assessment", "assess"):
        assert name in vertebro.__all__


def test_package_is_typed() -> None:
    assert (PACKAGE / "py.typed").exists()


def test_assessing_loads_no_array_library() -> None:
    """``vertebro assess`` and ``import vertebro`` start fast: no numpy, no outcomes."""
    code = (
        "import sys, vertebro, vertebro.cli\n"
        "from vertebro.services.assessing import assess_json\n"
        "print(sorted(m for m in ('numpy', 'scipy', 'vertebro.outcomes') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"


def test_the_core_does_no_io() -> None:
    for package in ["morphometry", "guidance/rules", "planning"]:
        for path in (PACKAGE / package).rglob("*.py"):
            source = path.read_text()
            assert "open(" not in source and "print(" not in source, path
