"""Tallied samples (value → count) give the figures of the samples themselves, and the
column form of the records derives the same days as the records do."""

from __future__ import annotations

import math
from collections import Counter
from datetime import timedelta

import numpy as np
import numpy.typing as npt
from hypothesis import given
from hypothesis import strategies as st

from tests.outcomes.factories import ANCHOR, level, patient, visit
from vertebro.model import Level
from vertebro.outcomes.columns import OutcomeColumns
from vertebro.outcomes.comparison import (
    mann_whitney_p,
    mann_whitney_p_counts,
    mean_difference,
    mean_difference_counts,
)
from vertebro.outcomes.paired import paired_change, paired_change_counts
from vertebro.outcomes.records import FollowUpStatus, PatientOutcome, TechniqueGroup, Visit
from vertebro.outcomes.tally import expand, moments

# discrete scores with many ties, as in the registry, and finer ones
scores = st.one_of(
    st.integers(-10, 10).map(float),
    st.integers(-100, 100).map(lambda x: x / 4.0),
)
samples = st.lists(scores, min_size=0, max_size=140)


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


@given(samples)
def test_paired_change_of_a_tally_is_that_of_the_sample(sample: list[float]) -> None:
    got, want = paired_change_counts(Counter(sample)), paired_change(sample)
    assert got.n == want.n
    for name in ("mean", "ci_low", "ci_high", "sd", "wilcoxon_p"):
        assert close(getattr(got, name), getattr(want, name)), name


@given(samples, samples)
def test_group_difference_of_tallies_is_that_of_the_samples(
    first: list[float], second: list[float]
) -> None:
    assert close(mann_whitney_p_counts(Counter(first), Counter(second)),
                 mann_whitney_p(first, second))  # fmt: skip
    got, want = (
        mean_difference_counts(Counter(first), Counter(second)),
        mean_difference(first, second),
    )
    for name in ("difference", "ci_low", "ci_high", "df", "mann_whitney_p"):
        assert close(getattr(got, name), getattr(want, name)), name


@given(st.lists(scores, min_size=1, max_size=60))
def test_moments_and_expand(sample: list[float]) -> None:
    n, mean, squares = moments(Counter(sample))
    assert n == len(sample)
    assert math.isclose(mean, math.fsum(sample) / n, rel_tol=1e-12, abs_tol=1e-12)
    assert math.isclose(
        squares, math.fsum((x - mean) ** 2 for x in sample), rel_tol=1e-9, abs_tol=1e-9
    )
    assert expand(Counter(sample)) == sorted(sample)


_TIMED = [v for v in Visit if v.window is not None]


@st.composite
def outcome_patients(draw: st.DrawFn) -> PatientOutcome:
    treated = draw(st.sampled_from([Level.T12, Level.L1, Level.L2]))
    records = []
    for which in draw(st.lists(st.sampled_from(_TIMED), unique=True, max_size=4)):
        records.append(
            visit(
                which,
                draw(st.integers(-5, 600)),
                draw(st.none() | st.integers(0, 10)),
                status=draw(st.sampled_from(list(FollowUpStatus))),
                fractures=tuple(
                    draw(
                        st.lists(
                            st.sampled_from([Level.T11, treated, Level.L3]), unique=True, max_size=2
                        )
                    )
                ),
            )
        )
    for _ in range(draw(st.integers(0, 2))):
        records.append(
            visit(
                Visit.UNSCHEDULED,
                draw(st.integers(0, 700)),
                fractures=(draw(st.sampled_from([Level.T11, treated])),),
            )
        )
    died = draw(st.none() | st.integers(0, 800))
    return patient(
        draw(st.sampled_from(list(TechniqueGroup))),
        follow_ups=tuple(records),
        levels=(level(treated, grade=draw(st.none() | st.integers(0, 3))),),
        death_date=None if died is None else ANCHOR + timedelta(days=died),
    )


@given(st.lists(outcome_patients(), max_size=8))
def test_columns_derive_the_days_the_records_derive(people: list[PatientOutcome]) -> None:
    columns = OutcomeColumns.from_records(people)

    def as_list(values: npt.NDArray[np.float64]) -> list[int | None]:
        return [None if v != v else int(v) for v in values.tolist()]

    assert as_list(columns.first_fracture_day()) == [p.first_new_fracture_day for p in people]
    assert as_list(columns.last_follow_up_day()) == [p.last_follow_up_day for p in people]
    assert as_list(columns.death()) == [p.death_day for p in people]
