"""Kaplan–Meier with Greenwood / log-log intervals and the log-rank test.

The oracle data set is the 6-mercaptopurine (6-MP) trial of Freireich et al., Blood
1963;21:699–716, remission times in weeks as tabulated by Gehan, Biometrika 1965 (21
patients per arm; ``+`` = censored):
6-MP: 6 6 6 6+ 7 9+ 10 10+ 11+ 13 16 17+ 19+ 20+ 22 23 25+ 32+ 32+ 34+ 35+;
placebo: 1 1 2 2 3 4 4 5 5 8 8 8 8 11 11 12 12 15 17 22 23.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.backends import require_module
from vertebro.model import Level
from vertebro.outcomes import kaplan_meier, log_rank, new_fracture_times
from vertebro.outcomes.records import FollowUpStatus, Visit

from .factories import ANCHOR, patient, visit

SIX_MP = [
    (6, 1), (6, 1), (6, 1), (6, 0), (7, 1), (9, 0), (10, 1), (10, 0), (11, 0), (13, 1),
    (16, 1), (17, 0), (19, 0), (20, 0), (22, 1), (23, 1), (25, 0), (32, 0), (32, 0),
    (34, 0), (35, 0),
]  # fmt: skip
PLACEBO = [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23]


def _six_mp() -> tuple[list[int], list[bool]]:
    return [t for t, _ in SIX_MP], [bool(e) for _, e in SIX_MP]


def test_kaplan_meier_6mp_estimates() -> None:
    """Oracle: the published Kaplan–Meier estimates of the 6-MP arm (Kleinbaum & Klein,
    *Survival Analysis*, 3rd ed., ch. 2; Collett, *Modelling Survival Data*): 0.857 at 6
    weeks, 0.807 at 7, 0.753 at 10, 0.690 at 13, 0.627 at 16, 0.538 at 22, 0.448 at 23,
    with 21, 17, 15, 12, 11, 7, 6 at risk."""
    km = kaplan_meier(*_six_mp())
    published = {6: (0.857, 21), 7: (0.807, 17), 10: (0.753, 15), 13: (0.690, 12),
                 16: (0.627, 11), 22: (0.538, 7), 23: (0.448, 6)}  # fmt: skip
    for i, t in enumerate(km.times):
        if km.events[i]:
            assert (round(km.survival[i], 3), km.at_risk[i]) == published[t]
    assert set(published) == {t for t, d in zip(km.times, km.events, strict=True) if d}
    assert km.times[0] == 0 and km.survival[0] == 1.0 and km.at_risk[0] == 21
    assert km.n == 21 and sum(km.events) == 9 and sum(km.censored) == 12


def test_kaplan_meier_6mp_log_log_intervals() -> None:
    """Oracle: 95 % log-log pointwise limits of the 6-MP arm as printed by R
    ``survfit(..., conf.type = "log-log")`` (e.g. Moore, *Applied Survival Analysis
    Using R*, 2016): (0.620, 0.952) at 6 weeks, (0.563, 0.923), (0.503, 0.889),
    (0.432, 0.849), (0.368, 0.805), (0.268, 0.747), (0.188, 0.680). Checked by hand at 6
    weeks: Greenwood Σ = 3/(21·18) = 0.0079365, σ/|log S| = 0.089087/0.154151 = 0.57792,
    exp(1.95996·0.57792) = 3.1025, so 0.85714^3.1025 = 0.620 and 0.85714^(1/3.1025) =
    0.952."""
    km = kaplan_meier(*_six_mp())
    published = {6: (0.620, 0.952), 7: (0.563, 0.923), 10: (0.503, 0.889),
                 13: (0.432, 0.849), 16: (0.368, 0.805), 22: (0.268, 0.747),
                 23: (0.188, 0.680)}  # fmt: skip
    for i, t in enumerate(km.times):
        if t in published:
            low, high = km.ci_low[i], km.ci_high[i]
            assert low is not None and high is not None
            assert (round(low, 3), round(high, 3)) == published[t]


def test_greenwood_standard_errors_6mp() -> None:
    """Oracle: the Greenwood standard errors of the 6-MP arm (Kleinbaum & Klein, Table
    2.x / Collett): 0.0764, 0.0869, 0.0963, 0.1068, 0.1141, 0.1282, 0.1346, recovered
    from the log-log width: σ = |log S|·log(spread)/z with spread = log(low)/log(S)."""
    km = kaplan_meier(*_six_mp())
    published = [0.0764, 0.0869, 0.0963, 0.1068, 0.1141, 0.1282, 0.1346]
    got = []
    for i in range(len(km.times)):
        if km.events[i]:
            s, low = km.survival[i], km.ci_low[i]
            assert low is not None
            sigma = math.log(math.log(low) / math.log(s)) / 1.959964
            got.append(round(s * sigma * abs(math.log(s)), 4))
    assert got == published


def test_log_rank_6mp_against_placebo() -> None:
    """Oracle: log-rank of 6-MP against placebo, χ² = 16.79 (1 df), p = 4.17e−5, with
    observed/expected 9/19.25 and 21/10.75 (Kleinbaum & Klein ch. 2; R ``survdiff``)."""
    times, events = _six_mp()
    test = log_rank(times, events, PLACEBO, [True] * len(PLACEBO))
    assert test.chi2 is not None and test.p is not None
    assert round(test.chi2, 2) == 16.79
    assert test.p == pytest.approx(4.17e-5, rel=0.01)
    assert test.observed == (9, 21)
    assert (round(test.expected[0], 2), round(test.expected[1], 2)) == (19.25, 10.75)


def test_value_at_a_time_and_beyond_follow_up() -> None:
    """Hand case: times 1 (event), 2 (censored), 3 (event): S = 2/3 on [1, 3), 0 at 3."""
    km = kaplan_meier([1, 2, 3], [True, False, True])
    assert km.at(0).value == 1.0 and km.at(0).ci_low is None
    assert km.at(2.5).value == pytest.approx(2 / 3)
    assert km.at(3).value == 0.0 and km.at(3).ci_low is None
    assert km.at(4).value is None
    empty = kaplan_meier([], [])
    assert empty.n == 0 and empty.at(0).value is None


@st.composite
def samples(draw: st.DrawFn) -> tuple[list[int], list[bool]]:
    n = draw(st.integers(1, 60))
    times = draw(st.lists(st.integers(0, 400), min_size=n, max_size=n))
    events = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    return times, events


@given(samples())
def test_kaplan_meier_properties(sample: tuple[list[int], list[bool]]) -> None:
    """KM is non-increasing in [0, 1]; limits bracket S; at-risk counts fall."""
    km = kaplan_meier(*sample)
    assert all(a >= b for a, b in zip(km.survival, km.survival[1:], strict=False))
    assert all(0.0 <= s <= 1.0 for s in km.survival)
    assert all(a >= b for a, b in zip(km.at_risk, km.at_risk[1:], strict=False))
    for s, low, high in zip(km.survival, km.ci_low, km.ci_high, strict=True):
        if low is not None and high is not None:
            assert 0.0 <= low <= s <= high <= 1.0
    assert sum(km.events) + sum(km.censored) == km.n


@given(samples())
def test_kaplan_meier_agrees_with_statsmodels(sample: tuple[list[int], list[bool]]) -> None:
    """Cross-check against statsmodels ``SurvfuncRight`` (independent code): survival at
    event times and the Greenwood standard error behind the log-log interval."""
    survfunc = require_module("statsmodels.duration.survfunc")
    times, events = sample
    if not any(events):
        return
    ours = kaplan_meier(times, events)
    theirs = survfunc.SurvfuncRight(times, [int(e) for e in events])
    index = {t: i for i, t in enumerate(ours.times)}
    for t, s, se in zip(theirs.surv_times, theirs.surv_prob, theirs.surv_prob_se, strict=True):
        i = index[int(t)]
        assert ours.survival[i] == pytest.approx(float(s), abs=1e-12)
        low = ours.ci_low[i]
        if low is not None and 0 < s < 1:
            sigma = math.log(math.log(low) / math.log(s)) / 1.959963984540054
            assert s * sigma * abs(math.log(s)) == pytest.approx(float(se), rel=1e-6)


@given(samples(), samples())
def test_log_rank_agrees_with_statsmodels(
    a: tuple[list[int], list[bool]], b: tuple[list[int], list[bool]]
) -> None:
    """Cross-check against statsmodels ``survdiff`` (independent code)."""
    survfunc = require_module("statsmodels.duration.survfunc")
    ours = log_rank(*a, *b)
    if ours.chi2 is None:
        return
    chi2, p = survfunc.survdiff(
        [*a[0], *b[0]], [int(e) for e in [*a[1], *b[1]]], [0] * len(a[0]) + [1] * len(b[0])
    )
    assert ours.chi2 == pytest.approx(float(chi2), rel=1e-8, abs=1e-12)
    assert ours.p == pytest.approx(float(p), rel=1e-7, abs=1e-12)


def test_new_fracture_times_follow_the_spec() -> None:
    """registry-v1 ``new_fracture_km``: event = first follow-up with a new fracture at an
    untreated level (unscheduled visits included); a re-fracture of the treated level
    is no event; censored at the last follow-up; death censors; no follow-up → left out."""
    event = patient(pid="e", follow_ups=(
        visit(Visit.MONTH_1, 30, 3),
        visit(Visit.UNSCHEDULED, 100, fractures=(Level.T12,)),
        visit(Visit.MONTHS_6, 180, fractures=(Level.L2,)),
    ))  # fmt: skip
    treated_level_only = patient(pid="t", follow_ups=(
        visit(Visit.MONTH_1, 30, fractures=(Level.L1,)), visit(Visit.MONTHS_3, 92),
    ))  # fmt: skip
    died = patient(pid="d", follow_ups=(
        visit(Visit.MONTH_1, 29), visit(Visit.UNSCHEDULED, 70, status=FollowUpStatus.DECEASED),
    ))  # fmt: skip
    nothing = patient(pid="n")
    times, events = new_fracture_times([event, treated_level_only, died, nothing])
    assert times == [100, 92, 70]
    assert events == [True, False, False]
    assert died.death_day == 70 and event.first_new_fracture_day == 100
    assert patient(death_date=ANCHOR).death_day == 0
