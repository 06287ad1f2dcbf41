"""The optional compiled core (``docs/performance.md``): a wheel built with it carries it and
it writes what the sources write; its guard covers every source it was built from; a failed
build is never swallowed; without it the sources run."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from benchmarks.case_generator import generate_cases
from tests.backends import unavailable
from tests.conftest import ROOT
from vertebro._compiled import (
    COMPILED_MODULES,
    dependencies,
    record_build,
    source_path,
    stale_modules,
)
from vertebro.services.assessing import assess_json_lines

SRC = ROOT / "src"
GENERATED = 2_000


def _project_copy(target: Path) -> Path:
    """What a build reads — pyproject.toml, setup.py, README.md, scripts/, src/ — without
    any build output."""
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(ROOT / name, target / name)
    shutil.copytree(ROOT / "scripts", target / "scripts")
    shutil.copytree(
        SRC,
        target / "src",
        ignore=shutil.ignore_patterns("*.so", "__pycache__", "_compiled.json", "*.egg-info"),
    )
    return target


def _wheel(project: Path, out: Path, **env: str) -> Path:
    command = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "-q",
        "--no-build-isolation",
        "--no-deps",
        str(project),
        "-w",
        str(out),
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=900, check=False, env={**os.environ, **env}
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    (wheel,) = out.glob("*.whl")
    return wheel


def _need_a_compiler() -> None:
    if shutil.which(sysconfig.get_config_var("CC").split()[0]) is None:
        unavailable("no C compiler for the compiled core (apt-get install gcc)")
    if not (Path(sysconfig.get_paths()["include"]) / "Python.h").exists():
        unavailable("no Python headers for the compiled core (apt-get install python3-dev)")


def _generated_lines() -> list[bytes]:
    return [json.dumps(case).encode() for case in generate_cases(GENERATED, seed=0)]


@pytest.fixture(scope="module")
def compiled_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built with ``VERTEBRO_COMPILE=1``, unpacked: the directory to import from."""
    _need_a_compiler()
    scratch = tmp_path_factory.mktemp("compiled-wheel")
    project = scratch / "project"
    project.mkdir()
    wheel = _wheel(_project_copy(project), scratch / "dist", VERTEBRO_COMPILE="1")
    assert "-none-any" not in wheel.name  # a platform wheel: it holds extensions
    unpacked = scratch / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(unpacked)
    return unpacked


def test_the_wheel_carries_every_compiled_module_and_the_build_record(compiled_wheel: Path):
    for module in COMPILED_MODULES:
        extensions = list(
            source_path(module, compiled_wheel).parent.glob(
                source_path(module, compiled_wheel).stem + ".cpython-*.so"
            )
        )
        assert len(extensions) == 1, module
    record = json.loads((compiled_wheel / "vertebro" / "_compiled.json").read_text())
    assert record["compiled"] == list(COMPILED_MODULES)
    assert set(record["sources"]) == set(dependencies(COMPILED_MODULES, SRC))
    assert stale_modules(compiled_wheel / "vertebro" / "_compiled.json", compiled_wheel) == []


