"""The plain records the outcome statistics read: one :class:`PatientOutcome` per patient.

A registry query fills them from typed columns (no JSON parsing, no SQL here): the
technique group and treated levels of the patient's *first performed session* (the
index session, whose date is the anchor), the resolved baseline scores, and one
:class:`FollowUpRecord` per follow-up row. Everything the statistics need beyond that
(days from the anchor, new-fracture events, last follow-up, death) is derived here, in
one place.

Definitions (``spec/registry-v1.md``, "Follow-up" and "Outcomes"):

* anchor: date of the case's first performed session; day ``d`` of a record is
  ``record.date - anchor`` in days.
* baseline: the ``baseline`` follow-up record if any, else the clinical values of the
  case version current at the anchor (the query resolves this).
* technique group: that of the levels of the index session; a session mixing
  kyphoplasty and vertebroplasty gives ``mixed``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from vertebro.model import Level, Technique
from vertebro.model.follow_up import FollowUpStatus, Visit
from vertebro.model.pathway import TIMED_VISITS
from vertebro.model.procedure import LeakageDetection

__all__ = [
    "TIMED_VISITS",
    "FollowUpRecord",
    "FollowUpStatus",
    "LeakageDetection",
    "PairTable",
    "PatientOutcome",
    "TechniqueGroup",
    "TreatedLevel",
    "Visit",
    "collect_pairs",
    "technique_group",
]


class TechniqueGroup(StrEnum):
    """A patient's group: the technique of the levels of the first performed session."""

    KYPHOPLASTY = "kyphoplasty"
    VERTEBROPLASTY = "vertebroplasty"
    MIXED = "mixed"


def technique_group(techniques: set[Technique] | frozenset[Technique]) -> TechniqueGroup:
    """The group of a session from the techniques of its levels.

    >>> technique_group({Technique.KYPHOPLASTY, Technique.VERTEBROPLASTY})
    <TechniqueGroup.MIXED: 'mixed'>
    """
    if techniques == {Technique.KYPHOPLASTY}:
        return TechniqueGroup.KYPHOPLASTY
    if techniques == {Technique.VERTEBROPLASTY}:
        return TechniqueGroup.VERTEBROPLASTY
    if not techniques:
        raise ValueError("a performed session treats at least one level")
    return TechniqueGroup.MIXED


def _check_range(name: str, value: float | None, low: float, high: float) -> None:
    if value is None:
        return
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{name}: must be finite, got {value}")
    if not low <= value <= high:
        raise ValueError(f"{name}: must lie in [{low:g}, {high:g}], got {value}")


@dataclass(frozen=True, slots=True)
class TreatedLevel:
    """One level treated in the index session.

    ``genant_grade`` (0–3, rulebook M-3) is the grade assessed before treatment;
    ``leakage`` is ``None`` when leakage was not assessed, and ``detected_by`` names the
    imaging with which it was looked for (a level without leakage still has one).
    """

    level: Level
    technique: Technique
    genant_grade: int | None = None
    leakage: bool | None = None
    detected_by: LeakageDetection | None = None

    def __post_init__(self) -> None:
        _check_range("genant_grade", self.genant_grade, 0, 3)
        if self.leakage is not None and self.detected_by is None:
            raise ValueError("detected_by: required when leakage was assessed")


@dataclass(frozen=True, slots=True)
class FollowUpRecord:
    """One follow-up row (``vertebro.follow_up/1``): scores in their own units.

    ``pain_nrs`` 0–10 points, ``odi`` 0–100 %, ``rdq`` 0–24 points; ``new_fracture_levels``
    are the levels of new vertebral fractures recorded at this visit.
    """

    visit: Visit
    date: date
    pain_nrs: int | None = None
    odi: float | None = None
    rdq: int | None = None
    status: FollowUpStatus = FollowUpStatus.SEEN
    new_fracture_levels: tuple[Level, ...] = ()

    def __post_init__(self) -> None:
        _check_range("pain_nrs", self.pain_nrs, 0, 10)
        _check_range("odi", self.odi, 0, 100)
        _check_range("rdq", self.rdq, 0, 24)


