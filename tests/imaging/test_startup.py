"""``vertebro measure`` starts without what it does not need (issue 12): on a small label
map, with ``--quiet``, the process never imports nibabel, pydicom, matplotlib, Typer, rich,
scipy or the pydantic case model (and prints what the in-process measurement with
scipy.ndimage gives); the fast argument reader hands everything it cannot read exactly as
Typer would (help, bad choices, unknown options) to the Typer command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from vertebro.cli.measure_run import parse_measure_args

from .conftest import TS, require_data

HEAVY = (
    "nibabel",
    "pydicom",
    "matplotlib",
    "typer",
    "rich",
    "pydantic",
    "vertebro.model.case",
    "scipy",
)

PROBE = """
import json, sys
sys.argv = ["vertebro", "measure", "--labels", sys.argv[1], "--quiet"]
from vertebro._entry import main
try:
    main()
except SystemExit as done:
    code = done.code
sys.stderr.write("\\nPROBE " + json.dumps({"code": code, "modules": sorted(sys.modules)}) + "\\n")
"""


def test_measure_imports_nothing_heavy() -> None:
    require_data()
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(TS / "example_ct_totalseg.nii.gz")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    probe = json.loads(done.stderr.split("PROBE ", 1)[1])
    assert probe["code"] == 0, done.stderr
    loaded = set(probe["modules"])
    for name in HEAVY:
        assert name not in loaded, name
    # numpy alone (components.py) gives the document that scipy.ndimage gives in process
    import scipy.ndimage  # noqa: F401  (imported: components.py hands over to it)

    from vertebro.services.measuring import measure_study

    in_process = measure_study(TS / "example_ct_totalseg.nii.gz")
    assert json.loads(done.stdout) == in_process.document


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--labels", "a.nii.gz"], {"labels": Path("a.nii.gz")}),
        (
            ["--labels=a.nii.gz", "--format", "text", "--quiet", "--case", "c.json"],
            {"labels": Path("a.nii.gz"), "output_format": "text", "quiet": True},
        ),
        (["--convention", "verse", "--labels", "x"], {"convention": "verse"}),
        (["--image", "ct", "--segment"], {"image": Path("ct"), "segment": True}),
    ],
)
def test_fast_reader_reads_plain_options(args: list[str], expected: dict[str, object]) -> None:
    parsed = parse_measure_args(args)
    assert parsed is not None
    for key, value in expected.items():
        assert parsed[key] == value


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["--labels"],
        ["--labels", "--quiet"],
        ["--convention", "VERSE", "--labels", "x"],
        ["--format", "xml", "--labels", "x"],
        ["--labels", "x", "--unknown"],
        ["--quiet=1", "--labels", "x"],
        ["extra", "--labels", "x"],
    ],
)
def test_fast_reader_leaves_the_rest_to_typer(args: list[str]) -> None:
    assert parse_measure_args(args) is None


def test_help_and_errors_still_come_from_typer() -> None:
    done = subprocess.run(
        [str(Path(sys.executable).parent / "vertebro"), "measure", "--format", "xml"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2 and "Invalid value for '--format'" in done.stderr
