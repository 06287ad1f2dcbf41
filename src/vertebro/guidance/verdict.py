"""What the engine concluded about a case, by rule id, before it is written out.

Two writers read a :class:`Verdict`: :func:`vertebro.guidance.engine.to_assessment` (the
``Assessment`` model of the public API) and :func:`vertebro.guidance.verdict_json.verdict_json`
(compact ``vertebro.assessment/1`` JSON for batch work). Tests hold the two byte-identical.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from vertebro.guidance.facts import LevelFacts
from vertebro.model.enums import Recommendation
from vertebro.planning import ProcedurePlan

__all__ = ["LevelVerdict", "Verdict"]


@dataclass(slots=True)
class LevelVerdict:
    """One level: its facts (M, S, W), its decision and the ids of the rules behind it."""

    facts: LevelFacts
    recommendation: Recommendation
    reasons: Sequence[str]
    cautions: Sequence[str]
    missing: Sequence[str]


@dataclass(slots=True)
class Verdict:
    """The case: levels cranial to caudal, the overall word, and the plan (``None`` when
    the overall recommendation takes no procedure)."""

    case_id: str
    recommendation: Recommendation
    levels: list[LevelVerdict]
    reasons: list[str]
    cautions: list[str]
    missing: list[str]
    plan: ProcedurePlan | None
