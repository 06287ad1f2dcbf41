"""Samples as tallies (value → count): how the registry's discrete scores are summarised.

Pain NRS, RDQ and (mostly) ODI take few distinct values, so a million follow-ups reduce
to a few hundred ``(value, count)`` entries; means, variances and rank statistics are
computed over the entries, with the same results as over the expanded list.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

__all__ = ["Tally", "expand", "moments", "sample_moments", "total"]

K = TypeVar("K", bound=Hashable)

#: A sample as value → number of times it occurs (counts ≥ 1).
Tally = Mapping[float, int]


def total(tally: Mapping[K, int]) -> int:
    """Sample size."""
    return sum(tally.values())


def expand(tally: Tally) -> list[float]:
    """The sample as a sorted list (for the exact small-sample paths).

    >>> expand({2.0: 1, 1.0: 2})
    [1.0, 1.0, 2.0]
    """
    return [value for value, count in sorted(tally.items()) for _ in range(count)]


def moments(tally: Tally) -> tuple[int, float, float]:
    """``(n, mean, Σ (x − mean)²)`` with compensated sums and the two-pass correction;
    ``n`` ≥ 1 required.

    >>> moments({1.0: 1, 2.0: 1, 3.0: 1})
    (3, 2.0, 2.0)
    """
    n = total(tally)
    mean = math.fsum(value * count for value, count in tally.items()) / n
    residual = math.fsum((value - mean) * count for value, count in tally.items())
    squares = math.fsum((value - mean) ** 2 * count for value, count in tally.items())
    return n, mean, _corrected(squares, residual, n)


def sample_moments(values: Sequence[float]) -> tuple[int, float, float]:
    """:func:`moments` of a sample given as a list; ``len(values)`` ≥ 1 required.

    >>> sample_moments([1.0, 2.0, 3.0])
    (3, 2.0, 2.0)
    """
    n = len(values)
    mean = math.fsum(values) / n
    residual = math.fsum(x - mean for x in values)
    squares = math.fsum((x - mean) ** 2 for x in values)
    return n, mean, _corrected(squares, residual, n)


def _corrected(squares: float, residual: float, n: int) -> float:
    """The two-pass correction: ``Σ (x − mean)²`` less what rounding left in the mean."""
    return max(0.0, squares - residual * residual / n)
