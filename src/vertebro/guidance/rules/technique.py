"""T — the technique for a candidate level (the first that holds; a known loss always ends here)."""

from __future__ import annotations

from vertebro.guidance.facts import LevelFacts
from vertebro.model.enums import Morphology, Recommendation

__all__ = ["T_DECIDES", "T_IDS", "technique"]

_BURST = Morphology.BURST
_VP, _KP, _EITHER = Recommendation.VERTEBROPLASTY, Recommendation.KYPHOPLASTY, Recommendation.EITHER
#: What each T rule decides.
T_DECIDES = {"T-1": _VP, "T-2": _VP, "T-3": _EITHER, "T-4": _KP, "T-5": _KP, "T-6": _EITHER}
T_IDS = tuple(T_DECIDES)

#: T-1: a burst fracture with more than this loss (%) is a severe deformity.
BURST_SEVERE_LOSS_PCT = 40.0
#: T-2 / T-3: the sources' 70–80 % band; above it, complete collapse.
EITHER_BAND_LOW_PCT = 70.0
EITHER_BAND_HIGH_PCT = 80.0
#: T-5 / T-6: from this loss (%) the balloon's height restoration matters.
KYPHOPLASTY_MIN_LOSS_PCT = 20.0


def technique(facts: LevelFacts) -> str:
    """The T rule that holds (:data:`T_DECIDES` gives its technique): T-1 burst with loss
    > 40 → VP; T-2 loss > 80 → VP; T-3 70 ≤ loss ≤ 80 → either; T-4 progressive collapse or
    a cleft → KP; T-5 20 ≤ loss < 70 → KP; T-6 loss < 20 → either. Needs a known loss
    (N-5 decides a level without one first)."""
    loss = facts.loss_pct
    if loss is None:
        raise AssertionError("T rules need a known height loss")
    fracture = facts.fracture
    if fracture.morphology is _BURST and loss > BURST_SEVERE_LOSS_PCT:
        return "T-1"
    if loss > EITHER_BAND_HIGH_PCT:
        return "T-2"
    if loss >= EITHER_BAND_LOW_PCT:
        return "T-3"
    if fracture.progressive_collapse is True or fracture.intravertebral_cleft is True:
        return "T-4"
    if loss >= KYPHOPLASTY_MIN_LOSS_PCT:
        return "T-5"
    return "T-6"
