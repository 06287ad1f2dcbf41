"""Assessment → procedure plan and aftercare (rulebook P and A)."""

from vertebro.planning.plan import (
    PLANNED_RECOMMENDATIONS,
    ProcedurePlan,
    SessionPlan,
    TreatedLevel,
    make_plan,
    split_sessions,
)

__all__ = [
    "PLANNED_RECOMMENDATIONS",
    "ProcedurePlan",
    "SessionPlan",
    "TreatedLevel",
    "make_plan",
    "split_sessions",
]
