"""A — aftercare: session discharge (A-1), ``plan.aftercare`` = A-1, A-2, A-3, A-5 (when it
applies), A-6, and ``plan.follow_up`` = the six A-4 visits. P rules are never items."""

from __future__ import annotations

import re

import pytest

from .cases import assess_case, candidate, fracture, rule_ids

KP = {"height_loss_pct": 30.0}  # T-5
VP = {"height_loss_pct": 85.0}  # T-2
EITHER = {"height_loss_pct": 10.0}  # T-6


def _plan(fractures, **fields):
    result = assess_case(candidate(fractures=fractures, **fields))
    assert result["plan"] is not None, result["recommendation"]
    return result["plan"]


# --- A-1 discharge --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("levels", "fields", "discharge"),
    [
        pytest.param(["L1"], {}, "same_day", id="1-level-asa-unknown-same-day"),
        pytest.param(["L1"], {"asa_class": 3}, "same_day", id="1-level-asa3-same-day"),
        pytest.param(["L1"], {"asa_class": 4}, "overnight", id="1-level-asa4-overnight"),
        pytest.param(["L1"], {"asa_class": 5}, "overnight", id="1-level-asa5-overnight"),
        pytest.param(["L1", "L3"], {}, "same_day", id="2-levels-same-day"),
        pytest.param(["T9", "L1", "L3"], {}, "overnight", id="3-levels-overnight"),
        pytest.param(
            ["L1", "L2", "L3"], {"asa_class": 2}, "overnight", id="3-consecutive-levels-overnight"
        ),
    ],
)
def test_A1_session_discharge(levels, fields, discharge):
    plan = _plan([fracture(lv, **KP) for lv in levels], **fields)
    assert [s["discharge"] for s in plan["sessions"]] == [discharge]


def test_A1_per_session():
    # [L2] (largest loss) then [T6, T7, T8]: 1 level same day, 3 levels overnight
    fractures = [
        fracture("T6", **KP),
        fracture("T7", **KP),
        fracture("T8", **KP),
        fracture("L2", height_loss_pct=60.0),
    ]
    plan = _plan(fractures)
    assert [s["levels"] for s in plan["sessions"]] == [["L2"], ["T6", "T7", "T8"]]
    assert [s["discharge"] for s in plan["sessions"]] == ["same_day", "overnight"]


def test_A1_severe_pulmonary_disease_does_not_by_itself_mean_overnight():
    plan = _plan([fracture("L1", **KP)], severe_pulmonary_disease=True)
    assert plan["sessions"][0]["discharge"] == "same_day"


def test_A1_is_the_first_aftercare_item_and_follows_the_discharge():
    same_day = _plan([fracture("L1", **KP)])["aftercare"][0]
    overnight = _plan([fracture("L1", **KP)], asa_class=4)["aftercare"][0]
    assert same_day["rule"] == overnight["rule"] == "A-1"
    assert same_day["text"] != overnight["text"]


# --- A-2 activity ---------------------------------------------------------------------


def _a2(plan):
    return [item for item in plan["aftercare"] if item["rule"] == "A-2"]


def _is_vp_item(item):
    return re.search(r"\b24\b", item["text"]) is not None  # bed rest for 24 h


def _is_kp_item(item):
    return re.search(r"\b6 weeks\b", item["text"]) is not None  # no heavy lifting for 6 weeks


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        pytest.param((KP,), ["kp"], id="kp-only"),
        pytest.param((VP,), ["vp"], id="vp-only"),
        pytest.param((EITHER,), ["vp"], id="either-planned-as-vp"),
        pytest.param((EITHER, KP), ["kp"], id="either-planned-as-kp"),
        pytest.param((KP, VP), ["vp", "kp"], id="mixed-vp-item-first"),
        pytest.param((VP, KP), ["vp", "kp"], id="mixed-vp-item-first-whatever-the-levels"),
    ],
)
def test_A2_activity_items_vp_before_kp(kinds, expected):
    names = ["T8", "L2"]
    plan = _plan([fracture(names[i], **k) for i, k in enumerate(kinds)])
    items = _a2(plan)
    kinds_found = [
        "vp"
        if _is_vp_item(i) and not _is_kp_item(i)
        else "kp"
        if _is_kp_item(i) and not _is_vp_item(i)
        else "?"
        for i in items
    ]
    assert kinds_found == expected


# --- A-3 … A-6 and the order of plan.aftercare ----------------------------------------


@pytest.mark.parametrize(
    ("fractures", "order"),
    [
        pytest.param(
            [fracture("L1", **KP)], ["A-1", "A-2", "A-3", "A-5", "A-6"], id="osteoporotic-kp"
        ),
        pytest.param(
            [fracture("L1", **KP), fracture("L3", **VP)],
            ["A-1", "A-2", "A-2", "A-3", "A-5", "A-6"],
            id="osteoporotic-mixed",
        ),
        pytest.param(
            [fracture("L1", etiology="hemangioma", **KP)],
            ["A-1", "A-2", "A-3", "A-6"],
            id="hemangioma-no-A-5",
        ),
    ],
)
def test_aftercare_order(fractures, order):
    plan = _plan(fractures)
    assert rule_ids(plan["aftercare"]) == order
    assert not any(r.startswith("P-") for r in rule_ids(plan["aftercare"] + plan["follow_up"]))


def test_A3_and_A6_are_always_given():
    for kind in (KP, VP, EITHER):
        ids = rule_ids(_plan([fracture("L2", **kind)])["aftercare"])
        assert ids.count("A-3") == 1
        assert ids[-1] == "A-6"


def test_A4_six_follow_up_visits():
    follow_up = _plan([fracture("L1", **VP)])["follow_up"]
    assert rule_ids(follow_up) == ["A-4"] * 6
    assert [item["text"] for item in follow_up] == [
        "1 day",
        "1 week",
        "1 month",
        "3 months",
        "6 months",
        "12 months",
    ]
    assert all(item["source"] == ["002", "EVID"] for item in follow_up)


@pytest.mark.parametrize(
    ("fractures", "has_a5"),
    [
        pytest.param([fracture("L1", **KP)], True, id="treated-osteoporotic"),
        pytest.param(
            [fracture("L1", etiology="traumatic", plc="intact", **KP)],
            False,
            id="treated-traumatic-only",
        ),
        pytest.param(
            [
                fracture("L1", etiology="hemangioma", **KP),
                fracture("L3", etiology="osteoporotic", pain_at_level=False, **KP),
            ],
            False,
            id="osteoporotic-level-not-treated",
        ),
        pytest.param(
            [fracture("L1", etiology="hemangioma", **KP), fracture("L3", **VP)],
            True,
            id="one-treated-osteoporotic-among-others",
        ),
        pytest.param([fracture("L1", etiology="other", **EITHER)], False, id="other-etiology"),
    ],
)
def test_A5_only_with_a_treated_osteoporotic_level(fractures, has_a5):
    assert ("A-5" in rule_ids(_plan(fractures)["aftercare"])) is has_a5


def test_aftercare_sources_are_the_rulebook_tags():
    plan = _plan([fracture("L1", **KP), fracture("L3", **VP)])
    expected = {
        "A-1": ["002", "001", "004"],
        "A-2": ["002", "004"],
        "A-3": ["002"],
        "A-5": ["LCD"],
        "A-6": ["001", "PCE"],
    }
    for item in plan["aftercare"]:
        assert item["source"] == expected[item["rule"]], item["rule"]
