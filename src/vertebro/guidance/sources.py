"""The rulebook's sources: every source tag's full citation and kind, from the packaged copy
of ``knowledge/sources.csv`` (RULEBOOK.md, "Sources").

Whatever a clinician or a patient reads shows the full citation, never a bare tag:
:func:`bibliography` orders the sources of a document for display — peer-reviewed and
guideline sources first, vertebro's own evidence summary next, patient-information
sources last (and labelled as such by their kind).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib.resources import files

__all__ = ["Source", "SourceKind", "bibliography", "source", "sources"]


class SourceKind(StrEnum):
    """What kind of publication a source is (``sources.csv`` column ``kind``)."""

    GUIDELINE = "guideline"
    TRIAL = "trial"
    META_ANALYSIS = "meta_analysis"
    CASE_SERIES = "case_series"
    REVIEW = "review"
    CLASSIFICATION = "classification"
    REGULATORY = "regulatory"
    INTERNAL = "internal"
    PATIENT_INFORMATION = "patient_information"

    @property
    def display_group(self) -> int:
        """0 literature and guidelines, 1 vertebro's own summary, 2 patient information."""
        if self is SourceKind.PATIENT_INFORMATION:
            return 2
        return 1 if self is SourceKind.INTERNAL else 0


@dataclass(frozen=True, slots=True)
class Source:
    """One source: its tag as the rulebook writes it, kind, citation and identifiers
    (DOI, PMID or document number; empty when none was verified)."""

    tag: str
    kind: SourceKind
    citation: str
    identifier: str

    @property
    def is_patient_information(self) -> bool:
        return self.kind is SourceKind.PATIENT_INFORMATION


def _key(tag: str) -> str:
    """Tags are compared without spaces: the rulebook writes ``VERTOS II``, the table
    ``VERTOSII``."""
    return tag.replace(" ", "")


@cache
def sources() -> dict[str, Source]:
    """Every source of the table, by tag (in the table's order)."""
    text = files("vertebro.guidance").joinpath("data/sources.csv").read_text("utf-8")
    return {
        _key(row["tag"]): Source(
            row["tag"], SourceKind(row["kind"]), row["citation"], row["identifier"] or ""
        )
        for row in csv.DictReader(io.StringIO(text))
    }


def source(tag: str) -> Source:
    """The source of ``tag`` (``KeyError`` when the table has no such tag)."""
    return sources()[_key(tag)]


def bibliography(tag_lists: Iterable[Iterable[str]]) -> list[Source]:
    """The distinct sources of ``tag_lists`` in display order: literature and guidelines
    first, then vertebro's evidence summary, then patient information; within a group in
    order of first citation.

    >>> [s.tag for s in bibliography([["003", "LCD"], ["PCE", "003", "EVID"]])]
    ['LCD', 'PCE', 'EVID', '003']
    """
    seen: dict[str, Source] = {}
    for tags in tag_lists:
        for tag in tags:
            found = source(tag)
            seen.setdefault(found.tag, found)
    order = {tag: i for i, tag in enumerate(seen)}
    return sorted(seen.values(), key=lambda s: (s.kind.display_group, order[s.tag]))
