"""M — morphometry as the assessment reports it (M-1 … M-6), and M-7 as a pure function
(``vertebro.morphometry.regional_kyphosis_deg``)."""

from __future__ import annotations

import math
import random
from decimal import ROUND_HALF_UP, Decimal

import pytest

from vertebro import InvalidCase, parse_case
from vertebro.morphometry import Endplates, regional_kyphosis_deg

from .cases import OMIT, assess_case, candidate, fracture


def _level(**fields):
    return assess_case(candidate(**fields))["levels"][0]


def _heights(a, m, p):
    return {"anterior": a, "middle": m, "posterior": p}


# --- M-1 heights from landmarks -------------------------------------------------------

# Euclidean heights 15 / 20 / 25 mm with tilted middle and posterior segments: a vertical
# (y-only) reading would give 15 / 16 / 24 mm and a loss of 37.5 % instead of 40.0 %.
TILTED = {
    "anterior_superior": [40.0, 15.0],
    "anterior_inferior": [40.0, 0.0],
    "middle_superior": [32.0, 16.0],
    "middle_inferior": [20.0, 0.0],
    "posterior_superior": [7.0, 24.0],
    "posterior_inferior": [0.0, 0.0],
}


@pytest.mark.rule("M-1")
def test_M1_heights_from_landmarks_are_euclidean():
    level = _level(heights_mm=OMIT, landmarks_mm=TILTED)
    assert level["height_loss_source"] == "posterior_ratio"
    assert level["height_loss_pct"] == 40.0  # 100·(1 − 15/25)


@pytest.mark.rule("M-1")
def test_M1_heights_mm_feed_the_loss_when_both_are_given():
    level = _level(heights_mm=_heights(24.0, 28.0, 30.0), landmarks_mm=TILTED)
    assert level["height_loss_pct"] == 20.0
    assert level["shape"] == "wedge"


def _landmarks_with_anterior_height(h):
    return {
        "anterior_superior": [20.0, h],
        "anterior_inferior": [20.0, 0.0],
        "middle_superior": [10.0, 20.0],
        "middle_inferior": [10.0, 0.0],
        "posterior_superior": [0.0, 25.0],
        "posterior_inferior": [0.0, 0.0],
    }


@pytest.mark.rule("M-1")
@pytest.mark.parametrize(
    "height", [pytest.param(0.0, id="zero-height"), pytest.param(80.5, id="over-80mm")]
)
def test_M1_implausible_landmark_height_is_invalid(height):
    case = candidate(heights_mm=OMIT, landmarks_mm=_landmarks_with_anterior_height(height))
    with pytest.raises(InvalidCase) as caught:
        parse_case(case)
    assert [p.path for p in caught.value.problems] == ["fractures[0].landmarks_mm"]


@pytest.mark.rule("M-1")
def test_M1_invalid_landmarks_are_reported_at_their_input_index():
    case = candidate(
        fractures=[
            fracture("L3"),
            fracture("T9", heights_mm=OMIT, landmarks_mm=_landmarks_with_anterior_height(0.0)),
        ]
    )
    with pytest.raises(InvalidCase) as caught:
        parse_case(case)
    assert [p.path for p in caught.value.problems] == ["fractures[1].landmarks_mm"]


@pytest.mark.rule("M-1")
def test_M1_80mm_is_still_plausible():
    case = candidate(heights_mm=OMIT, landmarks_mm=_landmarks_with_anterior_height(80.0))
    parse_case(case)  # no error


# --- M-2 height loss ------------------------------------------------------------------


