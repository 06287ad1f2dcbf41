"""Rulebook M-6: the OF class of an osteoporotic fracture (Schnake 2018, Blattert 2019)."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["OFClass", "derive_of_class"]


class OFClass(StrEnum):
    """DGOU osteoporotic fracture classification, OF1 … OF5."""

    OF1 = "OF1"
    OF2 = "OF2"
    OF3 = "OF3"
    OF4 = "OF4"
    OF5 = "OF5"

    @property
    def number(self) -> int:
        """1 for OF1 … 5 for OF5."""
        return _NUMBER[self]


_NUMBER: dict[OFClass, int] = {c: int(c[2]) for c in OFClass}
_OF1, _OF2, _OF3, _OF4, _OF5 = OFClass.OF1, OFClass.OF2, OFClass.OF3, OFClass.OF4, OFClass.OF5


def derive_of_class(
    *,
    tension_band_failure: bool | None,
    endplates_involved: int | None,
    loss_pct: float | None,
    posterior_wall: str | None,
    mri_edema: bool | None,
) -> tuple[OFClass | None, tuple[str, ...]]:
    """M-6 for an osteoporotic fracture without a given class: the class, or ``None`` with
    the names of the fracture fields that would decide it (``endplates_involved``, …).

    >>> derive_of_class(tension_band_failure=None, endplates_involved=1, loss_pct=30.0,
    ...                 posterior_wall="minor", mri_edema=True)
    (<OFClass.OF2: 'OF2'>, ())
    >>> derive_of_class(tension_band_failure=None, endplates_involved=None, loss_pct=30.0,
    ...                 posterior_wall=None, mri_edema=True)
    (None, ('endplates_involved',))
    """
    if tension_band_failure is True:
        return _OF5, ()
    if endplates_involved == 2 or (loss_pct is not None and loss_pct > 80.0):
        return _OF4, ()
    if endplates_involved == 1 and posterior_wall == "distinct":
        return _OF3, ()
    if endplates_involved == 1 and posterior_wall in ("intact", "minor"):
        return _OF2, ()
    if endplates_involved == 0 and mri_edema is True:
        return _OF1, ()
    if endplates_involved is None:
        return None, ("endplates_involved",)
    if endplates_involved == 1:
        return None, ("posterior_wall",)
    if endplates_involved == 0 and mri_edema is None:
        return None, ("mri_edema",)
    return None, ()
