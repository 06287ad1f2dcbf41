"""Wilson and Newcombe intervals against Newcombe's published worked examples."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.backends import require_module
from vertebro.outcomes import newcombe_difference, wilson


@pytest.mark.parametrize(
    ("events", "n", "low", "high"),
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
        (29, 29, 0.8830, 1.0000),
    ],
)
def test_wilson_matches_newcombe_1998_table_1(events: int, n: int, low: float, high: float) -> None:
    """Oracle: Newcombe RG. Two-sided confidence intervals for the single proportion:
    comparison of seven methods. Stat Med 1998;17:857–872, Table I, method 3 (score
    interval without continuity correction)."""
    w = wilson(events, n)
    assert w.value == pytest.approx(events / n)
    assert (round(w.ci_low or 0.0, 4), round(w.ci_high or 0.0, 4)) == (low, high)
    assert (w.events, w.n) == (events, n)


def test_wilson_by_hand_for_one_of_two() -> None:
    """Oracle: hand computation for 1/2 with z = 1.95996, z² = 3.8415:
    centre (p + z²/2n)/(1 + z²/n) = (0.5 + 0.9604)/2.9207 = 0.5; half-width
    z·sqrt(p(1 − p)/n + z²/4n²)/(1 + z²/n) = 1.95996·sqrt(0.125 + 0.2401)/2.9207 = 0.4055,
    so [0.0945, 0.9055]."""
    w = wilson(1, 2)
    assert (round(w.ci_low or 0.0, 4), round(w.ci_high or 0.0, 4)) == (0.0945, 0.9055)


def test_empty_denominator_gives_nulls() -> None:
    w = wilson(0, 0)
    assert (w.value, w.ci_low, w.ci_high, w.events, w.n) == (None, None, None, 0, 0)
    d = newcombe_difference(3, 10, 0, 0)
    assert (d.difference, d.ci_low, d.ci_high) == (None, None, None)
    with pytest.raises(ValueError):
        wilson(3, 2)


@pytest.mark.parametrize(
    ("counts", "estimate", "low", "high"),
    [
        ((56, 70, 48, 80), 0.2000, 0.0524, 0.3339),
        ((9, 10, 3, 10), 0.6000, 0.1705, 0.8090),
        ((5, 56, 0, 29), 0.0893, -0.0381, 0.1926),
        ((0, 10, 0, 20), 0.0000, -0.1611, 0.2775),
        ((10, 10, 0, 20), 1.0000, 0.6791, 1.0000),
    ],
)
def test_newcombe_method_10_matches_newcombe_1998_table_2(
    counts: tuple[int, int, int, int], estimate: float, low: float, high: float
) -> None:
    """Oracle: Newcombe RG. Interval estimation for the difference between independent
    proportions: comparison of eleven methods. Stat Med 1998;17:873–890, Table II,
    method 10 (hybrid score, no continuity correction), examples (a), (b), (d), (e), (g)."""
    d = newcombe_difference(*counts)
    assert round(d.difference or 0.0, 4) == estimate
    assert (round(d.ci_low or 0.0, 4), round(d.ci_high or 0.0, 4)) == (low, high)


def test_newcombe_by_hand_for_zero_of_ten_against_zero_of_ten() -> None:
    """Oracle: hand computation. Both Wilson intervals of 0/10 are [0, 0.2775]
    (Newcombe Table I style: z²/(n + z²) = 3.8415/13.8415), so the limits are
    ∓ sqrt(0 + 0.2775²) = ∓0.2775."""
    d = newcombe_difference(0, 10, 0, 10)
    assert (round(d.ci_low or 0.0, 4), round(d.ci_high or 0.0, 4)) == (-0.2775, 0.2775)


@st.composite
def counts(draw: st.DrawFn) -> tuple[int, int]:
    n = draw(st.integers(1, 2000))
    return draw(st.integers(0, n)), n


@given(counts())
def test_wilson_contains_the_estimate_within_the_unit_interval(c: tuple[int, int]) -> None:
    w = wilson(*c)
    assert w.value is not None and w.ci_low is not None and w.ci_high is not None
    assert 0.0 <= w.ci_low <= w.value <= w.ci_high <= 1.0


@given(counts(), counts())
def test_newcombe_contains_the_difference_within_minus_one_one(
    a: tuple[int, int], b: tuple[int, int]
) -> None:
    d = newcombe_difference(*a, *b)
    assert d.difference is not None and d.ci_low is not None and d.ci_high is not None
    assert -1.0 <= d.ci_low <= d.difference <= d.ci_high <= 1.0


@given(counts(), counts())
def test_agrees_with_statsmodels(a: tuple[int, int], b: tuple[int, int]) -> None:
    """Cross-check against an independent implementation: statsmodels
    ``proportion_confint(method="wilson")`` and ``confint_proportions_2indep(method="newcomb")``."""
    proportion = require_module("statsmodels.stats.proportion")
    w = wilson(*a)
    low, high = proportion.proportion_confint(a[0], a[1], alpha=0.05, method="wilson")
    assert (w.ci_low, w.ci_high) == pytest.approx((float(low), float(high)), abs=1e-9)
    d = newcombe_difference(*a, *b)
    low, high = proportion.confint_proportions_2indep(
        a[0], a[1], b[0], b[1], method="newcomb", compare="diff", correction=False
    )
    assert (d.ci_low, d.ci_high) == pytest.approx((float(low), float(high)), abs=1e-9)
