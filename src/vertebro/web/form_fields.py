"""Form fields: what a form shows (label, kind, choices, unit, hint), and the two-way
mapping between HTML form values and JSON documents.

Input names are the documents' own paths (``patient.age_years``,
``fractures[0].heights_mm.anterior``), so the core parser's ``<path>: <reason>`` lines land
next to the input they are about. Values are passed to the parser as typed as possible
and otherwise verbatim, so it — not the form — says what is wrong.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal

__all__ = [
    "Field",
    "build_document",
    "choices_of",
    "field_id",
    "flatten",
    "form_value",
]

Kind = Literal["int", "number", "bool3", "bool2", "enum", "text", "date", "textarea"]


@dataclass(frozen=True, slots=True)
class Field:
    """One input. ``name`` is relative (``age_years``) and joined to its group's prefix.

    ``bool3``: a nullable boolean → Yes / No / Not known (default Not known).
    ``bool2``: a boolean with a default or required → Yes / No.
    ``enum`` with ``nullable`` adds a "Not known" choice; ``default`` preselects a value.
    """

    name: str
    label: str
    kind: Kind
    choices: tuple[tuple[str, str], ...] = ()
    unit: str = ""
    hint: str = ""
    required: bool = False
    nullable: bool = True
    default: str = ""
    step: str = "any"
    minimum: str = ""
    maximum: str = ""
    empty_label: str = "Not known"


def choices_of(
    enum: type[Enum], words: dict[str, str] | None = None
) -> tuple[tuple[str, str], ...]:
    """``(value, label)`` pairs of an enum, labelled by ``words`` or the value itself."""
    from vertebro.web.labels import label

    words = words or {}
    return tuple((str(m.value), words.get(str(m.value), label(m.value))) for m in enum)


_INT = re.compile(r"^[+-]?\d{1,12}$")
_NUMBER = re.compile(r"^[+-]?(\d{1,15}(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?$")


def field_id(path: str) -> str:
    """The HTML id of a form field (``fractures[1].mri_edema`` → ``f-fractures-1-mri_edema``):
    error summaries and the case page link to it."""
    return "f-" + path.replace("[", "-").replace("]", "").replace(".", "-")


def form_value(kind: Kind, raw: str) -> Any:
    """One form string → a JSON value (``None`` = leave the key out)."""
    text = raw.strip()
    if text == "":
        return None
    if kind == "int":
        if _INT.match(text):
            return int(text)
        return float(text) if _NUMBER.match(text) else text
    if kind == "number":
        if _NUMBER.match(text.replace(",", ".", 1)):
            return float(text.replace(",", ".", 1))
        return text
    if kind in ("bool3", "bool2"):
        return {"true": True, "false": False}.get(text, text)
    return raw if kind == "textarea" else text


def block_indices(values: Mapping[str, Any], name: str) -> list[int]:
    """The indices ``i`` of the repeated blocks ``name[i].…`` a submitted form holds, in
    order (as many as its fields at most: a hostile ``fractures[999999999]`` is one)."""
    pattern = re.compile(rf"^{re.escape(name)}\[(\d{{1,9}})\]\.")
    return sorted({int(m.group(1)) for key in values if (m := pattern.match(key))})


def block_count(values: Mapping[str, Any], name: str, limit: int) -> int:
    """How many blocks ``name[i]`` to show: up to the highest index given, at least one, at
    most ``limit``."""
    found = block_indices(values, name)
    return max(1, min(found[-1] + 1 if found else 1, limit))


_SEGMENT = re.compile(r"([A-Za-z_]\w*)((?:\[\d+\])*)")


def _parts(path: str) -> list[str | int]:
    parts: list[str | int] = []
    for piece in path.split("."):
        found = _SEGMENT.fullmatch(piece)
        if found is None:
            raise ValueError(f"bad form path {path!r}")
        parts.append(found.group(1))
        parts.extend(int(i) for i in re.findall(r"\[(\d+)\]", found.group(2)))
    return parts


def _put(document: dict[str, Any], parts: list[str | int], value: Any) -> None:
    node: Any = document
    for here, following in itertools.pairwise(parts):
        empty: Any = [] if isinstance(following, int) else {}
        if isinstance(here, int):
            while len(node) <= here:
                node.append(None)
            if node[here] is None:
                node[here] = empty
            node = node[here]
        else:
            node = node.setdefault(here, empty)
    last = parts[-1]
    if isinstance(last, int):
        while len(node) <= last:
            node.append(None)
        node[last] = value
    else:
        node[last] = value


def build_document(values: dict[str, Any], kinds: dict[str, Kind]) -> dict[str, Any]:
    """Form values (path → string) → a nested JSON document. Keys without a value are left
    out (the document's default or "not known" applies); ``kinds`` says how to type each."""
    document: dict[str, Any] = {}
    for path, kind in kinds.items():
        raw = values.get(path)
        if not isinstance(raw, str):
            continue
        value = form_value(kind, raw)
        if value is not None:
            _put(document, _parts(path), value)
    return document


def flatten(document: Any, prefix: str = "") -> dict[str, str]:
    """A JSON document → form values (path → string); ``null`` → ``""``."""
    out: dict[str, str] = {}
    if isinstance(document, dict):
        for key, value in document.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(document, list):
        for i, value in enumerate(document):
            out.update(flatten(value, f"{prefix}[{i}]"))
    elif document is None:
        out[prefix] = ""
    elif isinstance(document, bool):
        out[prefix] = "true" if document else "false"
    elif isinstance(document, float) and document.is_integer():
        out[prefix] = str(int(document)) if abs(document) < 1e15 else repr(document)
    else:
        out[prefix] = str(document)
    return out
