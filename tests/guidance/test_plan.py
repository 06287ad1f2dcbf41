"""P — the procedure plan: only for kyphoplasty / vertebroplasty / either / mixed, covering
the treated levels (P-0 technique, P-1 sessions, P-2 approach, P-3 cement, P-4
anaesthesia, P-5 minutes)."""

from __future__ import annotations

import pytest

from .cases import assess_case, candidate, fracture

KP = {"height_loss_pct": 30.0}  # T-5
VP = {"height_loss_pct": 85.0}  # T-2
EITHER = {"height_loss_pct": 10.0}  # T-6


def _plan(fractures, **fields):
    result = assess_case(candidate(fractures=fractures, **fields))
    return result["plan"], result


def _planned(plan):
    return {item["level"]: item for item in plan["levels"]}


def _sessions(plan):
    return [s["levels"] for s in plan["sessions"]]


# --- when a plan exists ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "overall"),
    [
        pytest.param({"pregnant": True}, "contraindicated", id="contraindicated"),
        pytest.param({"neurology": "root"}, "open_surgery", id="open-surgery"),
        pytest.param({"mri_edema": None}, "needs_workup", id="needs-workup"),
        pytest.param({"pain_nrs": 4}, "conservative", id="conservative"),
    ],
)
def test_no_plan_without_a_procedure(fields, overall):
    result = assess_case(candidate(**fields))
    assert result["recommendation"] == overall
    assert result["plan"] is None


def test_no_plan_when_other_levels_are_treated_but_one_needs_workup():
    plan, result = _plan([fracture("L1", **KP), fracture("L3", mri_edema=None)])
    assert result["recommendation"] == "needs_workup"
    assert plan is None


@pytest.mark.parametrize(
    ("fractures", "overall"),
    [
        pytest.param([fracture("L1", **KP)], "kyphoplasty", id="kyphoplasty"),
        pytest.param([fracture("L1", **VP)], "vertebroplasty", id="vertebroplasty"),
        pytest.param([fracture("L1", **EITHER)], "either", id="either"),
        pytest.param([fracture("L1", **KP), fracture("L3", **VP)], "mixed", id="mixed"),
    ],
)
def test_a_plan_for_every_procedure(fractures, overall):
    plan, result = _plan(fractures)
    assert result["recommendation"] == overall
    assert plan is not None
    assert set(plan) == {"sessions", "levels", "aftercare", "follow_up"}


def test_the_plan_covers_only_the_treated_levels():
    plan, _ = _plan(
        [fracture("T7", pain_at_level=False), fracture("L1", **KP), fracture("L4", mri_edema=False)]
    )
    assert set(_planned(plan)) == {"L1"}
    assert _sessions(plan) == [["L1"]]


# --- P-0 technique --------------------------------------------------------------------


@pytest.mark.rule("P-0")
@pytest.mark.parametrize(
    ("kinds", "techniques"),
    [
        pytest.param((KP,), ["kyphoplasty"], id="kp-level"),
        pytest.param((VP,), ["vertebroplasty"], id="vp-level"),
        pytest.param((EITHER,), ["vertebroplasty"], id="either-alone-is-vp"),
        pytest.param((EITHER, KP), ["kyphoplasty", "kyphoplasty"], id="either-follows-kp"),
        pytest.param((EITHER, VP), ["vertebroplasty", "vertebroplasty"], id="either-follows-vp"),
        pytest.param(
            (KP, EITHER, VP),
            ["kyphoplasty", "vertebroplasty", "vertebroplasty"],
            id="either-in-mixed-is-vp",
        ),
    ],
)
def test_P0_technique_per_treated_level(kinds, techniques):
    names = ["T6", "T10", "L3"]
    plan, _ = _plan([fracture(names[i], **k) for i, k in enumerate(kinds)])
    planned = _planned(plan)
    assert [planned[n]["technique"] for n in names[: len(kinds)]] == techniques


# --- P-1 sessions ---------------------------------------------------------------------


def _treated(spec):
    """``spec``: [(level, loss)] → kyphoplasty levels (20 ≤ loss < 70)."""
    return [fracture(level, height_loss_pct=loss) for level, loss in spec]


