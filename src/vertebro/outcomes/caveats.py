"""Statistical caveats, carried as typed flags in the output (never printed).

Each :class:`Caveat` names what it is about by a JSON path into the outcomes document
(``by_technique.kyphoplasty.new_fracture_km``), so a front door can show it beside the
figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["DEFAULT_SMALL_N", "Caveat", "CaveatCode"]

#: Below this many patients (or levels) an estimate is flagged ``small_n``.
DEFAULT_SMALL_N = 10


class CaveatCode(StrEnum):
    """Why a figure needs care."""

    NON_RANDOMISED = "non_randomised"  # technique chosen by height loss (T-1 … T-6)
    SMALL_N = "small_n"  # fewer patients than the small-n threshold
    DEATHS_CENSORED = "deaths_censored"  # death treated as censoring, not a competing risk
    LEVELS_CLUSTERED = "levels_clustered"  # several levels per patient: intervals too narrow
    DEMO_INCLUDED = "demo_included"  # generated demo rows are part of the figures


@dataclass(frozen=True, slots=True)
class Caveat:
    """One caveat: its code, the JSON path it applies to, and a sentence for people."""

    code: CaveatCode
    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """``{code, path, message}`` for the JSON document."""
        return {"code": self.code.value, "path": self.path, "message": self.message}
