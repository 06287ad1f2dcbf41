"""Assessment → procedure plan and aftercare (rulebook P and A)."""

from vertebro.planning.plan import PLANNED_RECOMMENDATIONS, ProcedurePlan, TreatedLevel, make_plan

__all__ = ["PLANNED_RECOMMENDATIONS", "ProcedurePlan", "TreatedLevel", "make_plan"]
