"""Leakage per treated level, by detection method, never pooled."""

from __future__ import annotations

from vertebro.model import Level, Technique
from vertebro.outcomes import leakage_rates
from vertebro.outcomes.records import LeakageDetection, TechniqueGroup

from .factories import level, patient

CT, XR, FL = LeakageDetection.CT, LeakageDetection.RADIOGRAPH, LeakageDetection.FLUOROSCOPY
VP = Technique.VERTEBROPLASTY


def test_rates_per_level_by_method() -> None:
    """Hand count: five levels in two patients — CT: 2 of 2 leak; radiograph: 1 of 2;
    one level not assessed; fluoroscopy: none assessed → null rate, not 0."""
    group = [
        patient(TechniqueGroup.VERTEBROPLASTY, pid="a", levels=(
            level(Level.L1, VP, leakage=True, detected_by=CT),
            level(Level.L2, VP, leakage=True, detected_by=CT),
            level(Level.L3, VP, leakage=None),
        )),
        patient(TechniqueGroup.VERTEBROPLASTY, pid="b", levels=(
            level(Level.T12, VP, leakage=False, detected_by=XR),
            level(Level.L1, VP, leakage=True, detected_by=XR),
        )),
    ]  # fmt: skip
    rates = leakage_rates(group)
    assert (rates.n_levels, rates.not_assessed) == (5, 1)
    assert (rates.by_method[CT].events, rates.by_method[CT].n) == (2, 2)
    assert (rates.by_method[XR].events, rates.by_method[XR].n, rates.by_method[XR].value) == (
        1,
        2,
        0.5,
    )
    assert rates.by_method[FL].n == 0 and rates.by_method[FL].value is None
    assert set(rates.by_method) == set(LeakageDetection)  # one rate per method, no pooled one


def test_empty() -> None:
    rates = leakage_rates([])
    assert (rates.n_levels, rates.not_assessed) == (0, 0)