@pytest.mark.rule("M-2")
@pytest.mark.parametrize(
    ("fields", "loss", "source"),
    [
        pytest.param(
            {
                "height_loss_pct": 33.0,
                "heights_mm": _heights(15.0, 20.0, 25.0),
                "reference_height_mm": 30.0,
            },
            33.0,
            "given",
            id="given-first",
        ),
        pytest.param(
            {"heights_mm": _heights(24.0, 28.0, 30.0), "reference_height_mm": 32.0},
            25.0,
            "reference",
            id="reference-100(1-24/32)",
        ),
        # the reference formula takes Hp into the minimum: 100·(1 − 24/30) → 20.0
        pytest.param(
            {"heights_mm": _heights(30.0, 30.0, 24.0), "reference_height_mm": 30.0},
            20.0,
            "reference",
            id="reference-min-includes-Hp",
        ),
        pytest.param(
            {"heights_mm": _heights(24.0, 28.0, 30.0)},
            20.0,
            "posterior_ratio",
            id="posterior-ratio-24-28-30",
        ),
        # Hp is not in the posterior-ratio minimum: 100·(1 − 30/24) < 0 → clamped to 0.0
        pytest.param(
            {"heights_mm": _heights(30.0, 30.0, 24.0)},
            0.0,
            "posterior_ratio",
            id="posterior-ratio-clamped-to-0",
        ),
        pytest.param(
            {"heights_mm": _heights(28.0, 20.0, 25.0)},
            20.0,
            "posterior_ratio",
            id="posterior-ratio-uses-Hm",
        ),
        pytest.param(
            {"heights_mm": _heights(30.0, 30.0, 30.0), "reference_height_mm": 25.0},
            0.0,
            "reference",
            id="reference-clamped-to-0",
        ),
        pytest.param({"heights_mm": OMIT}, None, "none", id="no-geometry"),
        pytest.param(
            {"heights_mm": OMIT, "reference_height_mm": 30.0},
            None,
            "none",
            id="reference-alone-is-no-geometry",
        ),
    ],
)
def test_M2_precedence_and_formulas(fields, loss, source):
    level = _level(**fields)
    assert level["height_loss_pct"] == loss
    assert level["height_loss_source"] == source


@pytest.mark.rule("M-2")
@pytest.mark.parametrize(
    ("heights", "loss"),
    [
        pytest.param((24.0, 28.0, 30.0), 20.0, id="19.999999999999996-to-20.0"),
        pytest.param((11.99, 18.0, 20.0), 40.1, id="40.05-half-up-to-40.1"),
        pytest.param((16.01, 18.0, 20.0), 19.9, id="19.94999999999999-to-19.9"),
        pytest.param((25.0, 28.0, 30.0), 16.7, id="16.666-to-16.7"),
    ],
)
def test_M2_rounding_half_up_on_the_shortest_decimal_form(heights, loss):
    level = _level(heights_mm=_heights(*heights))
    assert level["height_loss_pct"] == loss


@pytest.mark.rule("M-2")
@pytest.mark.parametrize(
    ("given", "loss"),
    [
        pytest.param(33.333, 33.3, id="33.333"),
        pytest.param(40.05, 40.1, id="40.05-half-up"),
        pytest.param(0.04, 0.0, id="0.04"),
        pytest.param(99.96, 100.0, id="99.96"),
    ],
)
def test_M2_a_given_loss_is_rounded_the_same_way(given, loss):
    assert _level(height_loss_pct=given)["height_loss_pct"] == loss


ALL_LEVELS = [f"T{i}" for i in range(1, 13)] + [f"L{i}" for i in range(1, 6)]


def _rulebook_loss(ha, hm, hp, reference=None):
    """M-2 written out from the rulebook: the expression in double precision, rounded half
    up on its shortest decimal form, clamped to 0–100."""
    if reference is None:
        raw = 100 * (1 - min(ha, hm) / hp)
    else:
        raw = 100 * (1 - min(ha, hm, hp) / reference)
    rounded = float(Decimal(repr(raw)).quantize(Decimal("0.1"), ROUND_HALF_UP))
    return min(100.0, max(0.0, rounded))


def _rulebook_grade(loss):
    if loss < 20:
        return 0
    if loss < 25:
        return 1
    return 2 if loss <= 40 else 3


def _random_bodies(seed, count):
    """Heights at 0.01 mm. Every other body is aimed at a rounding tie: with a base height
    (Hp, or R) of 20 or 40 mm, an anterior height at 0.01 mm gives a loss of exactly
    x.x5 % in decimal arithmetic, which double precision lands on or beside."""
    rng = random.Random(seed)
    bodies = []
    for n in range(count):
        with_reference = rng.random() < 0.5
        if n % 2:
            base = rng.choice([20.0, 40.0])
            target = rng.randint(0, 998) / 10 + 0.05
            ha = round(base * (1 - target / 100), 2)
            hp = rng.randint(int(ha * 100), 4000) / 100 if with_reference else base
            reference = base if with_reference else None
        else:
            hp = rng.randint(1500, 4000) / 100
            reference = rng.randint(2000, 4500) / 100 if with_reference else None
            ha = rng.randint(100, 4000) / 100
        hm = rng.randint(int(ha * 100), 8000) / 100
        bodies.append((ha, hm, hp, reference))
    return bodies


