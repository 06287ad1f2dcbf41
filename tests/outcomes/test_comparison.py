"""KP − VP: Welch interval and Mann–Whitney p by hand and on a textbook example."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.backends import require_module
from vertebro.model import Level, Technique
from vertebro.outcomes import (
    Criterion,
    PatientOutcome,
    Score,
    TechniqueGroup,
    compare_techniques,
    compare_techniques_by_grade,
    mann_whitney_p,
    mean_difference,
)
from vertebro.outcomes.records import Visit

from .factories import level, patient, visit


def test_welch_interval_by_hand() -> None:
    """Oracle: hand computation. x = (1, 2, 3), y = (4, 5, 6): Δ = −3, s₁² = s₂² = 1,
    se = sqrt(1/3 + 1/3) = 0.81650, ν = (2/3)² / (2·(1/3)²/2) = 4, t(0.975, 4) = 2.77645
    (t table) → half-width 2.26695 → [−5.2670, −0.7330]."""
    d = mean_difference([1.0, 2.0, 3.0], [4.0, 5.0, 6.0])
    assert d.difference == -3.0 and d.df == pytest.approx(4.0)
    assert (round(d.ci_low or 0, 4), round(d.ci_high or 0, 4)) == (-5.2670, -0.7330)
    assert (d.n_first, d.n_second) == (3, 3)


def test_mann_whitney_hollander_wolfe() -> None:
    """Oracle: Hollander & Wolfe (1973), p. 69, permeability of the placental membrane
    at term (x) and at 12–26 weeks (y), the example of R's ``?wilcox.test``: W = 35,
    one-sided exact p = 0.1272, so two-sided p = 0.2544 (= 2·382/3003)."""
    x = [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46]
    y = [1.15, 0.88, 0.90, 0.74, 1.21]
    assert mann_whitney_p(x, y) == pytest.approx(2 * 382 / 3003)
    assert mann_whitney_p(y, x) == pytest.approx(2 * 382 / 3003)


def test_mann_whitney_with_ties_by_hand() -> None:
    """Oracle: hand computation. x = (1, 2, 2), y = (2, 3, 3): midranks 1, 3, 3 | 3, 5.5,
    5.5; U₁ = 7 − 6 = 1, U = max(1, 8) = 8; ties Σ(t³ − t) = 24 + 6 = 30;
    σ² = 9/12·(7 − 30/30) = 4.5; z = (8 − 4.5 − 0.5)/2.12132 = 1.41421;
    p = 2·Φ(−√2) = erfc(1) = 0.157299."""
    p = mann_whitney_p([1.0, 2.0, 2.0], [2.0, 3.0, 3.0])
    assert p == pytest.approx(math.erfc(1.0), rel=1e-12)
    assert round(p or 0, 6) == 0.157299


def test_degenerate_groups() -> None:
    assert mean_difference([], [1.0]).difference is None
    one = mean_difference([1.0], [2.0, 3.0])
    assert (one.difference, one.ci_low) == (-1.5, None)
    flat = mean_difference([2.0, 2.0], [2.0, 2.0])
    assert (flat.difference, flat.ci_low, flat.mann_whitney_p) == (0.0, None, 1.0)


@given(
    st.lists(st.integers(-10, 10), min_size=1, max_size=30),
    st.lists(st.integers(-10, 10), min_size=1, max_size=30),
)
def test_mann_whitney_agrees_with_scipy_on_tied_integers(x: list[int], y: list[int]) -> None:
    """Cross-check against scipy.stats.mannwhitneyu defaults (independent code)."""
    stats = require_module("scipy.stats")
    ours = mann_whitney_p([float(v) for v in x], [float(v) for v in y])
    theirs = float(stats.mannwhitneyu(x, y).pvalue)
    assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-12)


@given(
    st.lists(st.floats(-100, 100), min_size=1, max_size=12, unique=True),
    st.lists(st.floats(-100, 100), min_size=1, max_size=40, unique=True),
)
def test_mann_whitney_exact_agrees_with_scipy(x: list[float], y: list[float]) -> None:
    """Cross-check of the exact branch (no ties, a sample of at most 8) against SciPy."""
    stats = require_module("scipy.stats")
    if set(x) & set(y):
        return
    assert mann_whitney_p(x, y) == pytest.approx(
        float(stats.mannwhitneyu(x, y).pvalue), rel=1e-9, abs=1e-12
    )


@pytest.mark.filterwarnings("ignore:Precision loss:RuntimeWarning")
@given(
    st.lists(st.floats(-10, 10), min_size=2, max_size=30),
    st.lists(st.floats(-10, 10), min_size=2, max_size=30),
)
def test_welch_agrees_with_scipy(x: list[float], y: list[float]) -> None:
    """Cross-check against scipy.stats.ttest_ind(equal_var=False).confidence_interval()."""
    stats = require_module("scipy.stats")
    d = mean_difference(x, y)
    if d.ci_low is None:
        return
    ci = stats.ttest_ind(x, y, equal_var=False).confidence_interval(0.95)
    assert (d.ci_low, d.ci_high) == pytest.approx((ci.low, ci.high), rel=1e-7, abs=1e-9)


def _group() -> list[PatientOutcome]:
    kp = [
        patient(
            TechniqueGroup.KYPHOPLASTY,
            pid=f"k{i}",
            baseline_nrs=8,
            grade=2,
            follow_ups=(visit(Visit.MONTH_1, 30, nrs),),
        )
        for i, nrs in enumerate([2, 3, 4, 6])
    ]
    vp = [
        patient(
            TechniqueGroup.VERTEBROPLASTY,
            pid=f"v{i}",
            baseline_nrs=8,
            grade=3,
            follow_ups=(visit(Visit.MONTH_1, 30, nrs),),
        )
        for i, nrs in enumerate([5, 6, 7])
    ]
    mixed = patient(
        TechniqueGroup.MIXED,
        pid="m",
        levels=(level(Level.L1, Technique.KYPHOPLASTY), level(Level.L2, Technique.VERTEBROPLASTY)),
        follow_ups=(visit(Visit.MONTH_1, 30, 0),),
    )
    return [*kp, *vp, mixed]


def test_comparison_leaves_mixed_out() -> None:
    """Oracle: hand figures. KP changes (−6, −5, −4, −2), mean −4.25; VP (−3, −2, −1),
    mean −2; difference −2.25. R-1: KP 3/4 (8→2, 8→3, 8→4 succeed; 8→6 is 25 %), VP 1/3
    (8→5 is 3 points = 37.5 %; 8→6 and 8→7 fail); difference 3/4 − 1/3. (The report labels
    the comparison non-randomised: ``test_report.py``.)"""
    c = compare_techniques(_group())
    assert (c.n_kyphoplasty, c.n_vertebroplasty) == (4, 3)
    nrs = c.changes[Score.NRS][Visit.MONTH_1]
    assert nrs.difference == pytest.approx(-2.25)
    success = c.success[Criterion.SUCCESS][Visit.MONTH_1]
    assert (success.first.events, success.first.n) == (3, 4)
    assert (success.second.events, success.second.n) == (1, 3)
    assert success.difference == pytest.approx(3 / 4 - 1 / 3)
    assert c.new_fracture_logrank.p is None  # no events at all


def test_comparison_per_genant_grade() -> None:
    strata = compare_techniques_by_grade(_group())
    assert list(strata) == [0, 1, 2, 3, None]
    assert (strata[2].n_kyphoplasty, strata[2].n_vertebroplasty) == (4, 0)
    assert (strata[3].n_kyphoplasty, strata[3].n_vertebroplasty) == (0, 3)
    assert strata[2].changes[Score.NRS][Visit.MONTH_1].difference is None
