"""Use case: read what the clinician's case report shows, in one registry transaction
(the report itself is composed by :mod:`vertebro.reporting.case_report`)."""

from __future__ import annotations

from vertebro.reporting.case_report import CaseReport
from vertebro.services.registry.assessments import latest_assessment
from vertebro.services.registry.cases import get_case
from vertebro.services.registry.context import Tx
from vertebro.services.registry.follow_ups import list_follow_ups
from vertebro.services.registry.procedures import list_procedures
from vertebro.services.registry.status import case_overview

__all__ = ["load_case_report"]


def load_case_report(tx: Tx, case_id: str) -> CaseReport:
    """The case's current version, overview, latest stored assessment, procedures and
    follow-ups (:class:`vertebro.errors.NotFound` for an unknown ``case_id``)."""
    return CaseReport(
        view=get_case(tx, case_id),
        overview=case_overview(tx, case_id),
        stored=latest_assessment(tx, case_id),
        procedures=tuple(list_procedures(tx, case_id)),
        follow_ups=tuple(list_follow_ups(tx, case_id)),
    )
