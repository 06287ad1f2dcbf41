"""The result of measuring one study: the ``vertebro.measurement/1`` document with what the
figure, the text report and the draft case need (``docs/imaging.md``).

It is the imaging adapter's own type, so that the figure and the review scene take it
without reaching up into the measuring service that builds it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vertebro.imaging.draft_case import case_id_for, draft_case
from vertebro.imaging.report import text_report

if TYPE_CHECKING:
    from vertebro.imaging.geometry import LevelGeometry
    from vertebro.imaging.labelmap import SpineLabels
    from vertebro.imaging.volume import ImageVolume

__all__ = ["MeasurementResult"]

_FLAT_NUMBERS = re.compile(r"\[\s*((?:-?[0-9.eE+-]+,?\s*)+?)\s*\]")


@dataclass(frozen=True, slots=True, eq=False)
class MeasurementResult:
    """The outcome of one measurement.

    ``document`` is the ``vertebro.measurement/1`` object (JSON-able dict);
    ``convention_source`` says where the convention came from (``folder``, ``header``,
    ``values`` or ``option``). ``geometry``, ``spine`` and ``image`` feed the figure.
    """

    document: dict[str, Any]
    convention_source: str
    labels_source: str
    geometry: list[LevelGeometry]
    spine: SpineLabels
    image: ImageVolume | None = None

    @property
    def convention(self) -> str:
        return str(self.document["convention"])

    @property
    def convention_line(self) -> str:
        """``convention: X (from folder|header|values|option)`` (spec "Reading the labels")."""
        return f"convention: {self.convention} (from {self.convention_source})"

    def as_dict(self) -> dict[str, Any]:
        return self.document

    def to_json(self, indent: int | None = 2) -> str:
        """The document as JSON; number pairs and triples stay on one line."""
        text = json.dumps(self.document, indent=indent, ensure_ascii=False)
        return _FLAT_NUMBERS.sub(
            lambda m: "[" + ", ".join(m.group(1).split()).replace(",,", ",") + "]", text
        )

    def text(self) -> str:
        return text_report(self.document, self.labels_source)

    def draft_case(self) -> dict[str, Any] | None:
        """The draft ``vertebro.case/1`` (spec "Draft case"); None without a grade ≥ 1 level."""
        return draft_case(self.document, case_id_for(self.labels_source))
