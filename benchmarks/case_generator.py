"""A realistic mix of valid ``vertebro.case/1`` documents, for the benchmarks and the tests.

The mix is meant to look like a unit's worklist and to exercise the whole rulebook: most
patients are osteoporotic candidates with one to three fractures (about 2 levels and
950 bytes of JSON per case), and a steady minority brings what the rules test — unknown or
negative MRI, controlled or improving pain, landmarks instead of heights, a given loss or OF
class, burst and distraction injuries with a PLC reading, retropulsion, instability, tumours
with their SINS items, coagulopathy, pregnancy, cement allergy, collapses beyond 70 and 80 %.
Over a few thousand cases every overall recommendation occurs and every decision, timing and
caution rule of the rulebook fires (``tests/test_case_generator.py`` holds that;
``benchmarks/bench_assess.py`` prints the counts and fails when one is zero).

Deterministic: the same seed gives the same cases, on every machine and Python ≥ 3.11.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["LEVELS", "Mix", "generate_case", "generate_cases", "mix_of"]

LEVELS = [f"T{i}" for i in range(1, 13)] + [f"L{i}" for i in range(1, 6)]
#: Where fractures are, roughly as in osteoporotic series: the thoracolumbar junction and
#: the mid-thoracic spine most, the upper thoracic spine seldom (T1 … L5).
_LEVEL_WEIGHTS = [1, 1, 2, 3, 5, 7, 9, 9, 8, 9, 14, 20, 20, 13, 8, 5, 3]
_FRACTURE_COUNT = ([1] * 40) + ([2] * 30) + ([3] * 15) + ([4] * 8) + ([5] * 4) + [6, 6, 7]
_ETIOLOGY = {
    "osteoporotic": 76,
    "traumatic": 7,
    "myeloma": 5,
    "metastasis": 6,
    "hemangioma": 2,
    "other": 2,
    "unknown": 2,
}
_NEUROLOGY = {
    "intact": 926,
    "unknown": 20,
    "root": 20,
    "incomplete_cord": 6,
    "cauda_equina": 4,
    "complete_cord": 3,
}


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def _maybe(rng: random.Random, p_known: float, value: Any) -> Any:
    """``value`` with probability ``p_known``, else ``None`` (the key is then left out)."""
    return value if rng.random() < p_known else None


def _bool(rng: random.Random, p_known: float, p_true: float) -> bool | None:
    return _maybe(rng, p_known, rng.random() < p_true)


def _compact(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if value is not None}


def _levels(rng: random.Random, count: int) -> list[str]:
    """``count`` distinct levels: often a run of neighbours, else scattered; in the input
    order a clinician might type them (mostly cranial to caudal, sometimes not)."""
    start = rng.choices(range(len(LEVELS)), _LEVEL_WEIGHTS)[0]
    if rng.random() < 0.5 and start + count <= len(LEVELS):
        chosen = LEVELS[start : start + count]
    else:
        chosen = [LEVELS[start]]
        while len(chosen) < count:
            level = LEVELS[rng.choices(range(len(LEVELS)), _LEVEL_WEIGHTS)[0]]
            if level not in chosen:
                chosen.append(level)
    chosen.sort(key=LEVELS.index)
    if rng.random() < 0.15:
        rng.shuffle(chosen)
    return chosen


def _target_loss(rng: random.Random) -> float:
    """The collapse to draw (%): mostly mild to moderate, a tail beyond 70 and 80 %."""
    band = rng.random()
    if band < 0.22:
        return rng.uniform(3.0, 20.0)
    if band < 0.80:
        return rng.uniform(20.0, 50.0)
    if band < 0.90:
        return rng.uniform(50.0, 70.0)
    if band < 0.95:
        return rng.uniform(70.0, 80.0)
    return rng.uniform(80.0, 95.0)


def _heights(rng: random.Random, loss: float) -> tuple[float, float, float, float]:
    """(anterior, middle, posterior, normal height) mm of a body that lost ``loss`` % in
    a wedge, biconcave or crush pattern."""
    normal = rng.uniform(20.0, 32.0)
    low = normal * (1.0 - loss / 100.0)
    pattern = rng.random()
    if pattern < 0.55:  # wedge: the front collapses
        anterior = low
        middle = rng.uniform(low, normal)
        posterior = normal * rng.uniform(0.97, 1.0)
    elif pattern < 0.85:  # biconcave: the centre collapses
        middle = low
        anterior = rng.uniform(low, normal)
        posterior = normal * rng.uniform(0.95, 1.0)
    else:  # crush: the whole body, seen only against a reference height
        posterior = low * rng.uniform(1.0, 1.08)
        anterior = low * rng.uniform(1.0, 1.1)
        middle = low
    return max(anterior, 1.0), max(middle, 1.0), max(posterior, 1.0), normal


def _round(value: float) -> float:
    return round(value, 1)


def _landmarks(rng: random.Random, a: float, m: float, p: float) -> dict[str, list[float]]:
    """Six points (x posterior → anterior, y caudal → cranial, mm) of a body with these
    heights, tilted in the sagittal plane as a spine is."""
    depth = rng.uniform(28.0, 40.0)
    tilt = math.radians(rng.uniform(-25.0, 25.0))
    cos, sin = math.cos(tilt), math.sin(tilt)
    x0, y0 = rng.uniform(-60.0, 60.0), rng.uniform(-200.0, 200.0)

    def point(x: float, y: float) -> list[float]:
        return [_round(x0 + x * cos - y * sin), _round(y0 + x * sin + y * cos)]

    sag = rng.uniform(0.0, 1.5)  # the endplates are not quite flat
    return {
        "anterior_superior": point(depth, a),
        "anterior_inferior": point(depth, 0.0),
        "middle_superior": point(depth / 2, m + sag),
        "middle_inferior": point(depth / 2, sag),
        "posterior_superior": point(0.0, p),
        "posterior_inferior": point(0.0, 0.0),
    }


def _geometry(rng: random.Random, fracture: dict[str, Any]) -> float:
    """Adds heights, landmarks, a reference height or a given loss; returns the loss drawn."""
    loss = _target_loss(rng)
    a, m, p, normal = _heights(rng, loss)
    source = rng.random()
    if source < 0.69:
        fracture["heights_mm"] = {
            "anterior": _round(a),
            "middle": _round(m),
            "posterior": _round(p),
        }
    elif source < 0.75:
        fracture["landmarks_mm"] = _landmarks(rng, a, m, p)
    elif source < 0.78:  # both: the heights measure, the landmarks give the wedge angle
        fracture["heights_mm"] = {
            "anterior": _round(a),
            "middle": _round(m),
            "posterior": _round(p),
        }
        fracture["landmarks_mm"] = _landmarks(rng, a, m, p)
    elif source < 0.97:
        fracture["height_loss_pct"] = _round(loss)
    if "height_loss_pct" not in fracture and source < 0.97 and rng.random() < 0.35:
        fracture["reference_height_mm"] = _round(normal * rng.uniform(0.98, 1.04))
    if rng.random() < 0.1:
        fracture["kyphotic_angle_deg"] = _round(rng.uniform(-2.0, 25.0))
    return loss


def _neoplastic(rng: random.Random, fracture: dict[str, Any]) -> None:
    """The SINS items of a myeloma or metastasis level, mostly known."""
    fracture["lesion"] = _maybe(rng, 0.9, rng.choice(["lytic", "lytic", "mixed", "blastic"]))
    fracture["alignment"] = _maybe(
        rng, 0.9, rng.choices(["normal", "deformity", "subluxation"], [70, 25, 5])[0]
    )
    fracture["posterolateral"] = _maybe(
        rng, 0.9, rng.choices(["none", "unilateral", "bilateral"], [55, 30, 15])[0]
    )
    fracture["body_involvement_over_50"] = _bool(rng, 0.7, 0.5)


def _fracture(rng: random.Random, level: str, patient_traumatic: bool) -> dict[str, Any]:
    etiology = "traumatic" if patient_traumatic else _pick(rng, _ETIOLOGY)
    traumatic = etiology == "traumatic"
    fracture: dict[str, Any] = {"level": level, "etiology": etiology}
    weeks = rng.choices([0.5, 1.0, 2.0, 4.0, 8.0, 20.0], [5, 10, 20, 30, 20, 15])[0]
    fracture["age_weeks"] = _maybe(rng, 0.92, _round(weeks * rng.uniform(0.5, 1.5)))
    fracture["mri_edema"] = _bool(rng, 0.96, 0.88)
    fracture["pain_at_level"] = _bool(rng, 0.97, 0.95)
    loss = _geometry(rng, fracture)
    morphology = rng.choices(
        ["compression", "burst", "translation_rotation", "distraction"],
        [55, 38, 4, 3] if traumatic else [93.6, 6, 0.2, 0.2],
    )[0]
    if morphology != "compression" or rng.random() < 0.15:
        fracture["morphology"] = morphology
    fracture["endplates_involved"] = _maybe(rng, 0.45, rng.choices([0, 1, 2], [30, 50, 20])[0])
    fracture["posterior_wall"] = _maybe(
        rng, 0.45, rng.choices(["intact", "minor", "distinct"], [65, 25, 10])[0]
    )
    if morphology == "burst":
        fracture["retropulsion"] = _bool(rng, 0.8, 0.35)
        fracture["canal_compromise_pct"] = _maybe(rng, 0.6, _round(rng.uniform(0.0, 45.0)))
    fracture["tension_band_failure"] = _bool(rng, 0.9 if traumatic else 0.2, 0.04)
    fracture["plc"] = _maybe(
        rng,
        0.9 if traumatic else 0.4,
        rng.choices(["intact", "indeterminate", "injured"], [75, 15, 10])[0],
    )
    fracture["unstable"] = _bool(rng, 0.5 if traumatic else 0.2, 0.04)
    fracture["intravertebral_cleft"] = _bool(rng, 0.5, 0.12 if loss > 20.0 else 0.03)
    fracture["progressive_collapse"] = _bool(rng, 0.45, 0.2)
    if rng.random() < 0.05:
        fracture["of_class"] = rng.choices(
            ["OF1", "OF2", "OF3", "OF4", "OF5"], [25, 35, 25, 12, 3]
        )[0]
    if etiology in ("myeloma", "metastasis"):
        _neoplastic(rng, fracture)
    return _compact(fracture)


def _patient(rng: random.Random, young: bool) -> dict[str, Any]:
    sex = rng.choices(
        ["female", "male", "other", "unknown"], [45, 50, 2, 3] if young else [72, 26, 1, 1]
    )[0]
    age = rng.randint(18, 54) if young else int(min(99, rng.gauss(76, 8)))
    return _compact(
        {
            "age_years": age,
            "sex": sex if rng.random() < 0.9 else None,
            "asa_class": _maybe(rng, 0.8, rng.choices([1, 2, 3, 4, 5], [5, 30, 45, 18, 2])[0]),
            "frailty_index": _maybe(rng, 0.2, rng.randint(0, 5)),
            "t_score": None if young else _maybe(rng, 0.6, _round(rng.uniform(-4.5, -1.0))),
            "qct_hu": _maybe(rng, 0.05, _round(rng.uniform(40.0, 160.0))),
            "active_infection": rng.random() < 0.008,
            "pregnant": (rng.random() < 0.08) if young and sex == "female" else None,
            "coagulopathy": _maybe(
                rng, 0.3, rng.choices(["none", "correctable", "uncorrectable"], [82, 16, 2])[0]
            ),
            "anticoagulated": _maybe(rng, 0.5, rng.random() < 0.25),
            "cement_allergy": _maybe(rng, 0.2, rng.random() < 0.02),
            "can_lie_prone": _bool(rng, 0.4, 0.9),
            "severe_pulmonary_disease": _maybe(rng, 0.4, rng.random() < 0.12),
        }
    )


def _clinical(rng: random.Random) -> dict[str, Any]:
    setting = "inpatient" if rng.random() < 0.25 else "outpatient"
    return _compact(
        {
            "pain_nrs": rng.choices(range(11), [1, 1, 1, 2, 3, 8, 12, 17, 22, 19, 14])[0],
            "setting": setting if rng.random() < 0.7 else None,
            "pain_trend": _maybe(
                rng, 0.8, rng.choices(["worsening", "stable", "improving"], [40, 50, 10])[0]
            ),
            "pain_type": _maybe(
                rng, 0.85, rng.choices(["mechanical", "non_mechanical", "none"], [80, 17, 3])[0]
            ),
            "medication_insufficient": _bool(rng, 0.96, 0.88),
            "conservative_care_weeks": _maybe(rng, 0.2, _round(rng.uniform(0.0, 12.0))),
            "mobilisation_possible": _bool(rng, 0.3, 0.6),
            "rdq": _maybe(rng, 0.15, rng.randint(4, 24)),
            "odi": _maybe(rng, 0.15, _round(rng.uniform(20.0, 90.0))),
            "radicular_pain": _maybe(rng, 0.3, rng.random() < 0.15),
            "neurology": _pick(rng, _NEUROLOGY),
        }
    )


def generate_case(rng: random.Random, index: int) -> dict[str, Any]:
    """One case of the mix: a patient (one in ten a young trauma patient), the clinical
    picture and 1–7 fractured levels."""
    young = rng.random() < 0.08
    count = rng.choice(_FRACTURE_COUNT) if not young else rng.choice([1, 1, 1, 2])
    return {
        "schema": "vertebro.case/1",
        "case_id": f"mix-{index:06d}",
        "patient": _patient(rng, young),
        "clinical": _clinical(rng),
        "fractures": [_fracture(rng, level, young) for level in _levels(rng, count)],
    }


def generate_cases(count: int, seed: int = 0) -> Iterator[dict[str, Any]]:
    """``count`` cases of the mix, reproducible from ``seed``."""
    rng = random.Random(seed)
    for index in range(count):
        yield generate_case(rng, index)


@dataclass
class Mix:
    """What a set of assessments shows: how often each overall recommendation and each rule
    occurred (a rule counts once per level it is reported at, a patient-wide caution once per
    case, W-1 / W-2 once per level with that timing)."""

    cases: int = 0
    levels: int = 0
    decisions: Counter[str] = field(default_factory=Counter)
    rules: Counter[str] = field(default_factory=Counter)
    plans: int = 0

    def add(self, assessment: dict[str, Any]) -> None:
        """Count one ``vertebro.assessment/1`` document (decoded JSON)."""
        self.cases += 1
        self.decisions[assessment["recommendation"]] += 1
        self.plans += assessment["plan"] is not None
        for caution in assessment["cautions"]:
            self.rules[caution["rule"]] += 1
        for level in assessment["levels"]:
            self.levels += 1
            for item in (*level["reasons"], *level["cautions"]):
                self.rules[item["rule"]] += 1
            timing = level["timing"]
            if timing != "unknown":
                self.rules["W-1" if timing == "favourable" else "W-2"] += 1


def mix_of(assessments: Iterable[dict[str, Any]]) -> Mix:
    """The :class:`Mix` of decoded assessments."""
    mix = Mix()
    for assessment in assessments:
        mix.add(assessment)
    return mix
