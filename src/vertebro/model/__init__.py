"""The domain language of vertebro: levels, the case and the assessment."""

from vertebro.model.level import Level, are_consecutive

__all__ = ["Level", "are_consecutive"]
