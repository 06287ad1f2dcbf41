"""The public Python API and the architecture's import rules."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import vertebro
from tests.conftest import ROOT

PACKAGE = ROOT / "src/vertebro"
CORE = ["model", "morphometry", "guidance", "planning", "outcomes"]
FRAMEWORKS = {
    "fastapi",
    "typer",
    "sqlalchemy",
    "rich",
    "click",
    "uvicorn",
    "jinja2",
    "matplotlib",
    "nibabel",
    "pydicom",
}
#: Array libraries: pure computation, allowed only where the data are arrays — the outcome
#: statistics over a whole registry (outcomes/); the rest of the core stays light to import.
NUMERIC = {"numpy", "scipy"}
NUMERIC_ALLOWED = {"outcomes"}
SHELL = {
    "vertebro.cli",
    "vertebro.services",
    "vertebro.imaging",
    "vertebro.registry",
    "vertebro.web",
    "vertebro.reporting",
}


def test_exported_names_are_exactly_all() -> None:
    public = {name for name in dir(vertebro) if not name.startswith("_")}
    modules = {name for name in public if isinstance(getattr(vertebro, name), type(vertebro))}
    assert public - modules == set(vertebro.__all__) - {"__version__"}
    for name in ("Case", "Assessment", "assess"):
        assert name in vertebro.__all__


def test_package_is_typed() -> None:
    assert (PACKAGE / "py.typed").exists()


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_core_never_imports_the_shell_or_a_framework() -> None:
    offenders = []
    for package in CORE:
        for path in (PACKAGE / package).rglob("*.py") if (PACKAGE / package).exists() else []:
            for name in _imports(path):
                top = name.split(".")[0]
                numeric = top in NUMERIC and package not in NUMERIC_ALLOWED
                if top in FRAMEWORKS or numeric or any(name.startswith(s) for s in SHELL):
                    offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


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
