"""Use case: fill a registry with generated demo patients (``vertebro demo-registry``).

Spec ``registry-v1.md``, "Demo registry". The draws (numpy ``default_rng(seed)``, so one
seed gives the same registry every time):

* age N(76, 9) rounded and clipped to 50–100; 77 % women;
* technique: kyphoplasty with probability 0.67, else vertebroplasty; one treated level;
* the height loss is drawn to fit the technique, so that the real rulebook
  (:func:`vertebro.guidance.assess`, stored as the case's assessment) plans exactly that
  technique: kyphoplasty 20–69 % (T-5), vertebroplasty either a wedge > 80 % (T-2) or a
  burst > 40 % (T-1); a generated case that the rulebook would treat otherwise is an error;
* cement leakage per level, seen on the post-procedure radiograph: VP 0.45, KP 0.15;
* baseline NRS N(8, 1.3) rounded and clipped to 5–10 (the case's clinical value, no
  ``baseline`` record); mean change at 1 month about −4.5 (−3.5 at 1 day to −5 at 12
  months, noise SD 1.5, clipped to 0–10);
* visits recorded with probabilities 1 day 0.95, 1 week 0.5, 2 weeks 0.5, 1 month 0.9,
  3 months 0.85, 6 months 0.82, 12 months 0.80, independently; a visit is recorded only
  once due (anchor + offset on or before ``as_of``) and never after ``as_of``;
* a new fracture at the level below (above for L5) the treated one after an exponential
  time with cumulative incidence 0.20 at 365 days, recorded as an ``unscheduled`` visit
  when it happens before the patient's last recorded visit (independent censoring);
* anchors uniform over the four years before ``as_of`` (at least 7 days before).

All rows are written with bulk inserts (SQLAlchemy Core, ``executemany``) in one
transaction; every patient is ``is_demo``. A registry holding non-demo patients is refused
unless ``force``; demo patients of an earlier run (codes ``DEMO-…``) are replaced.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from typing import Any

import numpy as np
from sqlalchemy import Table, delete, insert, select

from vertebro.errors import Conflict
from vertebro.guidance import assess
from vertebro.model import (
    Assessment,
    FollowUp,
    LeakageType,
    Level,
    Procedure,
    Recommendation,
    Technique,
    Visit,
    parse_case,
    parse_follow_up,
    parse_procedure,
)
from vertebro.registry.schema import (
    AssessmentLevelRow,
    AssessmentRow,
    CaseRow,
    CaseVersionRow,
    FollowUpRow,
    NewFractureRow,
    PatientRow,
    ProcedureLevelRow,
    ProcedureRow,
    Role,
)
from vertebro.registry.store import Registry
from vertebro.services.registry.cases import case_document
from vertebro.services.registry.context import Actor, Tx, unit_of_work

__all__ = [
    "DEMO_PARAMETERS",
    "DemoPatient",
    "DemoRefused",
    "DemoSummary",
    "generate_demo_patients",
    "seed_demo_registry",
]

logger = logging.getLogger(__name__)

#: The spec's parameters (what the recovery test checks against the outcomes report).
DEMO_PARAMETERS: dict[str, float] = {
    "age_mean": 76.0,
    "age_sd": 9.0,
    "women_share": 0.77,
    "kyphoplasty_share": 0.67,
    "leakage_vertebroplasty": 0.45,
    "leakage_kyphoplasty": 0.15,
    "new_fracture_12_months": 0.20,
    "completeness_12_months": 0.80,
    "baseline_nrs_mean": 8.0,
    "baseline_nrs_sd": 1.3,
    "nrs_change_1_month": -4.5,
}

CODE_PREFIX = "DEMO-"
CREATED_BY = "demo-registry"

#: Timed visit → (probability recorded, mean NRS change, jitter days low, high).
_VISITS: dict[Visit, tuple[float, float, int, int]] = {
    Visit.DAY_1: (0.95, -3.5, 0, 1),
    Visit.WEEK_1: (0.50, -4.0, -1, 2),
    Visit.WEEKS_2: (0.50, -4.2, -2, 2),
    Visit.MONTH_1: (0.90, -4.5, -5, 10),
    Visit.MONTHS_3: (0.85, -4.8, -10, 14),
    Visit.MONTHS_6: (0.82, -5.0, -14, 21),
    Visit.MONTHS_12: (0.80, -5.0, 0, 14),
}
_NRS_NOISE_SD = 1.5
_WEDGE_LEVELS = (Level.T11, Level.T12, Level.L1, Level.L2, Level.L3)
_BURST_LEVELS = (Level.T12, Level.L1, Level.L2, Level.L3)
_LEVELS_IN_ORDER = sorted(Level, key=lambda level: level.ordinal)
_ANCHOR_SPAN_DAYS = 4 * 365


class DemoRefused(Conflict):
    """The registry holds non-demo patients (use ``force``)."""


@dataclass(frozen=True, slots=True)
class DemoSummary:
    patients: int
    follow_ups: int
    seed: int
    as_of: date
    replaced: int
    seconds: float


@dataclass(slots=True)
class DemoPatient:
    """One generated patient: its rows' contents, validated by the real models."""

    code: str
    birth_year: int
    sex: str
    case: dict[str, Any]
    created: datetime
    assessment: Assessment
    procedure: Procedure
    follow_ups: list[FollowUp] = field(default_factory=list)


