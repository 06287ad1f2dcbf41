"""The registry's outcome facts as :class:`~vertebro.outcomes.columns.OutcomeColumns`,
read straight into numpy arrays (RECIPES.md, "1,000,000 rows").

Same facts, same definitions as :func:`~vertebro.services.registry.outcomes.
load_patient_outcomes` (which builds one Python object per row and is the readable
reference; a test holds the two equal), at a fraction of the cost: a handful of
queries over typed columns through the driver (no ORM, no type processors, no JSON
documents), dates turned into day numbers by the database, and the follow-up rows
packed into two integers and a float each, so that a million rows cost three Python
numbers apiece. Everything else — the index session per patient, its levels, grades
and baseline — is resolved with array operations.

Void sessions and follow-ups take no part (registry-v1 1.1), nor do rows dated outside
the years the analytics can place (:data:`ANALYSED_FROM` … :data:`ANALYSED_UNTIL`; the
registry refuses such dates now, but may hold some stored before).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from vertebro.model import Technique
from vertebro.outcomes.columns import GROUPS, METHODS, OutcomeColumns
from vertebro.outcomes.records import TIMED_VISITS, FollowUpStatus, TechniqueGroup, Visit
from vertebro.services.registry.context import Tx

__all__ = ["ANALYSED_FROM", "ANALYSED_UNTIL", "load_outcome_columns"]

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]

#: A follow-up row packed into one integer below 2⁵³ (exact in a float64):
#: ``((day · 2²⁸ + case_pk) · 16 + visit) · 4 + status``, ``day`` counted from 1800-01-01.
_CASE_LIMIT = 1 << 28
_DAY_ORIGIN = 657072  # date(1800, 1, 1).toordinal()
_FIRST_DAY, _END_DAY = "1800-01-01", "2517-01-01"  # 2517-01-01 < 1800-01-01 + 2¹⁸ days
#: Dates the analytics take: from ``ANALYSED_FROM`` up to, not including, ``ANALYSED_UNTIL``.
ANALYSED_FROM, ANALYSED_UNTIL = date.fromisoformat(_FIRST_DAY), date.fromisoformat(_END_DAY)


def _live(table: str) -> str:
    """SQL: the row of ``table`` (an alias, or ``""``) is not void and dated in range."""
    at = f"{table}." if table else ""
    return f"{at}void_at IS NULL AND {at}date >= '{_FIRST_DAY}' AND {at}date < '{_END_DAY}'"


_LIVE_SESSION = f"p.status = 'performed' AND {_live('p')}"
_BASELINE, _UNSCHEDULED = 8, 7
_VISIT_CODES: dict[Visit, int] = {
    **{v: i for i, v in enumerate(TIMED_VISITS)},
    Visit.UNSCHEDULED: _UNSCHEDULED,
    Visit.BASELINE: _BASELINE,
}
_STATUS_CODES: dict[FollowUpStatus, int] = {
    FollowUpStatus.SEEN: 0,
    FollowUpStatus.LOST: 1,
    FollowUpStatus.WITHDRAWN: 2,
    FollowUpStatus.DECEASED: 3,
}
_MISSING_NRS, _MISSING_RDQ = 15, 31


def _day(column: str, dialect: str, *, timestamp: bool = False) -> str:
    """SQL for ``date.toordinal()`` of a DATE (or UTC timestamp) column."""
    if dialect == "sqlite":
        value = f"date({column})" if timestamp else column
        return f"(CAST(julianday({value}) AS INTEGER) - 1721424)"
    value = f"({column} AT TIME ZONE 'UTC')" if timestamp else column
    return f"(CAST({value} AS DATE) - DATE '0001-01-01' + 1)"


def _case(column: str, codes: dict[Any, int]) -> str:
    whens = " ".join(f"WHEN '{member.value}' THEN {code}" for member, code in codes.items())
    return f"CASE {column} {whens} END"


def _fetch(tx: Tx, sql: str, width: int) -> Floats:
    """The rows of a query of numbers as an ``(n, width)`` float array (NULL → NaN),
    through the driver's own cursor: no row objects, no type processors."""
    cursor = tx.session.connection().connection.cursor()
    try:
        cursor.execute(sql)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    if not rows:
        return np.zeros((0, width))
    return np.array(rows, dtype=np.float64).reshape(len(rows), width)


def _ints(column: Floats) -> Ints:
    return column.astype(np.int64)


