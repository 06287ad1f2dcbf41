"""How many threads one measurement may use.

By default the CPUs this process may run on (a single ``vertebro measure`` spreads its
independent work over them). A caller that already runs one measurement per core — a
Dask worker of ``vertebro screen`` — sets a smaller budget with :func:`thread_budget`, so
that the measurements do not fight each other for the same cores.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["available_cpus", "measure_threads", "thread_budget"]

_BUDGET: ContextVar[int | None] = ContextVar("vertebro_measure_threads", default=None)


def available_cpus() -> int:
    """CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def measure_threads() -> int:
    """Threads a measurement may use here: the budget set by the caller, at most the CPUs."""
    budget = _BUDGET.get()
    cpus = available_cpus()
    return cpus if budget is None else max(1, min(budget, cpus))


@contextmanager
def thread_budget(threads: int) -> Iterator[None]:
    """Within this block (this thread and context), measure with at most ``threads``."""
    token = _BUDGET.set(max(1, threads))
    try:
        yield
    finally:
        _BUDGET.reset(token)
