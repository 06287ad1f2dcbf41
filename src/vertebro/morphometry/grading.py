"""Genant semi-quantitative grading against the heights a vertebra *should* have
(method ``vertebro-sq``, version 1; docs/imaging.md "Grading method").

Genant's semi-quantitative (SQ) method grades a vertebral body by the reduction of its
anterior, middle or posterior height relative to the height expected for it — judged from
its level and its normal neighbours — 20–25 % grade 1, 25–40 % grade 2, > 40 % grade 3
(Genant HK et al., J Bone Miner Res 1993;8:1137–48; rulebook M-3). Quantitative
morphometry makes the expectation explicit: a normal vertebra's Ha/Hp and Hm/Hp and its
posterior height against the adjacent vertebrae (Eastell R et al., J Bone Miner Res
1991;6:207–15; McCloskey EV et al., Osteoporos Int 1993;3:138–47). This module does
that on the three heights of rulebook M-1, for every evaluable level of one spine:

1. **Expected posterior height** Hp* of a level: the median of the predictions from its
   reference levels — up to two on each side within ``MAX_REFERENCE_DISTANCE`` levels, each
   scaled along the level by the normal growth of posterior height (``GROWTH_PER_LEVEL``).
2. **Expected anterior and middle heights**: Ha* = Hp* · r_a(level) · k_a and
   Hm* = Hp* · k_m, where r_a is the normal Ha/Hp of the level (``NORMAL_HA_HP``, on the
   15 %/85 % lines of measurement-v1), k_a the spine's own median of Ha/Hp ÷ r_a over its
   reference levels and k_m their median Hm/Hp (both bounded; population defaults with
   fewer than ``MIN_CALIBRATION_LEVELS``): the spine's shape and the segmentation's style
   are calibrated out, the level's shape is not.
3. **Loss** = the largest of 1 − Ha/Ha*, 1 − Hm/Hm*, 1 − Hp/Hp* (Genant: "anterior,
   middle and/or posterior"), in %, rounded as rulebook M-2; grade by rulebook M-3.
4. **References** are the levels whose shape is within 15 % of the population's normal
   ratios and whose largest loss is below 15 % (``REFERENCE_LOSS_PCT``): the grading
   starts from every level of normal shape as a reference and repeats with the levels
   that pass until the set no longer changes.
   A level without a reference within reach is graded on its own shape (Ha/Hp and Hm/Hp
   against the expectation; its posterior height cannot be judged), source
   ``posterior_ratio``; otherwise the source is ``reference``.

Pure functions on numbers: the measurement document and the browser review use the same.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from vertebro.morphometry.heights import Heights, LossSource, genant_grade
from vertebro.morphometry.level import Level
from vertebro.morphometry.rounding import round_tenth

__all__ = [
    "GROWTH_PER_LEVEL",
    "MAX_REFERENCE_DISTANCE",
    "METHOD",
    "MIN_CALIBRATION_LEVELS",
    "NORMAL_HA_HP",
    "NORMAL_HM_HP",
    "LevelGrading",
    "grade_spine",
    "method_record",
]

#: Name and version recorded in every ``vertebro.measurement/1`` document.
METHOD = {"name": "vertebro-sq", "version": "1"}

_LEVELS: tuple[Level, ...] = tuple(Level)


def _on_lines(corner_ratio: float) -> float:
    """A normal Ha/Hp measured at the corners → the same body measured on the 15 % and
    85 % lines of measurement-v1, which lie 70 % of the depth apart (wedging is linear
    along the depth)."""
    return 1.0 - 0.7 * (1.0 - corner_ratio)


#: Normal anterior/posterior height ratio by level, converted to the 15/85 % lines.
#: T10 0.92, T11 0.92, T12 0.90, L1 0.89, L2 0.90 (MRI of 115 asymptomatic adults,
#: Surg Radiol Anat 2011;33:223–8); T1–T9 as T10 (sagittal wedging of T9 and T10 alike,
#: 2.8° and 2.6° in women, Masharawi Y et al., Eur Spine J 2010;19:768–73); L3 1.00 and
#: L4 1.04 from the same study's wedging (L3 −1.1°/+1.3°, L4 −3.1°/−0.7° in women/men,
#: about 1.3 body depths per height); L5 1.15 (anterior 30.3 mm, posterior 26.3 mm on CT,
#: Cook WH, Baker JF, Int J Spine Surg 2021;15:1072–81).
NORMAL_HA_HP: Mapping[Level, float] = {
    **{Level(f"T{i}"): _on_lines(0.92) for i in range(1, 12)},
    Level.T12: _on_lines(0.90),
    Level.L1: _on_lines(0.89),
    Level.L2: _on_lines(0.90),
    Level.L3: _on_lines(1.00),
    Level.L4: _on_lines(1.04),
    Level.L5: _on_lines(1.15),
}
#: Normal Hm/Hp when the spine has too few reference levels to calibrate its own: the
#: median over the vertebrae of the project's normal reference maps (TotalSegmentator's
#: example, TPTBox, the unfractured levels of 0007: 0.82–1.02); k_m is bounded to
#: ``HM_HP_BOUNDS`` — flat endplates (1.0) down to a 2 mm central concavity of each
#: endplate in a 27 mm body.
NORMAL_HM_HP = 0.93
HM_HP_BOUNDS = (0.85, 1.0)
#: The spine's own Ha/Hp calibration k_a stays within ±10 % of the population value
#: (normal Ha/Hp varies with an SD of 0.06–0.08 between people, Surg Radiol Anat 2011).
KA_BOUNDS = (0.9, 1.1)
#: Fewest reference levels for a spine-specific calibration (a median of three).
MIN_CALIBRATION_LEVELS = 3
#: References lie at most this many levels away (McCloskey 1993 and Eastell 1991 predict
#: from the adjacent vertebrae; errors grow with distance).
MAX_REFERENCE_DISTANCE = 3
_REFERENCES_PER_SIDE = 2
#: A level serves as a reference while its largest height loss stays below this: the
#: 15 % reduction that quantitative morphometry requires besides 3 SD before it calls a
#: deformity (McCloskey 1993), so that a possibly deformed vertebra calibrates nothing.
REFERENCE_LOSS_PCT = 15.0
_MAX_ROUNDS = 10


def _growth(level: Level) -> float:
    """Normal growth of posterior height from ``level`` to the next level down: 2.2 % per
    level T1→T9 (cadaveric posterior heights 17.6 mm at T2 to 20.5 mm at T9, Egwu OA et
    al., J Anat Soc India 2019;68:110–8), 6.5 % T9→L1 (AI-based CT of 3117 vertebrae, the
    steepest increase, Palm V et al., Sci Rep 2025), none L1→L5 (lumbar posterior heights
    are about level: 28.8, 27.9, 27.0, 26.6 mm at L2–L5 on TotalSegmentator's example)."""
    if level < Level.T9:
        return 0.022
    if level < Level.L1:
        return 0.065
    return 0.0


#: ``GROWTH_PER_LEVEL[level]``: posterior height of the next level ÷ this level's, − 1.
GROWTH_PER_LEVEL: Mapping[Level, float] = {lv: _growth(lv) for lv in _LEVELS}


def _scale(source: Level, target: Level) -> float:
    """Expected posterior height at ``target`` ÷ at ``source`` (normal growth)."""
    factor = 1.0
    lo, hi = sorted((source.ordinal, target.ordinal))
    for i in range(lo, hi):
        factor *= 1.0 + GROWTH_PER_LEVEL[_LEVELS[i]]
    return factor if target.ordinal >= source.ordinal else 1.0 / factor


@dataclass(frozen=True, slots=True)
class LevelGrading:
    """The method's result for one level.

    ``expected_mm``: Ha*, Hm*, Hp* (rounded to 0.1 mm); ``losses_pct``: the reduction of
    each height against its expectation (%, rounded, may be negative); ``height_loss_pct``
    the largest, clamped to 0–100; ``deformity``: which height it is (``anterior``,
    ``middle``, ``posterior``); ``references``: the levels Hp* came from (empty: graded on
    its own shape, source ``posterior_ratio``).
    """

    level: str
    expected_mm: Heights
    losses_pct: Heights
    height_loss_pct: float
    genant_grade: int
    deformity: str
    references: tuple[str, ...]
    source: LossSource


def _bounded(x: float, bounds: tuple[float, float]) -> float:
    return min(bounds[1], max(bounds[0], x))


def _calibration(spine: Mapping[Level, Heights], refs: set[Level]) -> tuple[float, float]:
    """(k_a, k_m): the spine's own shape over its reference levels, bounded."""
    if len(refs) < MIN_CALIBRATION_LEVELS:
        return 1.0, NORMAL_HM_HP
    ka = statistics.median(
        spine[lv].anterior_mm / spine[lv].posterior_mm / NORMAL_HA_HP[lv] for lv in refs
    )
    km = statistics.median(spine[lv].middle_mm / spine[lv].posterior_mm for lv in refs)
    return _bounded(ka, KA_BOUNDS), _bounded(km, HM_HP_BOUNDS)


def _normal_shape(level: Level, h: Heights) -> bool:
    """Ha/Hp and Hm/Hp within 15 % of the population's normal ratios for the level: a
    vertebra outside them is possibly deformed (McCloskey 1993) and is no reference, so a
    spine with many deformities cannot redefine "normal" by its own median."""
    limit = 1.0 - REFERENCE_LOSS_PCT / 100.0
    return (
        h.anterior_mm / h.posterior_mm >= limit * NORMAL_HA_HP[level]
        and h.middle_mm / h.posterior_mm >= limit * NORMAL_HM_HP
    )


def _references(level: Level, refs: set[Level]) -> list[Level]:
    """Up to two reference levels on each side of ``level``, nearest first, in reach."""
    above = sorted(
        (r for r in refs if 0 < level.ordinal - r.ordinal <= MAX_REFERENCE_DISTANCE),
        key=lambda r: level.ordinal - r.ordinal,
    )
    below = sorted(
        (r for r in refs if 0 < r.ordinal - level.ordinal <= MAX_REFERENCE_DISTANCE),
        key=lambda r: r.ordinal - level.ordinal,
    )
    return above[:_REFERENCES_PER_SIDE] + below[:_REFERENCES_PER_SIDE]


def _grade_level(
    level: Level, spine: Mapping[Level, Heights], refs: set[Level], ka: float, km: float
) -> LevelGrading:
    ha, hm, hp = spine[level]
    used = _references(level, refs - {level})
    if used:
        hp_expected = statistics.median(spine[r].posterior_mm * _scale(r, level) for r in used)
        source = LossSource.REFERENCE
    else:
        hp_expected = hp
        source = LossSource.POSTERIOR_RATIO
    expected = Heights(hp_expected * NORMAL_HA_HP[level] * ka, hp_expected * km, hp_expected)
    raw = [100.0 * (1.0 - h / e) for h, e in zip((ha, hm, hp), expected, strict=True)]
    worst = max(range(3), key=lambda i: raw[i])
    loss = min(100.0, max(0.0, round_tenth(raw[worst])))
    grade = genant_grade(loss)
    assert grade is not None
    return LevelGrading(
        level=str(level),
        expected_mm=Heights(*(round_tenth(e) for e in expected)),
        losses_pct=Heights(*(round_tenth(x) for x in raw)),
        height_loss_pct=loss,
        genant_grade=grade,
        deformity=("anterior", "middle", "posterior")[worst],
        references=tuple(str(r) for r in sorted(used)),
        source=source,
    )


def grade_spine(levels: Sequence[tuple[str, Heights]]) -> list[LevelGrading]:
    """Grade every evaluable level of one spine (``(level, heights)``, T1–L5, any order;
    heights in mm, all > 0); results in the order given.

    >>> normal = [(lv, Heights(round(27 * NORMAL_HA_HP[Level(lv)], 1), 25.0, 27.0))
    ...           for lv in ("L1", "L2", "L3", "L4")]
    >>> [g.genant_grade for g in grade_spine(normal)]
    [0, 0, 0, 0]
    >>> crushed = normal[:2] + [("L3", Heights(17.0, 15.0, 17.5))] + normal[3:]
    >>> g = grade_spine(crushed)[2]
    >>> (g.genant_grade, g.height_loss_pct, g.deformity, g.references)
    (2, 40.0, 'middle', ('L1', 'L2', 'L4'))
    >>> tuple(g.expected_mm), tuple(g.losses_pct)
    ((27.0, 25.0, 27.0), (37.0, 40.0, 35.2))
    """
    spine = {Level(name): h for name, h in levels}
    if len(spine) != len(levels):
        raise ValueError("each level may appear once")
    shaped = {lv for lv, h in spine.items() if _normal_shape(lv, h)}
    refs = set(shaped)
    results: dict[Level, LevelGrading] = {}
    for _ in range(_MAX_ROUNDS):
        ka, km = _calibration(spine, refs)
        results = {lv: _grade_level(lv, spine, refs, ka, km) for lv in spine}
        normal = {
            lv
            for lv, g in results.items()
            if lv in shaped and g.height_loss_pct < REFERENCE_LOSS_PCT
        }
        if normal == refs:
            break
        refs = normal
    return [results[Level(name)] for name, _ in levels]


def method_record() -> dict[str, str]:
    """The ``method`` object of a measurement document."""
    return {
        **METHOD,
        "grading": "Genant semi-quantitative: each height against the height expected for "
        "this level from the spine's unfractured vertebrae (docs/imaging.md)",
    }
