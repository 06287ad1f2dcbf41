"""``vertebro measure`` as a user runs it: JSON on stdout, messages on stderr, errors
as exit 2 with one ``<file>: <reason>`` line and nothing on stdout (measurement-v1
"Command line contract"). Data: ../shared/data (see its README)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import nibabel as nib
import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from vertebro.cli.measure import measure

from .conftest import TS, VERSE, require_data

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def run() -> Any:
    require_data()
    app = typer.Typer(add_completion=False)
    app.command("measure")(measure)
    app.command("noop")(lambda: None)  # two commands: "measure" is then a sub-command
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(app, ["measure", *[str(a) for a in args]])

    return invoke


def test_json_on_stdout_convention_on_stderr(run: Any) -> None:
    res = run("--labels", TS / "example_ct_totalseg.nii.gz", "--quiet")
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["schema"] == "vertebro.measurement/1"
    assert res.stderr.strip().splitlines() == ["convention: totalsegmentator (from header)"]


def test_text_format(run: Any) -> None:
    res = run("--labels", VERSE / "0007_msk.nii.gz", "--format", "text", "--quiet")
    assert res.exit_code == 0
    assert "L1" in res.stdout and "biconcave" in res.stdout and "regional kyphosis" in res.stdout
    assert res.stderr.strip() == "convention: verse (from values)"


def test_explicit_convention_is_used(run: Any) -> None:
    """The TPTBox map read as TotalSegmentator ids names no vertebra (21–23 are organs)."""
    labels = ROOT.parent / "shared/data/tptbox/sample_ct/sub-ct_seg-vert_label-22_msk.nii.gz"
    res = run("--labels", labels, "--convention", "totalsegmentator", "--quiet")
    assert res.exit_code == 2
    assert res.stdout == ""
    assert res.stderr.strip() == f"{labels}: no vertebra labels"


def test_no_evaluable_level_is_not_an_error(run: Any) -> None:
    res = run("--labels", TS / "example_seg_dicom.nii.gz", "--quiet")
    assert res.exit_code == 0
    assert all(not i["evaluable"] for i in json.loads(res.stdout)["levels"])


def test_dicom_image_same_space_with_figure(run: Any, tmp_path: Path) -> None:
    fig = tmp_path / "spine.png"
    res = run(
        "--labels",
        TS / "example_seg_dicom.nii.gz",
        "--image",
        TS / "example_ct_dicom",
        "--figure",
        fig,
        "--quiet",
    )
    assert res.exit_code == 0, res.stderr
    assert fig.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _error_line(res: Any) -> str:
    assert res.exit_code == 2, (res.stdout, res.stderr)
    assert res.stdout == ""
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    return str(lines[0])


def test_error_unreadable_file(run: Any, tmp_path: Path) -> None:
    bad = tmp_path / "broken.nii.gz"
    bad.write_text("this is not a NIfTI file")
    assert _error_line(run("--labels", bad)).startswith(f"{bad}: cannot read as NIfTI")


def test_error_missing_file(run: Any, tmp_path: Path) -> None:
    assert (
        _error_line(run("--labels", tmp_path / "nope.nii.gz"))
        == f"{tmp_path / 'nope.nii.gz'}: no such file or folder"
    )


def test_error_not_a_label_map(run: Any) -> None:
    """A CT volume (HU, negative values) given as labels."""
    line = _error_line(run("--labels", TS / "example_ct.nii.gz"))
    assert line == f"{TS / 'example_ct.nii.gz'}: not a label map: negative values"


def test_error_no_vertebra_labels_mr(run: Any) -> None:
    line = _error_line(run("--labels", TS / "example_seg_mr.nii.gz"))
    assert line == f"{TS / 'example_seg_mr.nii.gz'}: no vertebra labels"


def test_error_image_in_another_patient_space(run: Any) -> None:
    line = _error_line(
        run("--labels", TS / "example_ct_totalseg.nii.gz", "--image", TS / "example_ct_dicom")
    )
    assert line.startswith(
        f"{TS / 'example_ct_dicom'}: image and labels are not in the same patient space"
    )


def test_error_missing_dicom_slices(run: Any, tmp_path: Path) -> None:
    series = tmp_path / "series"
    shutil.copytree(TS / "example_ct_dicom", series)
    sorted(series.iterdir())[10].unlink()
    line = _error_line(run("--labels", TS / "example_seg_dicom.nii.gz", "--image", series))
    assert line.startswith(f"{series}: missing slices")


def test_error_subregions_on_another_grid(run: Any) -> None:
    line = _error_line(
        run(
            "--labels",
            VERSE / "0007_msk.nii.gz",
            "--subregions",
            ROOT.parent / "shared/data/tptbox/sample_ct/sub-ct_seg-subreg_label-22_msk.nii.gz",
        )
    )
    assert "subregion map is not on the grid of" in line


def test_error_segment_without_totalsegmentator(run: Any) -> None:
    if shutil.which("TotalSegmentator"):
        pytest.skip("TotalSegmentator is installed here; never run it in tests")
    line = _error_line(run("--image", TS / "example_ct.nii.gz", "--segment"))
    assert line.endswith("--segment needs TotalSegmentator, which is not installed")


def test_error_neither_labels_nor_segment(run: Any) -> None:
    assert _error_line(run("--image", TS / "example_ct.nii.gz")).startswith("--labels: required")


def test_case_round_trip_through_assess(run: Any, tmp_path: Path) -> None:
    """--case writes a draft that lacks exactly the clinical fields; once a clinician adds
    them, ``vertebro assess`` accepts it and grades as the measurement did (the grading
    method's loss is carried as ``height_loss_pct`` where it differs from M-2)."""
    from vertebro import parse_case
    from vertebro.errors import InvalidCase
    from vertebro.model import validate_case

    out = tmp_path / "case.json"
    res = run("--labels", VERSE / "0007_msk.nii.gz", "--case", out, "--quiet")
    assert res.exit_code == 0
    measured = json.loads(res.stdout)
    draft = json.loads(out.read_text())
    assert draft["case_id"] == "0007_msk" and draft["patient"] == {} and draft["clinical"] == {}
    graded = [i for i in measured["levels"] if i["evaluable"] and i["genant_grade"] >= 1]
    assert [f["level"] for f in draft["fractures"]] == [i["level"] for i in graded]
    for f, item in zip(draft["fractures"], graded, strict=True):
        differs = item["grading"]["rulebook_height_loss_pct"] != item["height_loss_pct"]
        assert list(f) == [
            "level",
            "heights_mm",
            "landmarks_mm",
            "reference_height_mm",
            "kyphotic_angle_deg",
            *(["height_loss_pct"] if differs else []),
        ]
        assert f["kyphotic_angle_deg"] == item["wedge_angle_deg"]
    with pytest.raises(InvalidCase) as problems:
        validate_case(draft)
    assert "patient.age_years: required" in problems.value.lines
    assert "clinical.neurology: required" in problems.value.lines

    draft["patient"] = {"age_years": 74, "sex": "female", "active_infection": False}
    draft["clinical"] = {"pain_nrs": 7, "neurology": "intact"}
    for f in draft["fractures"]:
        f["etiology"] = "osteoporotic"
    case = parse_case(draft)
    from vertebro import assess

    assessment = assess(case).model_dump(mode="json")
    by_level = {lv["level"]: lv for lv in assessment["levels"]}
    for item in graded:
        lv = by_level[item["level"]]
        assert lv["height_loss_pct"] == item["height_loss_pct"]
        assert lv["genant_grade"] == item["genant_grade"]
        assert lv["shape"] == item["shape"]
        assert lv["wedge_angle_deg"] == item["wedge_angle_deg"]


def test_case_not_written_without_fracture(run: Any, tmp_path: Path) -> None:
    out = tmp_path / "case.json"
    res = run("--labels", TS / "example_ct_totalseg.nii.gz", "--case", out, "--quiet")
    assert res.exit_code == 0 and not out.exists()
    assert "not written" in res.stderr


def test_subprocess_cli_progress_and_quiet(tmp_path: Path) -> None:
    """The real process: ``python -m vertebro.cli.measure``; stdout is pure JSON."""
    require_data()
    env = {**os.environ, "COLUMNS": "100"}
    cmd = [
        sys.executable,
        "-m",
        "vertebro.cli.measure",
        "--labels",
        str(TS / "example_ct_totalseg.nii.gz"),
    ]
    done = subprocess.run(
        [*cmd, "--quiet"], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["convention"] == "totalsegmentator"
    assert done.stderr.strip() == "convention: totalsegmentator (from header)"
    bad = subprocess.run(
        [*cmd[:-2], "--labels", str(TS / "example_seg_mr.nii.gz")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.strip().endswith("example_seg_mr.nii.gz: no vertebra labels")


def test_import_is_cheap() -> None:
    code = (
        "import sys, vertebro.cli.measure; "
        "print(sorted(m for m in ('numpy', 'nibabel', 'matplotlib', 'scipy', 'pydicom') "
        "if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"


def test_label_map_stored_as_float_with_oblique_affine(run: Any, tmp_path: Path) -> None:
    """Integral floats are accepted; an oblique affine is fine (geometry in patient mm)."""
    src = nib.load(VERSE / "0007_msk.nii.gz")
    t = np.radians(15.0)
    rot = np.eye(4)
    rot[1:3, 1:3] = [[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]]
    path = tmp_path / "oblique_float.nii.gz"
    nib.save(nib.Nifti1Image(np.asanyarray(src.dataobj).astype(np.float32), rot @ src.affine), path)
    res = run("--labels", path, "--quiet")
    assert res.exit_code == 0, res.stderr
    levels = {i["level"]: i for i in json.loads(res.stdout)["levels"]}
    ref = {
        i["level"]: i
        for i in json.loads(run("--labels", VERSE / "0007_msk.nii.gz", "--quiet").stdout)["levels"]
    }
    for name in ("T12", "L3", "L5"):
        for side in ("anterior", "middle", "posterior"):
            assert levels[name]["heights_mm"][side] == pytest.approx(
                ref[name]["heights_mm"][side], abs=0.3
            )