def _case_document(
    number: int,
    technique: Technique,
    rng: np.random.Generator,
    age: int,
    sex: str,
    nrs: int,
    odi: float,
    rdq: int,
) -> tuple[dict[str, Any], Level]:
    posterior = round(float(rng.uniform(24.0, 30.0)), 1)
    fracture: dict[str, Any] = {
        "etiology": "osteoporotic",
        "age_weeks": int(rng.integers(1, 7)),
        "mri_edema": True,
        "pain_at_level": True,
    }
    burst = technique is Technique.VERTEBROPLASTY and bool(rng.random() < 0.5)
    if technique is Technique.KYPHOPLASTY:
        loss = float(rng.uniform(21.0, 68.0))
        level = _WEDGE_LEVELS[int(rng.integers(len(_WEDGE_LEVELS)))]
    elif burst:
        loss = float(rng.uniform(42.0, 78.0))
        level = _BURST_LEVELS[int(rng.integers(len(_BURST_LEVELS)))]
        fracture.update(
            {
                "morphology": "burst",
                "endplates_involved": 2,
                "posterior_wall": "distinct",
                "retropulsion": False,
                "tension_band_failure": False,
                "plc": "intact",
                "unstable": False,
            }
        )
    else:
        loss = float(rng.uniform(82.0, 92.0))
        level = _WEDGE_LEVELS[int(rng.integers(len(_WEDGE_LEVELS)))]
    anterior_share, middle_share = (1.0, 0.9) if burst else (1.0, 0.8)
    fracture["level"] = level.value
    fracture["heights_mm"] = {
        "anterior": round(posterior * (1 - anterior_share * loss / 100), 1),
        "middle": round(posterior * (1 - middle_share * loss / 100), 1),
        "posterior": posterior,
    }
    document = {
        "schema": "vertebro.case/1",
        "case_id": f"demo-{number:05d}",
        "patient": {"age_years": age, "sex": sex, "active_infection": False},
        "clinical": {
            "pain_nrs": nrs,
            "odi": odi,
            "rdq": rdq,
            "setting": "outpatient",
            "medication_insufficient": True,
            "neurology": "intact",
        },
        "fractures": [fracture],
    }
    return document, level


def _other_level(level: Level) -> Level:
    index = _LEVELS_IN_ORDER.index(level)
    return _LEVELS_IN_ORDER[index + 1 if index + 1 < len(_LEVELS_IN_ORDER) else index - 1]


def _clip_int(value: float, low: int, high: int) -> int:
    return int(min(high, max(low, round(value))))


