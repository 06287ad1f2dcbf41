"""The patients of an outcomes report as columns (numpy arrays): what the statistics read.

:class:`OutcomeColumns` holds the same facts as a list of
:class:`~vertebro.outcomes.records.PatientOutcome` — built from such a list by
:meth:`OutcomeColumns.from_records`, or straight from the registry's typed columns by
the registry query — so that a registry of a million follow-up rows is summarised by
array operations instead of one Python object per row.

Three tables, rows tied to patients by index:

* patients (``P`` rows): technique group, Genant stratum, anchor, demo flag, resolved
  baseline scores, date of death;
* follow-ups (``F`` rows, every record but ``baseline``): visit, day after the anchor,
  status, scores;
* new fractures (one row per follow-up recording a new fracture at a level *not treated*
  in the index session): its day;
* treated levels (``L`` rows): leakage and the method it was looked for with.

Codes: groups in :class:`TechniqueGroup` order; strata ``0``–``3`` and ``-1`` unknown;
visits as indices into :data:`TIMED_VISITS` (``-1`` unscheduled); leakage ``-1`` not
assessed, ``0`` none, ``1`` present; methods as indices into :class:`LeakageDetection`
(``-1`` none); scores in :data:`SCORES` order with NaN for missing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from vertebro.outcomes.records import (
    TIMED_VISITS,
    FollowUpStatus,
    LeakageDetection,
    PatientOutcome,
    TechniqueGroup,
    Visit,
)

__all__ = [
    "GROUPS",
    "METHODS",
    "SCORES",
    "OutcomeColumns",
]

Ints = npt.NDArray[np.int64]
Small = npt.NDArray[np.int8]
Floats = npt.NDArray[np.float64]
Flags = npt.NDArray[np.bool_]

#: Group codes: index in this tuple.
GROUPS: tuple[TechniqueGroup, ...] = tuple(TechniqueGroup)
#: Leakage detection method codes: index in this tuple.
METHODS: tuple[LeakageDetection, ...] = tuple(LeakageDetection)
#: Score columns of ``baseline`` and ``fu_scores``.
SCORES: tuple[str, ...] = ("nrs", "odi", "rdq")

_VISIT_CODE: dict[Visit, int] = {v: i for i, v in enumerate(TIMED_VISITS)}


def visit_code(visit: Visit) -> int:
    """Index of a timed visit in :data:`TIMED_VISITS`; ``-1`` for ``unscheduled``."""
    return _VISIT_CODE.get(visit, -1)


def _nan(value: float | None) -> float:
    return np.nan if value is None else float(value)


@dataclass(frozen=True, eq=False)
class OutcomeColumns:
    """Patients, follow-ups, new fractures and treated levels as parallel arrays."""

    group: Small
    grade: Small
    anchor: Ints  # date.toordinal()
    is_demo: Flags
    baseline: Floats  # (P, 3)
    death_day: Floats  # days after the anchor, NaN unknown (from a date of death)
    fu_patient: Ints
    fu_visit: Small
    fu_day: Ints
    fu_seen: Flags
    fu_deceased: Flags
    fu_scores: Floats  # (F, 3)
    fx_patient: Ints
    fx_day: Ints
    lv_patient: Ints
    lv_leak: Small
    lv_method: Small

    @property
    def n(self) -> int:
        """Number of patients."""
        return int(self.group.shape[0])

    @classmethod
    def from_records(cls, patients: Iterable[PatientOutcome]) -> OutcomeColumns:
        """The columns of ``patients`` (validated records), in their order."""
        people = list(patients)
        fu: list[tuple[int, int, int, bool, bool, float, float, float]] = []
        fx: list[tuple[int, int]] = []
        lv: list[tuple[int, int, int]] = []
        for index, p in enumerate(people):
            treated = p.treated_levels
            for r in p.follow_ups:
                if r.visit is Visit.BASELINE:
                    continue
                day = p.day(r.date)
                fu.append(
                    (
                        index,
                        visit_code(r.visit),
                        day,
                        r.status is FollowUpStatus.SEEN,
                        r.status is FollowUpStatus.DECEASED,
                        _nan(r.pain_nrs),
                        _nan(r.odi),
                        _nan(r.rdq),
                    )
                )
                if any(level not in treated for level in r.new_fracture_levels):
                    fx.append((index, day))
            for level in p.levels:
                assessed = level.leakage is not None and level.detected_by is not None
                lv.append(
                    (
                        index,
                        int(bool(level.leakage)) if assessed else -1,
                        METHODS.index(level.detected_by)
                        if assessed and level.detected_by is not None
                        else -1,
                    )
                )
        fu_cols = list(zip(*fu, strict=True)) if fu else [()] * 8
        fx_cols = list(zip(*fx, strict=True)) if fx else [()] * 2
        lv_cols = list(zip(*lv, strict=True)) if lv else [()] * 3
        grades = [p.genant_grade for p in people]
        return cls(
            group=np.array([GROUPS.index(p.technique) for p in people], dtype=np.int8),
            grade=np.array([-1 if g is None else g for g in grades], dtype=np.int8),
            anchor=np.array([p.anchor.toordinal() for p in people], dtype=np.int64),
            is_demo=np.array([p.is_demo for p in people], dtype=np.bool_),
            baseline=np.array(
                [
                    [_nan(p.baseline_nrs), _nan(p.baseline_odi), _nan(p.baseline_rdq)]
                    for p in people
                ],
                dtype=np.float64,
            ).reshape(len(people), 3),
            death_day=np.array(
                [np.nan if p.death_date is None else p.day(p.death_date) for p in people],
                dtype=np.float64,
            ),
            fu_patient=np.array(fu_cols[0], dtype=np.int64),
            fu_visit=np.array(fu_cols[1], dtype=np.int8),
            fu_day=np.array(fu_cols[2], dtype=np.int64),
            fu_seen=np.array(fu_cols[3], dtype=np.bool_),
            fu_deceased=np.array(fu_cols[4], dtype=np.bool_),
            fu_scores=np.array(fu_cols[5:8], dtype=np.float64).T.reshape(len(fu), 3),
            fx_patient=np.array(fx_cols[0], dtype=np.int64),
            fx_day=np.array(fx_cols[1], dtype=np.int64),
            lv_patient=np.array(lv_cols[0], dtype=np.int64),
            lv_leak=np.array(lv_cols[1], dtype=np.int8),
            lv_method=np.array(lv_cols[2], dtype=np.int8),
        )

    def select(self, keep: Flags) -> OutcomeColumns:
        """The patients where ``keep`` is true, with their rows (indices renumbered)."""
        if bool(keep.all()):
            return self
        renumber = np.cumsum(keep, dtype=np.int64) - 1
        fu = keep[self.fu_patient]
        fx = keep[self.fx_patient]
        lv = keep[self.lv_patient]
        return OutcomeColumns(
            group=self.group[keep],
            grade=self.grade[keep],
            anchor=self.anchor[keep],
            is_demo=self.is_demo[keep],
            baseline=self.baseline[keep],
            death_day=self.death_day[keep],
            fu_patient=renumber[self.fu_patient[fu]],
            fu_visit=self.fu_visit[fu],
            fu_day=self.fu_day[fu],
            fu_seen=self.fu_seen[fu],
            fu_deceased=self.fu_deceased[fu],
            fu_scores=self.fu_scores[fu],
            fx_patient=renumber[self.fx_patient[fx]],
            fx_day=self.fx_day[fx],
            lv_patient=renumber[self.lv_patient[lv]],
            lv_leak=self.lv_leak[lv],
            lv_method=self.lv_method[lv],
        )

    def filtered(
        self,
        *,
        include_demo: bool,
        since: date | None,
        technique: TechniqueGroup | None,
    ) -> OutcomeColumns:
        """The report's patients: demo rows only with ``include_demo``, anchors on or
        after ``since``, only ``technique``'s group."""
        keep = np.ones(self.n, dtype=np.bool_)
        if not include_demo:
            keep &= ~self.is_demo
        if since is not None:
            keep &= self.anchor >= since.toordinal()
        if technique is not None:
            keep &= self.group == GROUPS.index(technique)
        return self.select(keep)

    # --- per patient, derived from the rows (days after the anchor, NaN for none) ----

    def _reduce(self, rows: Ints, days: Ints, *, largest: bool) -> Floats:
        out = np.full(self.n, np.nan)
        if rows.size:
            fill = -np.inf if largest else np.inf
            acc = np.full(self.n, fill)
            (np.maximum if largest else np.minimum).at(acc, rows, days.astype(np.float64))
            out = np.where(np.isfinite(acc), acc, np.nan)
        return out

    def first_fracture_day(self) -> Floats:
        """Day of the first record with a new fracture at an untreated level."""
        return self._reduce(self.fx_patient, self.fx_day, largest=False)

    def last_follow_up_day(self) -> Floats:
        """Day of the latest follow-up record of any visit or status."""
        return self._reduce(self.fu_patient, self.fu_day, largest=True)

    def death(self) -> Floats:
        """Day of death: the earliest of the date of death and any ``deceased`` record."""
        dead = self.fu_deceased
        recorded = self._reduce(self.fu_patient[dead], self.fu_day[dead], largest=False)
        return np.fmin(recorded, self.death_day)
