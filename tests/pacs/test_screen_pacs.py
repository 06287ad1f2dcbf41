"""``vertebro screen --from-pacs``: an archive screening whose studies live in a real
Orthanc — every study with a DICOM SEG is pulled by a Dask task, measured exactly as
``vertebro measure`` measures the pulled files, and a second run resumes; a PACS that does
not answer is one line, exit 2, nothing written."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.pacs.conftest import Pacs
from tests.screening.conftest import dask_available

BIN = Path(sys.executable).parent


def vertebro(env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "vertebro"), *[str(a) for a in args]],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
        env={**env, "COLUMNS": "120"},
    )


def levels(document: dict[str, Any]) -> dict[str, Any]:
    return {level["level"]: level for level in document["levels"]}


def test_screening_the_pacs_measures_each_seg_study_and_resumes(pacs: Pacs, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    dask_available()
    out = tmp_path / "screen"
    first = vertebro(pacs.env(), "screen", "--from-pacs", "--out", out, "--workers", "1", "--quiet")
    assert first.returncode == 0, first.stderr
    table = pq.read_table(out / "measurements.parquet").to_pylist()
    assert {row["study_id"] for row in table} == {pacs.real_study, pacs.wedge_study}
    assert {row["labels"] for row in table} == {
        f"dicomweb:{pacs.real_study}",
        f"dicomweb:{pacs.wedge_study}",
    }
    with (out / "findings.csv").open(encoding="utf-8") as stream:
        findings = list(csv.DictReader(stream))
    assert [row["study_id"] for row in findings] == [pacs.wedge_study]
    assert (out / "errors.csv").read_text(encoding="utf-8").count("\n") == 1  # header only

    # the same measurement as `vertebro measure` on the files the PACS holds
    alone = vertebro(
        pacs.env(), "measure", "--labels", pacs.data.wedge_seg, "--image", pacs.data.wedge_ct
    )
    assert alone.returncode == 0, alone.stderr
    expected = levels(json.loads(alone.stdout))
    screened = {row["level"]: row for row in table if row["study_id"] == pacs.wedge_study}
    assert set(screened) == set(expected)
    for name, level in expected.items():
        assert screened[name]["genant_grade"] == level.get("genant_grade"), name
    assert screened["L1"]["genant_grade"] >= 2

    index = (out / "parts" / "index.jsonl").read_text(encoding="utf-8")
    again = vertebro(pacs.env(), "screen", "--from-pacs", "--out", out, "--workers", "1", "--quiet")
    assert again.returncode == 0, again.stderr
    assert (out / "parts" / "index.jsonl").read_text(encoding="utf-8") == index  # nothing re-run
    assert again.stdout == first.stdout


def test_a_pacs_that_does_not_answer_is_one_line_and_nothing_written(
    pacs: Pacs, tmp_path: Path
) -> None:
    dask_available()
    out = tmp_path / "screen"
    down = vertebro(
        pacs.env(VERTEBRO_PACS_URL="http://127.0.0.1:9/dicom-web"),
        "screen",
        "--from-pacs",
        "--out",
        out,
        "--quiet",
    )
    assert down.returncode == 2, down.stderr
    assert down.stdout == ""
    assert down.stderr.startswith("http://127.0.0.1:9/dicom-web: ")
    assert len(down.stderr.strip().splitlines()) == 1
    assert not out.exists()

    both = vertebro(pacs.env(), "screen", tmp_path, "--from-pacs", "--out", out)
    assert both.returncode == 2 and "not both" in both.stderr
    alone = vertebro(pacs.env(), "screen", tmp_path, "--since", "2024-01-01", "--out", out)
    assert alone.returncode == 2 and alone.stderr == "--since/--limit: only with --from-pacs\n"
    assert not out.exists()
