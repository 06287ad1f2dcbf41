"""Paired change: t-interval by hand, Wilcoxon signed-rank on textbook examples."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.backends import require_module
from vertebro.outcomes import Score, change_by_visit, changes, paired_change
from vertebro.outcomes import wilcoxon_signed_rank_p as wsr
from vertebro.outcomes.records import Visit

from .factories import patient, visit


def test_t_interval_by_hand() -> None:
    """Oracle: hand computation. d = (−1, −2, −3): mean −2, s = 1, n = 3,
    t(0.975, 2) = 4.303 (t table), half-width 4.3027/√3 = 2.4841 → [−4.4841, 0.4841]."""
    c = paired_change([-1.0, -2.0, -3.0])
    assert c.mean == -2.0 and c.sd == 1.0 and c.n == 3
    assert (round(c.ci_low or 0, 4), round(c.ci_high or 0, 4)) == (-4.4841, 0.4841)


def test_t_interval_second_hand_case() -> None:
    """Oracle: hand computation. d = (−4, −6, −2, −4): mean −4, s² = (0 + 4 + 4 + 0)/3,
    s = 1.63299, se = 0.816497, t(0.975, 3) = 3.18245 → half-width 2.59846 →
    [−6.5985, −1.4015]."""
    c = paired_change([-4.0, -6.0, -2.0, -4.0])
    assert (round(c.ci_low or 0, 4), round(c.ci_high or 0, 4)) == (-6.5985, -1.4015)


def test_wilcoxon_darwin_zea_mays() -> None:
    """Oracle: Darwin's Zea mays data (Fisher, *The Design of Experiments*, 1935, §17),
    15 cross − self differences in eighths of an inch. W+ = 96, W− = 24; exact two-sided
    p = 0.04126 (Hollander & Wolfe, *Nonparametric Statistical Methods*; R
    ``wilcox.test(paired)`` prints the same)."""
    d = [49, -67, 8, 16, 6, 23, 28, 41, 14, 29, 56, 24, 75, 60, -48]
    p = wsr([float(x) for x in d])
    assert p is not None and round(p, 5) == 0.04126


def test_wilcoxon_hollander_wolfe_hamilton_scale() -> None:
    """Oracle: Hollander & Wolfe (1973), p. 29, Hamilton depression scale factor IV, nine
    patients before (x) and after (y) tranquilliser — the example of R's ``?wilcox.test``:
    V = 40, one-sided p = 0.01953, so two-sided p = 0.03906 (= 20/512)."""
    x = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
    y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]
    p = wsr([a - b for a, b in zip(x, y, strict=True)])
    assert p == pytest.approx(20 / 512)


def test_wilcoxon_with_ties_and_zeros_by_hand() -> None:
    """Oracle: hand enumeration. d = (0, 1, −1, 2, 2): the zero is dropped (zero_method
    'wilcox'); |d| = 1, 1, 2, 2 get midranks 1.5, 1.5, 3.5, 3.5; W+ = 1.5 + 3.5 + 3.5 =
    8.5. Of the 16 sign patterns, W+ ≥ 8.5 in 3 (8.5, 8.5, 10) and W+ ≤ 8.5 in 15, so
    p = 2·3/16 = 0.375."""
    assert wsr([0.0, 1.0, -1.0, 2.0, 2.0]) == pytest.approx(0.375)


def test_wilcoxon_normal_approximation_by_hand() -> None:
    """Oracle: hand computation for 60 differences 1, 2, …, 60 with the signs of
    1 … 20 negative: n = 60, W+ = Σ21..60 = 1620, mean n(n+1)/4 = 915,
    σ² = n(n+1)(2n+1)/24 = 18452.5, z = 705/135.840 = 5.1899, p = 2·Φ(−z) = 2.10e−7."""
    d = [float(-k) if k <= 20 else float(k) for k in range(1, 61)]
    z = (1620 - 915) / math.sqrt(18452.5)
    p = wsr(d)
    assert p == pytest.approx(math.erfc(z / math.sqrt(2)), rel=1e-12)
    assert p == pytest.approx(2.10e-7, rel=0.01)


def test_degenerate_samples() -> None:
    assert paired_change([]).mean is None
    one = paired_change([-3.0])
    assert (one.mean, one.ci_low, one.sd, one.n) == (-3.0, None, None, 1)
    assert wsr([0.0, 0.0]) is None


@given(
    st.lists(st.integers(-10, 10), min_size=1, max_size=70),
)
def test_wilcoxon_agrees_with_scipy_defaults(d: list[int]) -> None:
    """Cross-check against scipy.stats.wilcoxon(zero_method="wilcox", correction=False),
    an independent implementation, on integer changes full of ties and zeros."""
    stats = require_module("scipy.stats")
    ours = wsr([float(x) for x in d])
    if all(x == 0 for x in d):
        assert ours is None
        return
    theirs = float(stats.wilcoxon(d, zero_method="wilcox", correction=False).pvalue)
    assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-12)


@given(st.lists(st.floats(-10, 10, allow_nan=False), min_size=2, max_size=40))
def test_t_interval_contains_the_mean(d: list[float]) -> None:
    c = paired_change(d)
    assert c.mean is not None and c.ci_low is not None and c.ci_high is not None
    assert c.ci_low <= c.mean + 1e-9 and c.mean <= c.ci_high + 1e-9


def test_changes_are_follow_up_minus_baseline_per_score() -> None:
    p = patient(
        baseline_nrs=8,
        baseline_odi=60.0,
        baseline_rdq=18,
        follow_ups=(visit(Visit.MONTH_1, 30, 3, odi=40.0, rdq=None),),
    )
    assert changes([p], Visit.MONTH_1, Score.NRS) == [-5.0]
    assert changes([p], Visit.MONTH_1, Score.ODI) == [-20.0]
    assert changes([p], Visit.MONTH_1, Score.RDQ) == []
    assert change_by_visit([p], Score.NRS)[Visit.MONTH_1].n == 1
    assert Score.ODI.key == "odi_change"
