"""Documents for API tests: a procedure following the l1-wedge plan, a follow-up."""

from __future__ import annotations

from typing import Any


def procedure(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "schema": "vertebro.procedure/1",
        "status": "performed",
        "date": "2026-03-02",
        "operator": "Dr Test",
        "anaesthesia": "general",
        "levels": [
            {
                "level": "L1",
                "technique": "kyphoplasty",
                "approach": "bipedicular",
                "cement_viscosity": "standard",
                "cement_ml": 4.5,
                "balloon_ml": 3.0,
            }
        ],
    }
    document.update(changes)
    return document


def follow_up(visit: str, when: str, **changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "schema": "vertebro.follow_up/1",
        "visit": visit,
        "date": when,
        "pain_nrs": 3,
    }
    document.update(changes)
    return document
