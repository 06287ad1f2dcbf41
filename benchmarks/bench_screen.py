"""Benchmark of ``vertebro screen`` on Dask (issue 15, point 5).

A synthetic archive is built from the real label maps of ``../shared/data`` (the three
VerSe'19 graded spines, the VerSe-like fracture case 0007, TotalSegmentator's example
outputs, the TPTBox instance map): each study is a copy under a varied name with mild,
seeded geometric changes — the patient rotated by up to 4° about a random axis, voxels
rescaled by 0.92–1.08 (body size), 0–3 slices cropped at each end of the cranio-caudal
axis. It is generated once into a cache folder and reused.

The archive is then screened (the real service: one Dask task per study, parts, final
files; figures on) on a local cluster of 1 and of 2 worker processes. Printed:

- studies/s per run (wall time from the first task submitted to the last result;
  cluster start-up and compaction apart), and the speed-up 1 → 2 workers (goal ≥ 1.8×);
- the per-study cost measured inside the tasks (measuring, drawing the figure);
- Dask's overhead per task, two ways: (a) efficiency — worker time not spent inside
  tasks, ``(wall × workers − Σ task time) / studies`` (includes the idle tail at the end
  and everything the client does per result); (b) wall time per task of no-op tasks through
  the same windowed stream on the most workers (whose inverse is the task rate one client
  and scheduler sustain). Goal ≤ 5 % of the per-study time;
- a paper projection of a 1-million-study archive on N machines from the measured cost
  (CPU seconds per study plus the overhead), never faster than that task rate allows.

    .venv/bin/python benchmarks/bench_screen.py [--studies 2000] [--workers 1,2]
                     [--cache DIR] [--trivial 2000] [--no-figures]

The machine this project is developed on has 2 cores shared by several people: the
client, the scheduler and the workers compete for them, so figures taken there are lower
bounds (re-run on a quiet machine with ≥ 3 cores for the speed-up).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
BASES = (
    "verse19_graded/sub-verse005_seg-vert_msk.nii.gz",
    "verse19_graded/sub-verse007_seg-vert_msk.nii.gz",
    "verse19_graded/sub-verse009_seg-vert_msk.nii.gz",
    "verse_like/0007_msk.nii.gz",
    "totalsegmentator/example_ct_totalseg.nii.gz",
    "totalsegmentator/example_seg_dicom.nii.gz",
    "tptbox/sample_ct/sub-ct_seg-vert_label-22_msk.nii.gz",
)
SITES = ("north", "south", "east", "west", "central", "annex", "clinic")
NAMES = ("seg.nii.gz", "totalseg_multilabel.nii.gz", "vertebrae_msk.nii.gz", "labels.nii.gz")
ARCHIVE_VERSION = 1


def _rotation(rng: np.random.Generator, max_deg: float) -> np.ndarray:
    axis = rng.normal(size=3)
    axis /= np.linalg.norm(axis)
    angle = np.deg2rad(rng.uniform(-max_deg, max_deg))
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + np.sin(angle) * k + (1 - np.cos(angle)) * (k @ k)


def _cranio_caudal_axis(affine: np.ndarray) -> int:
    """The array axis that runs most nearly along patient S."""
    return int(np.argmax(np.abs(affine[2, :3]) / np.linalg.norm(affine[:3, :3], axis=0)))


_CACHE: dict[str, Any] = {}


def _base(name: str) -> tuple[np.ndarray, np.ndarray, Any]:
    import nibabel as nib

    if name not in _CACHE:
        img = nib.load(str(DATA / name))
        _CACHE[name] = (np.asanyarray(img.dataobj), img.affine.copy(), img.header.copy())
    return _CACHE[name]  # type: ignore[no-any-return]


def make_study(root: str, index: int, seed: int) -> str:
    """Write study ``index`` of the archive; returns its path relative to ``root``."""
    import nibabel as nib

    rng = np.random.default_rng([seed, index])
    array, affine, header = _base(BASES[index % len(BASES)])
    axis = _cranio_caudal_axis(affine)
    low, high = (int(n) for n in rng.integers(0, 4, size=2))
    keep = [slice(None)] * 3
    keep[axis] = slice(low, array.shape[axis] - high)
    cropped = np.ascontiguousarray(array[tuple(keep)])
    shift = np.zeros(3)
    shift[axis] = low
    new = affine.copy()
    new[:3, 3] = affine[:3, :3] @ shift + affine[:3, 3]
    new[:3, :3] = affine[:3, :3] * rng.uniform(0.92, 1.08)
    centre = new[:3, :3] @ (np.array(cropped.shape) / 2) + new[:3, 3]
    turn = _rotation(rng, 4.0)
    new[:3, :3] = turn @ new[:3, :3]
    new[:3, 3] = turn @ (new[:3, 3] - centre) + centre
    relative = (
        f"{SITES[index % len(SITES)]}/{2019 + index % 6}/"
        f"{'ACC' if index % 3 else 'study-'}{index:07d}/{NAMES[index % len(NAMES)]}"
    )
    path = Path(root) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    img = nib.Nifti1Image(cropped, new, header)
    img.set_sform(new, code=1)
    img.set_qform(new, code=1)
    nib.save(img, str(path))
    return relative


def build_archive(folder: Path, studies: int, seed: int) -> Path:
    """The synthetic archive (module docstring), generated once and reused."""
    marker = folder / "archive.json"
    wanted = {"version": ARCHIVE_VERSION, "studies": studies, "seed": seed}
    if marker.exists() and json.loads(marker.read_text()) == wanted:
        return folder / "studies"
    root = folder / "studies"
    started = time.perf_counter()
    print(f"building the synthetic archive: {studies} studies in {root} …", flush=True)
    with ProcessPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        list(pool.map(make_study, [str(root)] * studies, range(studies), [seed] * studies))
    marker.write_text(json.dumps(wanted))
    size = sum(p.stat().st_size for p in root.rglob("*.nii.gz"))
    print(f"  done in {time.perf_counter() - started:.0f} s, {size / 2**20:.0f} MiB", flush=True)
    return root


def _noop(item: int) -> int:
    return item


def trivial_round_trip(count: int, workers: int) -> float:
    """Seconds per no-op task through the screening job's windowed stream (wall / tasks):
    the scheduling cost of one task, and 1 / the task rate one client and scheduler keep."""
    from vertebro.screening.cluster import dask_client
    from vertebro.screening.job import default_window, run_tasks

    results: list[int] = []
    with dask_client(None, workers=workers, dashboard_address=None) as (client, info):
        run_tasks(
            client,
            _noop,
            range(50),
            key_of=lambda i: f"warm-{i}",
            on_result=lambda _i, r: None,
            on_error=lambda _i, e: None,
        )
        started = time.perf_counter()
        run_tasks(
            client,
            _noop,
            range(count),
            key_of=lambda i: f"noop-{i}",
            on_result=lambda _i, r: results.append(r),
            on_error=lambda _i, exc: None,
            window=default_window(info.threads),
        )
        elapsed = time.perf_counter() - started
    assert len(results) == count
    return elapsed / count


def screen_once(archive: Path, workers: int, figures: bool) -> dict[str, Any]:
    from vertebro.services.screening import ScreenOptions, screen

    with tempfile.TemporaryDirectory(prefix="bench-screen-") as tmp:
        out = Path(tmp) / "out"
        started = time.perf_counter()
        report = screen(
            archive,
            out,
            ScreenOptions(workers=workers, figures=figures, dashboard_address=None),
        )
        wall = time.perf_counter() - started
        parts = sum(p.stat().st_size for p in (out / "parts").rglob("*.json.gz"))
        figures_bytes = sum(p.stat().st_size for p in (out / "figures").glob("*.png"))
        parquet = (out / "measurements.parquet").stat().st_size
    s = report.summary
    return {
        "workers": workers,
        "studies": report.tasks,
        "job_s": report.job_s,
        "other_s": wall - report.job_s,
        "task_s": report.task_s,
        "timings": report.timings,
        "measured": s.measured,
        "findings": s.findings,
        "errors": s.errors + s.failures,
        "bytes_per_study": (parts + figures_bytes + parquet) / max(1, report.tasks),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=2000, help="archive size (≥ 2000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", default="1,2", help="worker counts to compare")
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
        / "vertebro"
        / "bench-screen",
    )
    parser.add_argument("--trivial", type=int, default=2000, help="no-op tasks to time")
    parser.add_argument("--no-figures", action="store_true")
    parser.add_argument("--machines-cores", type=int, default=32, help="cores per machine")
    args = parser.parse_args()

    folder = args.cache / f"n{args.studies}-seed{args.seed}"
    folder.mkdir(parents=True, exist_ok=True)
    archive = build_archive(folder, args.studies, args.seed)
    counts = [int(w) for w in args.workers.split(",")]

    runs = []
    for workers in counts:
        run = screen_once(archive, workers, not args.no_figures)
        runs.append(run)
        print(
            f"{workers} worker(s): {run['studies']} studies in {run['job_s']:.1f} s "
            f"= {run['studies'] / run['job_s']:.2f} studies/s "
            f"(+ {run['other_s']:.1f} s cluster start and final files); "
            f"{run['measured']} measured, {run['findings']} findings, {run['errors']} errors",
            flush=True,
        )
    timings = [t for run in runs for t in run["timings"]]
    per_study = statistics.mean(t.total_s for t in timings)
    measure = statistics.mean(t.measure_s for t in timings)
    drawn = [t.figure_s for t in timings if t.figure_s > 0.01]
    figure = statistics.mean(drawn) if drawn else 0.0
    cpu = statistics.mean(t.cpu_s for t in timings)
    share = len(drawn) / len(timings)
    print(
        f"per-study cost inside the tasks: {per_study:.3f} s wall, {cpu:.3f} s CPU "
        f"(measuring {measure:.3f} s; drawing a finding's figure {figure:.3f} s, "
        f"{100 * share:.0f} % of these studies)"
    )
    for run in runs:
        per_task = (run["job_s"] * run["workers"] - run["task_s"]) / run["studies"]
        efficiency = run["task_s"] / (run["job_s"] * run["workers"])
        print(
            f"  {run['workers']} worker(s): worker time outside tasks {per_task * 1000:.0f} ms"
            f" per study = {100 * per_task / per_study:.1f} % of the per-study cost "
            f"(goal ≤ 5 %; efficiency {100 * efficiency:.0f} %)"
        )
    if len(runs) >= 2:
        base, best = runs[0], runs[-1]
        speedup = base["job_s"] / best["job_s"]
        slower = statistics.mean(t.total_s for t in best["timings"]) / statistics.mean(
            t.total_s for t in base["timings"]
        )
        goal = "met" if speedup >= 1.8 else "NOT met"
        print(
            f"speed-up {base['workers']} → {best['workers']} workers: {speedup:.2f}× "
            f"(goal ≥ 1.8×: {goal}); wall per task grew "
            f"{slower:.2f}× "
            "(> 1: the workers waited for a core)"
        )
    round_trip = 0.0
    if args.trivial:
        round_trip = trivial_round_trip(args.trivial, max(counts))
        rate = 100 * round_trip / per_study
        goal = "met" if rate <= 5 else "NOT met"
        print(
            f"Dask, {args.trivial} no-op tasks on {max(counts)} worker(s): "
            f"{round_trip * 1000:.2f} ms per task ({1 / round_trip:,.0f} tasks/s) "
            f"= {rate:.2f} % of the per-study cost (goal ≤ 5 %: {goal})"
        )
    last = runs[-1]
    overhead = max(0.0, last["job_s"] * last["workers"] - last["task_s"]) / last["studies"]
    for label, cost in (
        (f"as measured ({100 * share:.0f} % findings)", cpu + overhead),
        (
            "at 10 % findings",
            measure * cpu / per_study + 0.10 * figure * cpu / per_study + overhead,
        ),
    ):
        core_h = 1_000_000 * cost / 3600
        floor_h = 1_000_000 * round_trip / 3600  # one scheduler: at most 1/round_trip tasks/s
        line = ", ".join(
            f"{m} × {args.machines_cores} cores "
            f"{max(core_h / (m * args.machines_cores), floor_h):.1f} h"
            + (" (scheduler-bound)" if floor_h > core_h / (m * args.machines_cores) else "")
            for m in (1, 10, 50, 100)
        )
        print(f"1,000,000 studies {label}: {core_h:,.0f} core-hours ({cost:.3f} s each); {line}")
    print(f"output: ≈ {last['bytes_per_study'] / 1024:.0f} KiB per study (parts, figures, parquet)")


if __name__ == "__main__":
    main()
