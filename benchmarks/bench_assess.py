"""Throughput of ``vertebro assess --jsonl`` on the realistic mix, start-up included.

Run: ``.venv/bin/python benchmarks/bench_assess.py [--cases 100000] [--seed 0] [--runs 3]``.

The cases come from ``benchmarks/case_generator.py`` (about 2 levels and 950 bytes per case;
every overall recommendation occurs and every rule fires). The benchmark writes them to a
JSON-lines file, then times the command itself — ``vertebro assess --jsonl FILE`` in a fresh
process pinned to one core, output to ``/dev/null`` — so the figure includes start-up,
strict validation, the assessment and the JSON output. It prints the wall-clock time and
cases per second of each run and the best, then the decision mix and how often each rule
fired (counted from the command's own output), and exits 1 when an overall recommendation
never occurs or a rule of the rulebook never fires. It measures the core that runs
(``vertebro version`` names it).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.case_generator import Mix, generate_cases
from vertebro.guidance.catalogue import rule_ids
from vertebro.model.enums import Recommendation

ROOT = Path(__file__).resolve().parents[1]
VERTEBRO = [sys.executable, "-m", "vertebro.cli"]


def _one_core() -> None:
    """Pin the child to one core (where the platform allows it)."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def _timed_run(path: Path) -> float:
    with open(os.devnull, "wb") as sink:
        start = time.perf_counter()
        subprocess.run([*VERTEBRO, "assess", "--jsonl", str(path)], stdout=sink, check=True,
                       preexec_fn=_one_core)  # fmt: skip
        return time.perf_counter() - start


def _mix(path: Path) -> Mix:
    """The decisions and rule hits of the command's own output for ``path``."""
    done = subprocess.run(
        [*VERTEBRO, "assess", "--jsonl", str(path)], capture_output=True, check=True
    )
    mix = Mix()
    for line in done.stdout.splitlines():
        document = json.loads(line)
        if "errors" in document:
            raise SystemExit(f"bench_assess: a generated case is invalid: {document}")
        mix.add(document)
    return mix


def _report(mix: Mix) -> list[str]:
    """Print the mix; return what never occurred."""
    print(f"levels per case:  {mix.levels / mix.cases:.2f}; with a plan: "
          f"{100 * mix.plans / mix.cases:.1f} %")  # fmt: skip
    print("decisions:        " + ", ".join(
        f"{r} {100 * mix.decisions[r] / mix.cases:.1f} %" for r in Recommendation))  # fmt: skip
    print("rule hits (levels, or cases for patient-wide cautions):")
    ids = rule_ids()
    for start in range(0, len(ids), 8):
        print("  " + "  ".join(f"{r:>4} {mix.rules[r]:>7,}" for r in ids[start : start + 8]))
    never = [f"decision {r}" for r in Recommendation if mix.decisions[r] == 0]
    return never + [f"rule {r}" for r in ids if mix.rules[r] == 0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    version = subprocess.run([*VERTEBRO, "version"], capture_output=True, text=True, check=True)
    with tempfile.TemporaryDirectory(prefix="vertebro-bench-") as scratch:
        path = Path(scratch) / "cases.jsonl"
        with path.open("w", encoding="utf-8") as out:
            for case in generate_cases(args.cases, args.seed):
                out.write(json.dumps(case) + "\n")
        size = path.stat().st_size
        print(f"cases:            {args.cases:,} (seed {args.seed}; {size / 1e6:.1f} MB of JSON "
              f"lines, {size / args.cases:.0f} bytes per case)")  # fmt: skip
        print(f"build:            {version.stdout.strip()}")
        print("command:          vertebro assess --jsonl FILE > /dev/null (one core, start-up "
              "included)")  # fmt: skip
        best = float("inf")
        for run in range(1, args.runs + 1):
            elapsed = _timed_run(path)
            best = min(best, elapsed)
            print(f"run {run}:            {elapsed:.2f} s, {args.cases / elapsed:,.0f} cases/s")
        print(f"throughput:       {args.cases / best:,.0f} cases/s, best of {args.runs} "
              "(goal ≥ 20,000)")  # fmt: skip
        print(f"per case:         {best / args.cases * 1e6:.1f} µs")
        never = _report(_mix(path))
    if never:
        print(f"bench_assess: the mix never gave {', '.join(never)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
