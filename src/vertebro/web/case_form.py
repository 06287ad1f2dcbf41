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
from vertebro.reporting.vocabulary import FIELD_LABELS, LANDMARK_POINTS
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


def label_of(path: str) -> str:
    """The field's label from the one vocabulary (:mod:`vertebro.reporting.vocabulary`)."""
    return FIELD_LABELS[path]


CASE_GROUPS: tuple[Group, ...] = (
    Group(
        "Patient",
        "patient",
        (
            Field(
                "age_years",
                label_of("patient.age_years"),
                "int",
                unit="years",
                required=True,
                nullable=False,
                minimum="0",
                maximum="120",
                step="1",
            ),
            Field(
                "sex",
                label_of("patient.sex"),
                "enum",
                choices_of(Sex),
                nullable=False,
                default="unknown",
            ),
            Field(
                "asa_class",
                label_of("patient.asa_class"),
                "int",
                minimum="1",
                maximum="5",
                step="1",
                hint="1–5",
            ),
            Field(
                "frailty_index",
                label_of("patient.frailty_index"),
                "int",
                minimum="0",
                maximum="5",
                step="1",
                hint="count 0–5",
            ),
            Field("t_score", label_of("patient.t_score"), "number"),
            Field("qct_hu", label_of("patient.qct_hu"), "number", unit="HU"),
        ),
    ),
    Group(
        "Safety: what forbids or complicates treatment",
        "patient",
        (
            Field(
                "active_infection",
                label_of("patient.active_infection"),
                "bool2",
                required=True,
                nullable=False,
            ),
            Field(
                "pregnant", label_of("patient.pregnant"), "bool2", nullable=False, default="false"
            ),
            Field(
                "coagulopathy",
                label_of("patient.coagulopathy"),
                "enum",
                choices_of(Coagulopathy),
                nullable=False,
                default="none",
            ),
            Field(
                "anticoagulated",
                label_of("patient.anticoagulated"),
                "bool2",
                nullable=False,
                default="false",
            ),
            Field(
                "cement_allergy",
                label_of("patient.cement_allergy"),
                "bool2",
                nullable=False,
                default="false",
            ),
            Field("can_lie_prone", label_of("patient.can_lie_prone"), "bool3"),
            Field(
                "severe_pulmonary_disease",
                label_of("patient.severe_pulmonary_disease"),
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
                label_of("clinical.pain_nrs"),
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
                label_of("clinical.setting"),
                "enum",
                choices_of(Setting),
                nullable=False,
                default="outpatient",
                hint="inpatient = in hospital because of the pain",
            ),
            Field("pain_trend", label_of("clinical.pain_trend"), "enum", choices_of(PainTrend)),
            Field("pain_type", label_of("clinical.pain_type"), "enum", choices_of(PainType)),
            Field(
                "medication_insufficient",
                label_of("clinical.medication_insufficient"),
                "bool3",
                hint="or side effects unacceptable",
            ),
            Field(
                "conservative_care_weeks",
                label_of("clinical.conservative_care_weeks"),
                "number",
                unit="weeks",
                minimum="0",
            ),
            Field("mobilisation_possible", label_of("clinical.mobilisation_possible"), "bool3"),
            Field(
                "rdq",
                label_of("clinical.rdq"),
                "int",
                minimum="0",
                maximum="24",
                step="1",
                hint="0–24",
            ),
            Field(
                "odi",
                label_of("clinical.odi"),
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
                label_of("clinical.neurology"),
                "enum",
                choices_of(Neurology),
                required=True,
                nullable=False,
            ),
            Field(
                "radicular_pain",
                label_of("clinical.radicular_pain"),
                "bool2",
                nullable=False,
                default="false",
            ),
        ),
    ),
)

LANDMARKS = LANDMARK_POINTS

