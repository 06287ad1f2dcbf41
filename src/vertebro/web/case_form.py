"""The case form: every ``vertebro.case/1`` field, grouped as a clinician thinks (who the
patient is, what forbids or complicates treatment, pain and function, neurology; then per
fractured level: where and why, how acute, how collapsed, how stable, tumour).

Nullable booleans are Yes / No / Not known (default Not known); booleans with a default
are Yes / No with that default preselected; a required boolean has nothing preselected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vertebro.model import (
    Alignment,
    Coagulopathy,
    Etiology,
    Lesion,
    Level,
    Morphology,
    Neurology,
    PainTrend,
    PainType,
    Plc,
    PosteriorWall,
    Posterolateral,
    Setting,
    Sex,
)
from vertebro.morphometry import OFClass
from vertebro.web.form_fields import (
    Field,
    Kind,
    block_count,
    block_indices,
    build_document,
    choices_of,
)

__all__ = [
    "CASE_GROUPS",
    "FRACTURE_GROUPS",
    "LANDMARKS",
    "Group",
    "case_kinds",
    "document_from_form",
    "fracture_count",
]


@dataclass(frozen=True, slots=True)
class Group:
    """A fieldset: a legend, the prefix of its inputs, its fields, an optional note."""

    legend: str
    prefix: str
    fields: tuple[Field, ...]
    note: str = ""
    collapsed: bool = False


_LEVELS = tuple((str(v.value), str(v.value)) for v in Level)

CASE_GROUPS: tuple[Group, ...] = (
    Group(
        "Patient",
        "patient",
        (
            Field(
                "age_years",
                "Age",
                "int",
                unit="years",
                required=True,
                nullable=False,
                minimum="0",
                maximum="120",
                step="1",
            ),
            Field("sex", "Sex", "enum", choices_of(Sex), nullable=False, default="unknown"),
            Field(
                "asa_class",
                "ASA physical status",
                "int",
                minimum="1",
                maximum="5",
                step="1",
                hint="1–5",
            ),
            Field(
                "frailty_index",
                "Modified frailty index (mFI-5)",
                "int",
                minimum="0",
                maximum="5",
                step="1",
                hint="count 0–5",
            ),
            Field("t_score", "DXA T-score", "number"),
            Field("qct_hu", "Trabecular attenuation on CT", "number", unit="HU"),
        ),
    ),
    Group(
        "Safety: what forbids or complicates treatment",
        "patient",
        (
            Field(
                "active_infection",
                "Active infection (systemic, or at a target level)",
                "bool2",
                required=True,
                nullable=False,
            ),
            Field("pregnant", "Pregnant", "bool2", nullable=False, default="false"),
            Field(
                "coagulopathy",
                "Bleeding disorder",
                "enum",
                choices_of(Coagulopathy),
                nullable=False,
                default="none",
            ),
            Field(
                "anticoagulated",
                "On anticoagulant therapy",
                "bool2",
                nullable=False,
                default="false",
            ),
            Field(
                "cement_allergy",
                "Allergy to bone cement (PMMA) or contrast",
                "bool2",
                nullable=False,
                default="false",
            ),
            Field("can_lie_prone", "Can lie face down for 30–60 minutes", "bool3"),
            Field(
                "severe_pulmonary_disease",
                "Severe lung disease (e.g. COPD)",
                "bool2",
                nullable=False,
                default="false",
            ),
        ),
    ),
    Group(
        "Pain and function",
        "clinical",
        (
            Field(
                "pain_nrs",
                "Back pain now (NRS)",
                "int",
                required=True,
                nullable=False,
                minimum="0",
                maximum="10",
                step="1",
                hint="0 none – 10 worst",
            ),
            Field(
                "setting",
                "Setting",
                "enum",
                choices_of(Setting),
                nullable=False,
                default="outpatient",
                hint="inpatient = in hospital because of the pain",
            ),
            Field("pain_trend", "Pain over the last weeks", "enum", choices_of(PainTrend)),
            Field("pain_type", "Type of pain", "enum", choices_of(PainType)),
            Field(
                "medication_insufficient",
                "Medication and non-surgical care not enough",
                "bool3",
                hint="or side effects unacceptable",
            ),
            Field(
                "conservative_care_weeks",
                "Weeks of non-surgical care so far",
                "number",
                unit="weeks",
                minimum="0",
            ),
            Field("mobilisation_possible", "Can be mobilised under analgesia", "bool3"),
            Field(
                "rdq",
                "Roland–Morris disability (RDQ)",
                "int",
                minimum="0",
                maximum="24",
                step="1",
                hint="0–24",
            ),
            Field(
                "odi",
                "Oswestry disability index (ODI)",
                "number",
                minimum="0",
                maximum="100",
                hint="0–100",
            ),
        ),
    ),
    Group(
        "Neurology",
        "clinical",
        (
            Field(
                "neurology",
                "Neurological status from the fractures",
                "enum",
                choices_of(Neurology),
                required=True,
                nullable=False,
            ),
            Field(
                "radicular_pain",
                "Radiating (radicular) pain without a deficit",
                "bool2",
                nullable=False,
                default="false",
            ),
        ),
    ),
)

LANDMARKS = (
    "anterior_superior",
    "anterior_inferior",
    "middle_superior",
    "middle_inferior",
    "posterior_superior",
    "posterior_inferior",
)

FRACTURE_GROUPS: tuple[Group, ...] = (
    Group(
        "Level and cause",
        "",
        (
            Field("level", "Level", "enum", _LEVELS, required=True, nullable=False),
            Field("etiology", "Cause", "enum", choices_of(Etiology), required=True, nullable=False),
            Field(
                "age_weeks",
                "Time since fracture or pain onset",
                "number",
                unit="weeks",
                minimum="0",
            ),
        ),
    ),
    Group(
        "How acute",
        "",
        (
            Field(
                "mri_edema",
                "Marrow oedema on MRI (STIR / T2 fat-sat) or uptake on bone scan",
                "bool3",
            ),
            Field("pain_at_level", "Pain matches this level (examination and imaging)", "bool3"),
            Field("intravertebral_cleft", "Fluid or gas cleft in the body", "bool3"),
            Field("progressive_collapse", "Further collapse on follow-up imaging", "bool3"),
        ),
    ),
    Group(
        "Collapse and geometry",
        "",
        (
            Field("heights_mm.anterior", "Anterior height", "number", unit="mm"),
            Field("heights_mm.middle", "Middle height", "number", unit="mm"),
            Field("heights_mm.posterior", "Posterior height", "number", unit="mm"),
            Field(
                "reference_height_mm",
                "Expected normal height",
                "number",
                unit="mm",
                hint="e.g. mean posterior height of the normal neighbours",
            ),
            Field(
                "height_loss_pct",
                "Height loss measured elsewhere",
                "number",
                unit="%",
                minimum="0",
                maximum="100",
                hint="takes precedence over heights",
            ),
            Field("kyphotic_angle_deg", "Wedge or kyphotic angle", "number", unit="°"),
        ),
        note="Give the three heights, or paste vertebro measure output above to fill them "
        "with the landmarks.",
    ),
    Group(
        "Six-point landmarks (from vertebro measure)",
        "",
        tuple(
            Field(
                f"landmarks_mm.{point}[{axis}]",
                f"{point.replace('_', ' ')} {'xy'[axis]}",
                "number",
                unit="mm",
            )
            for point in LANDMARKS
            for axis in (0, 1)
        ),
        note="x posterior → anterior, y caudal → cranial, mm in one sagittal plane.",
        collapsed=True,
    ),
    Group(
        "Stability",
        "",
        (
            Field(
                "morphology",
                "Morphology (TLICS)",
                "enum",
                choices_of(Morphology),
                nullable=False,
                default="compression",
            ),
            Field(
                "endplates_involved",
                "Endplates involved",
                "int",
                minimum="0",
                maximum="2",
                step="1",
                hint="0, 1 or 2",
            ),
            Field(
                "posterior_wall",
                "Posterior wall",
                "enum",
                choices_of(PosteriorWall),
                hint="minor < 1/5 of the wall, distinct > 1/5",
            ),
            Field("retropulsion", "Fragment displaced into the canal", "bool3"),
            Field(
                "canal_compromise_pct",
                "Canal compromise",
                "number",
                unit="%",
                minimum="0",
                maximum="100",
            ),
            Field("tension_band_failure", "Tension band failure (distraction, rotation)", "bool3"),
            Field("plc", "Posterior ligamentous complex", "enum", choices_of(Plc)),
            Field("unstable", "Spine judged unstable at this level", "bool3"),
            Field("of_class", "OF class (if known; else derived)", "enum", choices_of(OFClass)),
        ),
    ),
    Group(
        "Tumour (SINS)",
        "",
        (
            Field("lesion", "Lesion", "enum", choices_of(Lesion)),
            Field("alignment", "Alignment", "enum", choices_of(Alignment)),
            Field(
                "posterolateral", "Posterolateral involvement", "enum", choices_of(Posterolateral)
            ),
            Field("body_involvement_over_50", "Tumour in more than half of the body", "bool3"),
        ),
        collapsed=True,
    ),
)


def _case_level_kinds() -> dict[str, Kind]:
    kinds: dict[str, Kind] = {"case_id": "text"}
    for group in CASE_GROUPS:
        for field in group.fields:
            kinds[f"{group.prefix}.{field.name}"] = field.kind
    return kinds


def _fracture_kinds() -> dict[str, Kind]:
    return {field.name: field.kind for group in FRACTURE_GROUPS for field in group.fields}


def case_kinds(fractures: int) -> dict[str, Kind]:
    """Every input path of a form with ``fractures`` fracture blocks and its kind."""
    kinds = _case_level_kinds()
    for i in range(fractures):
        for name, kind in _fracture_kinds().items():
            kinds[f"fractures[{i}].{name}"] = kind
    return kinds


def fracture_count(values: dict[str, Any]) -> int:
    """How many fracture blocks the form shows (at least one, at most one per level)."""
    return block_count(values, "fractures", len(Level))


def document_from_form(values: dict[str, Any]) -> dict[str, Any]:
    """The submitted case form → a ``vertebro.case/1`` document for the strict parser.
    Fracture blocks left as they came (empty or at their defaults) are dropped; the others
    keep their order."""
    document = build_document(values, _case_level_kinds())
    document["schema"] = "vertebro.case/1"
    document.setdefault("patient", {})
    document.setdefault("clinical", {})
    kinds = _fracture_kinds()
    defaults = {f.name: f.default for group in FRACTURE_GROUPS for f in group.fields}
    fractures = []
    for i in block_indices(values, "fractures"):
        block = {name: values.get(f"fractures[{i}].{name}", "") for name in kinds}
        if all(value.strip() in ("", defaults[name]) for name, value in block.items()):
            continue
        fractures.append(build_document(block, kinds))
    document["fractures"] = fractures
    return document
