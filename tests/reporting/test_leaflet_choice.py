"""The leaflet's text follows the case's decision: a leaflet that proposes no procedure
(contraindicated, conservative care, open surgery, work-up) never talks about the needle or
the cement's aftercare, while a procedure's leaflet does."""

from __future__ import annotations

import pytest

from vertebro.api.demo import example_documents
from vertebro.guidance import assess
from vertebro.model import parse_case
from vertebro.reporting.leaflet import leaflet_for
from vertebro.reporting.templating import environment

PROCEDURES = {"kyphoplasty", "vertebroplasty", "either", "mixed"}


def _rendered(document: dict[str, object]) -> tuple[str, str]:
    assessment = assess(parse_case(document))
    body = (
        environment()
        .get_template("_leaflet_body.html")
        .render(leaflet=leaflet_for(assessment), case_id="x", unit_name="Unit", unit_phone="01 23")
    )
    return str(assessment.recommendation), body


@pytest.mark.parametrize("document", example_documents(), ids=lambda d: str(d["case_id"]))
def test_the_leaflet_speaks_of_a_needle_only_when_it_proposes_a_procedure(
    document: dict[str, object],
) -> None:
    decision, body = _rendered(document)
    assert "Phone: <strong>01 23</strong>" in body
    if decision in PROCEDURES:
        assert "needle" in body
    else:
        assert "needle" not in body, decision
        assert "Afterwards" not in body