def _generate_one(number: int, rng: np.random.Generator, as_of: date) -> DemoPatient:
    age = _clip_int(rng.normal(76.0, 9.0), 50, 100)
    sex = "female" if rng.random() < 0.77 else "male"
    technique = Technique.KYPHOPLASTY if rng.random() < 0.67 else Technique.VERTEBROPLASTY
    nrs = _clip_int(rng.normal(8.0, 1.3), 5, 10)
    odi = round(float(np.clip(rng.normal(62.0, 12.0), 20.0, 100.0)), 1)
    rdq = _clip_int(rng.normal(17.0, 3.0), 0, 24)
    document, level = _case_document(number, technique, rng, age, sex, nrs, odi, rdq)
    anchor = as_of - timedelta(days=int(rng.integers(7, _ANCHOR_SPAN_DAYS + 1)))
    created_day = anchor - timedelta(days=int(rng.integers(3, 22)))
    case = parse_case(document)
    assessment = assess(case)
    planned = {p.level: p.technique for p in assessment.plan.levels} if assessment.plan else {}
    if assessment.recommendation != Recommendation(technique.value) or planned != {
        level: technique
    }:
        raise RuntimeError(
            f"demo case {number}: the rulebook recommends {assessment.recommendation}, "
            f"not {technique} (generator out of step with the rulebook)"
        )
    leak_p = 0.15 if technique is Technique.KYPHOPLASTY else 0.45
    leaked = bool(rng.random() < leak_p)
    treated: dict[str, Any] = {
        "level": level.value,
        "technique": technique.value,
        "approach": "bipedicular",
        "cement_viscosity": "high" if rng.random() < 0.5 else "standard",
        "cement_ml": round(float(rng.uniform(2.5, 6.5)), 1),
        "leakage": {
            "present": leaked,
            "types": [LeakageType.VENOUS.value] if leaked else [],
            "symptomatic": False,
            "detected_by": "radiograph",
        },
    }
    if technique is Technique.KYPHOPLASTY:
        treated["balloon_ml"] = round(float(rng.uniform(2.0, 5.0)), 1)
    procedure = parse_procedure(
        {
            "schema": "vertebro.procedure/1",
            "status": "performed",
            "date": anchor.isoformat(),
            "operator": "Dr Demo",
            "anaesthesia": "general" if technique is Technique.KYPHOPLASTY else "local_sedation",
            "duration_min": int(rng.integers(25, 75)),
            "fluoroscopy_s": round(float(rng.uniform(60.0, 400.0)), 1),
            "discharge": "same_day",
            "discharge_date": anchor.isoformat(),
            "levels": [treated],
        }
    )
    follow_ups: list[FollowUp] = []
    last_day = 0
    for visit, (p_done, change, low, high) in _VISITS.items():
        window = visit.window
        assert window is not None
        done = bool(rng.random() < p_done)
        jitter = int(rng.integers(low, high + 1))
        noise = float(rng.normal(0.0, _NRS_NOISE_SD))
        share = float(rng.uniform(0.4, 0.7))
        if not done or anchor + timedelta(days=window.offset_days) > as_of:
            continue
        when = min(anchor + timedelta(days=window.offset_days + jitter), as_of)
        last_day = (when - anchor).days
        follow_ups.append(
            parse_follow_up(
                {
                    "schema": "vertebro.follow_up/1",
                    "visit": visit.value,
                    "date": when.isoformat(),
                    "pain_nrs": _clip_int(nrs + change + noise, 0, 10),
                    "odi": round(odi * share, 1),
                    "rdq": _clip_int(rdq * share, 0, 24),
                }
            )
        )
    rate = -math.log(0.80) / 365.0
    fracture_day = max(1, int(rng.exponential(1.0 / rate)))
    if fracture_day <= last_day:
        follow_ups.append(
            parse_follow_up(
                {
                    "schema": "vertebro.follow_up/1",
                    "visit": "unscheduled",
                    "date": (anchor + timedelta(days=fracture_day)).isoformat(),
                    "new_fractures": [
                        {
                            "level": _other_level(level).value,
                            "detected_by": "radiograph",
                            "symptomatic": True,
                        }
                    ],
                }
            )
        )
    return DemoPatient(
        code=f"{CODE_PREFIX}{number:05d}",
        birth_year=as_of.year - age,
        sex=sex,
        case=case_document(case),
        created=datetime.combine(created_day, clock(9, 0), UTC),
        assessment=assessment,
        procedure=procedure,
        follow_ups=follow_ups,
    )


def generate_demo_patients(patients: int, *, seed: int, as_of: date) -> list[DemoPatient]:
    """The demo patients (pure: no database), the same for the same arguments."""
    if patients < 0:
        raise ValueError("patients: must be at least 0")
    rng = np.random.default_rng(seed)
    return [_generate_one(number, rng, as_of) for number in range(1, patients + 1)]


