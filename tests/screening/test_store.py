"""The per-study task, the parts that make a run resumable, and the final files — in this
process (the Dask runs are in test_dask.py)."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

from vertebro.screening.records import ErrorKind, StudyOutcome, max_grade
from vertebro.screening.sources import Study, walk_folder
from vertebro.screening.store import PartStore, StoreBusy
from vertebro.services.screening import screen_study

from .conftest import CORRUPT, FINDINGS, TRUNCATED, screen_without_dask


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def test_the_task_measures_like_the_measuring_service(archive: Path) -> None:
    from vertebro.services.measuring import measure_study

    study = Study("v7", str(archive / "site-a/2024/verse007.nii.gz"))
    outcome = screen_study(study, 2)
    assert outcome.document == measure_study(study.labels).document
    assert outcome.figure_png is not None and outcome.figure_png.startswith(b"\x89PNG")
    assert outcome.measure_s > 0 and outcome.figure_s > 0
    assert screen_study(study, None).figure_png is None  # figures off
    top = max_grade(outcome.document)
    assert top is not None and top >= 2  # a finding (T12 and L1 graded 2 by radiologists)
    if top < 3:  # drawn only when the highest grade reaches figure_grade
        assert screen_study(study, top + 1).figure_png is None
    plain = screen_study(Study("ts", str(archive / "site-b/abdomen_totalseg.nii.gz")), 2)
    assert plain.measured and plain.figure_png is None  # no grade ≥ 2: no figure


def test_unreadable_and_too_large_maps_are_input_errors(
    archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corrupt = screen_study(Study("c", str(archive / CORRUPT)), 2)
    assert corrupt.error_kind is ErrorKind.INPUT and corrupt.document is None
    assert corrupt.error_reason is not None
    assert corrupt.error_reason.startswith("cannot read as NIfTI")
    missing = screen_study(Study("m", str(archive / "nope.nii.gz")), 2)
    assert missing.error_reason == "no such file or folder"
    monkeypatch.setenv("VERTEBRO_MAX_VOXELS", "100000")
    big = screen_study(Study("b", str(archive / "site-a/2024/verse007.nii.gz")), 2)
    assert big.error_kind is ErrorKind.INPUT
    assert big.error_reason is not None
    assert big.error_reason.startswith("too large to measure: 852,159 voxels")
    assert "the limits are 100,000 voxels (VERTEBRO_MAX_VOXELS)" in big.error_reason
    monkeypatch.setenv("VERTEBRO_MAX_VOXELS", "600000000")
    monkeypatch.setenv("VERTEBRO_MAX_MEASURE_GIB", "0.0001")
    folder = screen_study(Study("f", str(archive / "site-b/ts_fast")), 2)
    assert folder.error_reason is not None
    assert folder.error_reason.startswith("too large to measure:")
    assert "VERTEBRO_MAX_MEASURE_GIB" in folder.error_reason


def test_final_files(screened: Path, archive: Path) -> None:
    import pyarrow.parquet as pq

    findings = _rows(screened / "findings.csv")
    assert [row["rank"] for row in findings] == ["1", "2", "3"]
    assert {row["study_id"] for row in findings} == FINDINGS
    for row in findings:
        assert (screened / row["figure"]).exists()
        assert row["min_grade"] == "2"
        assert row["patient_code"].startswith("SCR-")
    errors = _rows(screened / "errors.csv")
    assert [(e["study_id"], e["kind"]) for e in errors] == [
        (CORRUPT, "input"),
        (TRUNCATED, "input"),
    ]
    table = pq.read_table(screened / "measurements.parquet")
    assert table.column_names[:6] == [
        "study_id",
        "labels",
        "convention",
        "method_version",
        "level",
        "evaluable",
    ]
    assert str(table.schema.field("genant_grade").type) == "int8"
    studies = set(table.column("study_id").to_pylist())
    assert studies == {s.study_id for s in walk_folder(archive)} - {CORRUPT, TRUNCATED}
    page = (screened / "findings.html").read_text()
    assert "<script" not in page and "http" not in page  # self-contained, nothing remote
    assert page.count('<section class="finding"') == 3
    for name in ("measurements.parquet", "findings.csv", "errors.csv", "findings.html"):
        assert (screened / name).stat().st_mode & 0o777 == 0o600  # patient data


def test_what_a_second_run_redoes(tmp_path: Path, archive: Path) -> None:
    verse = Study("v7", str(archive / "site-a/2024/verse007.nii.gz"))
    plain = Study("ts", str(archive / "site-b/abdomen_totalseg.nii.gz"))
    corrupt = Study("c", str(archive / CORRUPT))
    lost = Study("lost", str(archive / "site-a/2024/verse009.nii.gz"))
    with PartStore(tmp_path) as store:
        store.write(screen_study(verse, None))  # measured without a figure
        store.write(screen_study(plain, 2))
        store.write(screen_study(corrupt, 2))
        store.write(StudyOutcome(lost, error_kind=ErrorKind.FAILURE, error_reason="KilledWorker"))
        studies = [verse, plain, corrupt, lost]
        assert store.pending(studies, 2, figures=False) == [lost]  # failures run again
        assert store.pending(studies, 2, figures=True) == [verse, lost]  # a figure is due
        moved = Study("ts", str(archive / "site-b" / "elsewhere.nii.gz"))
        assert store.pending([moved], 2, figures=True) == [moved]  # another file
        with pytest.raises(StoreBusy), PartStore(tmp_path):
            pass  # one run at a time
    # a crash in the middle of the index's last line: that study simply runs again
    index = tmp_path / "parts" / "index.jsonl"
    text = index.read_text()
    index.write_text(text + text.splitlines()[0][:25])
    with PartStore(tmp_path) as store:
        assert store.pending([verse, plain, corrupt], 2, figures=False) == []


def test_csv_cells_never_start_a_formula(tmp_path: Path, archive: Path) -> None:
    from vertebro.screening.writers import read_findings_csv

    studies = [
        Study("=HYPERLINK(1)", str(archive / "site-a/2024/verse007.nii.gz")),
        Study("@bad", str(archive / CORRUPT)),
        Study("<b>x</b>", str(archive / "site-a/2024/verse009.nii.gz")),
    ]
    screen_without_dask(studies, tmp_path, figures=False)
    raw = (tmp_path / "findings.csv").read_bytes().decode()
    assert "\r\n1,'=HYPERLINK(1)," in raw or "\r\n2,'=HYPERLINK(1)," in raw
    assert "\r\n'@bad," in (tmp_path / "errors.csv").read_bytes().decode()
    assert {row["study_id"] for row in read_findings_csv(tmp_path / "findings.csv")} == {
        "=HYPERLINK(1)",
        "<b>x</b>",
    }
    page = (tmp_path / "findings.html").read_text()
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page


def test_parts_hold_the_whole_document(screened: Path) -> None:
    import gzip

    entries = [
        json.loads(line) for line in (screened / "parts/index.jsonl").read_text().splitlines()
    ]
    assert len(entries) == 7
    part = json.loads(gzip.decompress((screened / "parts" / entries[0]["part"]).read_bytes()))
    assert part["document"]["schema"] == "vertebro.measurement/1"
    assert os.path.isabs(part["labels"])
