"""T — the technique for a candidate level (the first that holds; a known loss always ends here)."""

from __future__ import annotations

from vertebro.guidance.facts import LevelFacts
from vertebro.guidance.rules.base import LevelRule
from vertebro.model.case import Case
from vertebro.model.enums import Morphology, Recommendation

__all__ = ["T_RULES"]

_BURST = Morphology.BURST

#: T-1: a burst fracture with more than this loss (%) is a severe deformity.
BURST_SEVERE_LOSS_PCT = 40.0
#: T-2 / T-3: the sources' 70–80 % band; above it, complete collapse.
EITHER_BAND_LOW_PCT = 70.0
EITHER_BAND_HIGH_PCT = 80.0
#: T-5 / T-6: from this loss (%) the balloon's height restoration matters.
KYPHOPLASTY_MIN_LOSS_PCT = 20.0


def _loss(facts: LevelFacts) -> float:
    if facts.loss_pct is None:  # N-5 decides such a level before the T group
        raise AssertionError("T rules need a known height loss")
    return facts.loss_pct


def _risk_of_collapse(case: Case, facts: LevelFacts) -> bool:
    return (
        facts.fracture.progressive_collapse is True or facts.fracture.intravertebral_cleft is True
    )


T_RULES: tuple[LevelRule, ...] = (
    LevelRule(
        "T-1",
        lambda case, facts: (
            facts.fracture.morphology is _BURST and _loss(facts) > BURST_SEVERE_LOSS_PCT
        ),
        Recommendation.VERTEBROPLASTY,
    ),
    LevelRule(
        "T-2",
        lambda case, facts: _loss(facts) > EITHER_BAND_HIGH_PCT,
        Recommendation.VERTEBROPLASTY,
    ),
    LevelRule(
        "T-3",
        lambda case, facts: EITHER_BAND_LOW_PCT <= _loss(facts) <= EITHER_BAND_HIGH_PCT,
        Recommendation.EITHER,
    ),
    LevelRule("T-4", _risk_of_collapse, Recommendation.KYPHOPLASTY),
    LevelRule(
        "T-5",
        lambda case, facts: KYPHOPLASTY_MIN_LOSS_PCT <= _loss(facts) < EITHER_BAND_LOW_PCT,
        Recommendation.KYPHOPLASTY,
    ),
    LevelRule(
        "T-6", lambda case, facts: _loss(facts) < KYPHOPLASTY_MIN_LOSS_PCT, Recommendation.EITHER
    ),
)