@pytest.mark.rule("P-1")
@pytest.mark.parametrize(
    ("spec", "sessions"),
    [
        pytest.param([("L1", 30.0)], [["L1"]], id="one-level"),
        pytest.param(
            [("T8", 30.0), ("L1", 50.0), ("L3", 60.0)],
            [["T8", "L1", "L3"]],
            id="three-separate-levels-one-session-cranial-to-caudal",
        ),
        pytest.param(
            [("T10", 30.0), ("T11", 30.0), ("T12", 30.0)],
            [["T10", "T11", "T12"]],
            id="three-consecutive-one-session",
        ),
        # T12–L1 are consecutive: one run of 4 → blocks T11-T12-L1 and L2
        pytest.param(
            [("T11", 30.0), ("T12", 30.0), ("L1", 30.0), ("L2", 30.0)],
            [["T11", "T12", "L1"], ["L2"]],
            id="T12-L1-consecutive-run-of-4",
        ),
        # the largest loss first: block [L2] opens session 1, the block of 3 needs a new one
        pytest.param(
            [("T11", 30.0), ("T12", 30.0), ("L1", 30.0), ("L2", 60.0)],
            [["L2"], ["T11", "T12", "L1"]],
            id="run-of-4-largest-loss-first",
        ),
        # a run of 7 is cut from the cranial end: T6-T8, T9-T11, T12
        pytest.param(
            [
                ("T6", 30.0),
                ("T7", 30.0),
                ("T8", 30.0),
                ("T9", 30.0),
                ("T10", 30.0),
                ("T11", 30.0),
                ("T12", 60.0),
            ],
            [["T12"], ["T6", "T7", "T8"], ["T9", "T10", "T11"]],
            id="run-of-7",
        ),
        pytest.param(
            [("T6", 30.0), ("T9", 50.0), ("L1", 40.0), ("L4", 60.0)],
            [["T9", "L1", "L4"], ["T6"]],
            id="four-separate-by-loss",
        ),
        # blocks by loss: [T5,T6] 60, [L1,L2] 50, [L5] 40 → L5 fills session 1 (first fit)
        pytest.param(
            [("T5", 60.0), ("T6", 30.0), ("L1", 50.0), ("L2", 30.0), ("L5", 40.0)],
            [["T5", "T6", "L5"], ["L1", "L2"]],
            id="first-fit-not-next-fit",
        ),
        # blocks [L2,L3] 50 then [T5,T6] 35: no room for two in session 1
        pytest.param(
            [("T5", 30.0), ("T6", 35.0), ("L2", 50.0), ("L3", 45.0)],
            [["L2", "L3"], ["T5", "T6"]],
            id="two-runs-of-2",
        ),
        # equal largest losses: the more cranial block first
        pytest.param(
            [("T5", 40.0), ("T6", 40.0), ("T9", 40.0), ("L1", 40.0), ("L2", 40.0)],
            [["T5", "T6", "T9"], ["L1", "L2"]],
            id="ties-cranial-first",
        ),
        pytest.param(
            [("L1", 40.0), ("L2", 40.0), ("T9", 40.0), ("T5", 40.0), ("T6", 40.0)],
            [["T5", "T6", "T9"], ["L1", "L2"]],
            id="ties-input-order-irrelevant",
        ),
        # T12 and L1 are consecutive but T11 and L1 are not
        pytest.param(
            [("T11", 30.0), ("L1", 50.0), ("L2", 40.0), ("L3", 60.0)],
            [["L1", "L2", "L3"], ["T11"]],
            id="T11-L1-not-consecutive",
        ),
    ],
)
def test_P1_sessions(spec, sessions):
    plan, _ = _plan(_treated(spec))
    assert _sessions(plan) == sessions
    assert all(len(s) <= 3 for s in _sessions(plan))


@pytest.mark.rule("P-1")
def test_P1_a_vp_level_counts_with_its_loss():
    # VP at 85 % is the largest loss: its run [L1] goes first; [T7,T8,T9] needs a new session
    fractures = [*_treated([("T7", 30.0), ("T8", 30.0), ("T9", 30.0)]), fracture("L1", **VP)]
    plan, _ = _plan(fractures)
    assert _sessions(plan) == [["L1"], ["T7", "T8", "T9"]]


# --- P-2 approach and P-3 cement ------------------------------------------------------


@pytest.mark.rule("P-2", "P-3")
@pytest.mark.parametrize(
    ("level", "kind", "technique", "approach", "cement"),
    [
        pytest.param("L1", KP, "kyphoplasty", "bipedicular", [4.0, 5.0], id="kp-lumbar-L1"),
        pytest.param("L5", KP, "kyphoplasty", "bipedicular", [4.0, 5.0], id="kp-lumbar-L5"),
        pytest.param("T12", KP, "kyphoplasty", "bipedicular", [4.0, 4.5], id="kp-thoracic-T12"),
        pytest.param("T5", KP, "kyphoplasty", "bipedicular", [4.0, 4.5], id="kp-thoracic-T5"),
        pytest.param("L1", VP, "vertebroplasty", "unipedicular", [3.5, 4.5], id="vp-lumbar-L1"),
        pytest.param("T12", VP, "vertebroplasty", "unipedicular", [3.5, 4.0], id="vp-thoracic-T12"),
        pytest.param(
            "L3", EITHER, "vertebroplasty", "unipedicular", [3.5, 4.5], id="either-as-vp-lumbar"
        ),
    ],
)
def test_P2_P3_approach_and_cement_volume(level, kind, technique, approach, cement):
    plan, _ = _plan([fracture(level, **kind)])
    item = _planned(plan)[level]
    assert item["technique"] == technique
    assert item["approach"] == approach
    assert item["cement_ml"] == cement


