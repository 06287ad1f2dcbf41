"""A verdict as compact ``vertebro.assessment/1`` JSON, written with orjson (the batch path).

Byte for byte what ``to_assessment(verdict).model_dump_json()`` gives (tests hold the two
equal on every example and on generated cases), in far less time: the rulebook's citations,
the plan's shared aftercare items and the engine's shared scores are serialised once, as
JSON fragments, and no output model is built.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, TypeVar

import orjson

from vertebro.guidance.catalogue import RULEBOOK_VERSION, citation, rule_ids
from vertebro.guidance.verdict import LevelVerdict, Verdict
from vertebro.model.assessment import ASSESSMENT_SCHEMA, PlannedLevel, RuleCitation, Score
from vertebro.planning import ProcedurePlan
from vertebro.planning.aftercare import shared_item_lists, shared_items

__all__ = ["verdict_json"]

_Fragment = orjson.Fragment
_citation_json = RuleCitation.__pydantic_serializer__.to_json


@cache
def _rule_fragments() -> dict[str, orjson.Fragment]:
    """Each rule's citation ``{rule, text, source}`` as JSON, by rule id."""
    return {rule_id: _Fragment(_citation_json(citation(rule_id))) for rule_id in rule_ids()}


@cache
def _shared_fragments() -> dict[int, orjson.Fragment]:
    """The shared aftercare items as JSON, by object identity (they live as long as the
    process, so an identity is never reused)."""
    return {id(item): _Fragment(_citation_json(item)) for item in shared_items()}


def _item(item: RuleCitation, shared: dict[int, orjson.Fragment]) -> orjson.Fragment:
    fragment = shared.get(id(item))
    return fragment if fragment is not None else _Fragment(_citation_json(item))


_score_json = Score.__pydantic_serializer__.to_json
_planned_json = PlannedLevel.__pydantic_serializer__.to_json
#: JSON fragments by the identity of the immutable objects they write. The engine shares
#: each distinct score and planned level (see ``scores`` and ``planning``), so
#: a few thousand entries serve every case; each entry holds its objects, so an identity is
#: never reused while cached, and the cap bounds what objects built elsewhere could add.
_SCORE_FRAGMENTS: dict[int, tuple[Score, orjson.Fragment]] = {}
_SCORES_FRAGMENTS: dict[tuple[int, int, int], tuple[tuple[Score, ...], orjson.Fragment]] = {}
_PLANNED_FRAGMENTS: dict[int, tuple[PlannedLevel, orjson.Fragment]] = {}
#: The JSON array of the citations of a sequence of rule ids, by those ids.
_RULE_ARRAYS: dict[tuple[str, ...], orjson.Fragment] = {}
_MAX_CACHED = 8192

K = TypeVar("K")
V = TypeVar("V")


def _remember(
    cache: dict[K, tuple[V, orjson.Fragment]], key: K, keep: V, text: bytes
) -> orjson.Fragment:
    fragment = _Fragment(text)
    if len(cache) < _MAX_CACHED:
        cache[key] = (keep, fragment)
    return fragment


def _score(score: Score) -> orjson.Fragment:
    cached = _SCORE_FRAGMENTS.get(id(score))
    if cached is not None:
        return cached[1]
    return _remember(_SCORE_FRAGMENTS, id(score), score, _score_json(score))


def _scores(of_score: Score, tlics: Score, sins: Score) -> orjson.Fragment:
    """``{"of_score": …, "tlics": …, "sins": …}``."""
    key = (id(of_score), id(tlics), id(sins))
    cached = _SCORES_FRAGMENTS.get(key)
    if cached is not None:
        return cached[1]
    text = orjson.dumps(
        {"of_score": _score(of_score), "tlics": _score(tlics), "sins": _score(sins)}
    )
    return _remember(_SCORES_FRAGMENTS, key, (of_score, tlics, sins), text)


def _planned(planned: PlannedLevel) -> orjson.Fragment:
    cached = _PLANNED_FRAGMENTS.get(id(planned))
    if cached is not None:
        return cached[1]
    return _remember(_PLANNED_FRAGMENTS, id(planned), planned, _planned_json(planned))


@cache
def _shared_lists() -> dict[int, orjson.Fragment]:
    """The JSON arrays of the item tuples plans share, by identity (they live as long as
    the process, so an identity is never reused)."""
    shared = _shared_fragments()
    return {
        id(items): _Fragment(orjson.dumps([_item(item, shared) for item in items]))
        for items in shared_item_lists()
    }


def _items(items: Sequence[RuleCitation]) -> orjson.Fragment | list[orjson.Fragment]:
    """The aftercare or follow-up items as JSON."""
    fragment = _shared_lists().get(id(items))
    if fragment is not None:
        return fragment
    shared = _shared_fragments()
    return [_item(item, shared) for item in items]


def _rules(rule_ids: Sequence[str]) -> orjson.Fragment:
    """The JSON array of the citations of ``rule_ids`` (reasons or cautions)."""
    key = rule_ids if type(rule_ids) is tuple else tuple(rule_ids)
    cached = _RULE_ARRAYS.get(key)
    if cached is None:
        rules = _rule_fragments()
        cached = _Fragment(orjson.dumps([rules[rule_id] for rule_id in key]))
        if len(_RULE_ARRAYS) < _MAX_CACHED:
            _RULE_ARRAYS[key] = cached
    return cached


def _level(level: LevelVerdict) -> dict[str, Any]:
    facts = level.facts
    return {
        "level": facts.fracture.level,
        "recommendation": level.recommendation,
        "height_loss_pct": facts.loss_pct,
        "height_loss_source": facts.loss_source,
        "genant_grade": facts.grade,
        "shape": facts.shape,
        "wedge_angle_deg": facts.wedge_angle_deg,
        "of_class": facts.of_class,
        "scores": _scores(facts.of_score, facts.tlics, facts.sins),
        "timing": facts.timing,
        "reasons": _rules(level.reasons),
        "cautions": _rules(level.cautions),
        "missing": level.missing,
    }


def _plan(plan: ProcedurePlan) -> dict[str, Any]:
    return {
        "sessions": [
            {
                "levels": session.levels,
                "anaesthesia": session.anaesthesia,
                "minutes": session.minutes,
                "discharge": session.discharge,
            }
            for session in plan.sessions
        ],
        "levels": [_planned(planned) for planned in plan.levels],
        "aftercare": _items(plan.aftercare),
        "follow_up": _items(plan.follow_up),
    }


def verdict_json(verdict: Verdict) -> bytes:
    """The assessment of ``verdict`` as compact UTF-8 JSON (no white space, no ASCII
    escaping), exactly as the ``Assessment`` model writes it."""
    return orjson.dumps(
        {
            "schema": ASSESSMENT_SCHEMA,
            "case_id": verdict.case_id,
            "rulebook_version": RULEBOOK_VERSION,
            "recommendation": verdict.recommendation,
            "levels": [_level(level) for level in verdict.levels],
            "reasons": _rules(verdict.reasons),
            "cautions": _rules(verdict.cautions),
            "missing": verdict.missing,
            "plan": _plan(verdict.plan) if verdict.plan is not None else None,
        }
    )
