"""Whole-process start-up of ``vertebro measure`` against TotalSegmentator's own height step
(issue 12, deliverable 4), used by ``bench_measure.py --startup``.

Both are run as whole processes on TotalSegmentator's example (``example_ct_totalseg``;
the peer also reads the CT and its vertebral-body map, which its step needs), alternated,
``--runs`` times each; medians of the wall time and of the CPU time (user + system, from
``getrusage`` of the children). The peer is ``python -m
totalsegmentator.spine_report.measure_verte_height``, which runs without torch: install it
with ``pip install --no-deps TotalSegmentator`` plus the extra ``bench-peer``
(``pip install -e ".[bench-peer]"``: scikit-image, xmltodict, imgkit).
"""

from __future__ import annotations

import importlib.util
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["compare_startup"]

GOAL = 0.35


def _run(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one whole process; its output is discarded."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {done.stderr.decode()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def compare_startup(data: Path, runs: int = 7) -> None:
    """Print both processes' medians and the ratio vertebro ÷ peer."""
    venv_bin = Path(sys.executable).parent
    vertebro = venv_bin / "vertebro"
    labels = data / "example_ct_totalseg.nii.gz"
    commands = {
        "vertebro measure --quiet": [str(vertebro), "measure", "--labels", str(labels), "--quiet"],
        "vertebro measure": [str(vertebro), "measure", "--labels", str(labels)],
    }
    if importlib.util.find_spec("totalsegmentator") is None:
        print("peer: TotalSegmentator is not installed (pip install --no-deps TotalSegmentator")
        print('      and pip install -e ".[bench-peer]"); vertebro alone:')
        peer: list[str] | None = None
    else:
        out = Path(tempfile.mkdtemp(prefix="bench-peer-")) / "heights.json"
        peer = [
            sys.executable,
            "-m",
            "totalsegmentator.spine_report.measure_verte_height",
            "-i",
            str(data / "example_ct.nii.gz"),
            "-v",
            str(labels),
            "-b",
            str(data / "example_ct_vertebrae_body.nii.gz"),
            "-o",
            str(out),
        ]
        commands["TotalSegmentator measure_verte_height"] = peer
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for cmd in commands.values():  # one warm-up each (file cache, .pyc)
        _run(cmd)
    for _ in range(runs):
        for name, cmd in commands.items():
            times[name].append(_run(cmd))
    print(f"whole processes, {runs} alternated runs each, medians (load: {os.getloadavg()[0]:.1f})")
    print(f"{'':<40}{'wall s':>9}{'CPU s':>9}")
    medians: dict[str, tuple[float, float]] = {}
    for name, values in times.items():
        wall = statistics.median(v[0] for v in values)
        cpu = statistics.median(v[1] for v in values)
        medians[name] = (wall, cpu)
        print(f"{name:<40}{wall:>9.3f}{cpu:>9.3f}")
    if peer is not None:
        p_wall, p_cpu = medians["TotalSegmentator measure_verte_height"]
        for name in ("vertebro measure --quiet", "vertebro measure"):
            wall, cpu = medians[name]
            print(
                f"ratio {name} ÷ peer: wall {wall / p_wall:.2f}, CPU {cpu / p_cpu:.2f} "
                f"(goal ≤ {GOAL})"
            )
