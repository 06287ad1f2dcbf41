"""``vertebro screen`` as a user runs it: bad input is exit 2 with ``<path>: <reason>``
lines and nothing written; ``vertebro screen import`` puts the findings into the registry
once."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import FINDINGS, run_cli


def test_bad_input_is_exit_2_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    missing = run_cli("screen", tmp_path / "nope", "--out", out)
    assert missing.returncode == 2
    assert missing.stderr == f"{tmp_path / 'nope'}: no such file or folder\n"
    assert missing.stdout == "" and not out.exists()

    manifest = tmp_path / "m.csv"
    manifest.write_text("study_id,labels\nA,a.nii.gz\nA,\n", encoding="utf-8")
    bad = run_cli("screen", manifest, "--out", out)
    assert bad.returncode == 2
    assert bad.stderr.splitlines() == [
        f"{manifest}:3:study_id: duplicate of row 2",
        f"{manifest}:3:labels: empty",
    ]
    assert not out.exists()

    grade = run_cli("screen", "run", manifest, "--out", out, "--min-grade", "4")
    assert grade.returncode == 2 and grade.stderr == "--min-grade: must be 1, 2 or 3\n"
    where = run_cli("screen", manifest, "--out", out, "--scheduler", "localhost:8786")
    assert where.returncode == 2
    assert "is not an address like tcp://host:8786" in where.stderr
    assert not out.exists()


def test_out_must_be_writable(tmp_path: Path, archive: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    done = run_cli("screen", archive, "--out", blocker / "out")
    assert done.returncode == 2
    assert done.stderr.startswith(f"{blocker / 'out'}: ")


def test_import_into_the_registry_once(tmp_path: Path, screened: Path) -> None:
    out = screened
    database = f"sqlite:///{tmp_path / 'registry.db'}"
    assert run_cli("db", "upgrade", "--database", database).returncode == 0
    first = run_cli("screen", "import", out, "--database", database)
    assert first.returncode == 0, first.stderr
    assert (
        first.stdout
        == f"{out}: {len(FINDINGS)} draft case(s) imported for review, 0 already imported\n"
    )
    second = run_cli("screen", "import", out, "--database", database)
    assert second.stdout == f"{out}: 0 draft case(s) imported for review, 3 already imported\n"

    empty = run_cli("screen", "import", tmp_path, "--database", database)
    assert empty.returncode == 2
    assert empty.stderr.startswith(f"{tmp_path / 'findings.csv'}: cannot read (")
    assert "run vertebro screen first" in empty.stderr


@pytest.mark.parametrize("argument", ["--help"])
def test_help_names_both_forms(argument: str) -> None:
    done = run_cli("screen", argument)
    assert done.returncode == 0
    assert "SOURCE --out DIR" in done.stdout and "import" in done.stdout
