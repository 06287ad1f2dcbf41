"""Screening fixtures: a small archive of copies of the real label maps in
``../shared/data`` (TotalSegmentator's example outputs, Apache-2.0; VerSe'19 expert-graded
spines, Sekuboyina et al. Med Image Anal 2021, Löffler et al. Radiol AI 2020, CC BY-SA 4.0;
the VerSe-like fracture case 0007), plus a corrupt and a truncated file; and a real Dask
cluster — a ``dask scheduler`` and ``dask worker`` processes on loopback."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.backends import require_module, unavailable

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
BIN = Path(sys.executable).parent

#: Archive path → the real file or folder it copies.
COPIES = {
    "site-a/2024/verse007.nii.gz": "verse19_graded/sub-verse007_seg-vert_msk.nii.gz",
    "site-a/2024/verse009.nii.gz": "verse19_graded/sub-verse009_seg-vert_msk.nii.gz",
    "site-a/2025/spine-0007.nii.gz": "verse_like/0007_msk.nii.gz",
    "site-b/abdomen_totalseg.nii.gz": "totalsegmentator/example_ct_totalseg.nii.gz",
    "site-b/ts_fast": "totalsegmentator/example_seg_fast",
}
#: The studies with a vertebra of grade ≥ 2 (as vertebro measures them today).
FINDINGS = {
    "site-a/2024/verse007.nii.gz",
    "site-a/2024/verse009.nii.gz",
    "site-a/2025/spine-0007.nii.gz",
}
CORRUPT = "site-c/corrupt.nii.gz"
TRUNCATED = "site-c/truncated.nii.gz"


def require_data() -> None:
    if not DATA.is_dir():
        unavailable(f"shared test data missing: {DATA}")


def make_archive(root: Path) -> Path:
    """Copy the real maps into ``root`` (the archive) and add two broken files."""
    require_data()
    for name, original in COPIES.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (DATA / original).is_dir():
            shutil.copytree(DATA / original, target)
        else:
            shutil.copyfile(DATA / original, target)
    (root / "site-c").mkdir(parents=True, exist_ok=True)
    (root / CORRUPT).write_bytes(b"this is not a NIfTI file\n" * 40)
    whole = (DATA / COPIES["site-a/2024/verse007.nii.gz"]).read_bytes()
    (root / TRUNCATED).write_bytes(whole[: len(whole) // 2])
    return root


#: One archive and one screened folder per test session, even where a test module outside
#: this package imports the fixtures (pytest would otherwise make them once per place).
_ONCE: dict[str, Path] = {}


@pytest.fixture(scope="session")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if "archive" not in _ONCE:
        _ONCE["archive"] = make_archive(tmp_path_factory.mktemp("archive"))
    return _ONCE["archive"]


def dask_available() -> None:
    require_module("distributed")
    require_module("pyarrow")


@dataclass
class DaskCluster:
    """A scheduler and workers, each a separate ``dask`` process on 127.0.0.1."""

    folder: Path
    scheduler: subprocess.Popen[bytes] | None = None
    address: str = ""
    workers: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def _spawn(self, args: list[str], log: str) -> subprocess.Popen[bytes]:
        stream = (self.folder / log).open("wb")
        return subprocess.Popen(
            [str(BIN / "dask"), *args],
            stdout=stream,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start_scheduler(self) -> None:
        file = self.folder / "scheduler.json"
        self.scheduler = self._spawn(
            [
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                str(file),
            ],
            "scheduler.log",
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if file.exists():
                try:
                    self.address = json.loads(file.read_text())["address"]
                    return
                except (ValueError, KeyError):
                    pass
            if self.scheduler.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"dask scheduler did not start: {self.log('scheduler.log')}")

    def start_worker(self, name: str) -> None:
        self.workers[name] = self._spawn(
            [
                "worker",
                self.address,
                "--name",
                name,
                "--host",
                "127.0.0.1",
                "--nworkers",
                "1",
                "--nthreads",
                "1",
                "--no-nanny",
                "--no-dashboard",
                "--memory-limit",
                "4GiB",
            ],
            f"worker-{name}.log",
        )

    def wait_for_workers(self, count: int) -> None:
        from distributed import Client

        with Client(self.address, timeout="30s") as client:
            client.wait_for_workers(count, timeout=90)

    def kill_worker(self, name: str) -> None:
        process = self.workers.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def log(self, name: str) -> str:
        path = self.folder / name
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def stop(self) -> None:
        for process in [*self.workers.values(), self.scheduler]:
            if process is None or process.poll() is not None:
                continue
            os.killpg(process.pid, signal.SIGTERM)
        for process in [*self.workers.values(), self.scheduler]:
            if process is None:
                continue
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self.workers.clear()


@pytest.fixture
def dask_cluster(tmp_path: Path) -> Iterator[DaskCluster]:
    """``dask scheduler`` and two ``dask worker`` processes (random ports), torn down."""
    dask_available()
    cluster = DaskCluster(tmp_path / "dask")
    cluster.folder.mkdir()
    try:
        cluster.start_scheduler()
        cluster.start_worker("alpha")
        cluster.start_worker("beta")
        cluster.wait_for_workers(2)
        yield cluster
    finally:
        cluster.stop()


def run_cli(*args: str | Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """``vertebro …`` as a user runs it (a real subprocess)."""
    return subprocess.run(
        [str(BIN / "vertebro"), *[str(a) for a in args]],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "COLUMNS": "120"},
    )


def screen_without_dask(
    studies: list[Any], out: Path, min_grade: int = 2, *, figures: bool = True
) -> Any:
    """The run's own steps — each study through :func:`screen_study`, kept in the part
    store, then compacted — in this process, for tests of everything but Dask."""
    from vertebro.screening.records import patient_code
    from vertebro.screening.store import PartStore
    from vertebro.screening.writers import compact
    from vertebro.services.screening import screen_study

    out.mkdir(parents=True, exist_ok=True)
    with PartStore(out) as store:
        for study in store.pending(studies, min_grade, figures):
            store.write(screen_study(study, min_grade if figures else None))
        return compact(store, studies, min_grade, patient_code, source="test")


@pytest.fixture(scope="session")
def screened(archive: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The archive screened once (without Dask): an output folder to read, not to change."""
    from vertebro.screening.sources import walk_folder

    dask_available()  # pyarrow writes the parquet file
    if "screened" not in _ONCE:
        out = tmp_path_factory.mktemp("screened")
        screen_without_dask(walk_folder(archive), out)
        _ONCE["screened"] = out
    return _ONCE["screened"]
