"""A measurement spreads over the CPUs it may use, unless its caller set a smaller budget
(a Dask worker of ``vertebro screen`` measures with one thread: the cluster already runs
one study per core)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from vertebro.imaging.threads import available_cpus, measure_threads, thread_budget


def test_the_budget_holds_inside_its_block_only() -> None:
    assert measure_threads() == available_cpus()
    with thread_budget(1):
        assert measure_threads() == 1
        with thread_budget(64):  # never more than the CPUs
            assert measure_threads() == available_cpus()
        assert measure_threads() == 1
    assert measure_threads() == available_cpus()


def test_the_budget_is_per_thread() -> None:
    """Two tasks of one Dask worker process run in different threads: one's budget is not
    the other's."""
    with thread_budget(1), ThreadPoolExecutor(1) as pool:
        assert pool.submit(measure_threads).result() == available_cpus()
        assert measure_threads() == 1