@pytest.mark.rule("P-3")
@pytest.mark.parametrize(
    ("fields", "viscosity"),
    [
        pytest.param({}, "standard", id="no-risk-standard"),
        pytest.param({"posterior_wall": "distinct"}, "high", id="K-4-distinct-wall-high"),
        pytest.param({"retropulsion": True}, "high", id="K-4-retropulsion-high"),
        pytest.param(
            {"posterior_wall": "minor", "retropulsion": False}, "standard", id="minor-wall-standard"
        ),
        pytest.param({"intravertebral_cleft": True}, "high", id="K-5-cleft-high"),
        pytest.param({"age_weeks": 1}, "standard", id="K-7-is-not-a-leak-risk"),
    ],
)
def test_P3_cement_viscosity(fields, viscosity):
    plan, _ = _plan([fracture("L2", **KP, **fields)])
    assert _planned(plan)["L2"]["cement_viscosity"] == viscosity


@pytest.mark.rule("P-3")
def test_P3_viscosity_is_per_level():
    plan, _ = _plan([fracture("T10", **VP), fracture("L2", **KP, intravertebral_cleft=True)])
    planned = _planned(plan)
    assert planned["T10"]["cement_viscosity"] == "standard"
    assert planned["L2"]["cement_viscosity"] == "high"


# --- P-4 anaesthesia and P-5 minutes --------------------------------------------------


@pytest.mark.rule("P-4")
@pytest.mark.parametrize(
    ("kind", "fields", "anaesthesia"),
    [
        pytest.param(KP, {}, "general", id="kp-asa-unknown-general"),
        pytest.param(KP, {"asa_class": 3}, "general", id="kp-asa3-general"),
        pytest.param(KP, {"asa_class": 4}, "local_sedation", id="kp-asa4-local"),
        pytest.param(KP, {"asa_class": 5}, "local_sedation", id="kp-asa5-local"),
        pytest.param(
            KP, {"severe_pulmonary_disease": True}, "local_sedation", id="kp-pulmonary-local"
        ),
        pytest.param(VP, {}, "local_sedation", id="vp-local"),
        pytest.param(VP, {"asa_class": 1}, "local_sedation", id="vp-asa1-local"),
        pytest.param(EITHER, {}, "local_sedation", id="either-as-vp-local"),
    ],
)
def test_P4_anaesthesia(kind, fields, anaesthesia):
    plan, _ = _plan([fracture("L2", **kind)], **fields)
    assert [s["anaesthesia"] for s in plan["sessions"]] == [anaesthesia]


@pytest.mark.rule("P-4")
def test_P4_per_session():
    # session 1: [L1] VP 85 % (largest loss); session 2: [T7, T8, T9] with one KP level
    fractures = [
        fracture("T7", **EITHER),
        fracture("T8", **KP),
        fracture("T9", **EITHER),
        fracture("L1", **VP),
    ]
    plan, result = _plan(fractures)
    assert result["recommendation"] == "mixed"
    assert _sessions(plan) == [["L1"], ["T7", "T8", "T9"]]
    assert [s["anaesthesia"] for s in plan["sessions"]] == ["local_sedation", "general"]
    # P-5: 30 (VP); 30 (either as VP) + 40 (KP) + 30 (either as VP)
    assert [s["minutes"] for s in plan["sessions"]] == [30, 100]


@pytest.mark.rule("P-5")
@pytest.mark.parametrize(
    ("kinds", "minutes"),
    [
        pytest.param((KP,), 40, id="one-kp-40"),
        pytest.param((VP,), 30, id="one-vp-30"),
        pytest.param((KP, KP, KP), 120, id="three-kp-120"),
        pytest.param((VP, VP), 60, id="two-vp-60"),
        pytest.param((KP, VP, KP), 110, id="kp-vp-kp-110"),
        pytest.param((EITHER, KP), 80, id="either-as-kp-80"),
    ],
)
def test_P5_minutes(kinds, minutes):
    names = ["L1", "L3", "L5"]
    plan, _ = _plan([fracture(names[i], **k) for i, k in enumerate(kinds)])
    assert len(plan["sessions"]) == 1
    assert plan["sessions"][0]["minutes"] == minutes
    assert isinstance(plan["sessions"][0]["minutes"], int)
