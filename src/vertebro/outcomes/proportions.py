"""Proportions with score intervals: Wilson for one, Newcombe (method 10) for a difference.

* Wilson (1927) score interval without continuity correction — method 3 of Newcombe,
  *Stat Med* 1998;17:857–872: the roots in ``p`` of ``|p̂ − p| = z·sqrt(p(1 − p)/n)``.
* Newcombe, *Stat Med* 1998;17:873–890, method 10 (hybrid score): for
  ``θ = p̂1 − p̂2`` with Wilson limits ``(l1, u1)``, ``(l2, u2)``,
  ``L = θ − sqrt((p̂1 − l1)² + (u2 − p̂2)²)`` and ``U = θ + sqrt((u1 − p̂1)² + (p̂2 − l2)²)``.

A denominator of zero gives ``None`` for the value and the limits, never an error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

__all__ = ["Proportion", "ProportionDifference", "newcombe_difference", "wilson"]


@dataclass(frozen=True, slots=True)
class Proportion:
    """``events`` of ``n`` with its Wilson interval; fractions in [0, 1], ``None`` when n = 0."""

    value: float | None
    ci_low: float | None
    ci_high: float | None
    events: int
    n: int


@dataclass(frozen=True, slots=True)
class ProportionDifference:
    """``first − second`` (fractions) with the Newcombe hybrid-score interval."""

    difference: float | None
    ci_low: float | None
    ci_high: float | None
    first: Proportion
    second: Proportion


def _check_counts(events: int, n: int) -> None:
    if n < 0 or events < 0 or events > n:
        raise ValueError(f"need 0 <= events <= n, got events={events}, n={n}")


def wilson(events: int, n: int, confidence: float = 0.95) -> Proportion:
    """Proportion ``events / n`` with the Wilson score interval (no continuity correction).

    With ``z`` the two-sided normal quantile, the limits are
    ``(p̂ + z²/2n ± z·sqrt(p̂(1 − p̂)/n + z²/4n²)) / (1 + z²/n)``.

    >>> w = wilson(81, 263)  # Newcombe 1998, Table I
    >>> round(w.value, 4), round(w.ci_low, 4), round(w.ci_high, 4)
    (0.308, 0.2553, 0.3662)
    >>> wilson(0, 0).value is None
    True
    """
    _check_counts(events, n)
    if n == 0:
        return Proportion(None, None, None, events, n)
    z = float(stats.norm.ppf(0.5 + confidence / 2.0))
    p = events / n
    z2 = z * z
    centre = p + z2 / (2.0 * n)
    half = z * math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n))
    scale = 1.0 + z2 / n
    # the limits are exactly 0 and 1 at the extremes; clamp rounding only
    low = 0.0 if events == 0 else max(0.0, (centre - half) / scale)
    high = 1.0 if events == n else min(1.0, (centre + half) / scale)
    return Proportion(p, low, high, events, n)


def newcombe_difference(
    events1: int, n1: int, events2: int, n2: int, confidence: float = 0.95
) -> ProportionDifference:
    """Difference ``events1/n1 − events2/n2`` with Newcombe's hybrid-score interval (method 10).

    >>> d = newcombe_difference(56, 70, 48, 80)  # Newcombe 1998b, Table II (a)
    >>> round(d.difference, 4), round(d.ci_low, 4), round(d.ci_high, 4)
    (0.2, 0.0524, 0.3339)
    """
    first = wilson(events1, n1, confidence)
    second = wilson(events2, n2, confidence)
    if (
        first.value is None
        or second.value is None
        or first.ci_low is None
        or first.ci_high is None
        or second.ci_low is None
        or second.ci_high is None
    ):
        return ProportionDifference(None, None, None, first, second)
    theta = first.value - second.value
    delta = math.hypot(first.value - first.ci_low, second.ci_high - second.value)
    epsilon = math.hypot(first.ci_high - first.value, second.value - second.ci_low)
    return ProportionDifference(
        theta, max(-1.0, theta - delta), min(1.0, theta + epsilon), first, second
    )
