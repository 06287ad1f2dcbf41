"""Reading documents strictly: JSON in, a model or every problem with its path out.

One machinery for the three documents (``vertebro.case/1``, ``vertebro.procedure/1``,
``vertebro.follow_up/1``): unknown or repeated keys, exact JSON types and finite numbers,
``null`` rules. Paths join keys with ``.`` and write indices as ``[i]``
(``fractures[1].level``); a problem not tied to a field uses ``$``. Problems come in
document order.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from vertebro.errors import (
    InvalidCase,
    InvalidDocument,
    InvalidFollowUp,
    InvalidProcedure,
    Problem,
)
from vertebro.model.case import Case
from vertebro.model.follow_up import FollowUp
from vertebro.model.jsontext import Loc, decode_json, value_problems
from vertebro.model.procedure import Procedure

__all__ = [
    "CASE",
    "FOLLOW_UP",
    "MAX_PROBLEMS",
    "PROCEDURE",
    "DocumentKind",
    "format_path",
    "parse_case",
    "parse_case_json",
    "parse_document",
    "parse_document_json",
    "parse_follow_up",
    "parse_follow_up_json",
    "parse_procedure",
    "parse_procedure_json",
    "read_json",
    "validate_case",
    "validate_document",
]

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class DocumentKind(Generic[M]):
    """A strict JSON document: its model, its error class, and the array (if any) whose
    items' ``level`` must be unique."""

    model: type[M]
    error: type[InvalidDocument]
    unique_levels: str | None = None


#: At most this many problems are listed; a last line ``$: N more problems not listed``
#: counts the rest (a hostile document can hold hundreds of thousands).
MAX_PROBLEMS = 100

CASE = DocumentKind(Case, InvalidCase, "fractures")
PROCEDURE = DocumentKind(Procedure, InvalidProcedure, "levels")
FOLLOW_UP = DocumentKind(FollowUp, InvalidFollowUp, "new_fractures")

#: A validator's message that names its own path: ``levels[1].level: duplicate of …``.
_PATH_MESSAGE = re.compile(r"^([A-Za-z_]\w*(?:\[\d+\]|\.[A-Za-z_]\w*)*): (.+)$", re.DOTALL)


