"""The versioned rule catalogue: every rule's id, statement and source, loaded from data.

The statements live in the rulebook document (``vertebro.model.rulebook``, taken from the
normative ``RULEBOOK.md``); the logic that decides whether a rule holds lives in ``rules/``.
"""

from __future__ import annotations

from functools import cache

from vertebro.model.assessment import RuleCitation
from vertebro.model.fast import build
from vertebro.model.rulebook import RULEBOOK_VERSION, rulebook_document

__all__ = ["RULEBOOK_VERSION", "citation", "rule_ids"]


@cache
def _citations(version: str = RULEBOOK_VERSION) -> dict[str, RuleCitation]:
    return {
        r["id"]: build(RuleCitation, rule=r["id"], text=r["text"], source=list(r["source"]))
        for r in rulebook_document(version)["rules"]
    }


def citation(rule_id: str) -> RuleCitation:
    """The reason/caution item ``{rule, text, source}`` of a rule (shared, immutable)."""
    return _citations()[rule_id]


def rule_ids() -> list[str]:
    """Every decision, timing and caution rule id of the current rulebook, in file order."""
    return list(_citations())
