"""Case → Assessment: the versioned rules of the rulebook, each with its id and source."""

from vertebro.guidance.catalogue import RULEBOOK_VERSION, citation, rule_ids
from vertebro.guidance.engine import assess, compose, decide_level

__all__ = ["RULEBOOK_VERSION", "assess", "citation", "compose", "decide_level", "rule_ids"]
