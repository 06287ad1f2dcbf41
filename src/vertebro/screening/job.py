"""One Dask task per study, streamed through a bounded window.

At most ``window`` tasks are submitted at a time (a million-study archive never sits on
the scheduler at once); each finished task hands its result to ``on_result`` at once and
the next study is submitted. A task that raises runs again up to ``retries`` times
(Dask's ``retries``); a task whose worker died is rescheduled by the scheduler on another
worker (``distributed.scheduler.allowed-failures`` times, then ``KilledWorker``). What
still fails goes to ``on_error`` with the exception: never the end of the whole run.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

__all__ = ["default_window", "describe_failure", "run_tasks"]

T = TypeVar("T")


class _End:
    """The end of the items (an item may be anything, None included)."""


_END = _End()


def default_window(threads: int) -> int:
    """Tasks in flight: enough to keep every worker thread busy while results return."""
    return max(16, 4 * threads)


def describe_failure(exc: BaseException) -> str:
    """A one-line reason for ``errors.csv``."""
    from distributed import KilledWorker

    if isinstance(exc, KilledWorker):
        return (
            "its worker died each time it ran (out of memory or crashed); retried by the next run"
        )
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def run_tasks(
    client: Any,
    task: Callable[..., Any],
    items: Iterable[T],
    *,
    key_of: Callable[[T], str],
    on_result: Callable[[T, Any], None],
    on_error: Callable[[T, BaseException], None],
    args: tuple[Any, ...] = (),
    window: int = 64,
    retries: int = 2,
) -> None:
    """Run ``task(item, *args)`` on the cluster for every item (module docstring)."""
    from distributed import as_completed

    run = uuid.uuid4().hex[:8]
    pending: dict[str, T] = {}
    source = iter(items)
    stream = as_completed()  # type: ignore[no-untyped-call]

    def submit_next() -> None:
        item = next(source, _END)
        if item is _END:
            return
        assert not isinstance(item, _End)
        key = f"{key_of(item)}-{run}"
        pending[key] = item
        future = client.submit(task, item, *args, key=key, pure=False, retries=retries)
        stream.add(future)  # type: ignore[no-untyped-call]

    for _ in range(window):
        submit_next()
    for future in stream:
        item = pending.pop(future.key)
        if future.status == "finished":
            result = future.result()
            future.release()
            on_result(item, result)
        else:
            try:
                exc = future.exception()
            except BaseException as cancelled:  # a cancelled future raises here
                exc = cancelled
            future.release()
            on_error(item, exc)
        submit_next()