@pytest.mark.rule("M-2", "M-3")
@pytest.mark.parametrize("seed", range(8))
def test_M2_M3_agree_with_the_rulebook_formula_on_many_bodies(seed):
    bodies = _random_bodies(seed, 17 * 6)
    for start in range(0, len(bodies), 17):
        chunk = bodies[start : start + 17]
        fractures = []
        for level, (ha, hm, hp, reference) in zip(ALL_LEVELS, chunk, strict=True):
            fields = {"heights_mm": _heights(ha, hm, hp)}
            if reference is not None:
                fields["reference_height_mm"] = reference
            fractures.append(fracture(level, **fields))
        result = assess_case(candidate(fractures=fractures))
        for level, (ha, hm, hp, reference) in zip(result["levels"], chunk, strict=True):
            expected = _rulebook_loss(ha, hm, hp, reference)
            body = (ha, hm, hp, reference)
            assert level["height_loss_pct"] == expected, body
            assert level["genant_grade"] == _rulebook_grade(expected), body
            source = "posterior_ratio" if reference is None else "reference"
            assert level["height_loss_source"] == source


# --- M-3 Genant grade -----------------------------------------------------------------


@pytest.mark.rule("M-3")
@pytest.mark.parametrize(
    ("loss", "grade"),
    [
        pytest.param(0.0, 0, id="0.0"),
        pytest.param(19.9, 0, id="19.9"),
        pytest.param(20.0, 1, id="20.0"),
        pytest.param(24.9, 1, id="24.9"),
        pytest.param(25.0, 2, id="25.0"),
        pytest.param(40.0, 2, id="40.0"),
        pytest.param(40.1, 3, id="40.1"),
        pytest.param(100.0, 3, id="100.0"),
        pytest.param(40.05, 3, id="40.05-rounds-to-40.1"),
        pytest.param(19.95, 1, id="19.95-rounds-to-20.0"),
        pytest.param(24.95, 2, id="24.95-rounds-to-25.0"),
    ],
)
def test_M3_genant_grade_from_given_loss(loss, grade):
    assert _level(height_loss_pct=loss)["genant_grade"] == grade


@pytest.mark.rule("M-3")
@pytest.mark.parametrize(
    ("heights", "grade"),
    [
        pytest.param((24.0, 28.0, 30.0), 1, id="24-28-30-is-20.0"),
        pytest.param((16.01, 18.0, 20.0), 0, id="16.01-18-20-is-19.9"),
        pytest.param((15.01, 18.0, 20.0), 2, id="15.01-18-20-is-24.95-to-25.0"),
        pytest.param((22.5, 28.0, 30.0), 2, id="22.5-28-30-is-25.0"),
        pytest.param((18.0, 28.0, 30.0), 2, id="18-28-30-is-40.0"),
        pytest.param((11.99, 18.0, 20.0), 3, id="11.99-18-20-is-40.1"),
    ],
)
def test_M3_genant_grade_from_heights_after_rounding(heights, grade):
    assert _level(heights_mm=_heights(*heights))["genant_grade"] == grade


@pytest.mark.rule("M-3")
def test_M3_unknown_loss_has_no_grade():
    level = _level(heights_mm=OMIT)
    assert level["genant_grade"] is None


# --- M-4 shape ------------------------------------------------------------------------


