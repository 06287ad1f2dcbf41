"""The grading against expert readers on the development set: VerSe'19 spines with the
radiologists' Genant grades (../shared/data/verse19_graded; Sekuboyina A et al., Med Image
Anal 2021; Löffler M et al., Radiology: AI 2020; CC BY-SA 4.0). The figures must stay at
least as good as this method reached when it was written (benchmarks/bench_grading.py
prints them); issue 12's baseline before it: 19/28 evaluable, kappa 0.40, grade ≥ 1
found 3/10, grade ≥ 2 found 3/4."""

from __future__ import annotations

from vertebro.services.grading_check import check_grading

from .conftest import DATA, require_data

GRADED = DATA / "verse19_graded"


def test_development_set_agreement() -> None:
    require_data()
    rows, method, rulebook = check_grading(GRADED)
    assert method.graded == 28
    # every graded vertebra of these tightly cropped maps is measured (9 were lost to crop)
    assert method.evaluable == 28, [(r.spine, r.level, r.reason) for r in rows if r.reason]
    assert method.kappa is not None and method.kappa >= 0.55
    assert method.false_alarms(1) == 0 and method.false_alarms(2) == 0
    assert method.found(2)[0] >= 5 and method.found(1)[0] >= 5
    assert method.cleared(2) == (22, 22)
    # the method agrees with the experts better than rulebook M-2 on the same heights
    assert rulebook.kappa is not None and method.kappa > rulebook.kappa
