"""The architecture's import rules (docs/architecture.md), checked by import-linter over the
whole import graph — function-level imports and ``TYPE_CHECKING`` imports count too.

The contracts live in ``pyproject.toml`` (``[tool.importlinter]``): the core imports no shell
package and no framework, the layers run one way (front doors, the shared HTTP pieces,
services, adapters, core), and no two packages import each other.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.backends import require_module
from tests.conftest import ROOT

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
CONTRACTS = {
    "core-pure",
    "core-frameworks",
    "core-light",
    "layers",
    "no-package-cycles",
}


def _lint(root: Path, src: Path) -> subprocess.CompletedProcess[str]:
    require_module("importlinter")
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(root / "pyproject.toml")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_every_contract_is_kept() -> None:
    done = _lint(ROOT, ROOT / "src")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in done.stdout


def test_the_contracts_are_the_documented_ones() -> None:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    assert {c["id"] for c in config["contracts"]} == CONTRACTS
    documented = (ROOT / "docs/architecture.md").read_text()
    for contract in CONTRACTS:
        assert f"`{contract}`" in documented, contract


def test_every_package_has_its_layer() -> None:
    """A new package or top-level module cannot escape the contracts unnoticed."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (layers,) = [c["layers"] for c in config["contracts"] if c["id"] == "layers"]
    layered = {name.strip() for layer in layers for name in layer.split("|")}
    package = ROOT / "src/vertebro"
    found = {
        f"vertebro.{path.stem}"
        for path in package.iterdir()
        if path.name != "__init__.py" and (path.suffix == ".py" or (path / "__init__.py").is_file())
    }
    assert found == layered


@pytest.fixture(scope="module")
def copy_of_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sources and contracts in a scratch folder, to break a rule in."""
    root = tmp_path_factory.mktemp("project")
    shutil.copy(ROOT / "pyproject.toml", root)
    shutil.copytree(
        ROOT / "src/vertebro",
        root / "src/vertebro",
        ignore=shutil.ignore_patterns("__pycache__", "*.so", "static"),
    )
    return root


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        # the core reaching into the shell, even lazily inside a function
        (
            "guidance/engine.py",
            "def _later() -> None:\n    import vertebro.registry.store  # noqa: F401\n",
            ["Core imports no shell package BROKEN", "adapters, core BROKEN"],
        ),
        # a framework in the core
        (
            "morphometry/heights.py",
            "import sqlalchemy  # noqa: F401\n",
            ["Core imports no framework BROKEN"],
        ),
        # web pages importing the API: a cycle between front doors and a layer upside down
        (
            "web/tx.py",
            "import vertebro.api.app  # noqa: F401\n",
            ["adapters, core BROKEN", "No cycle between packages BROKEN", "- .web -> .api"],
        ),
        # planning importing guidance back
        (
            "planning/aftercare.py",
            "if False:\n    from vertebro.guidance import catalogue  # noqa: F401\n",
            ["adapters, core BROKEN", "No cycle between packages BROKEN"],
        ),
    ],
)
def test_a_broken_rule_fails(
    copy_of_project: Path, module: str, line: str, broken: list[str]
) -> None:
    path = copy_of_project / "src/vertebro" / module
    original = path.read_text()
    path.write_text(original + "\n\n" + line)
    try:
        done = _lint(copy_of_project, copy_of_project / "src")
    finally:
        path.write_text(original)
    assert done.returncode == 1, done.stdout
    for text in broken:
        assert text in done.stdout, done.stdout
