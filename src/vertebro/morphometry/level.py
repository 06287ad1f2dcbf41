"""Vertebral levels as a proper, ordered type (cranial to caudal)."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ORDINAL", "Level", "are_consecutive"]


class Level(StrEnum):
    """A thoracolumbar level T1 … L5; ``<`` means *more cranial*.

    >>> Level.T12 < Level.L1
    True
    >>> Level("L1").ordinal - Level("T12").ordinal
    1
    """

    T1 = "T1"
    T2 = "T2"
    T3 = "T3"
    T4 = "T4"
    T5 = "T5"
    T6 = "T6"
    T7 = "T7"
    T8 = "T8"
    T9 = "T9"
    T10 = "T10"
    T11 = "T11"
    T12 = "T12"
    L1 = "L1"
    L2 = "L2"
    L3 = "L3"
    L4 = "L4"
    L5 = "L5"

    @property
    def ordinal(self) -> int:
        """Position from the top: T1 is 0, L5 is 16."""
        return ORDINAL[self]

    @property
    def is_lumbar(self) -> bool:
        return str.startswith(self, "L")

    # str's own comparisons would order "L1" before "T1": compare by position instead.
    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return ORDINAL[self] < ORDINAL[other]

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return ORDINAL[self] <= ORDINAL[other]

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return ORDINAL[self] > ORDINAL[other]

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return ORDINAL[self] >= ORDINAL[other]

    __hash__ = str.__hash__


#: Each level's position from the top (T1 is 0, L5 is 16).
ORDINAL: dict[Level, int] = {lv: i for i, lv in enumerate(Level)}


def are_consecutive(upper: Level, lower: Level) -> bool:
    """True when ``lower`` is the level right below ``upper`` (T12 then L1 counts)."""
    return lower.ordinal - upper.ordinal == 1
