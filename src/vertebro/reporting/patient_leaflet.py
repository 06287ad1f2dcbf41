"""The patient leaflet as one printable HTML document (normal or large print): the content
of :func:`vertebro.reporting.leaflet.leaflet_for`, the unit's name and phone number, and a
small header naming the case, the patient's pseudonymous code and the rulebook."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from vertebro.reporting.leaflet import leaflet_for
from vertebro.reporting.templating import environment, stamp

if TYPE_CHECKING:
    from vertebro.model import Assessment

__all__ = ["DEFAULT_UNIT_NAME", "DEFAULT_UNIT_PHONE", "Unit", "leaflet_html"]

#: What the leaflet says when the unit has not given its name or number (as the web app).
DEFAULT_UNIT_NAME = "Spine intervention unit"
DEFAULT_UNIT_PHONE = "ask the unit for its number"


@dataclass(frozen=True, slots=True)
class Unit:
    """The treating unit as the patient should reach it."""

    name: str = DEFAULT_UNIT_NAME
    phone: str = DEFAULT_UNIT_PHONE


def leaflet_html(
    *,
    case_id: str,
    patient_code: str,
    assessment: Assessment | None,
    rulebook: str,
    generated: datetime,
    unit: Unit = Unit(),
    large_print: bool = False,
) -> str:
    """The leaflet for the latest ``assessment`` (a general one when ``None``) as a complete
    HTML document for print; ``large_print`` sets 16 pt body text instead of 11.5 pt."""
    return (
        environment()
        .get_template("leaflet.html")
        .render(
            leaflet=leaflet_for(assessment),
            case_id=case_id,
            unit_name=unit.name,
            unit_phone=unit.phone,
            large=large_print,
            head_left=unit.name,
            head_right=f"Reference {case_id}",
            foot_left=f"{case_id} · {patient_code} · rulebook {rulebook} · "
            f"printed {stamp(generated)}",
        )
    )
