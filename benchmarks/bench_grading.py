"""Grading benchmark (issue 12): ``vertebro measure``'s Genant grades against expert readers.

Runs the measurement on every expert-graded spine under the data folder (each folder with a
``grades.csv``: ``file, label, level, genant_grade``; today ``../shared/data/verse19_graded``,
VerSe'19 spines with the radiologists' grades, Löffler M et al., Radiology: AI 2020) and
prints, per vertebra, the expert grade, the method's grade and loss, then the confusion
matrix, the linear-weighted kappa, sensitivity and specificity for grade ≥ 1 and ≥ 2 and
the evaluable share — for the grading method and, on the same heights and evaluability,
for rulebook M-2 alone — beside the issue's baseline (before this method).

    .venv/bin/python benchmarks/bench_grading.py [--data DIR] [--quiet]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from vertebro.morphometry.agreement import GRADES, Agreement
from vertebro.services.grading_check import check_grading

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

#: Issue 12's figures for the measurement before the grading method (spec evaluability,
#: rulebook M-2 with the step-8 reference) on the development set.
BASELINE = {
    "evaluable": "19/28",
    "kappa": "0.40",
    "grade >= 1 found": "3/10",
    "grade >= 2 found": "3/4",
    "specificity >= 2": "15/15",
    "lost to crop": "9",
}


def _ratio(pair: tuple[int, int]) -> str:
    done, total = pair
    share = f" ({100.0 * done / total:.0f} %)" if total else ""
    return f"{done}/{total}{share}"


def figures(a: Agreement) -> dict[str, str]:
    """The headline figures of one agreement, as printed."""
    return {
        "evaluable": _ratio((a.evaluable, a.graded)),
        "kappa": "-" if a.kappa is None else f"{a.kappa:.2f}",
        "grade >= 1 found": _ratio(a.found(1)),
        "grade >= 2 found": _ratio(a.found(2)),
        "specificity >= 1": _ratio(a.cleared(1)),
        "specificity >= 2": _ratio(a.cleared(2)),
        "false >= 2 on grade 0": str(a.false_alarms(2)),
        "lost to crop": str(sum(a.not_evaluable)),
    }


def print_matrix(a: Agreement) -> None:
    print("            method grade")
    print("expert    " + "".join(f"{g:>5}" for g in GRADES) + "  not evaluable")
    for e in GRADES:
        row = "".join(f"{n:>5}" for n in a.matrix[e])
        print(f"  {e:<8}{row}  {a.not_evaluable[e]:>8}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="folder searched for grades.csv")
    parser.add_argument("--quiet", action="store_true", help="no per-vertebra lines")
    args = parser.parse_args()
    start = time.perf_counter()
    rows, method, rulebook = check_grading(args.data)
    seconds = time.perf_counter() - start
    if not rows:
        raise SystemExit(f"{args.data}: no grades.csv with graded spines")
    if not args.quiet:
        print(f"{'spine':<36}{'level':<6}{'expert':>7}{'method':>7}{'loss %':>8}{'M-2':>5}")
        for r in rows:
            got = "-" if r.method_grade is None else str(r.method_grade)
            loss = "-" if r.height_loss_pct is None else f"{r.height_loss_pct:.1f}"
            m2 = "-" if r.rulebook_grade is None else str(r.rulebook_grade)
            note = f"  {r.reason}" if r.reason else ""
            print(f"{r.spine:<36}{r.level:<6}{r.expert_grade:>7}{got:>7}{loss:>8}{m2:>5}{note}")
        print()
    spines = len({r.spine for r in rows})
    print(f"graded spines: {spines}, graded vertebrae: {len(rows)} ({seconds:.1f} s)")
    print("\nconfusion matrix, grading method vertebro-sq/1")
    print_matrix(method)
    new, m2 = figures(method), figures(rulebook)
    print(f"\n{'':<24}{'method':>16}{'M-2, same heights':>20}{'issue baseline':>16}")
    for key in new:
        print(f"{key:<24}{new[key]:>16}{m2[key]:>20}{BASELINE.get(key, ''):>16}")


if __name__ == "__main__":
    main()
