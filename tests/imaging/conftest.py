"""Fixtures for the imaging tests: the real data in ``../shared/data`` (read its README),
each real map measured once per test session."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.backends import unavailable

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
TS = DATA / "totalsegmentator"
TPT = DATA / "tptbox"
VERSE = DATA / "verse_like"


def require_data() -> None:
    """Fail when the shared data is absent (skip with ``VERTEBRO_ALLOW_SKIPS=1``)."""
    if not DATA.is_dir():
        unavailable(f"the shared test data is missing: {DATA}")


@pytest.fixture(scope="session")
def measured() -> Callable[..., Any]:
    """``measured(labels, subregions=None, convention="auto")`` → MeasurementResult, cached."""
    from vertebro.services.measuring import measure_study

    require_data()
    cache: dict[tuple[Any, ...], Any] = {}

    def get(labels: Path, subregions: Path | None = None, convention: str = "auto") -> Any:
        key = (labels, subregions, convention)
        if key not in cache:
            cache[key] = measure_study(labels, subregions=subregions, convention=convention)
        return cache[key]

    return get
