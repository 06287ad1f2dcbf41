"""Reading a vertebro FHIR Bundle back: the vertebro documents carried as Binaries, parsed
with the same strict parsers as every other front door (lossless round trip)."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from vertebro.errors import InvalidDocument, Problem
from vertebro.exchange.fhir_export import DOCUMENT_CONTENT_TYPE, ExchangeRecord
from vertebro.model.follow_up import FollowUp
from vertebro.model.parsing import parse_case_json, parse_follow_up_json, parse_procedure_json
from vertebro.model.procedure import Procedure

__all__ = ["read_bundle"]


def _fail(path: str, reason: str) -> InvalidDocument:
    return InvalidDocument([Problem(path, reason)])


def read_bundle(text: str | bytes) -> ExchangeRecord:
    """The case, procedures and follow-ups of a Bundle written by vertebro.

    Raises :class:`InvalidDocument` with ``<path>: <reason>`` lines (``entry[3].resource.data``)
    when the Bundle is not valid FHIR R4, carries no case, or a document is invalid.
    """
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail("$", f"not valid JSON: {exc}") from None
    if not isinstance(raw, dict) or raw.get("resourceType") != "Bundle":
        raise _fail("$", "not a FHIR Bundle")
    try:
        Bundle.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "$"
        raise _fail(where, f"not a valid FHIR R4 Bundle: {first['msg']}") from None

    case = None
    patient_code = ""
    birth_year = None
    procedures: list[Procedure] = []
    follow_ups: list[FollowUp] = []
    for i, entry in enumerate(raw.get("entry") or []):
        resource: dict[str, Any] = entry.get("resource") or {}
        kind = resource.get("resourceType")
        if kind == "Patient":
            for identifier in resource.get("identifier") or []:
                if identifier.get("system") == "urn:vertebro:patient-code":
                    patient_code = str(identifier.get("value", ""))
            birth = resource.get("birthDate")
            birth_year = int(birth[:4]) if isinstance(birth, str) and birth[:4].isdigit() else None
        if kind != "Binary" or resource.get("contentType") != DOCUMENT_CONTENT_TYPE:
            continue
        where = f"entry[{i}].resource.data"
        try:
            document = base64.b64decode(resource.get("data", ""), validate=True)
            schema = json.loads(document).get("schema")
        except (binascii.Error, ValueError, AttributeError) as exc:
            raise _fail(where, f"not a vertebro document: {exc}") from None
        try:
            if schema == "vertebro.case/1":
                if case is not None:
                    raise _fail(where, "a second case in one Bundle")
                case = parse_case_json(document)
            elif schema == "vertebro.procedure/1":
                procedures.append(parse_procedure_json(document))
            elif schema == "vertebro.follow_up/1":
                follow_ups.append(parse_follow_up_json(document))
        except InvalidDocument as exc:
            raise InvalidDocument([Problem(where, str(p)) for p in exc.problems]) from None
    if case is None:
        raise _fail("$", "the Bundle carries no vertebro.case/1 document")
    return ExchangeRecord(
        case=case,
        patient_code=patient_code,
        procedures=tuple(procedures),
        follow_ups=tuple(follow_ups),
        birth_year=birth_year,
    )
