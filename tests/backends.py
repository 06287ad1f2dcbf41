"""What the tests need besides Python: PostgreSQL, chromium, WeasyPrint with pango, poppler's
pdftotext, the shared imaging data, the optional Python packages of the extras.

``bash scripts/test.sh`` installs all of them, so a missing one FAILS the run: a test that
cannot find its backend has not shown anything. A developer who knowingly lacks one opts out
with ``VERTEBRO_ALLOW_SKIPS=1``: those tests are then skipped (and reported as skipped).
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import NoReturn

import pytest

__all__ = ["ALLOW_SKIPS", "require_module", "unavailable"]

#: The developer's explicit opt-out: skip, instead of fail, when a backend is missing.
ALLOW_SKIPS = os.environ.get("VERTEBRO_ALLOW_SKIPS") == "1"


def unavailable(reason: str) -> NoReturn:
    """A backend of this test is missing: fail, or skip with ``VERTEBRO_ALLOW_SKIPS=1``."""
    if ALLOW_SKIPS:
        pytest.skip(f"{reason} (skipped: VERTEBRO_ALLOW_SKIPS=1)", allow_module_level=True)
    pytest.fail(
        f"{reason}; bash scripts/test.sh installs it, or set VERTEBRO_ALLOW_SKIPS=1 to skip "
        "the tests that need it",
        pytrace=False,
    )


def require_module(name: str) -> ModuleType:
    """``import name``, or :func:`unavailable` when the package is not installed."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        unavailable(f"the Python package {name} is missing ({exc})")