FRACTURE_GROUPS: tuple[Group, ...] = (
    Group(
        "Level and cause",
        "",
        (
            Field(
                "level",
                label_of("fractures[].level"),
                "enum",
                _LEVELS,
                required=True,
                nullable=False,
            ),
            Field(
                "etiology",
                label_of("fractures[].etiology"),
                "enum",
                choices_of(Etiology),
                required=True,
                nullable=False,
            ),
            Field(
                "age_weeks",
                label_of("fractures[].age_weeks"),
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
                label_of("fractures[].mri_edema"),
                "bool3",
            ),
            Field("pain_at_level", label_of("fractures[].pain_at_level"), "bool3"),
            Field("intravertebral_cleft", label_of("fractures[].intravertebral_cleft"), "bool3"),
            Field("progressive_collapse", label_of("fractures[].progressive_collapse"), "bool3"),
        ),
    ),
    Group(
        "Collapse and geometry",
        "",
        (
            Field(
                "heights_mm.anterior",
                label_of("fractures[].heights_mm.anterior"),
                "number",
                unit="mm",
            ),
            Field(
                "heights_mm.middle", label_of("fractures[].heights_mm.middle"), "number", unit="mm"
            ),
            Field(
                "heights_mm.posterior",
                label_of("fractures[].heights_mm.posterior"),
                "number",
                unit="mm",
            ),
            Field(
                "reference_height_mm",
                label_of("fractures[].reference_height_mm"),
                "number",
                unit="mm",
                hint="e.g. mean posterior height of the normal neighbours",
            ),
            Field(
                "height_loss_pct",
                label_of("fractures[].height_loss_pct"),
                "number",
                unit="%",
                minimum="0",
                maximum="100",
                hint="takes precedence over heights",
            ),
            Field(
                "kyphotic_angle_deg", label_of("fractures[].kyphotic_angle_deg"), "number", unit="°"
            ),
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
                label_of(f"fractures[].landmarks_mm.{point}[{axis}]"),
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
                label_of("fractures[].morphology"),
                "enum",
                choices_of(Morphology),
                nullable=False,
                default="compression",
            ),
            Field(
                "endplates_involved",
                label_of("fractures[].endplates_involved"),
                "int",
                minimum="0",
                maximum="2",
                step="1",
                hint="0, 1 or 2",
            ),
            Field(
                "posterior_wall",
                label_of("fractures[].posterior_wall"),
                "enum",
                choices_of(PosteriorWall),
                hint="minor < 1/5 of the wall, distinct > 1/5",
            ),
            Field("retropulsion", label_of("fractures[].retropulsion"), "bool3"),
            Field(
                "canal_compromise_pct",
                label_of("fractures[].canal_compromise_pct"),
                "number",
                unit="%",
                minimum="0",
                maximum="100",
            ),
            Field("tension_band_failure", label_of("fractures[].tension_band_failure"), "bool3"),
            Field("plc", label_of("fractures[].plc"), "enum", choices_of(Plc)),
            Field("unstable", label_of("fractures[].unstable"), "bool3"),
            Field("of_class", label_of("fractures[].of_class"), "enum", choices_of(OFClass)),
        ),
    ),
    Group(
        "Tumour (SINS)",
        "",
        (
            Field(
                "lesion",
                label_of("fractures[].lesion"),
                "enum",
                choices_of(Lesion, {"mixed": "Mixed (lytic and blastic)"}),
            ),
            Field("alignment", label_of("fractures[].alignment"), "enum", choices_of(Alignment)),
            Field(
                "posterolateral",
                label_of("fractures[].posterolateral"),
                "enum",
                choices_of(Posterolateral),
            ),
            Field(
                "body_involvement_over_50",
                label_of("fractures[].body_involvement_over_50"),
                "bool3",
            ),
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
    Fracture blocks left as they came (empty or at their defaults) are dropped, unless none
    is filled (then the first stays, so that its required fields are reported); the others
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
    if not fractures and block_indices(values, "fractures"):
        # an untouched first block: the parser names each of its required fields
        fractures.append(build_document({}, kinds))
    document["fractures"] = fractures
    return document
