"""The one rounding rule of vertebro (rulebook M-2): 0.1, half up on the shortest decimal form."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

__all__ = ["round_tenth"]

_TENTH = Decimal("0.1")


def round_tenth(x: float) -> float:
    """Round ``x`` to one decimal, half up on its shortest decimal form (``repr``).

    >>> round_tenth(19.999999999999996)
    20.0
    >>> round_tenth(0.25), round_tenth(2.675), round_tenth(-2.25)
    (0.3, 2.7, -2.3)
    """
    return float(Decimal(repr(float(x))).quantize(_TENTH, ROUND_HALF_UP))
