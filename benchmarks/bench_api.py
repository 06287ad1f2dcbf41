"""API latency under an open-loop load: ``POST /api/assess`` and case reads
(``GET /api/cases/{case_id}``), half each, against ``vertebro serve`` (one uvicorn worker,
no access log) on loopback over SQLite, from this second process.

Open loop: request i is due at ``start + i / rate`` whatever happened before, and its
latency counts from that scheduled time, so a slow server cannot hide its queue (unlike a
closed-loop tool such as wrk).

Run: ``.venv/bin/python benchmarks/bench_api.py [--seconds 60] [--rate 200]``.
Goal: p99 < 50 ms at 200 requests/s, zero errors (5-s smoke run by default).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def prepare(url: str) -> tuple[str, list[str], list[bytes]]:
    """Migrate, add a clinician with a token, store the example cases; (token, ids, bodies)."""
    from vertebro.registry import Registry
    from vertebro.services.registry import (
        Actor,
        add_user,
        assess_case,
        create_case,
        create_patient,
        issue_token,
        unit_of_work,
    )

    registry = Registry.open(url, migrate=True)
    ids: list[str] = []
    bodies: list[bytes] = []
    with unit_of_work(registry, Actor.cli()) as tx:
        add_user(tx, "bench", "clinician", "bench-password")
        token = issue_token(tx, "bench", 1).token
        for number, path in enumerate(sorted(EXAMPLES.glob("*.json")), start=1):
            document = json.loads(path.read_text())
            create_patient(tx, {"code": f"B-{number:03d}"})
            view = create_case(tx, f"B-{number:03d}", document)
            assess_case(tx, view.case_id)
            ids.append(view.case_id)
            bodies.append(path.read_bytes())
    registry.close()
    return token, ids, bodies


def start_server(url: str, port: int) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "vertebro.cli", "serve", "--no-demo",
        "--database", url, "--host", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not start")


async def load(
    base: str, token: str, ids: list[str], bodies: list[bytes], rate: float, seconds: float
) -> tuple[list[float], Counter[str], float]:
    """Fire requests on schedule; latencies in ms from the scheduled send time."""
    latencies: list[float] = []
    outcomes: Counter[str] = Counter()
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    async with httpx.AsyncClient(
        base_url=base, headers=headers, limits=limits, timeout=30
    ) as client:
        # Warm up the connection pool and the server's code paths (not measured).
        for i in range(20):
            await client.post("/api/assess", content=bodies[i % len(bodies)])
            await client.get(f"/api/cases/{ids[i % len(ids)]}")
        total = int(rate * seconds)
        loop = asyncio.get_running_loop()
        start = loop.time() + 0.05

        async def one(i: int, due: float) -> None:
            try:
                if i % 2 == 0:
                    reply = await client.post("/api/assess", content=bodies[i % len(bodies)])
                else:
                    reply = await client.get(f"/api/cases/{ids[i % len(ids)]}")
                outcomes[str(reply.status_code)] += 1
            except httpx.HTTPError as exc:
                outcomes[type(exc).__name__] += 1
            latencies.append((loop.time() - due) * 1000)

        tasks = []
        for i in range(total):
            due = start + i / rate
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i, due)))
        await asyncio.gather(*tasks)
        elapsed = loop.time() - start
    return latencies, outcomes, elapsed


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="load duration (default 5)")
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="vertebro-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        token, ids, bodies = prepare(url)
        port = _free_port()
        server = start_server(url, port)
        try:
            latencies, outcomes, elapsed = asyncio.run(
                load(f"http://127.0.0.1:{port}", token, ids, bodies, args.rate, args.seconds)
            )
        finally:
            server.terminate()
            server.wait(timeout=10)
    errors = sum(n for status, n in outcomes.items() if status not in ("200",))
    print(
        f"server: vertebro serve, 1 uvicorn worker, no access log, SQLite; cpus: {os.cpu_count()}"
    )
    print(f"load: open loop, {args.rate:g} req/s for {args.seconds:g} s, "
          "half POST /api/assess, half GET /api/cases/{id}")  # fmt: skip
    print(f"requests: {len(latencies)}  throughput: {len(latencies) / elapsed:.1f} req/s")
    print(
        f"latency ms: p50 {statistics.median(latencies):.1f}  p90 {percentile(latencies, 0.90):.1f}"
        f"  p99 {percentile(latencies, 0.99):.1f}  max {max(latencies):.1f}"
    )
    print(f"errors: {errors}  statuses: {dict(sorted(outcomes.items()))}")
    goal = percentile(latencies, 0.99) < 50 and errors == 0
    print(f"goal (p99 < 50 ms, zero errors): {'met' if goal else 'NOT met'}")


if __name__ == "__main__":
    main()
