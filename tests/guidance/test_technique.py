"""T — the technique for a candidate level, the first T rule that holds. Every threshold
compares the M-2 rounded height loss."""

from __future__ import annotations

import pytest

from .cases import assess_case, candidate, rule_ids


def _technique(**fields):
    level = assess_case(candidate(**fields))["levels"][0]
    return level["recommendation"], rule_ids(level["reasons"]), level["height_loss_pct"]


@pytest.mark.parametrize(
    ("loss", "expected", "rule"),
    [
        pytest.param(0.0, "either", "T-6", id="0.0-T-6"),
        pytest.param(19.9, "either", "T-6", id="19.9-T-6"),
        pytest.param(20.0, "kyphoplasty", "T-5", id="20.0-T-5"),
        pytest.param(40.0, "kyphoplasty", "T-5", id="40.0-T-5"),
        pytest.param(69.9, "kyphoplasty", "T-5", id="69.9-T-5"),
        pytest.param(70.0, "either", "T-3", id="70.0-T-3"),
        pytest.param(75.0, "either", "T-3", id="75.0-T-3"),
        pytest.param(80.0, "either", "T-3", id="80.0-T-3"),
        pytest.param(80.1, "vertebroplasty", "T-2", id="80.1-T-2"),
        pytest.param(100.0, "vertebroplasty", "T-2", id="100.0-T-2"),
    ],
)
def test_given_loss_boundaries(loss, expected, rule):
    assert _technique(height_loss_pct=loss) == (expected, [rule], loss)


@pytest.mark.parametrize(
    ("given", "rounded", "expected", "rule"),
    [
        pytest.param(19.94, 19.9, "either", "T-6", id="19.94-rounds-to-19.9"),
        pytest.param(19.95, 20.0, "kyphoplasty", "T-5", id="19.95-rounds-half-up-to-20.0"),
        pytest.param(69.95, 70.0, "either", "T-3", id="69.95-rounds-to-70.0"),
        pytest.param(80.04, 80.0, "either", "T-3", id="80.04-rounds-to-80.0"),
        pytest.param(80.05, 80.1, "vertebroplasty", "T-2", id="80.05-rounds-half-up-to-80.1"),
    ],
)
def test_a_given_loss_is_rounded_before_the_thresholds(given, rounded, expected, rule):
    assert _technique(height_loss_pct=given) == (expected, [rule], rounded)


@pytest.mark.parametrize(
    ("heights", "rounded", "expected", "rule"),
    [
        # 100·(1 − 24/30) = 19.999999999999996 → 20.0
        pytest.param((24.0, 28.0, 30.0), 20.0, "kyphoplasty", "T-5", id="24-28-30-is-20.0"),
        # 100·(1 − 16.01/20) = 19.94999999999999 → 19.9
        pytest.param((16.01, 18.0, 20.0), 19.9, "either", "T-6", id="16.01-18-20-is-19.9"),
        # 100·(1 − 6.01/20) = 69.95 (shortest form) → 70.0
        pytest.param((6.01, 18.0, 20.0), 70.0, "either", "T-3", id="6.01-18-20-is-70.0"),
        # 100·(1 − 3.99/20) = 80.05 → 80.1
        pytest.param((3.99, 18.0, 20.0), 80.1, "vertebroplasty", "T-2", id="3.99-18-20-is-80.1"),
        # 100·(1 − 4.01/20) = 79.95 → 80.0
        pytest.param((4.01, 18.0, 20.0), 80.0, "either", "T-3", id="4.01-18-20-is-80.0"),
    ],
)
def test_heights_whose_ratio_lands_on_a_boundary(heights, rounded, expected, rule):
    a, m, p = heights
    got = _technique(heights_mm={"anterior": a, "middle": m, "posterior": p})
    assert got == (expected, [rule], rounded)


@pytest.mark.parametrize(
    ("loss", "expected", "rule"),
    [
        pytest.param(40.0, "kyphoplasty", "T-5", id="burst-40.0-not-severe"),
        pytest.param(40.1, "vertebroplasty", "T-1", id="burst-40.1-T-1"),
        pytest.param(75.0, "vertebroplasty", "T-1", id="burst-75-T-1-before-T-3"),
        pytest.param(90.0, "vertebroplasty", "T-1", id="burst-90-T-1-before-T-2"),
    ],
)
def test_T1_severe_burst_deformity(loss, expected, rule):
    assert _technique(morphology="burst", height_loss_pct=loss)[:2] == (expected, [rule])


def test_T1_needs_a_burst():
    assert _technique(morphology="compression", height_loss_pct=45.0)[:2] == (
        "kyphoplasty",
        ["T-5"],
    )


def test_T1_comes_before_T4():
    got = _technique(morphology="burst", height_loss_pct=50.0, intravertebral_cleft=True)
    assert got[:2] == ("vertebroplasty", ["T-1"])


@pytest.mark.parametrize(
    "risk",
    [
        pytest.param({"intravertebral_cleft": True}, id="cleft"),
        pytest.param({"progressive_collapse": True}, id="progressive-collapse"),
    ],
)
def test_T2_complete_collapse_comes_before_T4(risk):
    assert _technique(height_loss_pct=85.0, **risk)[:2] == ("vertebroplasty", ["T-2"])


@pytest.mark.parametrize("loss", [70.0, 75.0, 80.0])
@pytest.mark.parametrize(
    "risk",
    [
        pytest.param({"intravertebral_cleft": True}, id="cleft"),
        pytest.param({"progressive_collapse": True}, id="progressive-collapse"),
    ],
)
def test_T3_the_70_to_80_band_stays_either_even_with_a_cleft(loss, risk):
    assert _technique(height_loss_pct=loss, **risk)[:2] == ("either", ["T-3"])


@pytest.mark.parametrize("loss", [0.0, 10.0, 19.9, 20.0, 69.9])
@pytest.mark.parametrize(
    "risk",
    [
        pytest.param({"intravertebral_cleft": True}, id="cleft"),
        pytest.param({"progressive_collapse": True}, id="progressive-collapse"),
    ],
)
def test_T4_risk_of_further_collapse_means_kyphoplasty(loss, risk):
    assert _technique(height_loss_pct=loss, **risk)[:2] == ("kyphoplasty", ["T-4"])


@pytest.mark.parametrize(
    "no_risk",
    [
        pytest.param({"intravertebral_cleft": False, "progressive_collapse": False}, id="false"),
        pytest.param({"intravertebral_cleft": None, "progressive_collapse": None}, id="unknown"),
    ],
)
def test_T4_does_not_hold_without_risk(no_risk):
    assert _technique(height_loss_pct=10.0, **no_risk)[:2] == ("either", ["T-6"])
    assert _technique(height_loss_pct=30.0, **no_risk)[:2] == ("kyphoplasty", ["T-5"])


def test_exactly_one_T_rule_is_reported():
    level = assess_case(candidate(height_loss_pct=30.0, intravertebral_cleft=True))["levels"][0]
    assert rule_ids(level["reasons"]) == ["T-4"]
