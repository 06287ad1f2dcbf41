"""A pytest plugin that records which rulebook rules fire while tests run (no mocks: the real
engine runs and its verdicts are read). ``test_rule_coverage.py`` runs the guidance tests
with it in a child process (``-p tests.guidance.fired_rules``) and checks that every rule
fired in some test.

The plugin wraps :func:`vertebro.guidance.engine.evaluate` (every assessment goes through
it) and :func:`vertebro.morphometry.regional_kyphosis_deg` (M-7, measurement only) before
any test module is imported, so the sources must run (``VERTEBRO_PURE_PYTHON=1``: a compiled
module calls its neighbours directly). At the end of the session the fired rule ids go, one
per line, to the file named by ``VERTEBRO_FIRED_RULES``.

A rule fires when it shapes the result: a decision, timing or caution rule when it is
reported; M-1 when a fracture's landmarks give its heights; M-2 to M-6 and S-1 to S-3 when
they give a value; the P rules when a plan is made; an A rule when its item is in a plan.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import vertebro.guidance.engine as engine
import vertebro.morphometry as morphometry
import vertebro.morphometry.angles as angles
from vertebro.guidance.verdict import Verdict
from vertebro.model.case import Case

FIRED: set[str] = set()
_evaluate = engine.evaluate
_regional = angles.regional_kyphosis_deg


def record(case: Case, verdict: Verdict) -> None:
    """Add the rules that shaped ``verdict`` to :data:`FIRED`."""
    FIRED.update(verdict.cautions)
    for level in verdict.levels:
        facts = level.facts
        FIRED.update(level.reasons)
        FIRED.update(level.cautions)
        if facts.timing != "unknown":
            FIRED.add("W-1" if facts.timing == "favourable" else "W-2")
        fracture = case.fractures[facts.index]
        if fracture.landmarks_mm is not None and fracture.heights_mm is None:
            FIRED.add("M-1")
        values = {
            "M-2": facts.loss_pct,
            "M-3": facts.grade,
            "M-4": facts.shape,
            "M-5": facts.wedge_angle_deg,
            "M-6": facts.of_class,
            "S-1": facts.of_score.value,
            "S-2": facts.tlics.value,
            "S-3": facts.sins.value,
        }
        FIRED.update(rule for rule, value in values.items() if value is not None)
    if verdict.plan is not None:
        FIRED.update(("P-0", "P-1", "P-2", "P-3", "P-4", "P-5"))
        FIRED.update(item.rule for item in (*verdict.plan.aftercare, *verdict.plan.follow_up))


def _recording_evaluate(case: Case) -> Verdict:
    verdict = _evaluate(case)
    record(case, verdict)
    return verdict


def _recording_regional(*args: Any, **kwargs: Any) -> Any:
    result = _regional(*args, **kwargs)
    if result is not None:
        FIRED.add("M-7")
    return result


def pytest_configure(config: Any) -> None:
    if os.environ.get("VERTEBRO_PURE_PYTHON") != "1":
        raise RuntimeError("fired_rules needs the sources to run: VERTEBRO_PURE_PYTHON=1")
    engine.evaluate = _recording_evaluate  # type: ignore[assignment]
    angles.regional_kyphosis_deg = _recording_regional
    morphometry.regional_kyphosis_deg = _recording_regional  # type: ignore[attr-defined]


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    target = os.environ.get("VERTEBRO_FIRED_RULES")
    if target:
        Path(target).write_text("".join(f"{rule}\n" for rule in sorted(FIRED)), "utf-8")
