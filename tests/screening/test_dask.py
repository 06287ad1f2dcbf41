"""``vertebro screen`` on real Dask clusters: a ``dask scheduler`` with two ``dask worker``
processes on loopback (random ports), and the default ``LocalCluster``.

What a user checks: every study is measured exactly as ``vertebro measure`` measures it
alone; a worker killed mid-run loses no study (its tasks run again on the other worker);
a second run resumes instead of starting over; a corrupt file is a row of errors.csv, not
the end of the run."""

from __future__ import annotations

import csv
import gzip
import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from .conftest import (
    BIN,
    CORRUPT,
    FINDINGS,
    TRUNCATED,
    DaskCluster,
    dask_available,
    run_cli,
)


def _index(out: Path) -> list[dict[str, Any]]:
    lines = (out / "parts" / "index.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def _parts(out: Path) -> dict[str, dict[str, Any]]:
    """Each study's latest part (document or error, worker)."""
    latest = {entry["study_id"]: entry for entry in _index(out)}
    return {
        study_id: json.loads(gzip.decompress((out / "parts" / entry["part"]).read_bytes()))
        for study_id, entry in latest.items()
    }


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def _parquet_rows(out: Path) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    rows: list[dict[str, Any]] = pq.read_table(out / "measurements.parquet").to_pylist()
    return rows


def _check_against_measuring_alone(archive: Path, out: Path) -> None:
    """Every measured study's document and rows equal ``measure_study`` on that file."""
    from vertebro.screening.records import level_rows
    from vertebro.services.measuring import measure_study

    parts = _parts(out)
    rows = _parquet_rows(out)
    measured = {s: p for s, p in parts.items() if p["document"] is not None}
    assert len(measured) == 5
    for study_id, part in measured.items():
        alone = measure_study(archive / study_id)
        assert part["document"] == alone.document, study_id
        expected = level_rows(study_id, str(archive / study_id), alone.document)
        assert [r for r in rows if r["study_id"] == study_id] == expected, study_id
    assert {r["study_id"] for r in rows} == set(measured)


def _check_outputs(archive: Path, out: Path, *, figures: bool = True) -> None:
    findings = _csv(out / "findings.csv")
    assert {row["study_id"] for row in findings} == FINDINGS
    grades = [int(row["max_grade"]) for row in findings]
    assert grades == sorted(grades, reverse=True)
    # Vertebrae the VerSe'19 radiologists graded ≥ 2 (Löffler et al. 2020), found here:
    levels = {row["study_id"]: row["levels"] for row in findings}
    assert "T12 grade" in levels["site-a/2024/verse007.nii.gz"]
    assert "L1 grade" in levels["site-a/2024/verse007.nii.gz"]
    assert "T5 grade 3" in levels["site-a/2024/verse009.nii.gz"]  # radiologists: grade 3
    for row in findings:
        if not figures:
            assert row["figure"] == ""
            continue
        figure = out / row["figure"]
        assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", row["study_id"]
        assert row["figure"] in (out / "findings.html").read_text()
    errors = {row["study_id"]: row for row in _csv(out / "errors.csv")}
    assert set(errors) == {CORRUPT, TRUNCATED}
    for row in errors.values():
        assert row["kind"] == "input"
        assert row["reason"].startswith("cannot read as NIfTI"), row
    # nothing half-written is left behind
    assert not [p.name for p in out.iterdir() if p.name.endswith(".part")]


def test_two_worker_processes_measure_like_measure_alone(
    dask_cluster: DaskCluster, archive: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    done = run_cli("screen", archive, "--out", out, "--scheduler", dask_cluster.address)
    assert done.returncode == 0, done.stderr
    assert "Dask cluster: tcp://127.0.0.1:" in done.stderr
    assert "5 studies measured" in done.stdout
    assert "3 studies with a vertebra of Genant grade >= 2" in done.stdout
    _check_against_measuring_alone(archive, out)
    _check_outputs(archive, out)
    workers = {p["worker"] for p in _parts(out).values() if p["worker"]}
    assert len(workers) == 2  # both worker processes measured studies

    # A second run with the same --out resumes: nothing is measured again.
    before = (out / "parts" / "index.jsonl").read_text()
    findings = (out / "findings.csv").read_bytes()
    again = run_cli("screen", archive, "--out", out, "--scheduler", dask_cluster.address)
    assert again.returncode == 0, again.stderr
    assert "resuming: 7 of 7 studies already done, 0 to go" in again.stderr
    assert (out / "parts" / "index.jsonl").read_text() == before
    assert (out / "findings.csv").read_bytes() == findings


def _manifest(path: Path, archive: Path, copies: int) -> Path:
    """Many studies over the real maps: each row a study id of its own."""
    files = ["site-a/2024/verse007.nii.gz", "site-a/2024/verse009.nii.gz"]
    with path.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["study_id", "labels", "note"])
        for i in range(copies):
            writer.writerow([f"ACC{i:05d}", str(archive / files[i % 2]), "copy"])
    return path


def _alpha(client: Any) -> str:
    workers = client.scheduler_info()["workers"]
    return next(address for address, w in workers.items() if w["name"] == "alpha")


def test_a_worker_killed_mid_run_loses_no_study(
    dask_cluster: DaskCluster, archive: Path, tmp_path: Path
) -> None:
    from distributed import Client

    from vertebro.screening.records import study_digest

    manifest = _manifest(tmp_path / "manifest.csv", archive, 14)
    out = tmp_path / "out"
    run = subprocess.Popen(
        [
            str(BIN / "vertebro"),
            "screen",
            str(manifest),
            "--out",
            str(out),
            "--scheduler",
            dask_cluster.address,
            "--no-figures",
            "--quiet",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    victims: list[str] = []
    try:
        with Client(dask_cluster.address, timeout="30s") as client:
            alpha = _alpha(client)
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and run.poll() is None:
                victims = list(client.processing(workers=[alpha]).get(alpha, []))
                if victims and (out / "parts" / "index.jsonl").exists():
                    break  # the run is under way and alpha holds tasks
                time.sleep(0.05)
            assert victims, "alpha never held a task"
            dask_cluster.kill_worker("alpha")
        stdout, stderr = run.communicate(timeout=300)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 0, stderr
    assert "14 studies measured" in stdout, stdout
    assert _csv(out / "errors.csv") == []
    parts = _parts(out)
    assert len(parts) == 14 and all(p["document"] is not None for p in parts.values())
    by_digest = {study_digest(s)[:16]: s for s in parts}
    lost = [by_digest[key.split("-")[1]] for key in victims]
    for study_id in lost:  # the tasks alpha held were run again, on beta
        assert parts[study_id]["worker"] != alpha, study_id
    rows = _parquet_rows(out)
    assert len({r["study_id"] for r in rows}) == 14


def test_a_second_run_measures_only_what_is_left(
    dask_cluster: DaskCluster, archive: Path, tmp_path: Path
) -> None:
    manifest = _manifest(tmp_path / "all.csv", archive, 6)
    first = tmp_path / "first.csv"
    first.write_text("".join(manifest.read_text().splitlines(keepends=True)[:3]))  # 2 studies
    out = tmp_path / "out"
    args = ["--out", out, "--scheduler", dask_cluster.address, "--quiet", "--no-figures"]
    assert run_cli("screen", first, *args).returncode == 0
    assert len(_index(out)) == 2
    done = run_cli("screen", manifest, *args)
    assert done.returncode == 0, done.stderr
    assert "resuming: 2 of 6 studies already done, 4 to go" in done.stderr
    index = _index(out)
    assert len(index) == 6  # each study measured once, over the two runs
    assert len({e["study_id"] for e in index}) == 6
    assert "6 studies measured" in done.stdout


@pytest.mark.parametrize("workers", ["2"])
def test_local_cluster_gives_the_same_results(archive: Path, tmp_path: Path, workers: str) -> None:
    dask_available()
    out = tmp_path / "out"
    done = run_cli("screen", archive, "--out", out, "--workers", workers, "--no-figures")
    assert done.returncode == 0, done.stderr
    assert "local Dask cluster: tcp://127.0.0.1:" in done.stderr
    assert "2 worker(s)" in done.stderr
    assert "dashboard: http" in done.stderr
    _check_against_measuring_alone(archive, out)
    _check_outputs(archive, out, figures=False)


def _task(item: int) -> int:
    """Kills its own worker process for 1, raises for 3."""
    import os

    if item == 1:
        os._exit(3)
    if item == 3:
        raise ValueError("boom")
    return item * 10


def test_lost_workers_and_raising_tasks_end_as_failures_not_as_the_run() -> None:
    import dask

    from vertebro.screening.cluster import dask_client
    from vertebro.screening.job import describe_failure, run_tasks

    dask_available()
    results: dict[int, int] = {}
    failures: dict[int, str] = {}
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 1}),
        dask_client(None, workers=1, dashboard_address=None) as (client, _),
    ):
        run_tasks(
            client,
            _task,
            range(5),
            key_of=lambda i: f"t{i}",
            on_result=lambda i, r: results.__setitem__(i, r),
            on_error=lambda i, e: failures.__setitem__(i, describe_failure(e)),
            window=1,  # one at a time: no other task shares the dying worker
            retries=1,
        )
    assert results == {0: 0, 2: 20, 4: 40}
    assert failures[3] == "ValueError: boom"
    assert failures[1].startswith("its worker died each time it ran")