def format_path(loc: Sequence[int | str]) -> str:
    """``("fractures", 1, "level")`` → ``fractures[1].level``; ``()`` → ``$``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out or "$"


def read_json(
    text: str | bytes, error: type[InvalidDocument] = InvalidDocument, *, limit: int = 100
) -> Any:
    """JSON text read strictly (:func:`~vertebro.model.jsontext.decode_json`), with every
    repeated key, over-long integer and lone surrogate (at most ``limit``) raised as
    ``error``: for documents that no model validates field by field (FHIR Bundles, API
    bodies holding several documents)."""
    value = decode_json(text, error)
    found = itertools.islice(value_problems(value), limit)
    problems = [Problem(format_path(loc), why) for loc, why, _ in found]
    if problems:
        raise error(problems)
    return value


def _json_pieces(value: Any) -> Iterator[str]:
    """``value`` as JSON text, piece by piece (so that a preview of a huge array or object
    stops early)."""
    if isinstance(value, dict):
        yield "{"
        for i, (key, item) in enumerate(value.items()):
            yield f"{', ' if i else ''}{json.dumps(key, ensure_ascii=False)}: "
            yield from _json_pieces(item)
        yield "}"
    elif isinstance(value, list | tuple):
        yield "["
        for i, item in enumerate(value):
            yield ", " if i else ""
            yield from _json_pieces(item)
        yield "]"
    else:
        try:
            yield json.dumps(value, ensure_ascii=False, allow_nan=True)
        except (TypeError, ValueError):
            yield repr(value)


def _json_text(value: Any) -> str:
    """A preview of ``value`` as JSON, at most 40 characters."""
    text = ""
    for piece in _json_pieces(value):
        text += piece
        if len(text) > 40:
            return text[:37] + "..."
    return text


def _is_required(loc: Loc, root: type[BaseModel]) -> bool:
    """Whether the field at ``loc`` is required (``False`` when ``loc`` is not a field)."""
    model: type[BaseModel] = root
    annotation: Any = None
    for part in loc:
        if isinstance(part, int):
            continue
        if model is None:
            return False
        field = model.model_fields.get(part) or next(
            (f for f in model.model_fields.values() if f.alias == part), None
        )
        if field is None:
            return False
        annotation = field
        model = _model_in(field.annotation)
    return annotation is not None and bool(annotation.is_required())


def _model_in(annotation: Any) -> Any:
    for candidate in (annotation, *getattr(annotation, "__args__", ())):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
        for inner in getattr(candidate, "__args__", ()):
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
    return None


def _bounds(ctx: Mapping[str, Any], kind: str) -> str:
    limit = ctx.get(kind)
    if isinstance(limit, float) and limit.is_integer():
        limit = int(limit)
    words = {"ge": "at least", "gt": "greater than", "le": "at most", "lt": "less than"}
    return f"must be {words[kind]} {limit}"


def _reason(error: ErrorDetails, root: type[BaseModel]) -> tuple[Loc, str]:
    loc: Loc = tuple(error["loc"])
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        if loc and isinstance(loc[-1], int):
            return loc[:-1], "must be [x, y]: too few values"
        return loc, "required"
    if value is None and kind != "value_error":
        return loc, "required" if _is_required(loc, root) else "must not be null"
    if kind == "extra_forbidden":
        return loc, "unknown key"
    if kind == "value_error":
        message = str(ctx.get("error", error["msg"]))
        named = _PATH_MESSAGE.match(message)
        if named is None:
            return loc, message
        # The path is relative to the validated model, or (for a field validator, whose
        # message starts with the field's own name) to the model holding the field.
        path = _parse_path(named.group(1))
        base = loc[:-1] if loc and isinstance(loc[-1], str) and path[0] == loc[-1] else loc
        return (*base, *path), named.group(2)
    got = _json_text(value)
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return loc, f"must be an integer, got {got}"
    if kind in ("float_type", "float_parsing"):
        return loc, f"must be a number, got {got}"
    if kind == "finite_number":
        return loc, f"must be a finite number, got {got}"
    if kind in ("date_type", "date_parsing", "date_from_datetime_parsing"):
        return loc, f"must be an ISO date YYYY-MM-DD, got {got}"
    if kind in ("bool_type", "bool_parsing"):
        return loc, f"must be true or false, got {got}"
    if kind in ("string_type", "str_type"):
        return loc, f"must be a string, got {got}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        key = {
            "greater_than_equal": "ge",
            "greater_than": "gt",
            "less_than_equal": "le",
            "less_than": "lt",
        }[kind]
        return loc, f"{_bounds(ctx, key)}, got {got}"
    if kind == "enum":
        if loc and loc[-1] == "level" and isinstance(value, str):
            return loc, f"{value!r} is outside T1–L5"
        if not isinstance(value, str):
            return loc, f"must be a string, got {got}"
        return loc, f"{value!r} is not one of {ctx.get('expected', '')}"
    if kind == "literal_error":
        return loc, f"must be {ctx.get('expected', '')}, got {got}"
    if kind == "string_pattern_mismatch":
        return loc, f"must be 1–64 characters of A-Za-z0-9._-, got {got}"
    if kind == "string_too_short":
        return loc, "must not be empty"
    if kind == "string_too_long":
        return loc, f"must be at most {ctx.get('max_length')} characters"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return loc, f"must be an object, got {got}"
    if kind in ("list_type", "tuple_type"):
        what = "an array [x, y]" if kind == "tuple_type" else "an array"
        return loc, f"must be {what}, got {got}"
    if kind in ("too_short", "too_long"):
        return loc, _length_reason(kind, loc, ctx)
    return loc, error["msg"]


def _length_reason(kind: str, loc: Loc, ctx: Mapping[str, Any]) -> str:
    few = kind == "too_short"
    if ctx.get("field_type") == "Tuple":
        return f"must be [x, y]: too {'few' if few else 'many'} values"
    if loc == ("fractures",):
        return "must hold at least 1 fracture" if few else "must hold at most 17 fractures"
    limit = ctx.get("min_length" if few else "max_length")
    return f"must hold at {'least' if few else 'most'} {limit} item{'' if limit == 1 else 's'}"


def _parse_path(path: str) -> Loc:
    loc: list[int | str] = []
    for piece in path.replace("[", ".[").split("."):
        if not piece:
            continue
        loc.append(int(piece[1:-1]) if piece.startswith("[") else piece)
    return tuple(loc)


@functools.cache
def _field_step(model: Any, part: str) -> tuple[int, Any]:
    """Where the field ``part`` stands among ``model``'s fields (after every key present)
    and the model of its value (``None`` when not a model)."""
    if model is None:
        return 10_000, None
    names = ["schema" if n == "schema_" else n for n in model.model_fields]
    rank = 10_000 + (names.index(part) if part in names else 0)
    field = model.model_fields.get("schema_" if part == "schema" else part)
    return rank, _model_in(field.annotation) if field is not None else None


class _DocumentOrder:
    """Sort key: the position of a path in the document. Keys by their place in the input
    object, absent keys after the present ones (in the model's field order); each object's
    key positions are computed once."""

    def __init__(self, document: Any, root: type[BaseModel]) -> None:
        self.document = document
        self.root = root
        self.positions: dict[int, dict[str, int]] = {}

    def _place(self, node: dict[str, Any], part: str) -> int | None:
        table = self.positions.get(id(node))
        if table is None:
            table = self.positions[id(node)] = {k: i for i, k in enumerate(node)}
        return table.get(part)

    def __call__(self, problem: tuple[Loc, str]) -> tuple[int, ...]:
        key: list[int] = []
        node = self.document
        model: Any = self.root
        for part in problem[0]:
            if isinstance(part, int):
                key.append(part)
                node = node[part] if isinstance(node, list) and part < len(node) else None
                continue
            rank, inner = _field_step(model, part)
            place = self._place(node, part) if isinstance(node, dict) else None
            if place is None:
                key.append(rank)
                node = None
            else:
                key.append(place)
                node = node[part]
            model = inner
        return tuple(key)


def _duplicate_levels(document: dict[str, Any], name: str) -> Iterator[tuple[Loc, str]]:
    """Repeated levels in the array ``name``, in document order, even when other problems
    stopped the model's own check."""
    items = document.get(name)
    if not isinstance(items, list):
        return
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        level = item.get("level") if isinstance(item, dict) else None
        if not isinstance(level, str):
            continue
        if level in seen:
            yield (name, i, "level"), f"duplicate of {name}[{seen[level]}]"
        else:
            seen[level] = i


def _first(found: Iterable[tuple[Loc, str]], out: list[tuple[Loc, str]], known: set[Any]) -> int:
    """Add the first :data:`MAX_PROBLEMS` of ``found`` (in document order) that are not in
    ``known`` to ``out``; returns how many more there were."""
    kept = more = 0
    for problem in found:
        if problem in known:
            continue
        if kept < MAX_PROBLEMS:
            out.append(problem)
            known.add(problem)
            kept += 1
        else:
            more += 1
    return more


def validate_document(kind: DocumentKind[M], document: Any) -> M:
    """Validate an already-decoded JSON document (dicts, lists, numbers …) as ``kind``.

    Raises ``kind.error`` (an :class:`InvalidDocument`) with every problem, in document order;
    beyond :data:`MAX_PROBLEMS` problems, the first ones and a last line saying how many
    more there were.
    """
    if not isinstance(document, dict):
        raise kind.error([Problem("$", f"must be a JSON object, got {_json_text(document)}")])
    problems: list[tuple[Loc, str]] = []
    fatal = False

    def scanned() -> Iterator[tuple[Loc, str]]:
        nonlocal fatal
        for loc, reason, stops in value_problems(document):
            fatal = fatal or stops
            yield loc, reason

    more = _first(scanned(), problems, set())
    if not fatal:
        try:
            result = kind.model.model_validate(document)
        except ValidationError as exc:
            problems.extend(_reason(e, kind.model) for e in exc.errors(include_url=False))
            if kind.unique_levels is not None:
                repeats = _duplicate_levels(document, kind.unique_levels)
                more += _first(repeats, problems, set(problems))
        else:
            if not problems:
                return result
    problems.sort(key=_DocumentOrder(document, kind.model))
    if len(problems) > MAX_PROBLEMS:
        more += len(problems) - MAX_PROBLEMS
        del problems[MAX_PROBLEMS:]
    listed = [Problem(format_path(loc), reason) for loc, reason in problems]
    if more:
        shown = f"only the first {MAX_PROBLEMS} are"
        listed.append(Problem("$", f"{more} more problems not listed ({shown})"))
    raise kind.error(listed)


def validate_case(document: Any) -> Case:
    """Validate an already-decoded JSON document (dicts, lists, numbers …) as a case.

    Raises :class:`InvalidCase` with every problem, in document order.
    """
    return validate_document(CASE, document)


_validate_json = Case.__pydantic_validator__.validate_json
#: Larger texts skip the fast path: no valid case comes near this size (17 fractures with
#: every field take about 15 kB), and refusing a hostile megabyte costs less on the exact path.
_FAST_PATH_BYTES = 256 * 1024


def _colons(text: bytes) -> int:
    """An upper bound on the keys written in JSON ``text``: every key is followed by one
    colon, and only a string can hold another (no string of a valid case does)."""
    return text.count(b":")


def _keys_given(case: Case) -> int:
    """How many keys the input gave, over the case and every object inside it (the case
    model's nesting is fixed: patient, clinical, fractures, their heights and landmarks)."""
    count = (
        len(case.__pydantic_fields_set__)
        + len(case.patient.__pydantic_fields_set__)
        + len(case.clinical.__pydantic_fields_set__)
    )
    for fracture in case.fractures:
        count += len(fracture.__pydantic_fields_set__)
        if fracture.heights_mm is not None:
            count += len(fracture.heights_mm.__pydantic_fields_set__)
        if fracture.landmarks_mm is not None:
            count += len(fracture.landmarks_mm.__pydantic_fields_set__)
    return count


def _fast_parse(text: bytes) -> Case | None:
    """The common path: Rust JSON parsing and validation in one call. A repeated key would
    go unseen there (the last value wins), so the case is accepted only when the text holds
    no more colons than the validated case has keys: colons ≥ keys written ≥ distinct keys,
    and equality leaves no room for a repeat. Anything else (a repeated key, a colon inside
    a string) goes through the exact, slower path."""
    try:
        case: Case = _validate_json(text)
    except ValidationError:
        return None
    return case if _colons(text) == _keys_given(case) else None


def _decode(kind: DocumentKind[Any], text: str | bytes) -> Any:
    """JSON text → Python values (:func:`~vertebro.model.jsontext.decode_json`)."""
    return decode_json(text, kind.error)


def parse_document_json(kind: DocumentKind[M], text: str | bytes) -> M:
    """Parse JSON text strictly as ``kind``: duplicate keys, exact types, finite numbers.

    Raises ``kind.error`` (``$: not valid JSON: …`` for text that is not JSON).
    """
    return validate_document(kind, _decode(kind, text))


def parse_document(kind: DocumentKind[M], source: str | bytes | Mapping[str, Any] | M) -> M:
    """A ``kind`` document from JSON text, a decoded document or an existing model."""
    if isinstance(source, kind.model):
        return source
    if isinstance(source, str | bytes):
        return parse_document_json(kind, source)
    return validate_document(kind, source if isinstance(source, dict) else dict(source))


def parse_case_json(text: str | bytes) -> Case:
    """Parse case JSON text strictly: duplicate keys, exact types, finite numbers.

    Raises :class:`InvalidCase` (``$: not valid JSON: …`` for text that is not JSON).
    """
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    case = _fast_parse(raw) if len(raw) <= _FAST_PATH_BYTES else None
    if case is not None:
        return case
    return validate_document(CASE, _decode(CASE, text))


def parse_case(source: str | bytes | Mapping[str, Any] | Case) -> Case:
    """A case from JSON text, a decoded document or an existing :class:`Case`."""
    if isinstance(source, Case):
        return source
    if isinstance(source, str | bytes):
        return parse_case_json(source)
    return validate_case(dict(source) if not isinstance(source, dict) else source)


def parse_procedure_json(text: str | bytes) -> Procedure:
    """Parse ``vertebro.procedure/1`` JSON text strictly; raises :class:`InvalidProcedure`."""
    return parse_document_json(PROCEDURE, text)


def parse_procedure(source: str | bytes | Mapping[str, Any] | Procedure) -> Procedure:
    """A procedure from JSON text, a decoded document or an existing :class:`Procedure`."""
    return parse_document(PROCEDURE, source)


def parse_follow_up_json(text: str | bytes) -> FollowUp:
    """Parse ``vertebro.follow_up/1`` JSON text strictly; raises :class:`InvalidFollowUp`."""
    return parse_document_json(FOLLOW_UP, text)


def parse_follow_up(source: str | bytes | Mapping[str, Any] | FollowUp) -> FollowUp:
    """A follow-up from JSON text, a decoded document or an existing :class:`FollowUp`."""
    return parse_document(FOLLOW_UP, source)
