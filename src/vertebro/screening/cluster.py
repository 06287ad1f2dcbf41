"""The Dask cluster a screening runs on: a ``dask.distributed`` ``LocalCluster`` sized to
the machine, or an existing cluster reached through its scheduler's address.

The local cluster has one single-threaded worker process per available core (measuring is
numpy/scipy work that holds the GIL in places, so processes, not threads) and gives each
worker an equal share of the machine's memory (Dask's ``memory_limit="auto"``): a worker
that exceeds it is restarted by its nanny and its task runs again elsewhere, up to
``distributed.scheduler.allowed-failures`` times (3).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from vertebro.imaging.threads import available_cpus

__all__ = ["ClusterInfo", "ClusterUnavailable", "dask_client"]


class ClusterUnavailable(OSError):
    """The scheduler cannot be reached, or the local cluster did not start."""


@dataclass(frozen=True, slots=True)
class ClusterInfo:
    """What the user is told when the run starts."""

    scheduler: str
    dashboard: str | None
    workers: int
    threads: int
    local: bool


def _info(client: Any, local: bool) -> ClusterInfo:
    workers = client.scheduler_info()["workers"]
    try:
        dashboard = client.dashboard_link
    except Exception:  # no dashboard (bokeh missing or turned off)
        dashboard = None
    return ClusterInfo(
        scheduler=str(client.scheduler.address),
        dashboard=dashboard,
        workers=len(workers),
        threads=sum(int(w.get("nthreads", 1)) for w in workers.values()),
        local=local,
    )


@contextmanager
def dask_client(
    scheduler: str | None = None,
    *,
    workers: int | None = None,
    dashboard_address: str | None = ":8787",
    timeout_s: float = 30.0,
) -> Iterator[tuple[Any, ClusterInfo]]:
    """A ``distributed.Client`` and what it runs on: the scheduler at ``scheduler``
    (``tcp://host:port``; it must have workers, waited for up to ``timeout_s``), else a
    new ``LocalCluster`` of ``workers`` processes (default: one per core), closed after."""
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=f"{timeout_s}s")  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError) as exc:
            raise ClusterUnavailable(f"{scheduler}: cannot reach the scheduler ({exc})") from None
        try:
            try:
                client.wait_for_workers(1, timeout=timeout_s)
            except TimeoutError:
                raise ClusterUnavailable(
                    f"{scheduler}: the scheduler has no worker (waited {timeout_s:g} s)"
                ) from None
            yield client, _info(client, local=False)
        finally:
            client.close()  # type: ignore[no-untyped-call]
        return
    count = workers or available_cpus()
    try:
        cluster = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=count,
            threads_per_worker=1,
            processes=True,
            memory_limit="auto",
            dashboard_address=dashboard_address,
            silence_logs=logging.ERROR,
        )
    except (OSError, TimeoutError) as exc:
        raise ClusterUnavailable(f"local Dask cluster did not start ({exc})") from None
    try:
        with Client(cluster) as client:  # type: ignore[no-untyped-call]
            client.wait_for_workers(count, timeout=max(timeout_s, 60.0))
            yield client, _info(client, local=True)
    finally:
        cluster.close()