def _insert(tx: Tx, table: Table, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Bulk insert (``executemany``) returning the new ids in the rows' order."""
    if not rows:
        return []
    result = tx.session.connection().execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), list(rows)
    )
    return [int(row_id) for row_id in result.scalars().all()]


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def _write(tx: Tx, generated: list[DemoPatient]) -> int:
    now = tx.now
    patient_ids = _insert(
        tx,
        _table(PatientRow),
        [
            {
                "code": p.code,
                "birth_year": p.birth_year,
                "sex": p.sex,
                "is_demo": True,
                "created_at": p.created,
            }
            for p in generated
        ],
    )
    case_ids = _insert(
        tx,
        _table(CaseRow),
        [
            {
                "case_id": p.case["case_id"],
                "patient_id": pid,
                "current_version": 1,
                "created_at": p.created,
                "updated_at": p.created,
            }
            for p, pid in zip(generated, patient_ids, strict=True)
        ],
    )
    versions = []
    for p, case_pk in zip(generated, case_ids, strict=True):
        clinical, person = p.case["clinical"], p.case["patient"]
        levels = sorted((Level(f["level"]) for f in p.case["fractures"]), key=lambda v: v.ordinal)
        versions.append(
            {
                "case_pk": case_pk,
                "version": 1,
                "document": p.case,
                "age_years": person["age_years"],
                "sex": person["sex"],
                "pain_nrs": clinical["pain_nrs"],
                "odi": clinical["odi"],
                "rdq": clinical["rdq"],
                "neurology": clinical["neurology"],
                "levels": ",".join(levels),
                "created_at": p.created,
                "created_by": CREATED_BY,
            }
        )
    _insert(tx, _table(CaseVersionRow), versions)
    assessment_ids = _insert(
        tx,
        _table(AssessmentRow),
        [
            {
                "case_pk": case_pk,
                "case_version": 1,
                "rulebook_version": p.assessment.rulebook_version,
                "recommendation": p.assessment.recommendation,
                "document": p.assessment.model_dump(mode="json"),
                "created_at": p.created,
                "created_by": CREATED_BY,
            }
            for p, case_pk in zip(generated, case_ids, strict=True)
        ],
    )
    assessment_levels = []
    for p, assessment_id in zip(generated, assessment_ids, strict=True):
        plan = p.assessment.plan
        planned = {item.level: item.technique for item in plan.levels} if plan else {}
        for assessed in p.assessment.levels:
            assessment_levels.append(
                {
                    "assessment_id": assessment_id,
                    "level": assessed.level,
                    "level_ordinal": assessed.level.ordinal,
                    "recommendation": assessed.recommendation,
                    "height_loss_pct": assessed.height_loss_pct,
                    "genant_grade": assessed.genant_grade,
                    "planned_technique": planned.get(assessed.level),
                }
            )
    _insert(tx, _table(AssessmentLevelRow), assessment_levels)
    procedure_ids = _insert(
        tx,
        _table(ProcedureRow),
        [
            {
                "case_pk": case_pk,
                "version": 1,
                "status": p.procedure.status,
                "date": p.procedure.date,
                "operator": p.procedure.operator,
                "anaesthesia": p.procedure.anaesthesia,
                "duration_min": p.procedure.duration_min,
                "fluoroscopy_s": p.procedure.fluoroscopy_s,
                "dose_area_product": p.procedure.dose_area_product,
                "biopsy_taken": p.procedure.biopsy.taken,
                "biopsy_histology": p.procedure.biopsy.histology,
                "discharge": p.procedure.discharge,
                "discharge_date": p.procedure.discharge_date,
                "override_reason": p.procedure.override_reason,
                "assessment_id": assessment_id,
                "document": p.procedure.model_dump(mode="json"),
                "created_at": now,
                "updated_at": now,
                "created_by": CREATED_BY,
            }
            for p, case_pk, assessment_id in zip(generated, case_ids, assessment_ids, strict=True)
        ],
    )
    procedure_levels = []
    for p, procedure_id in zip(generated, procedure_ids, strict=True):
        for item in p.procedure.levels:
            leak = item.leakage

            def leaked(kind: LeakageType, leak: Any = leak) -> bool | None:
                return None if leak is None else kind in leak.types

            procedure_levels.append(
                {
                    "procedure_id": procedure_id,
                    "level": item.level,
                    "level_ordinal": item.level.ordinal,
                    "technique": item.technique,
                    "approach": item.approach,
                    "cement_product": item.cement_product,
                    "cement_viscosity": item.cement_viscosity,
                    "cement_ml": item.cement_ml,
                    "balloon_ml": item.balloon_ml,
                    "post_anterior_mm": None,
                    "post_middle_mm": None,
                    "post_posterior_mm": None,
                    "leakage_present": None if leak is None else leak.present,
                    "leakage_venous": leaked(LeakageType.VENOUS),
                    "leakage_disc": leaked(LeakageType.DISC),
                    "leakage_epidural": leaked(LeakageType.EPIDURAL),
                    "leakage_foraminal": leaked(LeakageType.FORAMINAL),
                    "leakage_paravertebral": leaked(LeakageType.PARAVERTEBRAL),
                    "leakage_symptomatic": None if leak is None else leak.symptomatic,
                    "leakage_detected_by": None if leak is None else leak.detected_by,
                }
            )
    _insert(tx, _table(ProcedureLevelRow), procedure_levels)
    follow_rows: list[dict[str, Any]] = []
    fractures_of: list[FollowUp] = []
    for p, case_pk in zip(generated, case_ids, strict=True):
        for f in p.follow_ups:
            fractures_of.append(f)
            follow_rows.append(
                {
                    "case_pk": case_pk,
                    "version": 1,
                    "visit": f.visit,
                    "date": f.date,
                    "status": f.status,
                    "pain_nrs": f.pain_nrs,
                    "odi": f.odi,
                    "rdq": f.rdq,
                    "eq5d_index": f.eq5d_index,
                    "eq5d_value_set": f.eq5d_value_set,
                    "analgesics": f.analgesics,
                    "osteoporosis_treatment": f.osteoporosis_treatment,
                    "document": f.model_dump(mode="json"),
                    "created_at": now,
                    "updated_at": now,
                    "created_by": CREATED_BY,
                }
            )
    follow_ids = _insert(tx, _table(FollowUpRow), follow_rows)
    _insert(
        tx,
        _table(NewFractureRow),
        [
            {
                "follow_up_id": follow_id,
                "level": nf.level,
                "level_ordinal": nf.level.ordinal,
                "detected_by": nf.detected_by,
                "symptomatic": nf.symptomatic,
            }
            for f, follow_id in zip(fractures_of, follow_ids, strict=True)
            for nf in f.new_fractures
        ],
    )
    return len(follow_rows)


