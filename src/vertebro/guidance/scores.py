"""Rulebook S-1 to S-3: OF score, TLICS and SINS, each with the fields it lacked."""

from __future__ import annotations

from vertebro.model.assessment import Score
from vertebro.model.case import Case, Fracture
from vertebro.model.enums import (
    NEOPLASTIC_ETIOLOGIES,
    NEUROLOGICAL_DEFICITS,
    Alignment,
    Etiology,
    Lesion,
    Morphology,
    Neurology,
    PainType,
    Plc,
    Posterolateral,
)
from vertebro.model.fast import build
from vertebro.model.level import Level
from vertebro.morphometry import OFClass

__all__ = ["NOT_APPLICABLE", "of_score", "sins", "tlics"]

_OSTEOPOROTIC = Etiology.OSTEOPOROTIC
_UNKNOWN_NEUROLOGY = Neurology.UNKNOWN

#: The score of a fracture whose etiology it does not apply to.
NOT_APPLICABLE = build(Score, value=None, interpretation=None, missing=[])


#: Scores are immutable and their inputs few (a small integer and its reading, or the
#: paths a score lacked), so each distinct one is built once and shared.
_COMPUTED: dict[tuple[int, str], Score] = {}
_UNKNOWN: dict[tuple[str, ...], Score] = {}
_UNKNOWN_AT: dict[tuple[int, tuple[str, ...], bool], Score] = {}
_NEUROLOGY_PATH = "clinical.neurology"
_PLC = ("plc",)


def _score(value: int, interpretation: str) -> Score:
    score = _COMPUTED.get((value, interpretation))
    if score is None:
        score = build(Score, value=value, interpretation=interpretation, missing=[])
        _COMPUTED[value, interpretation] = score
    return score


def _unknown(missing: list[str]) -> Score:
    key = tuple(missing)
    score = _UNKNOWN.get(key)
    if score is None:
        score = _UNKNOWN[key] = build(Score, value=None, interpretation=None, missing=missing)
    return score


def _unknown_at(index: int, fields: tuple[str, ...], neurology: bool = False) -> Score:
    """The unknown score lacking ``fractures[index].<field>`` for each of ``fields``, then
    ``clinical.neurology`` when ``neurology`` (built once per combination)."""
    key = (index, fields, neurology)
    score = _UNKNOWN_AT.get(key)
    if score is None:
        missing = [f"fractures[{index}].{name}" for name in fields]
        if neurology:
            missing.append(_NEUROLOGY_PATH)
        score = _UNKNOWN_AT[key] = _unknown(missing)
    return score


def of_score(
    case: Case,
    fracture: Fracture,
    of_class: OFClass | None,
    index: int,
    of_missing: tuple[str, ...] = (),
) -> Score:
    """S-1 (Schnake 2018): OF score of the osteoporotic fracture at ``index``; ``of_missing``
    are the fields M-6 lacked when the class is unknown.

    ≤ 5 conservative, 6 either, ≥ 7 operative.
    """
    if fracture.etiology is not _OSTEOPOROTIC:
        return NOT_APPLICABLE
    if of_class is None:
        return _unknown_at(index, of_missing)
    patient, clinical = case.patient, case.clinical
    value = 2 * of_class.number
    if (patient.t_score is not None and patient.t_score < -3.0) or (
        patient.qct_hu is not None and patient.qct_hu <= 90.0
    ):
        value += 1
    if fracture.progressive_collapse is not None:
        value += 1 if fracture.progressive_collapse else -1
    value += 1 if clinical.pain_nrs >= 5 else -1
    if clinical.neurology in NEUROLOGICAL_DEFICITS:
        value += 2
    if clinical.mobilisation_possible is not None:
        value += 1 if clinical.mobilisation_possible is False else -1
    comorbidity = (
        (patient.asa_class is not None and patient.asa_class > 3)
        + (patient.frailty_index is not None and patient.frailty_index > 2)
        + patient.anticoagulated
    )
    value -= min(2, comorbidity)
    reading = "conservative" if value <= 5 else "either" if value == 6 else "operative"
    return _score(value, reading)


