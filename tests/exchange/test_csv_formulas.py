"""CSV formula escaping (registry-v1 1.1 "CSV export"): a text cell a spreadsheet would run
is written with a leading ``'``, and import takes exactly that ``'`` away again."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from vertebro.services.registry.csv_registry import FORMULA_STARTS, escape_formula, unescape_formula

cells = st.text(alphabet=st.sampled_from(["=", "+", "-", "@", "\t", "\r", "'", "a", " ", "1"]))


@given(cells | st.text())
def test_escaping_round_trips_exactly(text: str) -> None:
    assert unescape_formula(escape_formula(text)) == text


@given(cells | st.text())
def test_an_escaped_cell_never_starts_a_formula(text: str) -> None:
    written = escape_formula(text)
    assert written[:1] not in FORMULA_STARTS
    assert written in (text, "'" + text)


def test_the_cells_of_the_finding() -> None:
    assert escape_formula('=HYPERLINK("http://x","y")') == '\'=HYPERLINK("http://x","y")'
    assert [escape_formula(c) for c in ("+1", "-2", "@A1", "\tx", "\rx")] == [
        "'+1",
        "'-2",
        "'@A1",
        "'\tx",
        "'\rx",
    ]
    assert [escape_formula(c) for c in ("Dr O'Neil", "'quoted'", "a=b", "")] == [
        "Dr O'Neil",
        "'quoted'",
        "a=b",
        "",
    ]
    assert escape_formula("'=x") == "''=x"
    # import removes a leading ' only when a formula character (or more quotes and one) follows
    assert [unescape_formula(c) for c in ("'=x", "'x", "''=x", "'")] == ["=x", "'x", "'=x", "'"]
