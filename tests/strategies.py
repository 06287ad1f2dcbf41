"""Hypothesis strategies: valid ``vertebro.case/1`` documents of every kind."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

LEVELS = [f"T{i}" for i in range(1, 13)] + [f"L{i}" for i in range(1, 6)]


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A value, ``None`` (not known) or absent (the key left out)."""
    return st.one_of(st.just(None), st.just("<absent>"), strategy)


def _compact(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v != "<absent>"}


heights = st.fixed_dictionaries(
    {
        "anterior": st.floats(1.0, 40.0),
        "middle": st.floats(1.0, 40.0),
        "posterior": st.floats(5.0, 40.0),
    }
)


@st.composite
def fractures(draw: st.DrawFn, level: str) -> dict[str, Any]:
    f = {
        "level": level,
        "etiology": draw(
            st.sampled_from(
                [
                    "osteoporotic",
                    "traumatic",
                    "myeloma",
                    "metastasis",
                    "hemangioma",
                    "other",
                    "unknown",
                ]
            )
        ),
        "age_weeks": draw(maybe(st.floats(0, 60))),
        "mri_edema": draw(maybe(st.booleans())),
        "pain_at_level": draw(maybe(st.booleans())),
        "heights_mm": draw(maybe(heights)),
        "reference_height_mm": draw(maybe(st.floats(10.0, 45.0))),
        "height_loss_pct": draw(maybe(st.floats(0, 100))),
        "morphology": draw(
            st.sampled_from(
                ["<absent>", "compression", "burst", "translation_rotation", "distraction"]
            )
        ),
        "endplates_involved": draw(maybe(st.integers(0, 2))),
        "posterior_wall": draw(maybe(st.sampled_from(["intact", "minor", "distinct"]))),
        "retropulsion": draw(maybe(st.booleans())),
        "tension_band_failure": draw(maybe(st.booleans())),
        "plc": draw(maybe(st.sampled_from(["intact", "indeterminate", "injured"]))),
        "unstable": draw(maybe(st.booleans())),
        "intravertebral_cleft": draw(maybe(st.booleans())),
        "progressive_collapse": draw(maybe(st.booleans())),
        "of_class": draw(maybe(st.sampled_from(["OF1", "OF2", "OF3", "OF4", "OF5"]))),
        "lesion": draw(maybe(st.sampled_from(["lytic", "mixed", "blastic"]))),
        "alignment": draw(maybe(st.sampled_from(["normal", "deformity", "subluxation"]))),
        "posterolateral": draw(maybe(st.sampled_from(["none", "unilateral", "bilateral"]))),
        "body_involvement_over_50": draw(maybe(st.booleans())),
    }
    return _compact(f)


@st.composite
def cases(draw: st.DrawFn, *, contraindicated: bool | None = None) -> dict[str, Any]:
    """A valid case; ``contraindicated=True`` forces at least one C condition."""
    levels = draw(st.lists(st.sampled_from(LEVELS), min_size=1, max_size=6, unique=True))
    patient = _compact(
        {
            "age_years": draw(st.integers(0, 120)),
            "sex": draw(st.sampled_from(["<absent>", "female", "male", "other", "unknown"])),
            "asa_class": draw(maybe(st.integers(1, 5))),
            "frailty_index": draw(maybe(st.integers(0, 5))),
            "t_score": draw(maybe(st.floats(-6, 2))),
            "qct_hu": draw(maybe(st.floats(0, 250))),
            "active_infection": draw(st.booleans()),
            "pregnant": draw(st.sampled_from(["<absent>", False, True])),
            "coagulopathy": draw(
                st.sampled_from(["<absent>", "none", "correctable", "uncorrectable"])
            ),
            "anticoagulated": draw(st.sampled_from(["<absent>", False, True])),
            "cement_allergy": draw(st.sampled_from(["<absent>", False, True])),
            "can_lie_prone": draw(maybe(st.booleans())),
            "severe_pulmonary_disease": draw(st.sampled_from(["<absent>", False, True])),
        }
    )
    if contraindicated is True:
        which = draw(
            st.sampled_from(["active_infection", "pregnant", "coagulopathy", "cement_allergy"])
        )
        patient[which] = "uncorrectable" if which == "coagulopathy" else True
    elif contraindicated is False:
        patient.update(active_infection=False, pregnant=False, cement_allergy=False)
        if patient.get("coagulopathy") == "uncorrectable":
            patient["coagulopathy"] = "none"
    clinical = _compact(
        {
            "pain_nrs": draw(st.integers(0, 10)),
            "setting": draw(st.sampled_from(["<absent>", "outpatient", "inpatient"])),
            "pain_trend": draw(maybe(st.sampled_from(["worsening", "stable", "improving"]))),
            "pain_type": draw(maybe(st.sampled_from(["mechanical", "non_mechanical", "none"]))),
            "medication_insufficient": draw(maybe(st.booleans())),
            "mobilisation_possible": draw(maybe(st.booleans())),
            "radicular_pain": draw(st.sampled_from(["<absent>", False, True])),
            "neurology": draw(
                st.sampled_from(
                    [
                        "intact",
                        "intact",
                        "intact",
                        "root",
                        "incomplete_cord",
                        "complete_cord",
                        "cauda_equina",
                        "unknown",
                    ]
                )
            ),
        }
    )
    return {
        "schema": "vertebro.case/1",
        "case_id": draw(st.from_regex(r"[A-Za-z0-9._-]{1,20}", fullmatch=True)),
        "patient": patient,
        "clinical": clinical,
        "fractures": [draw(fractures(level)) for level in levels],
    }
