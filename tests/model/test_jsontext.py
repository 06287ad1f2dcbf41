"""The strict JSON reader every front door shares (``model/jsontext.py``) and the problem
list of the document parser: depth, integer size, surrogates, repeated keys, the cap."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vertebro.errors import InvalidCase, InvalidDocument
from vertebro.model import parse_case_json
from vertebro.model.jsontext import MAX_DEPTH, MAX_INT_DIGITS, decode_json, value_problems
from vertebro.model.parsing import MAX_PROBLEMS

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)


def _problems(text: str | bytes) -> list[tuple[str, str]]:
    from vertebro.model.parsing import format_path

    return [(format_path(loc), why) for loc, why, _ in value_problems(decode_json(text))]


@given(json_values)
def test_any_json_document_reads_back_unchanged(value: Any) -> None:
    for text in (json.dumps(value), json.dumps(value, ensure_ascii=False).encode()):
        assert decode_json(text) == value
        assert _problems(text) == []


def _nested(depth: int, kind: str) -> str:
    if kind == "array":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


@given(st.integers(1, 3 * MAX_DEPTH), st.sampled_from(["array", "object"]))
def test_nesting_up_to_64_is_read_and_deeper_is_refused(depth: int, kind: str) -> None:
    text = _nested(depth, kind)
    if depth <= MAX_DEPTH:
        decode_json(text)
    else:
        with pytest.raises(InvalidDocument) as info:
            decode_json(text)
        assert info.value.lines == ["$: nesting deeper than 64 arrays or objects"]


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = json.dumps({"a": "[" * 10_000, "b": '\\"{' * 1000, "c": [[1]]})
    assert decode_json(text)["a"] == "[" * 10_000


def test_a_document_nested_100000_deep_is_refused_without_recursing() -> None:
    with pytest.raises(InvalidDocument) as info:
        decode_json("[" * 100_000 + "]" * 100_000)
    assert info.value.lines == ["$: nesting deeper than 64 arrays or objects"]


def test_integers_up_to_4300_digits_are_read_longer_ones_reported_at_their_path() -> None:
    fits = "7" * MAX_INT_DIGITS
    assert decode_json(f'{{"a": [{fits}]}}') == {"a": [int(fits)]}
    too_long = "-" + "7" * (MAX_INT_DIGITS + 1)
    assert _problems(f'{{"a": [1, {too_long}]}}') == [
        ("a[1]", "integer too large (4301 digits; at most 4300)")
    ]


def test_repeated_keys_are_reported_once_each_in_order() -> None:
    text = '{"b": 1, "a": 2, "b": 3, "a": 4, "b": 5, "c": {"x": 1, "x": 2}}'
    assert _problems(text) == [
        ("b", "duplicate key"),
        ("a", "duplicate key"),
        ("c.x", "duplicate key"),
    ]


def test_lone_surrogates_and_non_utf8_text_are_refused() -> None:
    assert _problems('{"a": "x\\ud800"}') == [
        ("a", "must not hold a lone surrogate (a \\ud800–\\udfff escape)")
    ]
    assert _problems('{"\\udc00": 1}') == [("$", "a key holds a lone surrogate (\\udc00)")]
    for text in (b'{"a": "\xed\xa0\x80"}', b'{"a": "\xff"}', '{"a": 1}'.encode("utf-16")):
        with pytest.raises(InvalidDocument) as info:
            decode_json(text)
        assert info.value.lines[0].startswith("$: not valid JSON: not UTF-8 text")


def test_a_byte_order_mark_is_skipped() -> None:
    assert decode_json(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}
    assert decode_json('\ufeff{"a": 1}') == {"a": 1}


def _case(**changes: Any) -> dict[str, Any]:
    document = {
        "schema": "vertebro.case/1",
        "case_id": "cap",
        "patient": {"age_years": 78, "active_infection": False},
        "clinical": {"pain_nrs": 8, "neurology": "intact"},
        "fractures": [{"level": "L1", "etiology": "osteoporotic"}],
    }
    document.update(changes)
    return document


@pytest.mark.parametrize("count", [18, 150, 30_000])
def test_problems_beyond_100_are_counted_not_listed(count: int) -> None:
    fractures = [{"level": "L1", "etiology": "osteoporotic"}] * count
    with pytest.raises(InvalidCase) as info:
        parse_case_json(json.dumps(_case(fractures=fractures)))
    lines = info.value.lines
    expected = ["fractures: must hold at most 17 fractures"] + [
        f"fractures[{i}].level: duplicate of fractures[0]" for i in range(1, count)
    ]
    if len(expected) <= MAX_PROBLEMS:
        assert lines == expected
    else:
        more = len(expected) - MAX_PROBLEMS
        assert lines == [
            *expected[:MAX_PROBLEMS],
            f"$: {more} more problems not listed (only the first 100 are)",
        ]


def test_problems_of_every_kind_come_in_document_order_before_the_cap() -> None:
    text = json.dumps(_case(patient={"age_years": 300, "active_infection": "no"}))[:-1]
    text += "".join(f', "k{i}": {i}' for i in range(200)) + ', "case_id": "x"}'
    with pytest.raises(InvalidCase) as info:
        parse_case_json(text)
    lines = info.value.lines
    assert lines[:3] == [
        "case_id: duplicate key",
        "patient.age_years: must be at most 120, got 300",
        'patient.active_infection: must be true or false, got "no"',
    ]
    assert lines[3:100] == [f"k{i}: unknown key" for i in range(97)]
    assert lines[100] == "$: 103 more problems not listed (only the first 100 are)"
