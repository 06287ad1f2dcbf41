"""The pure-Python distributions against printed tables, closed forms and SciPy."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.backends import require_module
from vertebro.outcomes._distributions import (
    betainc,
    chi2_1_sf,
    norm_ppf,
    norm_sf,
    t_ppf,
    t_sf,
)


@pytest.mark.parametrize(
    ("p", "df", "printed"),
    [
        (0.975, 1, 12.706),
        (0.975, 2, 4.303),
        (0.975, 4, 2.776),
        (0.975, 5, 2.571),
        (0.975, 10, 2.228),
        (0.975, 30, 2.042),
        (0.995, 10, 3.169),
        (0.95, 20, 1.725),
    ],
)
def test_t_quantiles_match_the_printed_table(p: float, df: int, printed: float) -> None:
    """Oracle: Student's t table (Fisher & Yates, *Statistical Tables*, Table III; the same
    three-decimal values appear in every statistics textbook appendix)."""
    assert round(t_ppf(p, df), 3) == printed
    assert t_ppf(1 - p, df) == pytest.approx(-t_ppf(p, df))


def test_normal_and_chi_square_critical_values() -> None:
    """Oracle: the classical critical values z(0.975) = 1.960, z(0.995) = 2.576 and
    χ²₁(0.95) = 3.841, χ²₁(0.99) = 6.635 (any normal / chi-square table)."""
    assert round(norm_ppf(0.975), 3) == 1.960
    assert round(norm_ppf(0.995), 3) == 2.576
    assert chi2_1_sf(3.841) == pytest.approx(0.05, abs=1e-4)
    assert chi2_1_sf(6.635) == pytest.approx(0.01, abs=1e-4)
    assert norm_sf(0.0) == 0.5
    assert chi2_1_sf(0.0) == 1.0


@given(
    a=st.floats(0.1, 50.0),
    x=st.floats(0.0, 1.0),
)
def test_incomplete_beta_closed_forms(a: float, x: float) -> None:
    """Oracle: the closed forms I_x(a, 1) = x^a and I_x(1, b) = 1 − (1 − x)^b."""
    assert betainc(a, 1.0, x) == pytest.approx(x**a, abs=1e-12)
    assert betainc(1.0, a, x) == pytest.approx(1.0 - (1.0 - x) ** a, abs=1e-12)


@given(t=st.floats(-50.0, 50.0), df=st.floats(0.5, 500.0))
def test_t_tail_agrees_with_scipy(t: float, df: float) -> None:
    """Cross-check against an independent implementation (scipy.stats.t, Cephes)."""
    stats = require_module("scipy.stats")
    assert t_sf(t, df) == pytest.approx(float(stats.t.sf(t, df)), rel=1e-9, abs=1e-14)


@given(p=st.floats(0.001, 0.999), df=st.floats(1.0, 1000.0))
def test_t_quantile_agrees_with_scipy(p: float, df: float) -> None:
    """Cross-check against scipy.stats.t.ppf (Welch degrees of freedom are fractional)."""
    stats = require_module("scipy.stats")
    assert t_ppf(p, df) == pytest.approx(float(stats.t.ppf(p, df)), rel=1e-8, abs=1e-10)


def test_t_quantile_rejects_probabilities_outside_the_unit_interval() -> None:
    with pytest.raises(ValueError):
        t_ppf(1.0, 3)
    assert t_ppf(0.5, 3) == 0.0
    assert math.isfinite(t_ppf(0.9999, 1))
