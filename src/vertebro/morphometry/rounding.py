"""The one rounding rule of vertebro (rulebook M-2): 0.1, half up on the shortest decimal form."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

__all__ = ["round_tenth"]

_TENTH = Decimal("0.1")
#: Below this magnitude a product x·10 that is this far from a half cannot be on the other
#: side of it in the shortest decimal form of x (both errors are below 1e-9 there).
_FAST_LIMIT = 1e6
_TIE_MARGIN = 1e-6


def round_tenth(x: float) -> float:
    """Round ``x`` to one decimal, half up (away from zero) on its shortest decimal form,
    exactly as ``Decimal(repr(x)).quantize(Decimal("0.1"), ROUND_HALF_UP)``.

    >>> round_tenth(19.999999999999996)
    20.0
    >>> round_tenth(0.25), round_tenth(2.675), round_tenth(-2.25)
    (0.3, 2.7, -2.3)
    """
    scaled = x * 10.0
    if 0.0 < scaled < _FAST_LIMIT:  # the common case: a loss, a height, a positive angle
        whole = int(scaled)
        fraction = scaled - whole
        if abs(fraction - 0.5) > _TIE_MARGIN:
            return (whole + 1 if fraction > 0.5 else whole) / 10.0
    elif -_FAST_LIMIT < scaled < 0.0:
        whole = int(-scaled)
        fraction = -scaled - whole
        if abs(fraction - 0.5) > _TIE_MARGIN:
            return -((whole + 1 if fraction > 0.5 else whole) / 10.0)
    return float(Decimal(repr(float(x))).quantize(_TENTH, ROUND_HALF_UP))  # ties, 0, huge, nan