@dataclass(frozen=True, slots=True)
class PatientOutcome:
    """Everything the outcome statistics need about one patient.

    Parameters
    ----------
    patient_id : str
        Registry identifier, only for tracing.
    technique : TechniqueGroup
        Group from the index session (see :func:`technique_group`).
    anchor : date
        Date of the first performed session (day 0).
    levels : tuple of TreatedLevel
        Levels treated in the index session, with their leakage.
    baseline_nrs, baseline_odi, baseline_rdq : number or None
        Resolved baseline scores (NRS points, ODI %, RDQ points).
    follow_ups : tuple of FollowUpRecord
        Every follow-up row except ``baseline`` (ignored if present), any order.
    death_date : date or None
        Date of death when known (also taken from a ``deceased`` record).
    is_demo : bool
        Generated by ``vertebro demo-registry``.
    """

    patient_id: str
    technique: TechniqueGroup
    anchor: date
    levels: tuple[TreatedLevel, ...] = ()
    baseline_nrs: int | None = None
    baseline_odi: float | None = None
    baseline_rdq: int | None = None
    follow_ups: tuple[FollowUpRecord, ...] = ()
    death_date: date | None = None
    is_demo: bool = False
    _by_visit: Mapping[Visit, FollowUpRecord] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    _pairs: Mapping[tuple[str, Visit], tuple[float, float]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    _days: tuple[int | None, int | None, int | None] = field(
        init=False, repr=False, compare=False, default=(None, None, None)
    )

    def __post_init__(self) -> None:
        _check_range("baseline_nrs", self.baseline_nrs, 0, 10)
        _check_range("baseline_odi", self.baseline_odi, 0, 100)
        _check_range("baseline_rdq", self.baseline_rdq, 0, 24)
        by_visit: dict[Visit, FollowUpRecord] = {}
        for record in self.follow_ups:
            if record.visit is Visit.UNSCHEDULED or record.visit is Visit.BASELINE:
                continue
            if record.visit in by_visit:
                raise ValueError(f"{self.patient_id}: two records for visit {record.visit.value!r}")
            by_visit[record.visit] = record
        # (baseline, follow-up) per score and visit, computed once: the statistics read
        # these many times (per group, per stratum, per criterion)
        pairs: dict[tuple[str, Visit], tuple[float, float]] = {}
        for visit, record in by_visit.items():
            for name, base, value in (
                ("nrs", self.baseline_nrs, record.pain_nrs),
                ("odi", self.baseline_odi, record.odi),
                ("rdq", self.baseline_rdq, record.rdq),
            ):
                if base is not None and value is not None:
                    pairs[(name, visit)] = (base, value)
        object.__setattr__(self, "_by_visit", by_visit)
        object.__setattr__(self, "_pairs", pairs)
        object.__setattr__(self, "_days", self._derive_days())

    def _derive_days(self) -> tuple[int | None, int | None, int | None]:
        treated = frozenset(lv.level for lv in self.levels)
        fracture: list[int] = []
        death: list[int] = []
        last: list[int] = []
        for r in self.follow_ups:
            if r.visit is Visit.BASELINE:
                continue
            day = (r.date - self.anchor).days
            last.append(day)
            if r.status is FollowUpStatus.DECEASED:
                death.append(day)
            if any(level not in treated for level in r.new_fracture_levels):
                fracture.append(day)
        if self.death_date is not None:
            death.append((self.death_date - self.anchor).days)
        return (
            min(fracture) if fracture else None,
            min(death) if death else None,
            max(last) if last else None,
        )

    # --- derived, all in days after the anchor -------------------------------------

    def day(self, when: date) -> int:
        """Days from the anchor to ``when`` (negative before it)."""
        return (when - self.anchor).days

    def visit(self, visit: Visit) -> FollowUpRecord | None:
        """The record of a timed visit, if any (one per visit, spec "Follow-up")."""
        return self._by_visit.get(visit)

    def pair(self, score: str, visit: Visit) -> tuple[float, float] | None:
        """``(baseline, value)`` of ``score`` (``nrs``, ``odi``, ``rdq``) at a timed visit,
        when both are known."""
        return self._pairs.get((score, visit))

    @property
    def pairs(self) -> Mapping[tuple[str, Visit], tuple[float, float]]:
        """Every known ``(baseline, value)`` keyed by ``(score, visit)`` (read-only use)."""
        return self._pairs

    @property
    def genant_grade(self) -> int | None:
        """The patient's stratum: the highest known Genant grade among the treated levels."""
        grades = [lv.genant_grade for lv in self.levels if lv.genant_grade is not None]
        return max(grades) if grades else None

    @property
    def treated_levels(self) -> frozenset[Level]:
        """Levels treated in the index session."""
        return frozenset(lv.level for lv in self.levels)

    @property
    def first_new_fracture_day(self) -> int | None:
        """Day of the first follow-up (timed or unscheduled) recording a new fracture at a
        level not treated in the index session; ``None`` if none."""
        return self._days[0]

    @property
    def death_day(self) -> int | None:
        """Day of death: the earliest of ``death_date`` and any ``deceased`` record; or
        ``None``."""
        return self._days[1]

    @property
    def last_follow_up_day(self) -> int | None:
        """Day of the latest follow-up record (any visit or status); ``None`` without any."""
        return self._days[2]


#: ``(baseline, value)`` pairs, tallied, keyed by ``(score, visit)``, score ``nrs`` ``odi``
#: ``rdq``.
PairTable = dict[tuple[str, Visit], Counter[tuple[float, float]]]


def collect_pairs(patients: Iterable[PatientOutcome]) -> PairTable:
    """Every patient's known ``(baseline, value)`` pairs, tallied, in one pass."""
    table: PairTable = {}
    for patient in patients:
        for key, pair in patient.pairs.items():
            table.setdefault(key, Counter())[pair] += 1
    return table
