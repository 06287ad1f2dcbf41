"""The versioned rulebook document: each rule's id, statement and source, and the
aftercare (A-rule) texts, taken from the normative ``RULEBOOK.md`` into
``data/rulebook-<version>.json``.

It sits in the domain language, below ``guidance`` (which decides by the rules) and
``planning`` (which writes the aftercare items), so that both read it and neither imports the
other's way round.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

__all__ = ["RULEBOOK_VERSION", "rulebook_document"]

RULEBOOK_VERSION = "2026.2"


@cache
def rulebook_document(version: str = RULEBOOK_VERSION) -> dict[str, Any]:
    """The rulebook data file of ``version`` (parsed once; do not mutate it)."""
    text = files("vertebro.model").joinpath(f"data/rulebook-{version}.json").read_text("utf-8")
    doc: dict[str, Any] = json.loads(text)
    if doc["rulebook_version"] != version:
        raise RuntimeError(f"rulebook data file says {doc['rulebook_version']}, expected {version}")
    return doc