def _lookup(keys: Ints, wanted: Ints) -> Ints:
    """Position of each ``wanted`` value in ``keys`` (distinct), ``-1`` where absent."""
    if keys.size == 0 or wanted.size == 0:
        return np.full(wanted.size, -1, dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    at = np.minimum(np.searchsorted(sorted_keys, wanted), keys.size - 1)
    return np.where(sorted_keys[at] == wanted, order[at], -1).astype(np.int64)


def _take(values: Ints, at: Ints) -> Ints:
    """``values[at]`` where ``at`` ≥ 0, else ``-1``."""
    if values.size == 0:
        return np.full(at.size, -1, dtype=np.int64)
    return np.where(at >= 0, values[np.maximum(at, 0)], -1)


def _index_sessions(tx: Tx, dialect: str) -> tuple[Ints, Ints, Ints, Ints, Ints]:
    """Per patient (ascending pk) its index session: procedure id, case pk, anchor,
    assessment id (``-1`` none) and demo flag."""
    rows = _fetch(
        tx,
        f"SELECT c.patient_id, {_day('p.date', dialect)}, p.case_pk, p.id, "
        "COALESCE(p.assessment_id, -1), CASE WHEN pt.is_demo THEN 1 ELSE 0 END "
        "FROM procedures p JOIN cases c ON c.id = p.case_pk "
        f"JOIN patients pt ON pt.id = c.patient_id WHERE {_LIVE_SESSION}",
        6,
    )
    patient, day, case_pk, procedure, assessment, demo = (_ints(c) for c in rows.T)
    order = np.lexsort((procedure, case_pk, day, patient))
    first = order[np.r_[True, patient[order][1:] != patient[order][:-1]]] if order.size else order
    return procedure[first], case_pk[first], day[first], assessment[first], demo[first]


def _follow_ups(tx: Tx, dialect: str) -> tuple[Ints, Ints, Ints, Ints, Floats]:
    """Every follow-up row: case pk, visit code, status code, day number, scores."""
    top = _fetch(tx, "SELECT MAX(id) FROM cases", 1)
    if top.size and not np.isnan(top[0, 0]) and top[0, 0] >= _CASE_LIMIT:
        raise OverflowError("the outcomes query packs case ids below 2**28")
    day = f"({_day('date', dialect)} - {_DAY_ORIGIN})"
    packed = (
        f"((CAST({day} AS BIGINT) * {_CASE_LIMIT} + case_pk) * 16 + "
        f"{_case('visit', _VISIT_CODES)}) * 4 + {_case('status', _STATUS_CODES)}"
    )
    scores = f"COALESCE(pain_nrs, {_MISSING_NRS}) * 32 + COALESCE(rdq, {_MISSING_RDQ})"
    rows = _fetch(tx, f"SELECT {packed}, {scores}, odi FROM follow_ups WHERE {_live('')}", 3)
    key, small = _ints(rows[:, 0]), _ints(rows[:, 1])
    nrs = (small >> 5).astype(np.float64)
    nrs[nrs == _MISSING_NRS] = np.nan
    rdq = (small & 31).astype(np.float64)
    rdq[rdq == _MISSING_RDQ] = np.nan
    scores_out = np.stack([nrs, rows[:, 2], rdq], axis=1)
    case_pk = (key >> 6) & (_CASE_LIMIT - 1)
    return case_pk, (key >> 2) & 15, key & 3, (key >> 34) + _DAY_ORIGIN, scores_out


def load_outcome_columns(tx: Tx) -> OutcomeColumns:
    """Every patient with a performed session whose index session has levels, in
    ascending patient order, demo patients included (the report filters)."""
    dialect = tx.session.get_bind().dialect.name
    procedure, case_pk, anchor, assessment, demo = _index_sessions(tx, dialect)

    # levels of the index sessions: technique group, treated levels, leakage
    methods = _case("l.leakage_detected_by", {m: i for i, m in enumerate(METHODS)})
    levels = _fetch(
        tx,
        "SELECT l.procedure_id, l.level_ordinal, "
        f"CASE l.technique WHEN '{Technique.KYPHOPLASTY.value}' THEN 1 ELSE 2 END, "
        "CASE WHEN l.leakage_detected_by IS NULL OR l.leakage_present IS NULL THEN -1 "
        "WHEN l.leakage_present THEN 1 ELSE 0 END, "
        f"COALESCE({methods}, -1) "
        "FROM procedure_levels l JOIN procedures p ON p.id = l.procedure_id "
        f"WHERE {_LIVE_SESSION}",
        5,
    )
    lv_proc, lv_ordinal, lv_technique, lv_leak, lv_method = (_ints(c) for c in levels.T)
    lv_slot = _lookup(procedure, lv_proc)
    techniques = np.zeros(procedure.size, dtype=np.int64)
    np.bitwise_or.at(techniques, lv_slot[lv_slot >= 0], lv_technique[lv_slot >= 0])
    has_levels = techniques > 0  # a performed session without levels: nothing to group by
    renumber = np.where(has_levels, np.cumsum(has_levels, dtype=np.int64) - 1, -1)
    mine = lv_slot >= 0
    lv_patient = np.where(mine, renumber[np.maximum(lv_slot, 0)], -1)
    mine &= lv_patient >= 0
    lv_patient, lv_ordinal = lv_patient[mine], lv_ordinal[mine]
    lv_leak, lv_method = lv_leak[mine], lv_method[mine]
    procedure, case_pk, anchor = procedure[has_levels], case_pk[has_levels], anchor[has_levels]
    assessment, demo = assessment[has_levels], demo[has_levels]
    n = procedure.size
    if n == 0:  # no patient with a performed session
        return OutcomeColumns.from_records([])
    group_of_bits = np.array(
        [
            -1,
            GROUPS.index(TechniqueGroup.KYPHOPLASTY),
            GROUPS.index(TechniqueGroup.VERTEBROPLASTY),
            GROUPS.index(TechniqueGroup.MIXED),
        ],
        dtype=np.int8,
    )
    group = group_of_bits[techniques[has_levels]]

    # Genant grade: of the assessment the session was recorded against, else the latest
    latest = _fetch(tx, "SELECT case_pk, MAX(id) FROM assessments GROUP BY case_pk", 2)
    at = _lookup(_ints(latest[:, 0]), case_pk)
    latest_id = _take(_ints(latest[:, 1]), at)
    used = np.where(assessment >= 0, assessment, latest_id)
    grades = _fetch(
        tx,
        "SELECT assessment_id * 32 + level_ordinal, genant_grade FROM assessment_levels "
        "WHERE genant_grade IS NOT NULL",
        2,
    )
    found = _lookup(_ints(grades[:, 0]), used[lv_patient] * 32 + lv_ordinal)
    level_grade = _take(_ints(grades[:, 1]), found)
    grade = np.full(n, -1, dtype=np.int64)
    np.maximum.at(grade, lv_patient, level_grade)

    # baseline: the case version current at the anchor, replaced by a baseline record
    baseline = np.full((n, 3), np.nan)
    versions = _fetch(
        tx,
        f"SELECT case_pk, version, {_day('created_at', dialect, timestamp=True)}, "
        "pain_nrs, odi, rdq FROM case_versions",
        6,
    )
    v_slot = _lookup(case_pk, _ints(versions[:, 0]))
    v_number = _ints(versions[:, 1])
    current = (v_slot >= 0) & (
        (v_number == 1) | (_ints(versions[:, 2]) <= anchor[np.maximum(v_slot, 0)])
    )
    order = np.lexsort((v_number[current], v_slot[current]))
    slots, values = v_slot[current][order], versions[current][order][:, 3:]
    highest = np.r_[slots[1:] != slots[:-1], True] if slots.size else slots.astype(bool)
    baseline[slots[highest]] = values[highest]  # each case's highest current version
    fu_case, visit, status, fu_date, fu_scores = _follow_ups(tx, dialect)
    fu_patient = _lookup(case_pk, fu_case)
    base = (fu_patient >= 0) & (visit == _BASELINE)
    baseline[fu_patient[base]] = fu_scores[base]
    rest = (fu_patient >= 0) & (visit != _BASELINE)
    fu_patient, visit, status = fu_patient[rest], visit[rest], status[rest]
    fu_day = fu_date[rest] - anchor[fu_patient]

    # new fractures at levels not treated in the index session, one row per record
    fractures = _fetch(
        tx,
        f"SELECT n.follow_up_id, f.case_pk, {_day('f.date', dialect)}, n.level_ordinal "
        "FROM new_fractures n JOIN follow_ups f ON f.id = n.follow_up_id "
        f"WHERE f.visit <> '{Visit.BASELINE.value}' AND {_live('f')}",
        4,
    )
    fx_slot = _lookup(case_pk, _ints(fractures[:, 1]))
    untreated = (fx_slot >= 0) & ~np.isin(
        fx_slot * 32 + _ints(fractures[:, 3]), lv_patient * 32 + lv_ordinal
    )
    _, first = np.unique(_ints(fractures[untreated, 0]), return_index=True)
    fx_patient = fx_slot[untreated][first]
    fx_day = _ints(fractures[untreated, 2])[first] - anchor[fx_patient]
    return OutcomeColumns(
        group=group,
        grade=grade.astype(np.int8),
        anchor=anchor,
        is_demo=demo.astype(np.bool_),
        baseline=baseline,
        death_day=np.full(n, np.nan),
        fu_patient=fu_patient,
        fu_visit=np.where(visit == _UNSCHEDULED, -1, visit).astype(np.int8),
        fu_day=fu_day,
        fu_seen=status == _STATUS_CODES[FollowUpStatus.SEEN],
        fu_deceased=status == _STATUS_CODES[FollowUpStatus.DECEASED],
        fu_scores=fu_scores[rest],
        fx_patient=fx_patient,
        fx_day=fx_day,
        lv_patient=lv_patient,
        lv_leak=lv_leak.astype(np.int8),
        lv_method=lv_method.astype(np.int8),
    )