_TLICS_MORPHOLOGY = {
    Morphology.COMPRESSION: 1,
    Morphology.BURST: 2,
    Morphology.TRANSLATION_ROTATION: 3,
    Morphology.DISTRACTION: 4,
}
_TLICS_PLC = {Plc.INTACT: 0, Plc.INDETERMINATE: 2, Plc.INJURED: 3}
_TLICS_NEUROLOGY = {
    Neurology.INTACT: 0,
    Neurology.ROOT: 2,
    Neurology.COMPLETE_CORD: 2,
    Neurology.INCOMPLETE_CORD: 3,
    Neurology.CAUDA_EQUINA: 3,
}


def tlics(case: Case, fracture: Fracture, index: int) -> Score:
    """S-2 (Vaccaro 2005), every fracture: morphology + PLC + neurology.

    ≤ 3 non_operative, 4 either, ≥ 5 operative.
    """
    plc, neurology = fracture.plc, case.clinical.neurology
    if plc is None or neurology is _UNKNOWN_NEUROLOGY:
        return _unknown_at(index, _PLC if plc is None else (), neurology is _UNKNOWN_NEUROLOGY)
    value = _TLICS_MORPHOLOGY[fracture.morphology] + _TLICS_PLC[plc] + _TLICS_NEUROLOGY[neurology]
    reading = "non_operative" if value <= 3 else "either" if value == 4 else "operative"
    return _score(value, reading)


_SINS_PAIN = {PainType.MECHANICAL: 3, PainType.NON_MECHANICAL: 1, PainType.NONE: 0}
_SINS_LESION = {Lesion.LYTIC: 2, Lesion.MIXED: 1, Lesion.BLASTIC: 0}
_SINS_ALIGNMENT = {Alignment.SUBLUXATION: 4, Alignment.DEFORMITY: 2, Alignment.NORMAL: 0}
_SINS_POSTEROLATERAL = {
    Posterolateral.BILATERAL: 3,
    Posterolateral.UNILATERAL: 1,
    Posterolateral.NONE: 0,
}
_JUNCTIONAL = frozenset({Level.T1, Level.T2, Level.T11, Level.T12, Level.L1, Level.L5})
_MOBILE = frozenset({Level.L2, Level.L3, Level.L4})


def _sins_location(level: Level) -> int:
    if level in _JUNCTIONAL:
        return 3
    return 2 if level in _MOBILE else 1


def sins(case: Case, fracture: Fracture, index: int, loss_pct: float | None) -> Score:
    """S-3 (Fisher 2010), myeloma and metastasis: 0–6 stable, 7–12 potentially unstable,
    13–18 unstable. ``loss_pct`` is the rounded M-2 height loss."""
    if fracture.etiology not in NEOPLASTIC_ETIOLOGIES:
        return NOT_APPLICABLE
    at = f"fractures[{index}]"
    missing = []
    if case.clinical.pain_type is None:
        missing.append("clinical.pain_type")
    if fracture.lesion is None:
        missing.append(f"{at}.lesion")
    if fracture.alignment is None:
        missing.append(f"{at}.alignment")
    if fracture.posterolateral is None:
        missing.append(f"{at}.posterolateral")
    if loss_pct is None:
        missing.append(f"{at}.height_loss_pct")
    elif loss_pct < 10.0 and fracture.body_involvement_over_50 is None:
        missing.append(f"{at}.body_involvement_over_50")
    if missing:
        return _unknown(missing)
    assert case.clinical.pain_type is not None and fracture.lesion is not None
    assert fracture.alignment is not None and fracture.posterolateral is not None
    assert loss_pct is not None
    if loss_pct > 50.0:
        collapse = 3
    elif loss_pct >= 10.0:
        collapse = 2
    else:
        collapse = 1 if fracture.body_involvement_over_50 else 0
    value = (
        _sins_location(fracture.level)
        + _SINS_PAIN[case.clinical.pain_type]
        + _SINS_LESION[fracture.lesion]
        + _SINS_ALIGNMENT[fracture.alignment]
        + collapse
        + _SINS_POSTEROLATERAL[fracture.posterolateral]
    )
    reading = "stable" if value <= 6 else "potentially_unstable" if value <= 12 else "unstable"
    return _score(value, reading)