@pytest.mark.rule("M-4")
@pytest.mark.parametrize(
    ("fields", "shape"),
    [
        pytest.param({"height_loss_pct": 10.0}, "normal", id="grade-0-no-heights-normal"),
        pytest.param(
            {"heights_mm": _heights(25.0, 28.0, 30.0)}, "normal", id="grade-0-heights-normal"
        ),
        pytest.param({"height_loss_pct": 30.0}, None, id="grade-1plus-without-heights"),
        pytest.param({"heights_mm": OMIT}, None, id="unknown-grade"),
        pytest.param({"heights_mm": _heights(15.0, 20.0, 25.0)}, "wedge", id="wedge"),
        pytest.param({"heights_mm": _heights(20.0, 15.0, 25.0)}, "biconcave", id="biconcave"),
        pytest.param(
            {"heights_mm": _heights(20.0, 20.0, 20.0), "reference_height_mm": 30.0},
            "crush",
            id="crush-with-reference",
        ),
        pytest.param(
            {"heights_mm": _heights(15.0, 15.0, 25.0)}, "wedge", id="tie-wedge-before-biconcave"
        ),
        # Ha/Hp = 20/25 = 0.8 = Hp/R = 25/31.25
        pytest.param(
            {"heights_mm": _heights(20.0, 25.0, 25.0), "reference_height_mm": 31.25},
            "wedge",
            id="tie-wedge-before-crush",
        ),
        pytest.param(
            {"heights_mm": _heights(25.0, 20.0, 25.0), "reference_height_mm": 31.25},
            "biconcave",
            id="tie-biconcave-before-crush",
        ),
        # without a reference a uniform collapse is invisible (grade 0 by posterior ratio)
        pytest.param(
            {"heights_mm": _heights(20.0, 20.0, 20.0)},
            "normal",
            id="uniform-without-reference-normal",
        ),
        # heights from landmarks are known heights: 15 / 20 / 25 mm → wedge
        pytest.param(
            {"heights_mm": OMIT, "landmarks_mm": TILTED}, "wedge", id="landmark-heights-wedge"
        ),
        # with R the crush ratio counts whatever the loss source
        pytest.param(
            {
                "height_loss_pct": 30.0,
                "heights_mm": _heights(20.0, 20.0, 20.0),
                "reference_height_mm": 30.0,
            },
            "crush",
            id="given-loss-crush-with-reference",
        ),
        # given loss sets the grade; the heights still decide the shape
        pytest.param(
            {"height_loss_pct": 30.0, "heights_mm": _heights(20.0, 15.0, 25.0)},
            "biconcave",
            id="given-loss-with-heights",
        ),
    ],
)
def test_M4_shape(fields, shape):
    assert _level(**fields)["shape"] == shape


# --- M-5 wedge angle ------------------------------------------------------------------

# Superior endplate from (0, 25) to (20, 15), inferior from (0, 0) to (20, 0): the body is
# lower in front; the angle is atan(10/20) = 26.565…° → 26.6.
WEDGE = {
    "anterior_superior": [20.0, 15.0],
    "anterior_inferior": [20.0, 0.0],
    "middle_superior": [10.0, 20.0],
    "middle_inferior": [10.0, 0.0],
    "posterior_superior": [0.0, 25.0],
    "posterior_inferior": [0.0, 0.0],
}


def _transform(landmarks, fx):
    return {name: list(fx(*point)) for name, point in landmarks.items()}


@pytest.mark.rule("M-5")
@pytest.mark.parametrize(
    ("transform", "angle"),
    [
        pytest.param(lambda x, y: (x, y), 26.6, id="standard-frame"),
        pytest.param(lambda x, y: (-x, y), 26.6, id="x-flipped"),
        pytest.param(lambda x, y: (x, -y + 100), 26.6, id="y-flipped"),
        pytest.param(lambda x, y: (-x, -y), 26.6, id="both-flipped"),
        pytest.param(lambda x, y: (y, x), 26.6, id="axes-swapped"),
    ],
)
def test_M5_wedge_angle_sign_whatever_the_axes(transform, angle):
    level = _level(heights_mm=OMIT, landmarks_mm=_transform(WEDGE, transform))
    assert level["wedge_angle_deg"] == angle


# The same body taller in front (anterior 25 mm, posterior 15 mm): converging posteriorly.
TALLER_IN_FRONT = dict(WEDGE, anterior_superior=[20.0, 25.0], posterior_superior=[0.0, 15.0])


@pytest.mark.rule("M-5")
@pytest.mark.parametrize(
    "transform",
    [
        pytest.param(lambda x, y: (x, y), id="standard-frame"),
        pytest.param(lambda x, y: (-x, y), id="x-flipped"),
        pytest.param(lambda x, y: (x, -y + 100), id="y-flipped"),
    ],
)
def test_M5_body_taller_in_front_is_negative(transform):
    level = _level(heights_mm=OMIT, landmarks_mm=_transform(TALLER_IN_FRONT, transform))
    assert level["wedge_angle_deg"] == -26.6


