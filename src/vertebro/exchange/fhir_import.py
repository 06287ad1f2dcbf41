"""Reading a vertebro FHIR Bundle back: the vertebro documents carried as Binaries, parsed
with the same strict parsers as every other front door (lossless round trip). The Bundle
itself is read by the same strict JSON reader: no repeated key, nesting at most 64 deep."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from vertebro.errors import InvalidDocument, Problem
from vertebro.exchange.fhir_export import DOCUMENT_CONTENT_TYPE, ExchangeRecord
from vertebro.model.follow_up import FollowUp
from vertebro.model.jsontext import decode_json, value_problems
from vertebro.model.parsing import (
    CASE,
    FOLLOW_UP,
    MAX_PROBLEMS,
    PROCEDURE,
    format_path,
    validate_document,
)
from vertebro.model.procedure import Procedure

__all__ = ["MAX_ENTRIES", "read_bundle"]

#: A vertebro Bundle holds a few hundred entries; more are refused before FHIR validation.
MAX_ENTRIES = 5000


def _fail(path: str, reason: str) -> InvalidDocument:
    return InvalidDocument([Problem(path, reason)])


def _document(resource: dict[str, Any], where: str) -> Any:
    """The JSON document a Binary carries (base64), decoded strictly."""
    try:
        return decode_json(base64.b64decode(resource.get("data") or "", validate=True))
    except binascii.Error as exc:
        raise _fail(where, f"not a vertebro document: not base64 ({exc})") from None
    except InvalidDocument as exc:
        raise _fail(where, f"not a vertebro document: {exc.lines[0]}") from None


def read_bundle(text: str | bytes) -> ExchangeRecord:
    """The case, procedures and follow-ups of a Bundle written by vertebro.

    Raises :class:`InvalidDocument` with ``<path>: <reason>`` lines (``entry[3].resource.data``)
    when the Bundle is not valid FHIR R4, carries no case, or a document is invalid.
    """
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    raw = decode_json(text)
    problems = [Problem(format_path(loc), why) for loc, why, _ in value_problems(raw)]
    if problems:
        raise InvalidDocument(problems[:MAX_PROBLEMS])
    if not isinstance(raw, dict) or raw.get("resourceType") != "Bundle":
        raise _fail("$", "not a FHIR Bundle")
    entries = raw.get("entry")
    if isinstance(entries, list) and len(entries) > MAX_ENTRIES:
        raise _fail("entry", f"must hold at most {MAX_ENTRIES} entries, got {len(entries)}")
    try:
        Bundle.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = format_path(tuple(first["loc"]))
        raise _fail(where, f"not a valid FHIR R4 Bundle: {first['msg']}") from None

    case = None
    patient_code = ""
    birth_year = None
    procedures: list[Procedure] = []
    follow_ups: list[FollowUp] = []
    for i, entry in enumerate(entries or []):
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
        document = _document(resource, where)
        schema = document.get("schema") if isinstance(document, dict) else None
        if schema == "vertebro.case/1" and case is not None:
            raise _fail(where, "a second case in one Bundle")
        try:
            if schema == "vertebro.case/1":
                case = validate_document(CASE, document)
            elif schema == "vertebro.procedure/1":
                procedures.append(validate_document(PROCEDURE, document))
            elif schema == "vertebro.follow_up/1":
                follow_ups.append(validate_document(FOLLOW_UP, document))
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
