"""The few continuous distributions the outcomes need, in pure Python (stdlib ``math``).

The core packages may not import numpy or scipy (``tests/test_public_api.py``), so the
quantiles and tail areas are computed here: the standard normal through
:class:`statistics.NormalDist`, Student's *t* through the regularized incomplete beta
function (continued fraction, DLMF 8.17.22, evaluated by the modified Lentz method) and
the chi-square with one degree of freedom through ``erfc``. Accuracy is about 1e-12,
far below the four decimals that reports show.
"""

from __future__ import annotations

import math
from statistics import NormalDist

__all__ = ["chi2_1_sf", "norm_ppf", "norm_sf", "t_ppf", "t_sf"]

_STANDARD_NORMAL = NormalDist()
_TINY = 1e-300
_EPS = 1e-15


def norm_ppf(p: float) -> float:
    """Quantile of the standard normal distribution, ``0 < p < 1``.

    >>> round(norm_ppf(0.975), 6)
    1.959964
    """
    return _STANDARD_NORMAL.inv_cdf(p)


def norm_sf(z: float) -> float:
    """Upper tail ``P(Z > z)`` of the standard normal distribution.

    >>> round(norm_sf(1.959964), 4)
    0.025
    """
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def chi2_1_sf(x: float) -> float:
    """Upper tail ``P(X > x)`` of the chi-square distribution with one degree of freedom.

    >>> round(chi2_1_sf(3.841459), 4)
    0.05
    """
    if x <= 0.0:
        return 1.0
    return math.erfc(math.sqrt(x / 2.0))


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of ``I_x(a, b)`` (modified Lentz), valid for x < (a+1)/(a+b+2)."""
    c = 1.0
    d = 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    result = d
    for m in range(1, 10_000):
        # even step: m (b - m) x / ((a + 2m - 1)(a + 2m))
        numerator = m * (b - m) * x / ((a + 2 * m - 1.0) * (a + 2 * m))
        d = 1.0 + numerator * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + numerator / c
        c = c if abs(c) > _TINY else _TINY
        result *= d * c
        # odd step: -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1))
        numerator = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1.0))
        d = 1.0 + numerator * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + numerator / c
        c = c if abs(c) > _TINY else _TINY
        step = d * c
        result *= step
        if abs(step - 1.0) < _EPS:
            return result
    raise ArithmeticError(
        "incomplete beta: continued fraction did not converge"
    )  # pragma: no cover


def betainc(a: float, b: float, x: float) -> float:
    """Regularized incomplete beta function ``I_x(a, b)``, ``a, b > 0``, ``0 <= x <= 1``.

    >>> round(betainc(2.0, 3.0, 0.4), 6)  # 1 - (0.6^4 + 4 * 0.4 * 0.6^3)
    0.5248
    """
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        a * math.log(x)
        + b * math.log1p(-x)
        - (math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b))
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_continued_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_continued_fraction(b, a, 1.0 - x) / b


def t_sf(t: float, df: float) -> float:
    """Upper tail ``P(T > t)`` of Student's *t* with ``df > 0`` degrees of freedom.

    >>> round(t_sf(2.228139, 10), 4)
    0.025
    """
    t2 = t * t
    if t2 < df:  # P(|T| < t) = I_y(1/2, df/2), y = t²/(df + t²) computed without cancellation
        tail = 0.5 * (1.0 - betainc(0.5, df / 2.0, t2 / (df + t2)))
    else:  # P(|T| > t) = I_x(df/2, 1/2), x = df/(df + t²)
        tail = 0.5 * betainc(df / 2.0, 0.5, df / (df + t2))
    return tail if t >= 0.0 else 1.0 - tail


def t_ppf(p: float, df: float) -> float:
    """Quantile of Student's *t* with ``df > 0`` degrees of freedom, ``0 < p < 1``.

    Solved by bisection on :func:`t_sf`, to double precision.

    >>> round(t_ppf(0.975, 2), 6)
    4.302653
    """
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must lie in (0, 1), got {p}")
    if p < 0.5:
        return -t_ppf(1.0 - p, df)
    if p == 0.5:
        return 0.0
    target = 1.0 - p
    low, high = 0.0, max(1.0, norm_ppf(p))
    while t_sf(high, df) > target:
        low, high = high, high * 2.0
    for _ in range(200):
        middle = 0.5 * (low + high)
        if middle in (low, high):
            break
        if t_sf(middle, df) > target:
            low = middle
        else:
            high = middle
    return 0.5 * (low + high)