@pytest.mark.rule("M-5")
def test_M5_general_angle_is_the_convergence_of_the_endplates():
    # superior endplate descends 10° anteriorly, inferior rises 5°: 15.0° in all
    def along(origin, degrees, length=20.0):
        rad = math.radians(degrees)
        return [origin[0] + length * math.cos(rad), origin[1] + length * math.sin(rad)]

    landmarks = {
        "posterior_superior": [0.0, 25.0],
        "anterior_superior": along((0.0, 25.0), -10.0),
        "posterior_inferior": [0.0, 0.0],
        "anterior_inferior": along((0.0, 0.0), 5.0),
        "middle_superior": [10.0, 22.0],
        "middle_inferior": [10.0, 1.0],
    }
    assert _level(heights_mm=OMIT, landmarks_mm=landmarks)["wedge_angle_deg"] == 15.0


@pytest.mark.rule("M-5")
def test_M5_parallel_endplates_are_zero():
    landmarks = dict(WEDGE, anterior_superior=[20.0, 25.0])
    assert _level(heights_mm=OMIT, landmarks_mm=landmarks)["wedge_angle_deg"] == 0.0


@pytest.mark.rule("M-5")
def test_M5_no_landmarks_no_angle():
    assert _level()["wedge_angle_deg"] is None


@pytest.mark.rule("M-5")
def test_M5_landmarks_feed_only_the_angle_when_heights_are_given():
    level = _level(heights_mm=_heights(24.0, 28.0, 30.0), landmarks_mm=WEDGE)
    assert level["wedge_angle_deg"] == 26.6
    assert level["height_loss_pct"] == 20.0  # from heights_mm, not 40.0 from the landmarks


# --- M-6 OF class ---------------------------------------------------------------------


@pytest.mark.rule("M-6")
@pytest.mark.parametrize(
    ("fields", "of_class"),
    [
        pytest.param(
            {"tension_band_failure": True, "endplates_involved": 2},
            "OF5",
            id="tension-band-OF5-first",
        ),
        pytest.param({"endplates_involved": 2}, "OF4", id="two-endplates-OF4"),
        pytest.param({"height_loss_pct": 80.1}, "OF4", id="loss-80.1-OF4"),
        pytest.param(
            {"height_loss_pct": 80.1, "endplates_involved": 1, "posterior_wall": "minor"},
            "OF4",
            id="loss-over-80-before-OF2",
        ),
        pytest.param({"height_loss_pct": 80.05}, "OF4", id="loss-80.05-rounds-to-80.1-OF4"),
        pytest.param({"height_loss_pct": 80.04}, None, id="loss-80.04-rounds-to-80.0-no-OF4"),
        pytest.param(
            {"height_loss_pct": 80.0, "endplates_involved": 1, "posterior_wall": "minor"},
            "OF2",
            id="loss-80.0-not-OF4",
        ),
        pytest.param(
            {"endplates_involved": 1, "posterior_wall": "distinct"},
            "OF3",
            id="one-endplate-distinct-wall-OF3",
        ),
        pytest.param(
            {"endplates_involved": 1, "posterior_wall": "minor"},
            "OF2",
            id="one-endplate-minor-wall-OF2",
        ),
        pytest.param(
            {"endplates_involved": 1, "posterior_wall": "intact"},
            "OF2",
            id="one-endplate-intact-wall-OF2",
        ),
        pytest.param({"endplates_involved": 0, "mri_edema": True}, "OF1", id="oedema-only-OF1"),
        pytest.param({"endplates_involved": 0, "mri_edema": False}, None, id="nothing-null"),
        pytest.param({"endplates_involved": None}, None, id="endplates-unknown-null"),
        pytest.param({"of_class": "OF3", "endplates_involved": 2}, "OF3", id="given-as-is"),
    ],
)
def test_M6_of_class_of_an_osteoporotic_fracture(fields, of_class):
    assert _level(**fields)["of_class"] == of_class


@pytest.mark.rule("M-6")
@pytest.mark.parametrize("etiology", ["traumatic", "metastasis", "hemangioma"])
def test_M6_derived_only_for_osteoporotic_fractures(etiology):
    level = _level(etiology=etiology, endplates_involved=2, plc="intact")
    assert level["of_class"] is None


