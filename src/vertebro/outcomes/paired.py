"""Paired change from baseline: follow-up minus baseline (negative = better).

For each patient with both values, ``d = follow-up − baseline`` in the score's unit
(NRS points, ODI %, RDQ points). Reported: the mean of ``d``, its 95 % t-interval
``mean ± t(0.975, n − 1)·s/√n``, ``n``, and the two-sided Wilcoxon signed-rank p.

Wilcoxon signed-rank (zero_method ``wilcox``: zero differences are dropped before
ranking; no continuity correction). The p value follows SciPy 1.17's
``scipy.stats.wilcoxon(method="auto")`` so that figures can be reproduced there:

* at most 50 differences, none zero and no tied ``|d|``: exact null distribution;
* at most 13 differences with zeros or ties: exact null distribution conditional on
  the tied midranks (what SciPy's exhaustive permutation test gives);
* otherwise the normal approximation ``z = (W+ − n(n+1)/4) / σ`` with the tie-corrected
  ``σ² = (n(n+1)(2n+1) − Σ(t³ − t)/2) / 24``, n = nonzero differences.

Two-sided exact p = ``min(1, 2·min(P(W+ ≥ w), P(W+ ≤ w)))``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from scipy import stats

from vertebro.outcomes._ranks import midranks, signed_rank_counts
from vertebro.outcomes.records import (
    TIMED_VISITS,
    PairTable,
    PatientOutcome,
    Visit,
    collect_pairs,
)
from vertebro.outcomes.tally import Tally, expand, moments, sample_moments

__all__ = [
    "ChangeTable",
    "PairedChange",
    "Score",
    "change_by_visit",
    "change_from_table",
    "change_table",
    "changes",
    "changes_from_pairs",
    "paired_change",
    "paired_change_counts",
    "wilcoxon_p_counts",
    "wilcoxon_signed_rank_p",
]

#: Largest sample for which SciPy's ``auto`` uses an exact signed-rank distribution.
EXACT_MAX_N = 50
#: Largest sample with zeros or ties for which SciPy's ``auto`` enumerates all signs.
PERMUTATION_MAX_N = 13


class Score(StrEnum):
    """A patient-reported score; the JSON key of its change is ``<value>_change``."""

    NRS = "nrs"  # pain numeric rating scale, 0–10 points
    ODI = "odi"  # Oswestry disability index, 0–100 %
    RDQ = "rdq"  # Roland–Morris disability questionnaire, 0–24 points

    @property
    def key(self) -> str:
        """``nrs_change``, ``odi_change`` or ``rdq_change``."""
        return f"{self.value}_change"


@dataclass(frozen=True, slots=True)
class PairedChange:
    """Mean change (score unit) with its t-interval, SD, n and the Wilcoxon p.

    ``mean`` is ``None`` for n = 0; ``ci_low``, ``ci_high`` and ``sd`` for n < 2;
    ``wilcoxon_p`` when no difference is nonzero.
    """

    mean: float | None
    ci_low: float | None
    ci_high: float | None
    sd: float | None
    n: int
    wilcoxon_p: float | None


def _exact_two_sided(counts: list[int], observed: int) -> float:
    total = sum(counts)
    upper = sum(counts[observed:])
    lower = sum(counts[: observed + 1])
    return min(1.0, 2.0 * min(upper, lower) / total)


def wilcoxon_signed_rank_p(differences: Sequence[float]) -> float | None:
    """Two-sided Wilcoxon signed-rank p for paired differences (see the module docstring).

    >>> round(wilcoxon_signed_rank_p([1.0, 2.0, 3.0, 4.0, 5.0]), 4)  # 2 · 1/32
    0.0625
    """
    n_all = len(differences)
    nonzero = [d for d in differences if d != 0]
    n = len(nonzero)
    if n == 0:
        return None
    ranks, groups = midranks([abs(d) for d in nonzero])
    w_plus = sum(r for r, d in zip(ranks, nonzero, strict=True) if d > 0)
    tied = any(g > 1 for g in groups)
    exact = n_all <= EXACT_MAX_N and not tied and n == n_all
    if exact or n_all <= PERMUTATION_MAX_N:
        doubled = [round(2 * r) for r in ranks]
        return _exact_two_sided(signed_rank_counts(doubled), round(2 * w_plus))
    variance = (n * (n + 1) * (2 * n + 1) - sum(g**3 - g for g in groups) / 2.0) / 24.0
    z = (w_plus - n * (n + 1) / 4.0) / math.sqrt(variance)
    return min(1.0, 2.0 * float(stats.norm.sf(abs(z))))


def paired_change(differences: Sequence[float], confidence: float = 0.95) -> PairedChange:
    """Mean of ``differences`` with its t-interval, SD, n and the Wilcoxon signed-rank p.

    >>> c = paired_change([-1.0, -2.0, -3.0])  # mean −2, s = 1, t(0.975, 2) = 4.3027
    >>> round(c.mean, 4), round(c.ci_low, 4), round(c.ci_high, 4)
    (-2.0, -4.4841, 0.4841)
    """
    n = len(differences)
    if n == 0:
        return PairedChange(None, None, None, None, 0, None)
    _, mean, squares = sample_moments(differences)
    p = wilcoxon_signed_rank_p(differences)
    if n < 2:
        return PairedChange(mean, None, None, None, n, p)
    sd = math.sqrt(squares / (n - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2.0, n - 1)) * sd / math.sqrt(n)
    return PairedChange(mean, mean - half, mean + half, sd, n, p)


def wilcoxon_p_counts(tally: Tally) -> float | None:
    """:func:`wilcoxon_signed_rank_p` of a tallied sample (differences → counts)."""
    n_all = sum(tally.values())
    if n_all <= EXACT_MAX_N:  # the exact paths need the sample itself
        return wilcoxon_signed_rank_p(expand(tally))
    magnitudes: Counter[float] = Counter()
    positive: Counter[float] = Counter()
    for d, count in tally.items():
        if d != 0:
            magnitudes[abs(d)] += count
            if d > 0:
                positive[abs(d)] += count
    n = sum(magnitudes.values())
    if n == 0:
        return None
    w_plus = 0.0
    below = ties = 0
    for magnitude in sorted(magnitudes):
        t = magnitudes[magnitude]
        w_plus += positive[magnitude] * (below + (t + 1) / 2.0)
        ties += t**3 - t
        below += t
    variance = (n * (n + 1) * (2 * n + 1) - ties / 2.0) / 24.0
    z = (w_plus - n * (n + 1) / 4.0) / math.sqrt(variance)
    return min(1.0, 2.0 * float(stats.norm.sf(abs(z))))


def paired_change_counts(tally: Tally, confidence: float = 0.95) -> PairedChange:
    """:func:`paired_change` of a tallied sample (differences → counts)."""
    n = sum(tally.values())
    if n <= EXACT_MAX_N:
        return paired_change(expand(tally), confidence)
    _, mean, squares = moments(tally)
    sd = math.sqrt(squares / (n - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2.0, n - 1)) * sd / math.sqrt(n)
    return PairedChange(mean, mean - half, mean + half, sd, n, wilcoxon_p_counts(tally))


#: Follow-up minus baseline, tallied, keyed by ``(score, visit)``.
ChangeTable = dict[tuple[str, Visit], Counter[float]]


def changes_from_pairs(table: PairTable, visit: Visit, score: Score) -> Counter[float]:
    """Follow-up minus baseline of ``score`` at ``visit``, tallied, from collected pairs."""
    out: Counter[float] = Counter()
    for (b, f), count in table.get((score.value, visit), {}).items():
        out[float(f - b)] += count
    return out


def change_table(pairs: PairTable) -> ChangeTable:
    """Every score's and visit's changes from collected pairs."""
    return {(s.value, v): changes_from_pairs(pairs, v, s) for s in Score for v in TIMED_VISITS}


def changes(patients: Iterable[PatientOutcome], visit: Visit, score: Score) -> list[float]:
    """Follow-up minus baseline at ``visit`` for every patient with both values (sorted)."""
    return expand(changes_from_pairs(collect_pairs(patients), visit, score))


def change_from_table(table: ChangeTable, score: Score) -> dict[Visit, PairedChange]:
    """:func:`paired_change` of ``score`` at every timed visit, from tallied changes."""
    return {v: paired_change_counts(table.get((score.value, v), Counter())) for v in TIMED_VISITS}


def change_by_visit(patients: Iterable[PatientOutcome], score: Score) -> dict[Visit, PairedChange]:
    """:func:`paired_change` of ``score`` at every timed visit."""
    return change_from_table(change_table(collect_pairs(patients)), score)
