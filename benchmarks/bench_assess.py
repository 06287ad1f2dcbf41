"""Throughput of ``vertebro assess --jsonl``: validation + assessment + JSON output, one process.

Run: ``.venv/bin/python benchmarks/bench_assess.py [--cases 100000] [--seed 0] [--runs 3]``.
The generated cases go through the command's own writer (``write_assessment_lines``), one
output line per case, into ``/dev/null``: the figure leaves out the disk, not the writing.
Prints cases per second for each run and the best (goal: ≥ 20,000 on one core of a 2-core
CI machine). It measures the core that runs (``vertebro version`` names it); set
``VERTEBRO_PURE_PYTHON=1`` to measure the sources without the compiled core.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from case_generator import generate_case

from vertebro._compiled import compiled_in_use
from vertebro.guidance import engine
from vertebro.services.assessing import assess_json_lines, write_assessment_lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    lines = [json.dumps(generate_case(rng, i)).encode() for i in range(args.cases)]
    size_mb = sum(len(x) for x in lines) / 1e6
    print(f"cases:            {args.cases:,} ({size_mb:.1f} MB of JSON lines, seed {args.seed})")
    print(f"core:             {'compiled' if compiled_in_use(engine) else 'pure Python'}")
    best = float("inf")
    for run in range(1, args.runs + 1):
        with open(os.devnull, "wb") as sink:
            start = time.perf_counter()
            count, invalid = write_assessment_lines(lines, sink)
            elapsed = time.perf_counter() - start
        best = min(best, elapsed)
        rate = count / elapsed
        print(f"run {run}:            {elapsed:.2f} s, {rate:,.0f} cases/s, {invalid} invalid")

    rate = args.cases / best
    print(f"throughput:       {rate:,.0f} cases/s, best of {args.runs} (goal ≥ 20,000)")
    print(f"per case:         {best / args.cases * 1e6:.1f} µs")
    outputs = assess_json_lines(lines[:20_000])
    decisions = collections.Counter(json.loads(out)["recommendation"] for out in outputs)
    print("decisions (first 20,000): " + ", ".join(f"{k} {v}" for k, v in decisions.most_common()))


if __name__ == "__main__":
    main()
