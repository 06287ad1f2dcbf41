"""Random but valid ``vertebro.case/1`` documents, for benchmarks and property tests."""

from __future__ import annotations

import random
from typing import Any

LEVELS = [f"T{i}" for i in range(1, 13)] + [f"L{i}" for i in range(1, 6)]
ETIOLOGIES = ["osteoporotic"] * 6 + ["traumatic", "myeloma", "metastasis", "hemangioma", "other"]


def _maybe(rng: random.Random, value: Any, p_known: float = 0.8) -> Any:
    return value if rng.random() < p_known else None


def _fracture(rng: random.Random, level: str) -> dict[str, Any]:
    posterior = round(rng.uniform(18.0, 32.0), 1)
    anterior = round(posterior * rng.uniform(0.3, 1.05), 1)
    middle = round(posterior * rng.uniform(0.4, 1.05), 1)
    fracture: dict[str, Any] = {
        "level": level,
        "etiology": rng.choice(ETIOLOGIES),
        "age_weeks": round(rng.uniform(0.5, 30.0), 1),
        "mri_edema": _maybe(rng, rng.random() < 0.85, 0.9),
        "pain_at_level": _maybe(rng, rng.random() < 0.9, 0.9),
        "heights_mm": {"anterior": anterior, "middle": middle, "posterior": posterior},
        "endplates_involved": _maybe(rng, rng.randint(0, 2), 0.6),
        "posterior_wall": _maybe(rng, rng.choice(["intact", "minor", "distinct"]), 0.6),
        "plc": _maybe(rng, rng.choice(["intact", "intact", "indeterminate", "injured"]), 0.5),
        "intravertebral_cleft": _maybe(rng, rng.random() < 0.15, 0.5),
        "progressive_collapse": _maybe(rng, rng.random() < 0.2, 0.5),
    }
    if rng.random() < 0.3:
        fracture["reference_height_mm"] = round(posterior * rng.uniform(1.0, 1.15), 1)
    if fracture["etiology"] in ("myeloma", "metastasis"):
        fracture.update(
            lesion=rng.choice(["lytic", "mixed", "blastic"]),
            alignment=rng.choice(["normal", "normal", "deformity"]),
            posterolateral=rng.choice(["none", "unilateral", "bilateral"]),
            body_involvement_over_50=rng.random() < 0.5,
        )
    return {k: v for k, v in fracture.items() if v is not None}


def generate_case(rng: random.Random, index: int) -> dict[str, Any]:
    """One plausible case: 1–5 fractured levels, most data known, some gaps."""
    count = rng.choice([1, 1, 1, 2, 2, 3, 4, 5])
    levels = rng.sample(LEVELS, count)
    return {
        "schema": "vertebro.case/1",
        "case_id": f"bench-{index:06d}",
        "patient": {
            "age_years": rng.randint(55, 95),
            "sex": rng.choice(["female", "female", "male"]),
            "asa_class": rng.randint(1, 4),
            "active_infection": rng.random() < 0.02,
            "anticoagulated": rng.random() < 0.15,
            "t_score": round(rng.uniform(-4.5, -1.0), 1),
        },
        "clinical": {
            "pain_nrs": rng.randint(3, 10),
            "setting": rng.choice(["outpatient", "outpatient", "inpatient"]),
            "pain_trend": rng.choice(["worsening", "stable", "improving"]),
            "pain_type": rng.choice(["mechanical", "non_mechanical"]),
            "medication_insufficient": rng.random() < 0.8,
            "neurology": rng.choice(["intact"] * 12 + ["root", "unknown"]),
        },
        "fractures": [_fracture(rng, level) for level in levels],
    }
