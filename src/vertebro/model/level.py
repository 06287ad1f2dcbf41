"""The vertebral levels, part of the domain language; defined in ``morphometry.level``,
the lowest layer of the core, because the spine-wide grading there orders levels too."""

from vertebro.morphometry.level import ORDINAL, Level, are_consecutive

__all__ = ["ORDINAL", "Level", "are_consecutive"]
