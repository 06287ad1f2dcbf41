"""The report of a FHIR import: what each entry became, what could not be mapped (and why),
and what the draft still lacks. Nothing read is dropped without a line here; identifying
values (names, record numbers) are never repeated in it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ImportReport", "ReportItem"]

_ENTRY = re.compile(r"^entry\[(\d+)\]")


@dataclass(frozen=True, slots=True)
class ReportItem:
    """One line: where in the Bundle (``entry[3]``, ``entry[3].resource.note``), which
    resource type, and what became of it or why not."""

    path: str
    resource: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "resource": self.resource, "detail": self.detail}

    def __str__(self) -> str:
        return f"{self.path} ({self.resource}): {self.detail}"


def _entry_number(item: ReportItem) -> int:
    found = _ENTRY.match(item.path)
    return int(found.group(1)) if found else -1


@dataclass
class ImportReport:
    """``kind`` is ``case`` (a vertebro Bundle, stored as a case) or ``draft`` (another
    system's Bundle, stored as a draft case to complete)."""

    kind: str
    mapped: list[ReportItem] = field(default_factory=list)
    unmapped: list[ReportItem] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def map(self, path: str, resource: str, detail: str) -> None:
        self.mapped.append(ReportItem(path, resource, detail))

    def skip(self, path: str, resource: str, detail: str) -> None:
        self.unmapped.append(ReportItem(path, resource, detail))

    def sort(self) -> None:
        """Lines in the order of the Bundle's entries (stable within an entry)."""
        for items in (self.mapped, self.unmapped):
            items.sort(key=_entry_number)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "mapped": [item.as_dict() for item in self.mapped],
            "unmapped": [item.as_dict() for item in self.unmapped],
            "missing": list(self.missing),
        }

    def lines(self) -> list[str]:
        """The report as text lines (the command line's standard error)."""
        out = [f"mapped   {item}" for item in self.mapped]
        out += [f"unmapped {item}" for item in self.unmapped]
        out += [f"missing  {line}" for line in self.missing]
        return out
