"""Reading JSON text strictly and cheaply, the same way at every front door.

RFC 8259 JSON in UTF-8 (a leading byte-order mark is skipped), with limits that make a
hostile document cheap to refuse, never a crash: nesting at most :data:`MAX_DEPTH` (64)
arrays or objects deep, checked before parsing; integers of more than
:data:`MAX_INT_DIGITS` (4,300, Python's own conversion limit) digits and strings holding a
lone surrogate (``"\\ud800"``) are kept as markers for :func:`value_problems` to report at
their path. Repeated keys are remembered for the same report. ``NaN`` and ``Infinity`` are
read as floats: the document models refuse non-finite numbers at their path.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from vertebro.errors import InvalidDocument, Problem

__all__ = [
    "MAX_DEPTH",
    "MAX_INT_DIGITS",
    "HugeInt",
    "Loc",
    "decode_json",
    "value_problems",
]

#: The deepest nesting of arrays and objects accepted (a case needs 5).
MAX_DEPTH = 64
#: The longest integer literal converted (Python's default ``int`` conversion limit).
MAX_INT_DIGITS = 4300

Loc = tuple[int | str, ...]

_BOM = "\ufeff"
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_OPENERS = str.maketrans({"[": "{", "]": "}"})
_STEP = {"{": 1, "}": -1}
_SURROGATE = re.compile("[\ud800-\udfff]")


class HugeInt:
    """Stands for an integer literal too long to convert (its digit count is kept)."""

    __slots__ = ("digits",)

    def __init__(self, digits: int) -> None:
        self.digits = digits

    def __repr__(self) -> str:
        return f"<integer of {self.digits} digits>"


class _Pairs(dict[str, Any]):
    """A JSON object that remembers the keys it saw more than once (first repeat order)."""

    __slots__ = ("duplicates",)
    duplicates: list[str]


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    marked = _Pairs(obj)
    seen: set[str] = set()
    repeated: dict[str, None] = {}
    for key, _ in pairs:
        if key in seen:
            repeated[key] = None
        seen.add(key)
    marked.duplicates = list(repeated)
    return marked


def _integer(text: str) -> int | HugeInt:
    digits = len(text) - (text[0] == "-")
    return HugeInt(digits) if digits > MAX_INT_DIGITS else int(text)


def _deeper_than(text: str, limit: int) -> bool:
    """Whether arrays and objects nest more than ``limit`` deep (strings skipped)."""
    if text.count("[") + text.count("{") <= limit:
        return False
    skeleton = "".join(re.findall(r"[][{}]", _STRING.sub("", text))).translate(_OPENERS)
    return max(itertools.accumulate(map(_STEP.__getitem__, skeleton)), default=0) > limit


def _text_of(text: str | bytes, fail: Callable[[str], InvalidDocument]) -> str:
    if isinstance(text, bytes | bytearray | memoryview):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise fail(
                f"not valid JSON: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} "
                f"at position {exc.start})"
            ) from None
    return text[1:] if text.startswith(_BOM) else text


def decode_json(text: str | bytes, error: type[InvalidDocument] = InvalidDocument) -> Any:
    """JSON text → Python values (objects as dicts, arrays as lists), strictly.

    Raises ``error`` with one ``$: …`` problem for text that is not UTF-8, not JSON, or nests
    deeper than :data:`MAX_DEPTH`. Over-long integers come back as :class:`HugeInt`; report
    them, repeated keys and lone surrogates with :func:`value_problems`.
    """

    def fail(reason: str) -> InvalidDocument:
        return error([Problem("$", reason)])

    source = _text_of(text, fail)
    if _deeper_than(source, MAX_DEPTH):
        raise fail(f"nesting deeper than {MAX_DEPTH} arrays or objects")
    try:
        return json.loads(source, object_pairs_hook=_object, parse_int=_integer)
    except json.JSONDecodeError as exc:
        raise fail(f"not valid JSON: {exc}") from None
    except (RecursionError, ValueError) as exc:  # defensive: the checks above come first
        raise fail(f"not valid JSON: {exc}") from None


def _escaped(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")


def value_problems(node: Any, loc: Loc = ()) -> Iterator[tuple[Loc, str, bool]]:
    """Every repeated key, over-long integer and lone surrogate in a decoded document, in
    document order, as ``(path, reason, fatal)``. A fatal problem leaves a value the models
    cannot read (an over-long integer, a lone surrogate): do not validate further."""
    if isinstance(node, dict):
        for key in getattr(node, "duplicates", ()):
            if not _SURROGATE.search(key):
                yield (*loc, key), "duplicate key", False
        for key, value in node.items():
            if not key.isascii() and _SURROGATE.search(key):
                yield loc, f"a key holds a lone surrogate ({_escaped(key)[:40]})", True
                continue
            yield from value_problems(value, (*loc, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from value_problems(value, (*loc, i))
    elif isinstance(node, str):
        if not node.isascii() and _SURROGATE.search(node):
            yield loc, "must not hold a lone surrogate (a \\ud800–\\udfff escape)", True
    elif isinstance(node, HugeInt):
        yield loc, f"integer too large ({node.digits} digits; at most {MAX_INT_DIGITS})", True
    elif isinstance(node, int) and not isinstance(node, bool) and node.bit_length() > 14_300:
        yield loc, f"integer too large (more than {MAX_INT_DIGITS} digits)", True
