"""Reading FHIR R4 Bundles: vertebro's own, whose Binaries carry the vertebro documents
(parsed with the same strict parsers as every other front door: a lossless round trip),
and other systems' plain resources, mapped into a draft case (:mod:`fhir_foreign`).

Every entry's ``resourceType`` is checked first: one that is not an R4 resource type (a
typo), or an R4 type the R4B model library cannot read (``MedicinalProduct`` …), refuses
the whole Bundle with ``entry[n].resourceType: …``. The Bundle is read by the strict JSON
reader of every front door (no repeated key, nesting at most 64 deep, no over-long integer)
and may hold at most :data:`MAX_ENTRIES` entries.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from vertebro.errors import InvalidDocument, Problem
from vertebro.exchange.fhir_export import DOCUMENT_CONTENT_TYPE, PATIENT_CODE_SYSTEM, ExchangeRecord
from vertebro.model.follow_up import FollowUp
from vertebro.model.jsontext import decode_json
from vertebro.model.parsing import (
    MAX_PROBLEMS,
    format_path,
    parse_case_json,
    parse_follow_up_json,
    parse_procedure_json,
    read_json,
)
from vertebro.model.procedure import Procedure

if TYPE_CHECKING:
    from vertebro.exchange.concept_map import ConceptMap
    from vertebro.exchange.fhir_foreign import Draft
    from vertebro.exchange.pseudonym import PseudonymKey

__all__ = ["MAX_ENTRIES", "ImportedBundle", "load_bundle", "read_bundle", "read_import"]

_MAX_PROBLEMS = MAX_PROBLEMS
#: Bundles hold a few hundred entries; more are refused before FHIR validation.
MAX_ENTRIES = 5000
_ENTRY = re.compile(r"^entry\[\d+\]\.resource$")


def _fail(path: str, reason: str) -> InvalidDocument:
    return InvalidDocument([Problem(path, reason)])


@cache
def r4_resource_types() -> frozenset[str]:
    """The resource types of FHIR R4 4.0.1 (``data/r4-resource-types.json``)."""
    text = files("vertebro.exchange").joinpath("data/r4-resource-types.json").read_text("utf-8")
    return frozenset(json.loads(text)["types"])


@cache
def _readable(kind: str) -> bool:
    """Whether the R4B model library knows the resource type."""
    from fhir.resources.R4B import get_fhir_model_class

    try:
        get_fhir_model_class(kind)
    except (KeyError, ValueError):
        return False
    return True


def _resources(node: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Every resource inside ``node`` (objects carrying ``resourceType``), with its path."""
    if isinstance(node, dict):
        if "resourceType" in node:
            yield path, node["resourceType"]
        for key, value in node.items():
            yield from _resources(value, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _resources(value, f"{path}[{i}]")


def _check_types(raw: dict[str, Any]) -> None:
    problems: list[Problem] = []
    for path, kind in _resources(raw.get("entry"), "entry"):
        # an entry's own resource is named entry[n].resourceType; nested ones by full path
        where = f"{path.removesuffix('.resource') if _ENTRY.match(path) else path}.resourceType"
        if not isinstance(kind, str):
            problems.append(Problem(where, "must be a resource type name"))
        elif kind not in r4_resource_types():
            problems.append(Problem(where, f"{kind!r} is not an HL7 FHIR R4 resource type"))
        elif not _readable(kind):
            problems.append(
                Problem(
                    where,
                    f"{kind!r} is an R4 resource type vertebro cannot read (it is not in "
                    "FHIR R4B, which vertebro's FHIR library implements); remove the entry",
                )
            )
    if problems:
        raise InvalidDocument(problems[:_MAX_PROBLEMS])


def load_bundle(text: str | bytes) -> dict[str, Any]:
    """The Bundle as JSON, checked: JSON, a Bundle, every resource type readable, valid R4
    as far as the R4B models check. :class:`InvalidDocument` with every problem otherwise."""
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    raw = read_json(text, limit=_MAX_PROBLEMS)  # nesting deeper than 64 is refused here
    if not isinstance(raw, dict) or raw.get("resourceType") != "Bundle":
        raise _fail("$", "not a FHIR Bundle")
    entries = raw.get("entry")
    if isinstance(entries, list) and len(entries) > MAX_ENTRIES:
        raise _fail("entry", f"must hold at most {MAX_ENTRIES} entries, got {len(entries)}")
    _check_types(raw)
    try:
        Bundle.model_validate(raw)
    except ValidationError as exc:
        problems = [
            Problem(format_path(error["loc"]) or "$", f"not a valid FHIR R4 Bundle: {error['msg']}")
            for error in exc.errors()[:_MAX_PROBLEMS]
        ]
        raise InvalidDocument(problems) from None
    return raw


def _entries(raw: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    for i, entry in enumerate(raw.get("entry") or []):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(resource, dict):
            yield i, resource


def _documents(raw: dict[str, Any]) -> Iterator[tuple[int, bytes, Any]]:
    """The vertebro documents of the Bundle's Binaries: (entry index, bytes, schema)."""
    for i, resource in _entries(raw):
        if resource.get("resourceType") != "Binary":
            continue
        if resource.get("contentType") != DOCUMENT_CONTENT_TYPE:
            continue
        where = f"entry[{i}].resource.data"
        try:
            document = base64.b64decode(resource.get("data", ""), validate=True)
            decoded = decode_json(document)
        except binascii.Error as exc:
            raise _fail(where, f"not a vertebro document: not base64 ({exc})") from None
        except InvalidDocument as exc:
            raise _fail(where, f"not a vertebro document: {exc.lines[0]}") from None
        schema = decoded.get("schema") if isinstance(decoded, dict) else None
        if not (isinstance(schema, str) and schema.startswith("vertebro.")):
            # the Binary claims vertebro's content type: it must hold a vertebro document
            raise _fail(where, "not a vertebro document: no vertebro.*/1 schema")
        yield i, document, schema


def is_vertebro_bundle(raw: dict[str, Any]) -> bool:
    """Whether the Bundle carries vertebro documents (else it is another system's)."""
    return any(str(schema).startswith("vertebro.") for _, _, schema in _documents(raw))


def _record(raw: dict[str, Any]) -> ExchangeRecord:
    case = None
    patient_code = ""
    birth_year = None
    for _, resource in _entries(raw):
        if resource.get("resourceType") == "Patient":
            for identifier in resource.get("identifier") or []:
                if identifier.get("system") == PATIENT_CODE_SYSTEM:
                    patient_code = str(identifier.get("value", ""))
            birth = resource.get("birthDate")
            birth_year = int(birth[:4]) if isinstance(birth, str) and birth[:4].isdigit() else None
    procedures: list[Procedure] = []
    follow_ups: list[FollowUp] = []
    for i, document, schema in _documents(raw):
        where = f"entry[{i}].resource.data"
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


def read_bundle(text: str | bytes) -> ExchangeRecord:
    """The case, procedures and follow-ups of a Bundle written by vertebro.

    Raises :class:`InvalidDocument` with ``<path>: <reason>`` lines (``entry[3].resource.data``)
    when the Bundle is not valid FHIR R4, carries no case, or a document is invalid.
    """
    return _record(load_bundle(text))


@dataclass(frozen=True)
class ImportedBundle:
    """What a Bundle holds: vertebro's ``record``, or another system's ``draft``."""

    record: ExchangeRecord | None = None
    draft: Draft | None = None


def read_import(
    text: str | bytes,
    *,
    key: PseudonymKey | None = None,
    patient_code: str | None = None,
    concepts: ConceptMap | None = None,
    today: date,
) -> ImportedBundle:
    """Either Bundle: vertebro's (its documents) or another system's (mapped through the
    concept map into a draft, see :func:`vertebro.exchange.fhir_foreign.map_bundle`)."""
    from vertebro.exchange.concept_map import packaged_concept_map
    from vertebro.exchange.fhir_foreign import map_bundle

    raw = load_bundle(text)
    if is_vertebro_bundle(raw):
        return ImportedBundle(record=_record(raw))
    draft = map_bundle(
        raw,
        key=key,
        patient_code=patient_code,
        concepts=concepts or packaged_concept_map(),
        today=today,
    )
    return ImportedBundle(draft=draft)
