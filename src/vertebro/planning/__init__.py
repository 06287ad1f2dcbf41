"""Assessment → procedure plan and aftercare (rulebook P and A)."""

from vertebro.planning.plan import PLANNED_RECOMMENDATIONS, TreatedLevel, make_plan, split_sessions

__all__ = ["PLANNED_RECOMMENDATIONS", "TreatedLevel", "make_plan", "split_sessions"]
