"""Label conventions (measurement-v1 "Reading the labels", steps 1, 2 and 5).

The schemes themselves are versioned data files in ``imaging/data/`` with their
source: TotalSegmentator v2 "total" ids and VerSe instance ids.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

__all__ = [
    "SPINE_ORDER",
    "Convention",
    "choose_convention",
    "evaluable_level",
    "spine_index",
    "totalsegmentator_table",
    "verse_body_subregions",
    "vertebra_levels",
]

#: Every vertebra name vertebro reads, cranial → caudal (spec step 5).
SPINE_ORDER: tuple[str, ...] = (
    *(f"C{i}" for i in range(1, 8)),
    *(f"T{i}" for i in range(1, 14)),
    *(f"L{i}" for i in range(1, 7)),
    "S1",
)
_SPINE_INDEX = {name: i for i, name in enumerate(SPINE_ORDER)}
_EVALUABLE = frozenset([*(f"T{i}" for i in range(1, 13)), *(f"L{i}" for i in range(1, 6))])
_TS_VERTEBRA = re.compile(r"vertebrae_(C[1-7]|T([1-9]|1[0-3])|L[1-6]|S1)")
#: TotalSegmentator v2 ids whose presence means "TotalSegmentator" (spec step 1).
_TS_SIGNATURE = frozenset({26, 27, *range(29, 51)})


class Convention(StrEnum):
    """How label values map to vertebrae."""

    TOTALSEGMENTATOR = "totalsegmentator"
    VERSE = "verse"


def spine_index(level: str) -> int:
    """Position of a level name in ``SPINE_ORDER`` (C1 is 0, S1 is 26)."""
    return _SPINE_INDEX[level]


def evaluable_level(level: str) -> bool:
    """Only T1–T12 and L1–L5 can be evaluable (spec step 5)."""
    return level in _EVALUABLE


def level_of_totalsegmentator_name(name: str) -> str | None:
    """``vertebrae_L1`` → ``L1``; any other class name → None."""
    match = _TS_VERTEBRA.fullmatch(name)
    return match.group(1) if match else None


@cache
def _scheme(name: str) -> dict[str, Any]:
    text = (Path(__file__).parent / "data" / name).read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def totalsegmentator_table() -> dict[int, str]:
    """TotalSegmentator v2 "total" ``{id: class name}`` (packaged, with its source)."""
    return {int(k): v for k, v in _scheme("totalsegmentator_v2_total.json")["labels"].items()}


def verse_body_subregions() -> frozenset[int]:
    """Subregion values that make up the vertebral body (49, 50, 62)."""
    return frozenset(int(v) for v in _scheme("verse.json")["body_subregions"])


def _verse_levels() -> dict[int, str]:
    return {int(k): v for k, v in _scheme("verse.json")["vertebrae"].items()}


def choose_convention(
    requested: str,
    *,
    from_folder: bool,
    label_table: Mapping[int, str] | None,
    present_values: Iterable[int],
) -> tuple[Convention, str]:
    """Spec step 1: the convention and where it came from (``folder``, ``header``,
    ``values``, or ``option`` when the caller named one)."""
    if requested != "auto":
        return Convention(requested), "option"
    if from_folder:
        return Convention.TOTALSEGMENTATOR, "folder"
    if label_table:
        return Convention.TOTALSEGMENTATOR, "header"
    if _TS_SIGNATURE.intersection(int(v) for v in present_values):
        return Convention.TOTALSEGMENTATOR, "values"
    return Convention.VERSE, "values"


def vertebra_levels(
    convention: Convention, label_table: Mapping[int, str] | None
) -> dict[int, str]:
    """Spec step 2: ``{label value: level name}`` of the vertebra classes of a convention.

    TotalSegmentator ids come from the file's header table when it has one, else from
    the packaged v2 table; every non-vertebra class is left out.

    >>> vertebra_levels(Convention.VERSE, None)[28]
    'T13'
    >>> vertebra_levels(Convention.TOTALSEGMENTATOR, None)[31]
    'L1'
    >>> vertebra_levels(Convention.TOTALSEGMENTATOR, {19: "vertebrae", 20: "vertebrae_L1"})
    {20: 'L1'}
    """
    if convention is Convention.VERSE:
        return _verse_levels()
    table = label_table if label_table else totalsegmentator_table()
    out: dict[int, str] = {}
    for value, name in table.items():
        level = level_of_totalsegmentator_name(name)
        if level is not None:
            out[int(value)] = level
    return out