@pytest.mark.rule("M-6")
@pytest.mark.parametrize("etiology", ["traumatic", "myeloma", "unknown"])
def test_M6_a_given_class_is_used_for_any_etiology(etiology):
    assert _level(etiology=etiology, of_class="OF2", plc="intact")["of_class"] == "OF2"


# --- M-7 regional kyphosis (pure function) --------------------------------------------


def _chain(wedges, discs=None):
    """Vertebrae cranial → caudal in the standard frame (x anterior, y cranial), each given
    by its own wedge angle (kyphosis positive), with parallel discs unless ``discs`` says
    otherwise. Endplate lines run posterior → anterior, 30 mm long."""
    discs = discs or [0.0] * len(wedges)
    vertebrae = []
    theta = 0.0  # direction of the current superior endplate, degrees
    y = 0.0
    for wedge, disc in zip(wedges, discs, strict=True):
        sup_dir = theta
        inf_dir = theta + wedge  # the inferior endplate turned by the wedge: kyphosis
        sup_p = (0.0, y)
        inf_p = (0.0, y - 25.0)

        def end(p, deg):
            rad = math.radians(deg)
            return (p[0] + 30.0 * math.cos(rad), p[1] + 30.0 * math.sin(rad))

        vertebrae.append(
            Endplates(superior=(sup_p, end(sup_p, sup_dir)), inferior=(inf_p, end(inf_p, inf_dir)))
        )
        theta = inf_dir + disc
        y -= 32.0
    return vertebrae


CRANIAL = (0.0, 1.0)


@pytest.mark.rule("M-7")
def test_M7_one_vertebra_is_its_own_wedge_angle():
    result = regional_kyphosis_deg(_chain([10.0]), CRANIAL)
    assert result.kyphosis_deg == pytest.approx(10.0, abs=0.05)
    assert (result.cranial_index, result.caudal_index) == (0, 0)


@pytest.mark.rule("M-7")
def test_M7_kyphosis_adds_up_over_consecutive_vertebrae():
    result = regional_kyphosis_deg(_chain([10.0, 10.0]), CRANIAL)
    assert result.kyphosis_deg == pytest.approx(20.0, abs=0.05)
    assert (result.cranial_index, result.caudal_index) == (0, 1)


@pytest.mark.rule("M-7")
def test_M7_the_maximum_over_all_pairs():
    # pairs: (0,0) 8, (0,1) 5, (0,2) 15, (1,1) −3, (1,2) 7, (2,2) 10 → 15 over 0…2
    result = regional_kyphosis_deg(_chain([8.0, -3.0, 10.0]), CRANIAL)
    assert result.kyphosis_deg == pytest.approx(15.0, abs=0.05)
    assert (result.cranial_index, result.caudal_index) == (0, 2)


@pytest.mark.rule("M-7")
def test_M7_a_lordotic_segment_is_not_picked():
    # (0,0) 12, (0,1) −3, (1,1) −15, (1,2) −10, (0,2) 2, (2,2) 5 → 12 at the first body
    result = regional_kyphosis_deg(_chain([12.0, -15.0, 5.0]), CRANIAL)
    assert result.kyphosis_deg == pytest.approx(12.0, abs=0.05)
    assert (result.cranial_index, result.caudal_index) == (0, 0)


@pytest.mark.rule("M-7")
def test_M7_disc_angles_count_between_vertebrae():
    # two flat bodies with a 6° kyphotic disc between them: 6° from the top of the first
    # to the bottom of the second
    result = regional_kyphosis_deg(_chain([0.0, 0.0], discs=[6.0, 0.0]), CRANIAL)
    assert result.kyphosis_deg == pytest.approx(6.0, abs=0.05)
    assert (result.cranial_index, result.caudal_index) == (0, 1)


@pytest.mark.rule("M-7")
def test_M7_sign_does_not_depend_on_the_frame_orientation():
    flipped = [
        Endplates(
            superior=tuple((x, -y) for x, y in v.superior),
            inferior=tuple((x, -y) for x, y in v.inferior),
        )
        for v in _chain([8.0, -3.0, 10.0])
    ]
    result = regional_kyphosis_deg(flipped, (0.0, -1.0))
    assert result.kyphosis_deg == pytest.approx(15.0, abs=0.05)
    assert (result.cranial_index, result.caudal_index) == (0, 2)
