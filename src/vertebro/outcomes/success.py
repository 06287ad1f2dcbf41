"""Treatment success on the pain NRS (rulebook R-1 and its reportable alternatives).

All criteria compare the baseline NRS ``b`` with the visit's NRS ``f`` (integer points,
0–10) in integer arithmetic, so no rounding decides a boundary:

* ``success`` (R-1, [FAR]): ``b >= 1`` and ``b − f >= 2`` and ``10·(b − f) >= 3·b``
  (down by at least 2 points and at least 30 %);
* ``drop_ge_3`` (VERTOS II): ``b − f >= 3``;
* ``nrs_lt_4`` (VAPOUR): ``f < 4``;
* ``drop_ge_1_5`` (VERTOS IV): ``2·(b − f) >= 3`` (on integers the same as a drop of 2).

The denominator at a visit is the patients with both a baseline and that visit's NRS.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum

from vertebro.outcomes.proportions import Proportion, wilson
from vertebro.outcomes.records import (
    TIMED_VISITS,
    PairTable,
    PatientOutcome,
    Visit,
    collect_pairs,
)

__all__ = [
    "Criterion",
    "count_success",
    "meets",
    "success_by_visit",
    "success_counts",
    "success_from_pairs",
]


class Criterion(StrEnum):
    """A success criterion; the value is the JSON key (``spec/registry-v1.md``)."""

    SUCCESS = "success"
    DROP_GE_3 = "drop_ge_3"
    NRS_LT_4 = "nrs_lt_4"
    DROP_GE_1_5 = "drop_ge_1_5"


def _r1(b: int, f: int) -> bool:
    return b >= 1 and b - f >= 2 and 10 * (b - f) >= 3 * b


_RULES: dict[Criterion, Callable[[int, int], bool]] = {
    Criterion.SUCCESS: _r1,
    Criterion.DROP_GE_3: lambda b, f: b - f >= 3,
    Criterion.NRS_LT_4: lambda b, f: f < 4,
    Criterion.DROP_GE_1_5: lambda b, f: 2 * (b - f) >= 3,
}


def meets(criterion: Criterion, baseline_nrs: int, follow_up_nrs: int) -> bool:
    """Whether a patient with NRS ``baseline_nrs`` then ``follow_up_nrs`` meets ``criterion``.

    >>> meets(Criterion.SUCCESS, 6, 4)  # drop 2 = 33 % of 6
    True
    >>> meets(Criterion.SUCCESS, 7, 5)  # drop 2 < 30 % of 7 (20 < 21)
    False
    """
    return _RULES[criterion](baseline_nrs, follow_up_nrs)


def count_success(
    pairs: Mapping[tuple[float, float], int] | Iterable[tuple[float, float]],
    criterion: Criterion,
) -> tuple[int, int]:
    """``(events, n)`` over ``(baseline NRS, follow-up NRS)`` pairs, given as a list or
    tallied (pair → count)."""
    rule = _RULES[criterion]
    tally = pairs if isinstance(pairs, Mapping) else Counter(pairs)
    events = sum(count for (b, f), count in tally.items() if rule(int(b), int(f)))
    return events, sum(tally.values())


def success_counts(
    patients: Iterable[PatientOutcome], visit: Visit, criterion: Criterion
) -> tuple[int, int]:
    """``(events, n)`` at ``visit``: n = patients with both a baseline and a visit NRS."""
    return count_success(collect_pairs(patients).get(("nrs", visit), {}), criterion)


def success_from_pairs(table: PairTable, criterion: Criterion) -> dict[Visit, Proportion]:
    """The proportion meeting ``criterion`` at every timed visit, from collected pairs."""
    return {v: wilson(*count_success(table.get(("nrs", v), {}), criterion)) for v in TIMED_VISITS}


def success_by_visit(
    patients: Iterable[PatientOutcome], criterion: Criterion = Criterion.SUCCESS
) -> dict[Visit, Proportion]:
    """The proportion meeting ``criterion`` at every timed visit, with Wilson intervals."""
    return success_from_pairs(collect_pairs(patients), criterion)
