"""The compiled core (``scripts/compile_core.py``): it gives what the sources give, and an
out-of-date build never runs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import vertebro.guidance.engine
from tests.conftest import EXAMPLES, ROOT
from vertebro._compiled import (
    COMPILED_MODULES,
    RECORD,
    compiled_in_use,
    source_digests,
    source_path,
    stale_modules,
)
from vertebro.services.assessing import assess_json_lines


def _example_lines() -> list[bytes]:
    paths = sorted(EXAMPLES.glob("*.json"))
    return [json.dumps(json.loads(p.read_text())).encode() for p in paths]


def test_the_sources_give_byte_for_byte_what_this_process_gives() -> None:
    """This process runs the compiled core when it is built; a child forced to the
    sources must write the same assessments."""
    lines = _example_lines()
    stdin = b"\n".join(lines) + b"\n"
    env = {**os.environ, "VERTEBRO_PURE_PYTHON": "1"}
    script = (
        "import sys, vertebro.guidance.engine as e, vertebro._compiled as c\n"
        "assert not c.compiled_in_use(e), e.__file__\n"
        "from vertebro.services.assessing import write_assessment_lines\n"
        "write_assessment_lines(sys.stdin.buffer, sys.stdout.buffer)\n"
    )
    child = subprocess.run(
        [sys.executable, "-c", script], input=stdin, capture_output=True, env=env, check=False
    )
    assert child.returncode == 0, child.stderr.decode()
    here = b"".join(out + b"\n" for out in assess_json_lines(lines))
    assert child.stdout == here


def test_the_built_core_is_the_one_in_use() -> None:
    if not RECORD.exists():
        pytest.skip("the compiled core is not built here (scripts/compile_core.py)")
    if os.environ.get("VERTEBRO_PURE_PYTHON") == "1":
        pytest.skip("VERTEBRO_PURE_PYTHON=1")
    assert stale_modules() == []
    assert compiled_in_use(vertebro.guidance.engine)


@pytest.fixture
def copy_of_sources(tmp_path: Path) -> Path:
    shutil.copytree(
        ROOT / "src" / "vertebro",
        tmp_path / "vertebro",
        ignore=shutil.ignore_patterns("*.so", "__pycache__", "_compiled.json"),
    )
    return tmp_path


def test_a_changed_source_is_stale_and_a_touched_one_is_not(copy_of_sources: Path) -> None:
    root = copy_of_sources
    record = root / "vertebro" / "_compiled.json"
    assert stale_modules(record, root) == list(COMPILED_MODULES)  # no record: all stale

    record.write_text(json.dumps({"modules": source_digests(COMPILED_MODULES, root)}))
    assert stale_modules(record, root) == []

    built_at = record.stat().st_mtime
    engine = source_path("vertebro.guidance.engine", root)
    os.utime(engine, (built_at + 10, built_at + 10))  # newer, same text
    assert stale_modules(record, root) == []

    engine.write_text(engine.read_text() + "\n# changed\n")
    os.utime(engine, (built_at + 20, built_at + 20))
    assert stale_modules(record, root) == ["vertebro.guidance.engine"]


def test_an_unreadable_record_makes_everything_stale(copy_of_sources: Path) -> None:
    record = copy_of_sources / "vertebro" / "_compiled.json"
    record.write_text("{not json")
    assert stale_modules(record, copy_of_sources) == list(COMPILED_MODULES)


def test_every_compiled_module_exists_and_is_not_a_package() -> None:
    for module in COMPILED_MODULES:
        path = source_path(module)
        assert path.is_file(), module
        assert path.name != "__init__.py"


def test_version_names_the_core_that_runs() -> None:
    for pure in ("0", "1"):
        env = {**os.environ, "VERTEBRO_PURE_PYTHON": pure}
        result = subprocess.run(
            [sys.executable, "-m", "vertebro.cli", "version"],
            capture_output=True,
            env=env,
            check=True,
        )
        line = result.stdout.decode()
        assert line.startswith("vertebro ") and "rulebook 2026.2" in line
        if pure == "1" or not RECORD.exists():
            assert "pure Python core" in line
        else:
            assert "compiled core" in line and "pure" not in line
