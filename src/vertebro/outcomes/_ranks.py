"""Ranks and exact null distributions of rank statistics, in pure Python integers.

Counts are exact (Python integers), so tail probabilities carry no rounding before
the final division.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

__all__ = ["mann_whitney_u_counts", "midranks", "signed_rank_counts"]


def midranks(values: Sequence[float]) -> tuple[list[float], list[int]]:
    """Ranks 1 … n with ties given their average rank, and the size of every tie group.

    Tie groups are listed from the smallest value up. Clinical scores repeat a lot, so
    ranks are computed once per distinct value.

    >>> midranks([3.0, 1.0, 3.0, 2.0])
    ([3.5, 1.0, 3.5, 2.0], [1, 1, 2])
    """
    tally = Counter(values)
    rank_of: dict[float, float] = {}
    groups: list[int] = []
    below = 0
    for value in sorted(tally):
        size = tally[value]
        rank_of[value] = below + (size + 1) / 2.0
        groups.append(size)
        below += size
    return [rank_of[v] for v in values], groups


def signed_rank_counts(doubled_ranks: Sequence[int]) -> list[int]:
    """Null distribution of twice the signed-rank sum ``2·W+`` (each sign ±, equally likely).

    Element ``s`` of the result counts the sign patterns whose positive doubled ranks sum
    to ``s``; the counts add up to ``2**n``. Doubling keeps midranks (ties) integral, so
    the distribution is the exact one conditional on the ties.

    >>> signed_rank_counts([2, 4, 6])  # ranks 1, 2, 3
    [1, 0, 1, 0, 1, 0, 2, 0, 1, 0, 1, 0, 1]
    """
    counts = [1]
    for weight in doubled_ranks:
        grown = [*counts, *([0] * weight)]
        for s, c in enumerate(counts):
            grown[s + weight] += c
        counts = grown
    return counts


def mann_whitney_u_counts(n1: int, n2: int) -> list[int]:
    """Null distribution of the Mann–Whitney ``U`` for samples of ``n1`` and ``n2`` (no ties).

    Element ``u`` counts the orderings with ``U = u``; they add up to ``C(n1 + n2, n1)``.
    These are the coefficients of the Gaussian binomial coefficient
    ``[n1 + n2 choose m]_q = prod_{i=1..m} (1 - q^(k+i)) / (1 - q^i)`` with
    ``m = min(n1, n2)`` and ``k = max(n1, n2)``; each division by ``1 - q^i`` is exact.

    >>> mann_whitney_u_counts(2, 2)
    [1, 1, 2, 1, 1]
    """
    m, k = min(n1, n2), max(n1, n2)
    poly = [1]
    for i in range(1, m + 1):
        shift = k + i
        times = [*poly, *([0] * shift)]
        for s, c in enumerate(poly):
            times[s + shift] -= c
        # divide by (1 - q^i): running sum with stride i
        for s in range(i, len(times)):
            times[s] += times[s - i]
        while len(times) > 1 and times[-1] == 0:
            times.pop()
        poly = times
    return poly
