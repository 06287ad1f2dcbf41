"""Kaplan–Meier new-fracture-free survival and the log-rank test.

Definitions (``spec/registry-v1.md``, ``new_fracture_km``): time origin = anchor (day 0);
event = the first follow-up recording a new fracture at a level not treated in the
index session, at that record's day; otherwise censored at the last follow-up record
(of any visit or status, so a ``deceased`` record ends follow-up there): death censors,
it is not an event and not a competing risk here. Patients without any follow-up
contribute nothing.

Estimator (Kaplan & Meier 1958): ``S(t) = Π_{t_i ≤ t} (1 − d_i / n_i)`` over the distinct
event times ``t_i`` with ``d_i`` events among ``n_i`` at risk (censorings at ``t_i`` are
still at risk). Greenwood's variance ``Var(log S) ≈ Σ d_i / (n_i (n_i − d_i))`` gives the
pointwise log-log interval (Kalbfleisch & Prentice 1980)
``S^exp(±z·σ/|log S|)``, ``σ² = Σ d_i / (n_i (n_i − d_i))``; it is undefined (``None``)
where ``S`` is 1 or 0.

Log-rank (Mantel 1966; Peto & Peto 1972), two groups: ``χ² = (O₁ − E₁)² / V`` with
``E₁ = Σ d_i n₁ᵢ / n_i`` and the hypergeometric
``V = Σ d_i (n₁ᵢ / n_i)(1 − n₁ᵢ / n_i)(n_i − d_i) / (n_i − 1)``, one degree of freedom.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from scipy import stats

from vertebro.outcomes.records import PatientOutcome

__all__ = [
    "TWELVE_MONTHS_DAYS",
    "KaplanMeier",
    "LogRank",
    "SurvivalAt",
    "SurvivalTally",
    "kaplan_meier",
    "kaplan_meier_counts",
    "log_rank",
    "log_rank_counts",
    "new_fracture_times",
]

#: One group's follow-up as (events per day, censorings per day).
SurvivalTally = tuple[Mapping[int, int], Mapping[int, int]]

#: The 12-month time point of ``at_12_months``, days.
TWELVE_MONTHS_DAYS = 365


@dataclass(frozen=True, slots=True)
class SurvivalAt:
    """``S(t)`` with its log-log interval at one time; ``None`` when not estimable."""

    value: float | None
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True, slots=True)
class KaplanMeier:
    """A Kaplan–Meier curve as parallel lists, one row per distinct observed time (days).

    Row ``i``: ``times[i]``, ``survival[i] = S(times[i])`` (right-continuous), its
    log-log interval, ``at_risk[i]`` just before ``times[i]``, ``events[i]`` and
    ``censored[i]`` at ``times[i]``. The first row is day 0 (added with no events when
    nobody is observed at 0). ``n`` counts the subjects.
    """

    times: tuple[int, ...]
    survival: tuple[float, ...]
    ci_low: tuple[float | None, ...]
    ci_high: tuple[float | None, ...]
    at_risk: tuple[int, ...]
    events: tuple[int, ...]
    censored: tuple[int, ...]
    n: int
    confidence: float = 0.95

    def at(self, day: float) -> SurvivalAt:
        """``S(day)`` from the step function; ``None`` beyond the last observed time.

        >>> kaplan_meier([1, 2, 3], [True, False, True]).at(2).value
        0.6666666666666667
        """
        if self.n == 0 or day < 0 or day > self.times[-1]:
            return SurvivalAt(None, None, None)
        index = max(i for i, t in enumerate(self.times) if t <= day)
        return SurvivalAt(self.survival[index], self.ci_low[index], self.ci_high[index])


@dataclass(frozen=True, slots=True)
class LogRank:
    """Two-group log-rank test: chi-square (1 df), p, observed and expected events."""

    chi2: float | None
    p: float | None
    observed: tuple[int, int]
    expected: tuple[float, float]


def _tables(times: Sequence[int], events: Sequence[bool]) -> tuple[Counter[int], Counter[int]]:
    if len(times) != len(events):
        raise ValueError("times and events differ in length")
    if any(t < 0 or not math.isfinite(t) for t in times):
        raise ValueError("times must be finite and >= 0")
    died: Counter[int] = Counter(t for t, e in zip(times, events, strict=True) if e)
    left: Counter[int] = Counter(t for t, e in zip(times, events, strict=True) if not e)
    return died, left


def kaplan_meier(
    times: Sequence[int], events: Sequence[bool], confidence: float = 0.95
) -> KaplanMeier:
    """Kaplan–Meier estimate with Greenwood variance and log-log pointwise intervals.

    ``times`` in days ≥ 0; ``events[i]`` is true for an event, false for a censoring.
    """
    died, left = _tables(times, events)
    return kaplan_meier_counts(died, left, confidence)


def kaplan_meier_counts(
    died: Mapping[int, int], left: Mapping[int, int], confidence: float = 0.95
) -> KaplanMeier:
    """:func:`kaplan_meier` from tallies: events per day and censorings per day."""
    distinct = sorted(set(died) | set(left))
    n = sum(died.values()) + sum(left.values())
    if n == 0:
        return KaplanMeier((0,), (1.0,), (None,), (None,), (0,), (0,), (0,), 0, confidence)
    if distinct[0] != 0:
        distinct.insert(0, 0)
    z = float(stats.norm.ppf(0.5 + confidence / 2.0))
    at_risk = n
    s = 1.0
    greenwood = 0.0
    rows_t: list[int] = []
    rows_s: list[float] = []
    rows_low: list[float | None] = []
    rows_high: list[float | None] = []
    rows_n: list[int] = []
    rows_d: list[int] = []
    rows_c: list[int] = []
    for t in distinct:
        d, c = died.get(t, 0), left.get(t, 0)
        if d:
            s *= 1.0 - d / at_risk
            greenwood = greenwood + d / (at_risk * (at_risk - d)) if at_risk > d else math.inf
        low: float | None = None
        high: float | None = None
        if 0.0 < s < 1.0 and math.isfinite(greenwood):
            log_s = math.log(s)
            spread = math.exp(z * math.sqrt(greenwood) / abs(log_s))
            low, high = s**spread, s ** (1.0 / spread)
        rows_t.append(int(t))
        rows_s.append(s)
        rows_low.append(low)
        rows_high.append(high)
        rows_n.append(at_risk)
        rows_d.append(d)
        rows_c.append(c)
        at_risk -= d + c
    return KaplanMeier(
        tuple(rows_t),
        tuple(rows_s),
        tuple(rows_low),
        tuple(rows_high),
        tuple(rows_n),
        tuple(rows_d),
        tuple(rows_c),
        n,
        confidence,
    )


def log_rank(
    times1: Sequence[int],
    events1: Sequence[bool],
    times2: Sequence[int],
    events2: Sequence[bool],
) -> LogRank:
    """Log-rank test of equal survival in two groups (chi-square with 1 df).

    ``chi2`` and ``p`` are ``None`` when the variance is zero (no events, or no overlap).
    """
    return log_rank_counts(_tables(times1, events1), _tables(times2, events2))


def log_rank_counts(first: SurvivalTally, second: SurvivalTally) -> LogRank:
    """:func:`log_rank` from each group's tallies (events and censorings per day)."""
    died1, left1 = first
    died2, left2 = second
    at_risk1 = sum(died1.values()) + sum(left1.values())
    at_risk2 = sum(died2.values()) + sum(left2.values())
    observed1 = observed2 = 0
    expected1 = variance = 0.0
    for t in sorted(set(died1) | set(left1) | set(died2) | set(left2)):
        d1, d2 = died1.get(t, 0), died2.get(t, 0)
        d = d1 + d2
        total = at_risk1 + at_risk2
        if d:
            share = at_risk1 / total
            expected1 += d * share
            if total > 1:
                variance += d * share * (1.0 - share) * (total - d) / (total - 1)
            observed1 += d1
            observed2 += d2
        at_risk1 -= d1 + left1.get(t, 0)
        at_risk2 -= d2 + left2.get(t, 0)
    expected2 = observed1 + observed2 - expected1
    if variance <= 0.0:
        return LogRank(None, None, (observed1, observed2), (expected1, expected2))
    chi2 = (observed1 - expected1) ** 2 / variance
    return LogRank(
        chi2, float(stats.chi2.sf(chi2, 1)), (observed1, observed2), (expected1, expected2)
    )


def new_fracture_times(patients: Iterable[PatientOutcome]) -> tuple[list[int], list[bool]]:
    """``(days, event)`` per patient with follow-up, by the module's definition."""
    times: list[int] = []
    events: list[bool] = []
    for patient in patients:
        event_day = patient.first_new_fracture_day
        if event_day is not None and event_day >= 0:
            times.append(event_day)
            events.append(True)
            continue
        last = patient.last_follow_up_day
        if last is None or last < 0:
            continue
        times.append(last)
        events.append(False)
    return times, events
