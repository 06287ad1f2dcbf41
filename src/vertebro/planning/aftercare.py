"""Rulebook A-1 to A-6: aftercare items and follow-up visits of a plan."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import cache

from vertebro.guidance.catalogue import aftercare_texts
from vertebro.model.assessment import RuleCitation
from vertebro.model.enums import Discharge, Technique
from vertebro.model.fast import build

__all__ = ["aftercare_items", "follow_up_items", "shared_items"]


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
    t = aftercare_texts()
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


def _discharge(items: _Items, discharges: Sequence[Discharge]) -> RuleCitation:
    """A-1 as one item: same-day, overnight, or per session when they differ."""
    first = discharges[0]
    if all(kind is first for kind in discharges):
        return items.same_day if first is _SAME_DAY else items.overnight
    words = {_SAME_DAY: "same day", _OVERNIGHT: "overnight"}
    per_session = "; ".join(f"session {i} {words[kind]}" for i, kind in enumerate(discharges, 1))
    text = items.discharge_mixed.format(sessions=per_session)
    return _citation("A-1", text, items.discharge_source)


def aftercare_items(
    discharges: Sequence[Discharge], techniques: Collection[Technique], osteoporotic: bool
) -> list[RuleCitation]:
    """``plan.aftercare``: A-1 (from each session's discharge), A-2 (the VP item first, then
    KP), A-3, A-5 when a treated level is osteoporotic, A-6."""
    items = _items()
    out = [_discharge(items, discharges)]
    if _VP in techniques:
        out.append(items.vertebroplasty)
    if _KP in techniques:
        out.append(items.kyphoplasty)
    out.append(items.soreness)
    if osteoporotic:
        out.append(items.osteoporosis)
    out.append(items.warning_signs)
    return out


def follow_up_items() -> list[RuleCitation]:
    """``plan.follow_up``: the six A-4 visits, 1 day to 12 months."""
    return list(_items().follow_up)


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
