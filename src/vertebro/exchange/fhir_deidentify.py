"""The de-identified form of an exchange record (``vertebro fhir export … --deidentify``).

With the pseudonym key (:mod:`vertebro.exchange.pseudonym`): the patient code and the case
id become stable keyed replacements (``D-…``, ``C-…``: the same in every export with the
same key, never reversible without it); every date of the patient moves back by the same
keyed number of days (1–365), so intervals, visit windows and the order of events are
kept; the birth year and the operator are left out and free text is redacted
(:mod:`vertebro.exchange.deidentify`). Ages, scores, levels, heights and techniques are
kept as they are.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from vertebro.exchange.deidentify import deidentify_follow_up, deidentify_procedure, shift_dates
from vertebro.exchange.fhir_export import ExchangeRecord
from vertebro.exchange.pseudonym import PseudonymKey
from vertebro.model.parsing import parse_case, parse_follow_up, parse_procedure

__all__ = ["deidentified"]


def deidentified(record: ExchangeRecord, key: PseudonymKey) -> ExchangeRecord:
    """``record`` de-identified with ``key``."""
    days = key.shift_days(record.patient_code)

    def moved(day: date | None) -> date | None:
        return None if day is None else day - timedelta(days=days)

    case_id = key.deidentified("case", record.case.case_id)
    case = parse_case({**record.case.model_dump(mode="json", by_alias=True), "case_id": case_id})
    procedures = tuple(
        parse_procedure(
            shift_dates(deidentify_procedure(p.model_dump(mode="json", by_alias=True)), days)
        )
        for p in record.procedures
    )
    follow_ups = tuple(
        parse_follow_up(
            shift_dates(deidentify_follow_up(f.model_dump(mode="json", by_alias=True)), days)
        )
        for f in record.follow_ups
    )
    assessment = record.assessment
    if assessment is not None:
        assessment = assessment.model_copy(update={"case_id": case_id})
    return dataclasses.replace(
        record,
        case=case,
        patient_code=key.deidentified("patient", record.patient_code),
        assessment=assessment,
        procedures=procedures,
        follow_ups=follow_ups,
        birth_year=None,
        recorded=moved(record.recorded),
        assessed=moved(record.assessed),
        deidentified=True,
    )