def test_the_compiled_wheel_writes_what_the_sources_write(compiled_wheel: Path):
    """2,000 cases of the realistic mix (every decision, every rule): the compiled core in a
    child process, the sources here, byte for byte."""
    script = (
        "import sys, warnings\n"
        "warnings.simplefilter('error')\n"
        "import vertebro, vertebro.guidance.engine as e, vertebro._compiled as c\n"
        f"assert vertebro.__file__.startswith({str(compiled_wheel)!r}), vertebro.__file__\n"
        "assert c.compiled_in_use(e), e.__file__\n"
        "from vertebro.services.assessing import write_assessment_lines\n"
        "write_assessment_lines(sys.stdin.buffer, sys.stdout.buffer)\n"
    )
    lines = _generated_lines()
    env = {**os.environ, "PYTHONPATH": str(compiled_wheel)}
    env.pop("VERTEBRO_PURE_PYTHON", None)
    child = subprocess.run(
        [sys.executable, "-c", script],
        input=b"\n".join(lines) + b"\n",
        capture_output=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert child.returncode == 0, child.stderr.decode()[-2000:]
    assert child.stderr == b""
    assert child.stdout == b"".join(out + b"\n" for out in assess_json_lines(lines))


def test_a_plain_wheel_is_pure_python(tmp_path: Path):
    wheel = _wheel(_project_copy(tmp_path), tmp_path / "dist")
    assert wheel.name.endswith("-py3-none-any.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert not [n for n in names if n.endswith((".so", ".pyd")) or n.endswith("_compiled.json")]


def test_a_failed_build_says_so_and_leaves_nothing(tmp_path: Path):
    """No C compiler: ``compile_core.py`` exits 1 with the reason and removes what it built."""
    project = _project_copy(tmp_path)
    env = {**os.environ, "CC": "/bin/false", "LDSHARED": "/bin/false"}
    done = subprocess.run(
        [sys.executable, str(project / "scripts/compile_core.py")],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )
    assert done.returncode == 1
    assert "compile_core: NOT compiled" in done.stderr
    assert list((project / "src").rglob("*.so")) == []
    assert not (project / "src/vertebro/_compiled.json").exists()


# --- the guard ------------------------------------------------------------------------


def _vertebro_imports(module: str) -> set[str]:
    tree = ast.parse(source_path(module, SRC).read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("vertebro"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("vertebro")}
    return found


def test_the_guard_covers_every_module_the_compiled_ones_import():
    """mypyc inlines what it knows of imported modules (``Final`` constants, enum members),
    so the build depends on them too: they are all recorded, transitively."""
    covered = set(dependencies(COMPILED_MODULES, SRC))
    assert set(COMPILED_MODULES) <= covered
    for module in covered:
        assert _vertebro_imports(module) <= covered, module
    assert {"vertebro.model.enums", "vertebro.model.level", "vertebro.morphometry"} <= covered


@pytest.fixture
def copy_of_sources(tmp_path: Path) -> Path:
    shutil.copytree(
        SRC / "vertebro",
        tmp_path / "vertebro",
        ignore=shutil.ignore_patterns("*.so", "__pycache__", "_compiled.json"),
    )
    return tmp_path


def test_a_changed_dependency_makes_the_build_stale_and_a_touched_one_does_not(
    copy_of_sources: Path,
):
    root = copy_of_sources
    record = record_build(root)
    assert stale_modules(record, root) == []

    built_at = record.stat().st_mtime
    enums = source_path("vertebro.model.enums", root)  # not compiled, but compiled against
    os.utime(enums, (built_at + 10, built_at + 10))  # newer, same text
    assert stale_modules(record, root) == []

    enums.write_text(enums.read_text() + "\n# changed\n")
    os.utime(enums, (built_at + 20, built_at + 20))
    assert stale_modules(record, root) == ["vertebro.model.enums"]


def test_a_missing_unreadable_or_foreign_record_makes_everything_stale(copy_of_sources: Path):
    root = copy_of_sources
    record = root / "vertebro" / "_compiled.json"
    assert stale_modules(record, root) == list(COMPILED_MODULES)  # no record
    record.write_text("{not json")
    assert stale_modules(record, root) == list(COMPILED_MODULES)
    record_build(root)
    document = json.loads(record.read_text())
    record.write_text(json.dumps({**document, "compiled": document["compiled"][:-1]}))
    assert stale_modules(record, root) == list(COMPILED_MODULES)


def test_every_compiled_module_exists_and_is_not_a_package():
    for module in COMPILED_MODULES:
        path = source_path(module)
        assert path.is_file(), module
        assert path.name != "__init__.py"


def test_version_names_the_core_that_runs():
    env = {**os.environ, "VERTEBRO_PURE_PYTHON": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "vertebro.cli", "version"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert done.stdout.startswith("vertebro ") and "rulebook 2026.2" in done.stdout
    assert "pure Python core" in done.stdout
