"""``build``: unvalidated output models that behave as validated ones."""

from __future__ import annotations

import pytest

from vertebro.model.assessment import RuleCitation, Score
from vertebro.model.fast import build


def test_built_model_equals_the_validated_one() -> None:
    values = {"value": 7, "interpretation": "operative", "missing": []}
    built = build(Score, **values)
    validated = Score.model_validate(values)
    assert built == validated
    assert built.model_fields_set == validated.model_fields_set
    assert built.model_dump_json() == validated.model_dump_json()


def test_a_missing_field_is_refused() -> None:
    with pytest.raises(TypeError, match="RuleCitation needs every field"):
        build(RuleCitation, rule="C-1", text="Active infection.")


def test_copies_do_not_share_the_fields_set() -> None:
    first = build(Score, value=None, interpretation=None, missing=["clinical.neurology"])
    copy = first.model_copy(update={"value": 3})
    assert first.value is None and copy.value == 3
    assert first.model_fields_set == {"value", "interpretation", "missing"}
