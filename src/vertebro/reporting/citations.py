"""Numbered references for what a clinician reads (the case page, the PDF report, the text
report): each rule's source tags become reference numbers into one list of full citations
from ``sources.csv`` (:mod:`vertebro.guidance.sources`), literature and guidelines first,
patient-information sources last and labelled. A bare tag is never shown."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from vertebro.guidance.sources import Source, SourceKind, bibliography
from vertebro.model.assessment import Assessment, RuleCitation

__all__ = ["Citations", "assessment_citations", "cite", "kind_label", "rule_items"]

_KIND_LABELS = {
    SourceKind.GUIDELINE: "Guideline",
    SourceKind.TRIAL: "Randomised trial",
    SourceKind.META_ANALYSIS: "Meta-analysis",
    SourceKind.CASE_SERIES: "Case series",
    SourceKind.REVIEW: "Review",
    SourceKind.CLASSIFICATION: "Classification",
    SourceKind.REGULATORY: "Regulatory document",
    SourceKind.INTERNAL: "Internal summary",
    SourceKind.PATIENT_INFORMATION: "Patient information (not peer-reviewed)",
}


def kind_label(source: Source) -> str:
    """What kind of source it is, in words (``"Randomised trial"``, …)."""
    return _KIND_LABELS[source.kind]


def cite(source: Source) -> str:
    """The full citation with its identifiers, as it appears in a reference list."""
    return (
        f"{source.citation} {source.identifier}".strip() if source.identifier else (source.citation)
    )


@dataclass(frozen=True, slots=True)
class Citations:
    """The numbered reference list of one document."""

    entries: tuple[Source, ...]

    @classmethod
    def of(cls, items: Iterable[RuleCitation]) -> Citations:
        return cls(tuple(bibliography(item.source for item in items)))

    def number(self, tag: str) -> int:
        """The reference number (from 1) of ``tag``."""
        key = tag.replace(" ", "")
        for number, entry in enumerate(self.entries, start=1):
            if entry.tag.replace(" ", "") == key:
                return number
        raise KeyError(tag)

    def numbers(self, tags: Iterable[str]) -> list[int]:
        """The reference numbers of ``tags``, ascending."""
        return sorted({self.number(tag) for tag in tags})

    def refs(self, tags: Iterable[str]) -> str:
        """``"1, 4, 7"``: the references of one item (empty when it cites nothing)."""
        return ", ".join(str(n) for n in self.numbers(tags))

    def numbered(self) -> list[tuple[int, Source]]:
        return list(enumerate(self.entries, start=1))


def rule_items(assessment: Assessment) -> list[RuleCitation]:
    """Every rule item a reader sees, in reading order: the case's reasons and cautions,
    each level's, then the plan's aftercare and follow-up."""
    items = [*assessment.reasons, *assessment.cautions]
    for level in assessment.levels:
        items += [*level.reasons, *level.cautions]
    if assessment.plan is not None:
        items += [*assessment.plan.aftercare, *assessment.plan.follow_up]
    return items


def assessment_citations(assessment: Assessment | None) -> Citations:
    """The reference list of an assessment (empty without one)."""
    return Citations.of([] if assessment is None else rule_items(assessment))
