"""The versioned rule catalogue: every rule's id, statement and source, loaded from data.

The statements live in ``data/rulebook-<version>.json`` (taken from the normative
``RULEBOOK.md``); the logic that decides whether a rule holds lives in ``rules/``.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

from vertebro.model.assessment import RuleCitation
from vertebro.model.fast import build

__all__ = ["RULEBOOK_VERSION", "aftercare_texts", "citation", "rule_ids"]

RULEBOOK_VERSION = "2026.2"


@cache
def _document(version: str = RULEBOOK_VERSION) -> dict[str, Any]:
    text = files("vertebro.guidance").joinpath(f"data/rulebook-{version}.json").read_text("utf-8")
    doc: dict[str, Any] = json.loads(text)
    if doc["rulebook_version"] != version:
        raise RuntimeError(f"rulebook data file says {doc['rulebook_version']}, expected {version}")
    return doc


@cache
def _citations(version: str = RULEBOOK_VERSION) -> dict[str, RuleCitation]:
    return {
        r["id"]: build(RuleCitation, rule=r["id"], text=r["text"], source=list(r["source"]))
        for r in _document(version)["rules"]
    }


def citation(rule_id: str) -> RuleCitation:
    """The reason/caution item ``{rule, text, source}`` of a rule (shared, immutable)."""
    return _citations()[rule_id]


def rule_ids() -> list[str]:
    """Every decision, timing and caution rule id of the current rulebook, in file order."""
    return list(_citations())


def aftercare_texts() -> dict[str, Any]:
    """The A-rule texts and sources of the current rulebook."""
    aftercare: dict[str, Any] = _document()["aftercare"]
    return aftercare
