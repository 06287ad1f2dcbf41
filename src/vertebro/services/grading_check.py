"""Application service: check ``vertebro measure``'s grading against expert Genant grades.

A folder holds graded spines as label maps plus a ``grades.csv`` with the columns
``file, label, level, genant_grade`` (the layout of ``../shared/data/verse19_graded``);
every ``grades.csv`` under the given folder is read. Each map is measured as
``vertebro measure`` would, and every graded vertebra is paired with the measurement's
grade (None when not evaluable) — and with rulebook M-3 of M-2 on the same heights
(``grading.rulebook_genant_grade``), the comparison the issue's baseline used.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from vertebro.morphometry.agreement import Agreement, agreement

__all__ = ["GradedVertebra", "check_grading", "graded_vertebrae"]


@dataclass(frozen=True, slots=True)
class GradedVertebra:
    """One expert-graded vertebra and what the measurement made of it."""

    spine: str
    level: str
    expert_grade: int
    method_grade: int | None
    rulebook_grade: int | None
    height_loss_pct: float | None
    reason: str | None


def _read_grades(path: Path) -> dict[str, dict[str, int]]:
    """``{file: {level: grade}}`` from one grades.csv."""
    out: dict[str, dict[str, int]] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out.setdefault(row["file"], {})[row["level"]] = int(row["genant_grade"])
    return out


def graded_vertebrae(folder: Path) -> list[GradedVertebra]:
    """Measure every graded spine under ``folder`` and pair each graded vertebra."""
    from vertebro.services.measuring import measure_study

    found: list[GradedVertebra] = []
    for table in sorted(folder.rglob("grades.csv")):
        for name, grades in _read_grades(table).items():
            document = measure_study(table.parent / name).document
            items = {item["level"]: item for item in document["levels"]}
            for level, expert in grades.items():
                item = items.get(level)
                grading = (item or {}).get("grading") or {}
                found.append(
                    GradedVertebra(
                        spine=name,
                        level=level,
                        expert_grade=expert,
                        method_grade=None if item is None else item["genant_grade"],
                        rulebook_grade=grading.get("rulebook_genant_grade"),
                        height_loss_pct=None if item is None else item["height_loss_pct"],
                        reason="absent" if item is None else item["reason"],
                    )
                )
    return found


def check_grading(folder: Path) -> tuple[list[GradedVertebra], Agreement, Agreement]:
    """(the graded vertebrae, the method's agreement, rulebook M-2's agreement on the same
    heights and evaluability)."""
    rows = graded_vertebrae(folder)
    method = agreement((r.expert_grade, r.method_grade) for r in rows)
    rulebook = agreement(
        (r.expert_grade, None if r.method_grade is None else r.rulebook_grade) for r in rows
    )
    return rows, method, rulebook
