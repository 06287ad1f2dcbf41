"""Benchmark of the worklist page (issue 11, item 6): one page of the worklist — search,
status, sort, 50 per page — over a demo registry on SQLite, timed in the service
(``worklist_page``) and through the web page (``GET /worklist`` on a live server, HTML
rendered). Printed: per registry size and query, the best and median of ``--repeat`` runs.
Goal: a page under 0.5 s at 220 cases (the issue's registry).

    .venv/bin/python benchmarks/bench_worklist.py [--patients 220 1000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from vertebro.registry import Registry, Role
from vertebro.services.registry import Actor, unit_of_work
from vertebro.services.registry.demo import seed_demo_registry
from vertebro.services.registry.worklist_query import WorklistSort, worklist_page

ADMIN = Actor("bench", Role.ADMIN, None)
QUERIES: dict[str, dict[str, object]] = {
    "default order, page 1": {},
    "sorted by next step, page 3": {"sort": WorklistSort.NEXT, "page": 3},
    "sorted by age, descending": {"sort": WorklistSort.AGE, "descending": True},
    "search 'demo-001'": {"search": "demo-001"},
}


def _time(work: Callable[[], object], repeat: int) -> tuple[float, float]:
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - started)
    return min(seconds), statistics.median(seconds)


def _ms(best: float, median: float) -> str:
    return f"best {best * 1000:7.1f} ms  median {median * 1000:7.1f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, nargs="+", default=[220, 1000])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import httpx
    from tests.api.server import PASSWORD, live_server, sqlite_url

    worst = 0.0
    for patients in args.patients:
        with tempfile.TemporaryDirectory() as folder:
            url = sqlite_url(Path(folder))
            Registry.open(url, migrate=True).close()
            with live_server(url) as live:
                seed_demo_registry(live.registry, patients=patients, seed=0)
                print(f"== SQLite, {patients} cases")
                for name, query in QUERIES.items():

                    def service(query: dict[str, object] = query) -> object:
                        with unit_of_work(live.registry, ADMIN) as tx:
                            return worklist_page(tx, **query)  # type: ignore[arg-type]

                    best, median = _time(service, args.repeat)
                    print(f"service  {name:30s} {_ms(best, median)}")
                with httpx.Client(base_url=live.url, timeout=60) as client:
                    form = client.get("/login").text
                    token = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
                    client.post(
                        "/login",
                        data={"username": "viewer", "password": PASSWORD, "csrf_token": token},
                    )
                    for path in ("/worklist", "/worklist?sort=next&page=3", "/worklist?q=demo-001"):

                        def fetch(path: str = path) -> object:
                            reply = client.get(path)
                            reply.raise_for_status()
                            return reply

                        best, median = _time(fetch, args.repeat)
                        print(f"GET      {path:30s} {_ms(best, median)}")
                        if patients <= 220:
                            worst = max(worst, median)
    verdict = "met" if worst < 0.5 else "NOT met"
    print(f"goal (GET /worklist median under 500 ms at 220 cases): {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
