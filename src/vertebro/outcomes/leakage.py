"""Cement leakage per treated level, by detection method — never pooled across methods.

Fluoroscopy, radiographs and CT see very different amounts of leakage (CT finds
several times more), so one rate per method: events = treated levels with leakage
present among the ``n_levels`` treated levels whose leakage was assessed by that
method (Wilson interval). Levels whose leakage was not assessed are counted apart.
Rates are per level, not per patient: levels of one patient are not independent, so
the interval is somewhat too narrow when patients have several levels.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from vertebro.outcomes.proportions import Proportion, wilson
from vertebro.outcomes.records import LeakageDetection, PatientOutcome

__all__ = ["LeakageRates", "leakage_from_counts", "leakage_rates"]


@dataclass(frozen=True, slots=True)
class LeakageRates:
    """Leakage per level for every detection method, and the counts behind them.

    ``n_levels``: all treated levels; ``not_assessed``: those without a leakage record;
    ``by_method[m].n``: levels assessed by method ``m`` (the denominator).
    """

    n_levels: int
    not_assessed: int
    by_method: dict[LeakageDetection, Proportion]


def leakage_rates(patients: Iterable[PatientOutcome]) -> LeakageRates:
    """Leakage rate per treated level of the index sessions of ``patients``, per method."""
    events = dict.fromkeys(LeakageDetection, 0)
    assessed = dict.fromkeys(LeakageDetection, 0)
    n_levels = not_assessed = 0
    for patient in patients:
        for level in patient.levels:
            n_levels += 1
            if level.leakage is None or level.detected_by is None:
                not_assessed += 1
                continue
            assessed[level.detected_by] += 1
            events[level.detected_by] += level.leakage
    return leakage_from_counts(n_levels, not_assessed, events, assessed)


def leakage_from_counts(
    n_levels: int,
    not_assessed: int,
    events: Mapping[LeakageDetection, int],
    assessed: Mapping[LeakageDetection, int],
) -> LeakageRates:
    """The rates from counts: leaked and assessed levels per method."""
    return LeakageRates(
        n_levels,
        not_assessed,
        {m: wilson(events.get(m, 0), assessed.get(m, 0)) for m in LeakageDetection},
    )
