"""Throughput of ``vertebro assess --jsonl``: validation + assessment + JSON output, one process.

Run: ``.venv/bin/python benchmarks/bench_assess.py [--cases 100000] [--seed 0]``.
Prints cases per second (goal: ≥ 20,000 on one core of a 2-core CI machine).
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from case_generator import generate_case

from vertebro.services.assessing import assess_json_lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    lines = [json.dumps(generate_case(rng, i)).encode() for i in range(args.cases)]
    size_mb = sum(len(x) for x in lines) / 1e6
    start = time.perf_counter()
    outputs = list(assess_json_lines(lines))
    elapsed = time.perf_counter() - start

    errors = sum(1 for out in outputs if out.startswith(b'{"line"'))
    decisions = collections.Counter(json.loads(out)["recommendation"] for out in outputs[:20_000])
    print(f"cases:            {args.cases:,} ({size_mb:.1f} MB of JSON lines, seed {args.seed})")
    print(f"invalid lines:    {errors}")
    print(f"elapsed:          {elapsed:.2f} s")
    print(f"throughput:       {args.cases / elapsed:,.0f} cases/s (goal ≥ 20,000)")
    print(f"per case:         {elapsed / args.cases * 1e6:.1f} µs")
    print("decisions (first 20,000): " + ", ".join(f"{k} {v}" for k, v in decisions.most_common()))


if __name__ == "__main__":
    main()
