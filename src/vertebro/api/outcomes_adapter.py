"""Thin adapter to the registry's outcomes query (issue 5, built elsewhere).

``GET /api/outcomes`` must give the same JSON as ``vertebro outcomes``. The pure report
lives in :mod:`vertebro.outcomes`; reading the registry's records into it belongs to the
registry services. Until such a service exists this adapter says so (``None``), and the
route answers 404 with that explanation instead of re-implementing the query here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import date
from typing import Any

from vertebro.services.registry import Tx

__all__ = ["outcomes_service"]

#: Where the registry's outcomes use case is expected: (module, function).
_CANDIDATES = (
    ("vertebro.services.registry.outcomes", "outcomes_document"),
    ("vertebro.services.registry.outcomes", "registry_outcomes"),
    ("vertebro.services.outcomes", "outcomes_document"),
)

OutcomesService = Callable[..., dict[str, Any]]


def outcomes_service() -> Callable[[Tx, date, bool], dict[str, Any]] | None:
    """``service(tx, as_of, include_demo)`` → the outcomes document, or ``None`` when the
    registry has no outcomes use case yet."""
    for module_name, name in _CANDIDATES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        found: OutcomesService | None = getattr(module, name, None)
        if found is not None:
            return _bind(found)
    return None


def _bind(service: OutcomesService) -> Callable[[Tx, date, bool], dict[str, Any]]:
    def call(tx: Tx, as_of: date, include_demo: bool) -> dict[str, Any]:
        return service(tx, as_of=as_of, include_demo=include_demo)

    return call
