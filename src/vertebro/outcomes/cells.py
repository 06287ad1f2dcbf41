"""The report's cells: patients split by technique group and Genant stratum, each reduced
to the tallies its statistics need, in a few array passes over
:class:`~vertebro.outcomes.columns.OutcomeColumns`.

A :class:`Cell` holds the score pairs (tallied per score and visit), the new-fracture
survival tally, the deaths censored, and the leakage counts per detection method. Cells
add up: a group is the sum of its five strata, so each patient is read once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from vertebro.outcomes.columns import GROUPS, METHODS, SCORES, OutcomeColumns
from vertebro.outcomes.leakage import LeakageRates, leakage_from_counts
from vertebro.outcomes.paired import ChangeTable
from vertebro.outcomes.records import TIMED_VISITS, LeakageDetection, PairTable, TechniqueGroup
from vertebro.outcomes.survival import SurvivalTally

__all__ = ["GRADE_STRATA", "Cell", "cells", "group_totals"]

#: The Genant strata of the comparison: grades 0–3 and unknown (``None``).
GRADE_STRATA: tuple[int | None, ...] = (0, 1, 2, 3, None)

_N_STRATA = len(GRADE_STRATA)
_N_CELLS = len(GROUPS) * _N_STRATA

Ints = npt.NDArray[np.int64]
K = TypeVar("K")
T = TypeVar("T")


@dataclass
class Cell:
    """The tallies of one cell (or of several cells added together)."""

    n: int = 0
    pairs: PairTable = field(default_factory=dict)  # pain NRS only: success needs no other
    changes: ChangeTable = field(default_factory=dict)
    died: Counter[int] = field(default_factory=Counter)
    censored: Counter[int] = field(default_factory=Counter)
    deaths_censored: int = 0
    n_levels: int = 0
    not_assessed: int = 0
    leak_events: Counter[LeakageDetection] = field(default_factory=Counter)
    leak_assessed: Counter[LeakageDetection] = field(default_factory=Counter)
    clustered: bool = False

    @property
    def survival(self) -> SurvivalTally:
        """``(events per day, censorings per day)`` of new-fracture-free survival."""
        return self.died, self.censored

    def leakage(self) -> LeakageRates:
        """Leakage per treated level, by detection method, with Wilson intervals."""
        return leakage_from_counts(
            self.n_levels, self.not_assessed, self.leak_events, self.leak_assessed
        )

    def __add__(self, other: Cell) -> Cell:
        return Cell(
            n=self.n + other.n,
            pairs=_merged(self.pairs, other.pairs),
            changes=_merged(self.changes, other.changes),
            died=self.died + other.died,
            censored=self.censored + other.censored,
            deaths_censored=self.deaths_censored + other.deaths_censored,
            n_levels=self.n_levels + other.n_levels,
            not_assessed=self.not_assessed + other.not_assessed,
            leak_events=self.leak_events + other.leak_events,
            leak_assessed=self.leak_assessed + other.leak_assessed,
            clustered=self.clustered or other.clustered,
        )


def _merged(first: dict[K, Counter[T]], second: dict[K, Counter[T]]) -> dict[K, Counter[T]]:
    out = {key: Counter(tally) for key, tally in first.items()}
    for key, tally in second.items():
        out.setdefault(key, Counter()).update(tally)
    return out


def _cell_of(columns: OutcomeColumns) -> Ints:
    stratum = np.where(columns.grade < 0, _N_STRATA - 1, columns.grade).astype(np.int64)
    return columns.group.astype(np.int64) * _N_STRATA + stratum


def _tally(
    slot: Ints, values: npt.NDArray[Any], slots: int
) -> tuple[list[int], list[Any], list[int]]:
    """``(slot, value, count)`` for every value occurring in a slot, by one count pass."""
    distinct, codes = np.unique(values, return_inverse=True)
    size = distinct.size
    counts = np.bincount(slot * size + codes.reshape(-1), minlength=slots * size)
    present = np.flatnonzero(counts)
    return (
        (present // size).tolist(),
        distinct[present % size].tolist(),
        counts[present].tolist(),
    )


def _pairs_and_changes(columns: OutcomeColumns, cell: Ints, out: list[Cell]) -> None:
    """NRS ``(baseline, value)`` pairs (for success) and every score's changes, tallied
    per cell and visit."""
    timed = columns.fu_visit >= 0
    patient = columns.fu_patient[timed]
    n_visits = len(TIMED_VISITS)
    slot = cell[patient] * n_visits + columns.fu_visit[timed].astype(np.int64)
    slots = _N_CELLS * n_visits
    for index, score in enumerate(SCORES):
        after = columns.fu_scores[timed, index]
        before = columns.baseline[patient, index]
        both = ~np.isnan(after) & ~np.isnan(before)
        if not both.any():
            continue
        where = slot[both]
        for s, change, count in zip(*_tally(where, after[both] - before[both], slots), strict=True):
            c, v = divmod(s, n_visits)
            out[c].changes.setdefault((score, TIMED_VISITS[v]), Counter())[change] = count
        if score != "nrs":
            continue
        pair = before[both] * 11.0 + after[both]  # NRS: integers 0–10
        for s, code, count in zip(*_tally(where, pair, slots), strict=True):
            c, v = divmod(s, n_visits)
            b, f = divmod(int(code), 11)
            out[c].pairs.setdefault((score, TIMED_VISITS[v]), Counter())[(b, f)] = count


def _days_per_cell(cell: Ints, days: Ints) -> list[Counter[int]]:
    out: list[Counter[int]] = [Counter() for _ in range(_N_CELLS)]
    for c, day, count in zip(*_tally(cell, days, _N_CELLS), strict=True):
        out[c][day] = count
    return out


def _survival(columns: OutcomeColumns, cell: Ints, out: list[Cell]) -> None:
    first = columns.first_fracture_day()
    last = columns.last_follow_up_day()
    event = ~np.isnan(first) & (np.nan_to_num(first, nan=-1.0) >= 0)
    censor = ~event & ~np.isnan(last) & (np.nan_to_num(last, nan=-1.0) >= 0)
    died = _days_per_cell(cell[event], first[event].astype(np.int64))
    left = _days_per_cell(cell[censor], last[censor].astype(np.int64))
    deaths = ~np.isnan(columns.death()) & np.isnan(first) & ~np.isnan(last)
    dead_per_cell = np.bincount(cell[deaths], minlength=_N_CELLS).tolist()
    for index, c in enumerate(out):
        c.died, c.censored, c.deaths_censored = died[index], left[index], dead_per_cell[index]


def _leakage(columns: OutcomeColumns, cell: Ints, out: list[Cell]) -> None:
    level_cell = cell[columns.lv_patient]
    assessed = columns.lv_leak >= 0
    n_levels = np.bincount(level_cell, minlength=_N_CELLS).tolist()
    missing = np.bincount(level_cell[~assessed], minlength=_N_CELLS).tolist()
    n_methods = len(METHODS)
    key = level_cell * n_methods + columns.lv_method.astype(np.int64)
    seen = np.bincount(key[assessed], minlength=_N_CELLS * n_methods).tolist()
    leaked = np.bincount(key[columns.lv_leak == 1], minlength=_N_CELLS * n_methods).tolist()
    per_patient = np.bincount(columns.lv_patient[assessed], minlength=columns.n)
    clustered = np.bincount(cell[per_patient > 1], minlength=_N_CELLS).tolist()
    for index, c in enumerate(out):
        c.n_levels, c.not_assessed = n_levels[index], missing[index]
        c.clustered = clustered[index] > 0
        for m, method in enumerate(METHODS):
            c.leak_assessed[method] = seen[index * n_methods + m]
            c.leak_events[method] = leaked[index * n_methods + m]


def group_totals(
    by_cell: dict[tuple[TechniqueGroup, int | None], Cell],
) -> dict[TechniqueGroup, Cell]:
    """Each technique group as the sum of its strata."""
    return {
        g: sum((by_cell[(g, stratum)] for stratum in GRADE_STRATA), Cell()) for g in TechniqueGroup
    }


def cells(columns: OutcomeColumns) -> dict[tuple[TechniqueGroup, int | None], Cell]:
    """Every (group, stratum) cell of ``columns``' patients, empty cells included."""
    cell = _cell_of(columns)
    sizes = np.bincount(cell, minlength=_N_CELLS).tolist()
    out = [Cell(n=size) for size in sizes]
    _pairs_and_changes(columns, cell, out)
    _survival(columns, cell, out)
    _leakage(columns, cell, out)
    return {
        (group, stratum): out[g * _N_STRATA + s]
        for g, group in enumerate(GROUPS)
        for s, stratum in enumerate(GRADE_STRATA)
    }
