"""One matplotlib style context at a time for every figure vertebro draws.

matplotlib's rcParams are process-global, and the web app renders figures in a thread
pool: :func:`figure_style` holds one lock while a figure is built under its settings, so
two figures drawn at once cannot leak settings into each other.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

__all__ = ["figure_style"]

_LOCK = threading.Lock()


@contextmanager
def figure_style(settings: Mapping[str, Any]) -> Iterator[None]:
    """``matplotlib.rc_context(settings)`` under the process-wide figure lock."""
    import matplotlib

    with _LOCK, matplotlib.rc_context(dict(settings)):  # type: ignore[arg-type]  # keys are str
        yield