def _replace_earlier(tx: Tx) -> int:
    earlier = select(PatientRow.id).where(
        PatientRow.is_demo.is_(True), PatientRow.code.startswith(CODE_PREFIX)
    )
    count = len(tx.session.execute(earlier).all())
    if count:
        connection = tx.session.connection()
        connection.execute(delete(_table(CaseRow)).where(CaseRow.patient_id.in_(earlier)))
        connection.execute(
            delete(_table(PatientRow)).where(PatientRow.id.in_(earlier.scalar_subquery()))
        )
    return count


def seed_demo_registry(
    registry: Registry,
    *,
    patients: int = 200,
    seed: int = 0,
    as_of: date | None = None,
    force: bool = False,
    actor: Actor | None = None,
    generated: list[DemoPatient] | None = None,
) -> DemoSummary:
    """Generate ``patients`` demo patients into ``registry`` (already migrated) in one
    transaction; :class:`DemoRefused` when it holds non-demo patients and not ``force``.

    ``generated`` (from :func:`generate_demo_patients` with the same ``patients``,
    ``seed`` and ``as_of``) writes those instead of drawing them again, so that one draw
    can fill several databases."""
    started = time.perf_counter()
    day = as_of or datetime.now(UTC).date()
    if generated is None:
        generated = generate_demo_patients(patients, seed=seed, as_of=day)
    elif len(generated) != patients:
        raise ValueError(f"generated: {len(generated)} patients, expected {patients}")
    with unit_of_work(registry, actor or Actor.cli()) as tx:
        tx.require(Role.CLINICIAN)
        real = tx.session.scalar(
            select(PatientRow.id).where(PatientRow.is_demo.is_(False)).limit(1)
        )
        if real is not None and not force:
            raise DemoRefused(
                "the registry holds non-demo patients; demo data would mix with them "
                "(use --force to add it anyway)"
            )
        replaced = _replace_earlier(tx)
        follow_ups = _write(tx, generated)
        tx.audit(
            "demo_registry.generate",
            "registry",
            None,
            after={
                "patients": patients,
                "seed": seed,
                "as_of": day.isoformat(),
                "replaced": replaced,
                "force": force,
            },
        )
    seconds = time.perf_counter() - started
    logger.info(
        "demo registry: %d patients, %d follow-ups in %.1f s", patients, follow_ups, seconds
    )
    return DemoSummary(patients, follow_ups, seed, day, replaced, seconds)
