"""The whole ``vertebro outcomes --format json`` document, as plain dicts.

:func:`outcomes_report` is pure: give it the patients and the date, get a dict that
``json.dumps(..., allow_nan=False)`` accepts (every NaN or infinity becomes ``None``).
The shape is documented key by key in ``docs/outcomes-json.md``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from vertebro.outcomes.caveats import DEFAULT_SMALL_N, Caveat, CaveatCode
from vertebro.outcomes.cells import Cell, cells, group_totals
from vertebro.outcomes.columns import OutcomeColumns
from vertebro.outcomes.comparison import (
    GRADE_STRATA,
    GroupComparison,
    MeanDifference,
    compare_tables,
)
from vertebro.outcomes.completeness import completeness_columns
from vertebro.outcomes.paired import PairedChange, Score, change_from_table
from vertebro.outcomes.proportions import Proportion, ProportionDifference
from vertebro.outcomes.records import PatientOutcome, TechniqueGroup
from vertebro.outcomes.success import Criterion, success_from_pairs
from vertebro.outcomes.survival import TWELVE_MONTHS_DAYS, LogRank, kaplan_meier_counts

__all__ = ["OUTCOMES_SCHEMA", "json_safe", "outcomes_report", "outcomes_report_columns"]

OUTCOMES_SCHEMA = "vertebro.outcomes/1"

NON_RANDOMISED_NOTE = (
    "Non-randomised: the technique follows the height loss (rules T-1 to T-6), so "
    "differences mix technique with fracture severity; see by_genant_grade."
)

Json = dict[str, Any]


def json_safe(value: Any) -> Any:
    """``value`` with every non-finite float replaced by ``None`` (recursively).

    >>> json_safe({"a": [1.0, float("nan")], "b": float("inf")})
    {'a': [1.0, None], 'b': None}
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def _proportion(p: Proportion, small_n: int) -> Json:
    return {
        "value": p.value,
        "ci_low": p.ci_low,
        "ci_high": p.ci_high,
        "events": p.events,
        "n": p.n,
        "small_n": p.n < small_n,
    }


def _paired(c: PairedChange, small_n: int) -> Json:
    return {
        "mean": c.mean,
        "ci_low": c.ci_low,
        "ci_high": c.ci_high,
        "sd": c.sd,
        "n": c.n,
        "wilcoxon_p": c.wilcoxon_p,
        "small_n": c.n < small_n,
    }


def _mean_difference(d: MeanDifference, small_n: int) -> Json:
    return {
        "difference": d.difference,
        "ci_low": d.ci_low,
        "ci_high": d.ci_high,
        "df": d.df,
        "mann_whitney_p": d.mann_whitney_p,
        "n_kyphoplasty": d.n_first,
        "n_vertebroplasty": d.n_second,
        "small_n": min(d.n_first, d.n_second) < small_n,
    }


def _proportion_difference(d: ProportionDifference, small_n: int) -> Json:
    return {
        "difference": d.difference,
        "ci_low": d.ci_low,
        "ci_high": d.ci_high,
        "kyphoplasty": {"events": d.first.events, "n": d.first.n, "value": d.first.value},
        "vertebroplasty": {"events": d.second.events, "n": d.second.n, "value": d.second.value},
        "small_n": min(d.first.n, d.second.n) < small_n,
    }


def _logrank(test: LogRank) -> Json:
    return {
        "chi2": test.chi2,
        "df": 1,
        "p": test.p,
        "observed_kyphoplasty": test.observed[0],
        "expected_kyphoplasty": test.expected[0],
        "observed_vertebroplasty": test.observed[1],
        "expected_vertebroplasty": test.expected[1],
    }


def _km(cell: Cell, path: str, caveats: list[Caveat]) -> Json:
    curve = kaplan_meier_counts(cell.died, cell.censored)
    at_12 = curve.at(TWELVE_MONTHS_DAYS)
    deaths = cell.deaths_censored
    if deaths:
        caveats.append(
            Caveat(
                CaveatCode.DEATHS_CENSORED,
                path,
                f"{deaths} death(s) censored; with death as a competing risk the "
                "Kaplan–Meier incidence 1 − S(t) overstates the cumulative incidence.",
            )
        )
    return {
        "n": curve.n,
        "n_events": sum(curve.events),
        "deaths_censored": deaths,
        "times": list(curve.times),
        "survival": list(curve.survival),
        "ci_low": list(curve.ci_low),
        "ci_high": list(curve.ci_high),
        "at_risk": list(curve.at_risk),
        "events": list(curve.events),
        "censored": list(curve.censored),
        "at_12_months": {"value": at_12.value, "ci_low": at_12.ci_low, "ci_high": at_12.ci_high},
    }


