"""Rulebook A-1 to A-6: aftercare items and follow-up visits of a plan."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import cache

from vertebro.model.assessment import RuleCitation
from vertebro.model.enums import Discharge, Technique
from vertebro.model.fast import build
from vertebro.model.rulebook import rulebook_document

__all__ = ["aftercare_items", "follow_up_items", "shared_item_lists", "shared_items"]


_SAME_DAY, _OVERNIGHT = Discharge.SAME_DAY, Discharge.OVERNIGHT
_VP, _KP = Technique.VERTEBROPLASTY, Technique.KYPHOPLASTY


@dataclass(frozen=True)
class _Items:
    """The rulebook's aftercare items, built once (they are immutable and shared)."""

    same_day: RuleCitation
    overnight: RuleCitation
    discharge_source: tuple[str, ...]
    discharge_mixed: str
    vertebroplasty: RuleCitation
    kyphoplasty: RuleCitation
    soreness: RuleCitation
    osteoporosis: RuleCitation
    warning_signs: RuleCitation
    follow_up: tuple[RuleCitation, ...]


def _citation(rule: str, text: str, source: Sequence[str]) -> RuleCitation:
    return build(RuleCitation, rule=rule, text=text, source=list(source))


@cache
def _items() -> _Items:
    t = rulebook_document()["aftercare"]
    return _Items(
        same_day=_citation("A-1", t["A-1"]["same_day"], t["A-1"]["source"]),
        overnight=_citation("A-1", t["A-1"]["overnight"], t["A-1"]["source"]),
        discharge_source=tuple(t["A-1"]["source"]),
        discharge_mixed=t["A-1"]["mixed"],
        vertebroplasty=_citation("A-2", t["A-2"]["vertebroplasty"], t["A-2"]["source"]),
        kyphoplasty=_citation("A-2", t["A-2"]["kyphoplasty"], t["A-2"]["source"]),
        soreness=_citation("A-3", t["A-3"]["text"], t["A-3"]["source"]),
        osteoporosis=_citation("A-5", t["A-5"]["text"], t["A-5"]["source"]),
        warning_signs=_citation("A-6", t["A-6"]["text"], t["A-6"]["source"]),
        follow_up=tuple(_citation("A-4", v, t["A-4"]["source"]) for v in t["A-4"]["visits"]),
    )


def _mixed_discharge(items: _Items, discharges: Sequence[Discharge]) -> RuleCitation:
    """A-1 as one item when the sessions' discharges differ: each session's, in order."""
    words = {_SAME_DAY: "same day", _OVERNIGHT: "overnight"}
    per_session = "; ".join(f"session {i} {words[kind]}" for i, kind in enumerate(discharges, 1))
    text = items.discharge_mixed.format(sessions=per_session)
    return _citation("A-1", text, items.discharge_source)


def _aftercare(
    discharge: RuleCitation, vertebroplasty: bool, kyphoplasty: bool, osteoporotic: bool
) -> tuple[RuleCitation, ...]:
    items = _items()
    out = [discharge]
    if vertebroplasty:
        out.append(items.vertebroplasty)
    if kyphoplasty:
        out.append(items.kyphoplasty)
    out.append(items.soreness)
    if osteoporotic:
        out.append(items.osteoporosis)
    out.append(items.warning_signs)
    return tuple(out)


@cache
def _shared_aftercare(
    discharge: Discharge, vertebroplasty: bool, kyphoplasty: bool, osteoporotic: bool
) -> tuple[RuleCitation, ...]:
    items = _items()
    item = items.same_day if discharge is _SAME_DAY else items.overnight
    return _aftercare(item, vertebroplasty, kyphoplasty, osteoporotic)


def aftercare_items(
    discharges: Sequence[Discharge], techniques: Collection[Technique], osteoporotic: bool
) -> tuple[RuleCitation, ...]:
    """``plan.aftercare``: A-1 (same day or overnight, or each session's when they differ),
    A-2 (the VP item first, then KP), A-3, A-5 when a treated level is osteoporotic, A-6.
    Plans whose sessions share one discharge share one tuple of items."""
    vertebroplasty, kyphoplasty = _VP in techniques, _KP in techniques
    first = discharges[0]
    if all(kind is first for kind in discharges):
        return _shared_aftercare(first, vertebroplasty, kyphoplasty, osteoporotic)
    discharge = _mixed_discharge(_items(), discharges)
    return _aftercare(discharge, vertebroplasty, kyphoplasty, osteoporotic)


def follow_up_items() -> tuple[RuleCitation, ...]:
    """``plan.follow_up``: the six A-4 visits, 1 day to 12 months (one shared tuple)."""
    return _items().follow_up


def shared_items() -> tuple[RuleCitation, ...]:
    """Every aftercare and follow-up item built once and shared by all plans (a discharge
    item that differs by session is built per plan and is not among them)."""
    items = _items()
    return (
        items.same_day,
        items.overnight,
        items.vertebroplasty,
        items.kyphoplasty,
        items.soreness,
        items.osteoporosis,
        items.warning_signs,
        *items.follow_up,
    )


def shared_item_lists() -> tuple[tuple[RuleCitation, ...], ...]:
    """Every tuple of items that plans share: the follow-up visits and each aftercare list
    of sessions with one discharge."""
    lists = [follow_up_items()]
    for discharge in (_SAME_DAY, _OVERNIGHT):
        for vertebroplasty, kyphoplasty in ((True, False), (False, True), (True, True)):
            for osteoporotic in (False, True):
                lists.append(
                    _shared_aftercare(discharge, vertebroplasty, kyphoplasty, osteoporotic)
                )
    return tuple(lists)
