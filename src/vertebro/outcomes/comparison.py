"""Kyphoplasty against vertebroplasty (KP − VP) — a NON-RANDOMISED comparison.

The technique follows the height loss (rulebook T-1 … T-6), so the groups differ at
baseline and any difference mixes technique with fracture severity; the comparison is
therefore also given per Genant grade of the treated levels (the patient's highest
grade). Patients of the ``mixed`` group take no part.

* Difference in mean change (score unit), KP − VP, with the Welch (1947) interval
  ``Δ ± t(0.975, ν)·sqrt(s₁²/n₁ + s₂²/n₂)``,
  ``ν = (s₁²/n₁ + s₂²/n₂)² / ((s₁²/n₁)²/(n₁ − 1) + (s₂²/n₂)²/(n₂ − 1))``.
* Mann–Whitney U two-sided p, as SciPy 1.17's ``mannwhitneyu`` defaults
  (``method="auto"``, ``use_continuity=True``): exact null distribution when there are no
  ties and one sample has at most 8 values; otherwise the normal approximation with tie
  correction ``σ² = n₁n₂/12 · ((N + 1) − Σ(t³ − t)/(N(N − 1)))`` and continuity
  correction ``z = (max(U₁, U₂) − n₁n₂/2 − 0.5)/σ``.
* Success difference with Newcombe's hybrid-score interval (method 10).
* Log-rank p of new-fracture-free survival.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from scipy import stats

from vertebro.outcomes._ranks import mann_whitney_u_counts, midranks
from vertebro.outcomes.cells import GRADE_STRATA, Cell, cells, group_totals
from vertebro.outcomes.columns import OutcomeColumns
from vertebro.outcomes.paired import ChangeTable, Score
from vertebro.outcomes.proportions import ProportionDifference, newcombe_difference
from vertebro.outcomes.records import (
    TIMED_VISITS,
    PairTable,
    PatientOutcome,
    TechniqueGroup,
    Visit,
)
from vertebro.outcomes.success import Criterion, count_success
from vertebro.outcomes.survival import (
    LogRank,
    SurvivalTally,
    log_rank_counts,
)
from vertebro.outcomes.tally import Tally, expand, moments, sample_moments, total

__all__ = [
    "GRADE_STRATA",
    "MWU_EXACT_MAX_N",
    "GroupComparison",
    "MeanDifference",
    "compare_tables",
    "compare_techniques",
    "compare_techniques_by_grade",
    "mann_whitney_p",
    "mann_whitney_p_counts",
    "mean_difference",
    "mean_difference_counts",
]

#: SciPy's ``auto`` uses the exact U distribution when one sample is at most this large.
MWU_EXACT_MAX_N = 8


@dataclass(frozen=True, slots=True)
class MeanDifference:
    """``mean(first) − mean(second)`` with its Welch interval and the Mann–Whitney p.

    ``difference`` is ``None`` if a group is empty; the interval and ``df`` need n ≥ 2 in
    both groups and a nonzero standard error.
    """

    difference: float | None
    ci_low: float | None
    ci_high: float | None
    df: float | None
    mann_whitney_p: float | None
    n_first: int
    n_second: int


def mann_whitney_p(first: Sequence[float], second: Sequence[float]) -> float | None:
    """Two-sided Mann–Whitney U p (see the module docstring); ``None`` for an empty sample.

    >>> mann_whitney_p([1.0, 2.0], [3.0, 4.0])  # 2 · P(U >= 4) = 2 · 1/6
    0.3333333333333333
    """
    n1, n2 = len(first), len(second)
    if n1 == 0 or n2 == 0:
        return None
    ranks, groups = midranks([*first, *second])
    u1 = sum(ranks[:n1]) - n1 * (n1 + 1) / 2.0
    u = max(u1, n1 * n2 - u1)
    tied = any(g > 1 for g in groups)
    if not tied and min(n1, n2) <= MWU_EXACT_MAX_N:
        counts = mann_whitney_u_counts(n1, n2)
        return min(1.0, 2.0 * sum(counts[round(u) :]) / sum(counts))
    big_n = n1 + n2
    variance = (
        n1 * n2 / 12.0 * ((big_n + 1) - sum(g**3 - g for g in groups) / (big_n * (big_n - 1)))
    )
    if variance <= 0.0:  # every value tied: no evidence of a shift
        return 1.0
    z = (u - n1 * n2 / 2.0 - 0.5) / math.sqrt(variance)
    return min(1.0, 2.0 * float(stats.norm.sf(z)))


def _variance(values: Sequence[float]) -> float:
    """Sample variance (n − 1), two-pass with compensated sums."""
    n, _, squares = sample_moments(values)
    return squares / (n - 1)


def mean_difference(
    first: Sequence[float], second: Sequence[float], confidence: float = 0.95
) -> MeanDifference:
    """Difference in means with the Welch interval and the Mann–Whitney p.

    >>> d = mean_difference([1.0, 2.0, 3.0], [4.0, 5.0, 6.0])  # ν = 4, t = 2.7764
    >>> round(d.difference, 4), round(d.ci_low, 4), round(d.ci_high, 4), round(d.df, 4)
    (-3.0, -5.267, -0.733, 4.0)
    """
    n1, n2 = len(first), len(second)
    p = mann_whitney_p(first, second)
    if n1 == 0 or n2 == 0:
        return MeanDifference(None, None, None, None, p, n1, n2)
    difference = math.fsum(first) / n1 - math.fsum(second) / n2
    if n1 < 2 or n2 < 2:
        return MeanDifference(difference, None, None, None, p, n1, n2)
    a = _variance(first) / n1
    b = _variance(second) / n2
    return _welch(difference, a, b, n1, n2, p, confidence)


def mann_whitney_p_counts(first: Tally, second: Tally) -> float | None:
    """:func:`mann_whitney_p` of two tallied samples (value → count)."""
    n1, n2 = total(first), total(second)
    if min(n1, n2) <= MWU_EXACT_MAX_N:  # the exact path needs the samples themselves
        return mann_whitney_p(expand(first), expand(second))
    rank_sum = 0.0
    below = ties = 0
    for value in sorted(set(first) | set(second)):
        a, t = first.get(value, 0), first.get(value, 0) + second.get(value, 0)
        rank_sum += a * (below + (t + 1) / 2.0)
        ties += t**3 - t
        below += t
    u1 = rank_sum - n1 * (n1 + 1) / 2.0
    u = max(u1, n1 * n2 - u1)
    big_n = n1 + n2
    variance = n1 * n2 / 12.0 * ((big_n + 1) - ties / (big_n * (big_n - 1)))
    if variance <= 0.0:
        return 1.0
    z = (u - n1 * n2 / 2.0 - 0.5) / math.sqrt(variance)
    return min(1.0, 2.0 * float(stats.norm.sf(z)))


def mean_difference_counts(first: Tally, second: Tally, confidence: float = 0.95) -> MeanDifference:
    """:func:`mean_difference` of two tallied samples (value → count)."""
    n1, n2 = total(first), total(second)
    if min(n1, n2) <= MWU_EXACT_MAX_N:
        return mean_difference(expand(first), expand(second), confidence)
    p = mann_whitney_p_counts(first, second)
    _, mean1, squares1 = moments(first)
    _, mean2, squares2 = moments(second)
    return _welch(mean1 - mean2, squares1 / (n1 - 1) / n1, squares2 / (n2 - 1) / n2, n1, n2, p,
                  confidence)  # fmt: skip


def _welch(
    difference: float, a: float, b: float, n1: int, n2: int, p: float | None, confidence: float
) -> MeanDifference:
    """The Welch interval from the squared standard errors ``a`` and ``b``."""
    if a + b <= 0.0:
        return MeanDifference(difference, None, None, None, p, n1, n2)
    share_a, share_b = a / (a + b), b / (a + b)  # scaled so tiny variances cannot underflow
    df = 1.0 / (share_a * share_a / (n1 - 1) + share_b * share_b / (n2 - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2.0, df)) * math.sqrt(a + b)
    return MeanDifference(difference, difference - half, difference + half, df, p, n1, n2)


@dataclass(frozen=True, slots=True)
class GroupComparison:
    """KP − VP at every timed visit: mean changes, success differences and the log-rank.

    The comparison is never randomised (the technique follows the height loss): the report
    labels it so (``CaveatCode.NON_RANDOMISED``).
    """

    n_kyphoplasty: int
    n_vertebroplasty: int
    changes: dict[Score, dict[Visit, MeanDifference]]
    success: dict[Criterion, dict[Visit, ProportionDifference]]
    new_fracture_logrank: LogRank


class GroupTallies(Protocol):
    """What the comparison reads of one group (a :class:`~vertebro.outcomes.cells.Cell`)."""

    @property
    def n(self) -> int: ...
    @property
    def pairs(self) -> PairTable: ...
    @property
    def changes(self) -> ChangeTable: ...
    @property
    def survival(self) -> SurvivalTally: ...


def compare_tables(kp: GroupTallies, vp: GroupTallies) -> GroupComparison:
    """KP − VP from the two groups' tallies."""
    change_table = {
        score: {
            v: mean_difference_counts(
                kp.changes.get((score.value, v), Counter()),
                vp.changes.get((score.value, v), Counter()),
            )
            for v in TIMED_VISITS
        }
        for score in Score
    }
    success_table = {
        criterion: {
            v: newcombe_difference(
                *count_success(kp.pairs.get(("nrs", v), {}), criterion),
                *count_success(vp.pairs.get(("nrs", v), {}), criterion),
            )
            for v in TIMED_VISITS
        }
        for criterion in Criterion
    }
    return GroupComparison(
        n_kyphoplasty=kp.n,
        n_vertebroplasty=vp.n,
        changes=change_table,
        success=success_table,
        new_fracture_logrank=log_rank_counts(kp.survival, vp.survival),
    )


def _cells(patients: Iterable[PatientOutcome]) -> dict[tuple[TechniqueGroup, int | None], Cell]:
    return cells(OutcomeColumns.from_records(patients))


def compare_techniques(patients: Iterable[PatientOutcome]) -> GroupComparison:
    """Compare the kyphoplasty and vertebroplasty groups of ``patients`` (mixed left out)."""
    groups = group_totals(_cells(patients))
    return compare_tables(groups[TechniqueGroup.KYPHOPLASTY], groups[TechniqueGroup.VERTEBROPLASTY])


def compare_techniques_by_grade(
    patients: Iterable[PatientOutcome],
) -> dict[int | None, GroupComparison]:
    """:func:`compare_techniques` within each Genant grade 0–3 and for unknown (``None``)."""
    by_cell = _cells(patients)
    return {
        grade: compare_tables(
            by_cell[(TechniqueGroup.KYPHOPLASTY, grade)],
            by_cell[(TechniqueGroup.VERTEBROPLASTY, grade)],
        )
        for grade in GRADE_STRATA
    }