def _group(cell: Cell, path: str, small_n: int, caveats: list[Caveat]) -> Json:
    out: Json = {"n": cell.n}
    if 0 < cell.n < small_n:
        caveats.append(Caveat(CaveatCode.SMALL_N, path, f"only {cell.n} patient(s) in this group"))
    for criterion in Criterion:
        out[criterion.value] = {
            v.value: _proportion(p, small_n)
            for v, p in success_from_pairs(cell.pairs, criterion).items()
        }
    for score in Score:
        out[score.key] = {
            v.value: _paired(c, small_n) for v, c in change_from_table(cell.changes, score).items()
        }
    leak = cell.leakage()
    leakage: Json = {"n_levels": leak.n_levels, "not_assessed": leak.not_assessed}
    for method, proportion in leak.by_method.items():
        leakage[method.value] = {**_proportion(proportion, small_n), "n_levels": proportion.n}
    out["leakage_rate"] = leakage
    if cell.clustered:
        caveats.append(
            Caveat(
                CaveatCode.LEVELS_CLUSTERED,
                f"{path}.leakage_rate",
                "some patients have several treated levels; levels of one patient are "
                "not independent, so the per-level intervals are somewhat too narrow",
            )
        )
    out["new_fracture_km"] = _km(cell, f"{path}.new_fracture_km", caveats)
    return out


def _comparison_core(c: GroupComparison, small_n: int) -> Json:
    out: Json = {
        "n_kyphoplasty": c.n_kyphoplasty,
        "n_vertebroplasty": c.n_vertebroplasty,
    }
    for score, by_visit in c.changes.items():
        out[score.key] = {v.value: _mean_difference(d, small_n) for v, d in by_visit.items()}
    for criterion, by_visit_p in c.success.items():
        out[criterion.value] = {
            v.value: _proportion_difference(d, small_n) for v, d in by_visit_p.items()
        }
    out["new_fracture_logrank"] = _logrank(c.new_fracture_logrank)
    out["logrank_p"] = c.new_fracture_logrank.p
    return out


def outcomes_report(
    patients: Iterable[PatientOutcome],
    *,
    as_of: date,
    include_demo: bool = False,
    since: date | None = None,
    technique: TechniqueGroup | None = None,
    small_n: int = DEFAULT_SMALL_N,
) -> Json:
    """The outcomes document for ``patients`` (one record per patient, any order; may be
    empty); see :func:`outcomes_report_columns` for the parameters."""
    return outcomes_report_columns(
        OutcomeColumns.from_records(patients),
        as_of=as_of,
        include_demo=include_demo,
        since=since,
        technique=technique,
        small_n=small_n,
    )


def outcomes_report_columns(
    columns: OutcomeColumns,
    *,
    as_of: date,
    include_demo: bool = False,
    since: date | None = None,
    technique: TechniqueGroup | None = None,
    small_n: int = DEFAULT_SMALL_N,
) -> Json:
    """The outcomes document for patients held as columns.

    Parameters
    ----------
    columns : OutcomeColumns
        One row per patient (any order), with their follow-ups and treated levels.
    as_of : date
        Reference date of ``completeness`` (the CLI's ``--as-of``, default today).
    include_demo : bool
        Keep rows with ``is_demo`` (left out by default).
    since : date or None
        Keep patients whose anchor is on or after this date.
    technique : TechniqueGroup or None
        Keep only this group (the other groups then report zero counts).
    small_n : int
        Estimates with fewer patients (levels for leakage) are flagged ``small_n``.
    """
    demo_left_out = 0 if include_demo else int(columns.is_demo.sum())
    kept = columns.filtered(include_demo=include_demo, since=since, technique=technique)
    caveats: list[Caveat] = []
    if include_demo and bool(kept.is_demo.any()):
        caveats.append(
            Caveat(CaveatCode.DEMO_INCLUDED, "$", "generated demo patients are included")
        )
    # one pass: patients into (technique, grade) cells; a group is the sum of its cells
    by_cell = cells(kept)
    groups = group_totals(by_cell)
    by_technique = {
        g.value: _group(groups[g], f"by_technique.{g.value}", small_n, caveats)
        for g in TechniqueGroup
    }
    kp, vp = TechniqueGroup.KYPHOPLASTY, TechniqueGroup.VERTEBROPLASTY

    overall = compare_tables(groups[kp], groups[vp])
    strata = {
        grade: compare_tables(by_cell[(kp, grade)], by_cell[(vp, grade)]) for grade in GRADE_STRATA
    }
    comparison: Json = {
        "label": "non-randomised",
        "randomised": False,
        "note": NON_RANDOMISED_NOTE,
        "difference": "kyphoplasty - vertebroplasty",
        **_comparison_core(overall, small_n),
        "by_genant_grade": {
            ("unknown" if grade is None else str(grade)): _comparison_core(c, small_n)
            for grade, c in strata.items()
        },
    }
    caveats.insert(0, Caveat(CaveatCode.NON_RANDOMISED, "comparison", NON_RANDOMISED_NOTE))
    document: Json = {
        "schema": OUTCOMES_SCHEMA,
        "as_of": as_of.isoformat(),
        "filters": {
            "since": None if since is None else since.isoformat(),
            "technique": None if technique is None else technique.value,
            "include_demo": include_demo,
        },
        "n": kept.n,
        "demo_left_out": demo_left_out,
        "by_technique": by_technique,
        "comparison": comparison,
        "completeness": {
            v.value: {
                "due": c.due,
                "done": c.done,
                "overdue": c.overdue,
                "value": c.value.value,
                "ci_low": c.value.ci_low,
                "ci_high": c.value.ci_high,
            }
            for v, c in completeness_columns(kept, as_of).items()
        },
        "caveats": [c.as_dict() for c in caveats],
    }
    result: Json = json_safe(document)
    return result
