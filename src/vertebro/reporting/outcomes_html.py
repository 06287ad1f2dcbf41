"""The outcomes document as HTML: figures and tables (``vertebro outcomes --format html``
and the web's Outcomes page).

:func:`outcomes_sections_html` gives the body (figures from
:mod:`vertebro.reporting.outcome_plots` inline as SVG, then the key tables with their
denominators); the web page places it under its filters. :func:`outcomes_html` wraps it
in a standalone, self-contained page: inline CSS and SVG, no external URL, no script.
Every value comes from the ``vertebro.outcomes/1`` dict; nothing is recomputed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from html import escape
from typing import Any

from vertebro.reporting.outcome_plots import (
    VISITS,
    OutcomePlot,
    group_label,
    outcome_plots,
)

__all__ = ["STANDALONE_CSS", "outcomes_html", "outcomes_sections_html", "outcomes_summary_html"]

Json = dict[str, Any]

MINUS = "\u2212"
_METHODS = (("fluoroscopy", "Fluoroscopy"), ("radiograph", "Radiograph"), ("ct", "CT"))
_CRITERIA = (
    ("drop_ge_3", "NRS down by ≥ 3 points (VERTOS II)"),
    ("nrs_lt_4", "NRS below 4 at the visit (VAPOUR)"),
    ("drop_ge_1_5", "NRS down by ≥ 1.5 points (VERTOS IV)"),
)
_SCORES = (
    ("odi_change", "Oswestry Disability Index (ODI, 0–100)"),
    ("rdq_change", "Roland–Morris Disability Questionnaire (RDQ, 0–24)"),
)
_SMALL = '<span class="small-n" title="fewer than 10: read with care">small n</span>'


# ---------------------------------------------------------------- formatting


def _num(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "n/a"
    text = f"{value:.{digits}f}"
    if text.startswith("-"):
        return MINUS + text[1:] if text.strip("-0.") else text[1:]
    return text


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f} %"


def _p(value: float | None) -> str:
    if value is None:
        return "n/a"
    return "&lt; 0.001" if value < 0.001 else f"{value:.3f}"


def _pct_ci(low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return ""
    return f' <span class="ci">(95 % CI {100 * low:.1f}–{100 * high:.1f} %)</span>'


def _num_ci(low: float | None, high: float | None, digits: int = 1) -> str:
    if low is None or high is None:
        return ""
    return f' <span class="ci">(95 % CI {_num(low, digits)} to {_num(high, digits)})</span>'


def _proportion(item: Json, unit: str = "") -> str:
    """``14 / 137 = 10.2 % (95 % CI 6.2–16.4 %)``; a dash when the denominator is 0."""
    if item["n"] == 0:
        return '<span class="muted">no data</span>'
    small = f" {_SMALL}" if item.get("small_n") else ""
    return (
        f"{item['events']} / {item['n']}{unit} = {_pct(item['value'])}"
        f"{_pct_ci(item['ci_low'], item['ci_high'])}{small}"
    )


def _change(item: Json) -> str:
    """``−4.5 (95 % CI −4.8 to −4.2), n = 119``."""
    if item["n"] == 0:
        return '<span class="muted">no data</span>'
    small = f" {_SMALL}" if item.get("small_n") else ""
    return f"{_num(item['mean'])}{_num_ci(item['ci_low'], item['ci_high'])}, n = {item['n']}{small}"


def _table(caption: str, head: Sequence[str], rows: Iterable[Sequence[str]], note: str = "") -> str:
    """A ``table.grid``; cells are HTML already (the caller escapes)."""
    out = ['<div class="table-wrap"><table class="grid outcomes">']
    out.append(f"<caption>{caption}</caption>")
    out.append("<thead><tr>" + "".join(f'<th scope="col">{h}</th>' for h in head))
    out.append("</tr></thead><tbody>")
    for row in rows:
        first, *rest = row
        out.append(
            f'<tr><th scope="row">{first}</th>' + "".join(f"<td>{c}</td>" for c in rest) + "</tr>"
        )
    out.append("</tbody></table></div>")
    if note:
        out.append(f'<p class="note">{note}</p>')
    return "".join(out)


def _groups(document: Json) -> list[tuple[str, Json]]:
    return [(name, g) for name, g in document["by_technique"].items() if g["n"] > 0]


def _group_head(name: str, group: Json) -> str:
    return f"{escape(group_label(name))} (n = {group['n']})"


def _visit_table(
    document: Json, key: str, caption: str, cell: Callable[[Json], str], note: str = ""
) -> str:
    groups = _groups(document)
    head = ["Visit", *(_group_head(name, g) for name, g in groups)]
    rows = [[visit, *(cell(g[key][visit]) for _, g in groups)] for visit in VISITS]
    return _table(caption, head, rows, note)


def _figure(plot: OutcomePlot) -> str:
    if plot.svg is None:
        return f'<p class="no-data">{escape(plot.caption)}</p>'
    return (
        f'<figure class="outcome-figure" id="figure-{plot.key}">{plot.svg}'
        f"<figcaption>{escape(plot.caption)}</figcaption></figure>"
    )


# ---------------------------------------------------------------- sections


def outcomes_summary_html(document: Json) -> str:
    """One paragraph: date, selection, patients per technique, demo patients."""
    filters = document["filters"]
    parts = [
        f"As of <strong>{escape(document['as_of'])}</strong>: "
        f"<strong>{document['n']}</strong> patient{'' if document['n'] == 1 else 's'}"
    ]
    groups = _groups(document)
    if groups:
        parts.append(
            " (" + ", ".join(f"{escape(group_label(n))} {g['n']}" for n, g in groups) + ")"
        )
    if filters["since"]:
        parts.append(f"; procedure on or after {escape(filters['since'])}")
    if filters["technique"]:
        parts.append(f"; {escape(group_label(filters['technique']))} only")
    if filters["include_demo"]:
        parts.append("; <strong>generated demo patients included</strong>")
    else:
        parts.append(f"; {document['demo_left_out']} generated demo patients left out")
    return '<p class="summary">' + "".join(parts) + ".</p>"


def _pain(document: Json, plots: dict[str, OutcomePlot]) -> str:
    out = ['<section id="pain"><h2>Pain</h2>', _figure(plots["nrs"])]
    if _groups(document):
        out.append(
            _visit_table(
                document,
                "nrs_change",
                "Change in pain NRS from baseline (follow-up − baseline; negative = less pain)",
                _change,
                "Mean of the paired changes with its 95 % t-interval; n = patients with a "
                "baseline and a follow-up score at that visit.",
            )
        )
        out.append(_wilcoxon(document))
    out.append(_figure(plots["success"]))
    if _groups(document):
        out.append(
            _visit_table(
                document,
                "success",
                "Success by visit (rule R-1: NRS down by ≥ 2 points and by ≥ 30 %)",
                _proportion,
                "Patients with success / patients with a baseline and a follow-up score; "
                "95 % Wilson interval.",
            )
        )
        alternatives = "".join(
            _visit_table(document, key, f"Success defined as {escape(words)}", _proportion)
            for key, words in _CRITERIA
        )
        out.append(
            "<details><summary>Other definitions of success (trial definitions)</summary>"
            f"{alternatives}</details>"
        )
        scores = "".join(
            _visit_table(document, key, f"Change in {escape(words)}", _change)
            for key, words in _SCORES
        )
        out.append(
            "<details><summary>Disability scores: change in ODI and RDQ</summary>"
            f"{scores}</details>"
        )
    out.append("</section>")
    return "".join(out)


def _wilcoxon(document: Json) -> str:
    groups = _groups(document)
    head = ["Visit", *(_group_head(name, g) for name, g in groups)]
    rows = [
        [visit, *(_p(g["nrs_change"][visit]["wilcoxon_p"]) for _, g in groups)] for visit in VISITS
    ]
    table = _table("Wilcoxon signed-rank p of the NRS change (against no change)", head, rows)
    return f"<details><summary>Wilcoxon p values</summary>{table}</details>"


def _difference(item: Json, digits: int = 1, percent: bool = False) -> str:
    if item["difference"] is None:
        return '<span class="muted">n/a</span>'
    small = f" {_SMALL}" if item.get("small_n") else ""
    if percent:
        return f"{_num(100 * item['difference'])} points{_num_ci_pct(item)}{small}"
    return (
        f"{_num(item['difference'], digits)}{_num_ci(item['ci_low'], item['ci_high'], digits)}"
        f"{small}"
    )


def _num_ci_pct(item: Json) -> str:
    low, high = item["ci_low"], item["ci_high"]
    if low is None or high is None:
        return ""
    return f' <span class="ci">(95 % CI {_num(100 * low)} to {_num(100 * high)})</span>'


def _note(text: str) -> str:
    """The document's sentences with its JSON keys in words."""
    return text.replace("see by_genant_grade", "see the comparison within each Genant grade")


def _comparison(document: Json) -> str:
    comparison = document["comparison"]
    out = [
        '<section id="comparison"><h2>Kyphoplasty against vertebroplasty '
        '<span class="label-nonrandomised">non-randomised</span></h2>',
        f'<p class="alert alert-warn">{escape(_note(comparison["note"]))}</p>',
    ]
    if comparison["n_kyphoplasty"] == 0 or comparison["n_vertebroplasty"] == 0:
        out.append(
            f'<p class="no-data">No comparison: it needs patients of both techniques '
            f"(kyphoplasty {comparison['n_kyphoplasty']}, vertebroplasty "
            f"{comparison['n_vertebroplasty']}).</p></section>"
        )
        return "".join(out)
    rows = []
    for visit in VISITS:
        change = comparison["nrs_change"][visit]
        success = comparison["success"][visit]
        rows.append(
            [
                visit,
                _difference(change),
                f"{change['n_kyphoplasty']} / {change['n_vertebroplasty']}",
                _p(change["mann_whitney_p"]),
                _difference(success, percent=True),
                f"{success['kyphoplasty']['n']} / {success['vertebroplasty']['n']}",
            ]
        )
    out.append(
        _table(
            "Difference KP − VP by visit",
            [
                "Visit",
                "NRS change, KP − VP (Welch 95 % CI)",
                "n KP / n VP",
                "Mann–Whitney p",
                "Success R-1, KP − VP in percentage points (Newcombe 95 % CI)",
                "n KP / n VP",
            ],
            rows,
            "Negative NRS differences: more pain relief after kyphoplasty; positive success "
            f"differences: more success after kyphoplasty. Log-rank p of new-fracture-free "
            f"survival: {_p(comparison['logrank_p'])}.",
        )
    )
    grade_rows = []
    for grade, item in comparison["by_genant_grade"].items():
        grade_rows.append(
            [
                "unknown" if grade == "unknown" else f"Genant grade {escape(grade)}",
                f"{item['n_kyphoplasty']} / {item['n_vertebroplasty']}",
                _difference(item["nrs_change"]["1 month"]),
                _difference(item["nrs_change"]["12 months"]),
                _difference(item["success"]["1 month"], percent=True),
                _p(item["logrank_p"]),
            ]
        )
    out.append(
        _table(
            "The same comparison within each Genant grade (highest grade of the treated levels)",
            [
                "Grade",
                "patients KP / VP",
                "NRS change KP − VP, 1 month",
                "NRS change KP − VP, 12 months",
                "Success KP − VP, 1 month (points)",
                "Log-rank p",
            ],
            grade_rows,
            "n/a: the grade lacks patients of one technique (or, for an interval, has fewer "
            "than two per technique).",
        )
    )
    out.append("</section>")
    return "".join(out)


def _fractures(document: Json, plots: dict[str, OutcomePlot]) -> str:
    out = ['<section id="new-fractures"><h2>New fractures</h2>', _figure(plots["survival"])]
    rows = []
    for name, group in _groups(document):
        km = group["new_fracture_km"]
        at_12 = km["at_12_months"]
        small = f" {_SMALL}" if 0 < km["n"] < 10 else ""
        rows.append(
            [
                escape(group_label(name)),
                f"{km['n']}{small}",
                str(km["n_events"]),
                str(km["deaths_censored"]),
                (
                    '<span class="muted">follow-up shorter than 12 months</span>'
                    if at_12["value"] is None
                    else _pct(at_12["value"]) + _pct_ci(at_12["ci_low"], at_12["ci_high"])
                ),
            ]
        )
    if rows:
        out.append(
            _table(
                "New-fracture-free survival (Kaplan–Meier)",
                [
                    "Technique",
                    "Patients with follow-up",
                    "New fractures",
                    "Deaths (censored)",
                    "Free of new fracture at 12 months",
                ],
                rows,
                "New fracture: at a level not treated in the first session. Deaths are "
                "censored; with death as a competing risk 1 − S overstates the incidence.",
            )
        )
    out.append("</section>")
    return "".join(out)


def _complications(document: Json, plots: dict[str, OutcomePlot]) -> str:
    out = ['<section id="complications"><h2>Complications</h2>', _figure(plots["complications"])]
    rows = []
    for name, group in _groups(document):
        leakage = group["leakage_rate"]
        for key, word in _METHODS:
            item = leakage[key]
            if item["n"]:
                rows.append([f"{escape(group_label(name))}, {word}", _proportion(item, " levels")])
        if leakage["not_assessed"]:
            rows.append(
                [
                    f"{escape(group_label(name))}, not assessed",
                    f"{leakage['not_assessed']} of {leakage['n_levels']} treated levels",
                ]
            )
    if rows:
        out.append(
            _table(
                "Cement leakage per treated level, by detection method",
                ["Technique and method", "Levels with leakage / levels assessed"],
                rows,
                "Rates are per level and never pooled across detection methods; 95 % Wilson "
                "interval (levels of one patient are not independent: somewhat too narrow).",
            )
        )
    out.append("</section>")
    return "".join(out)


def _completeness(document: Json) -> str:
    rows = [
        [
            visit,
            str(item["due"]),
            str(item["done"]),
            str(item["overdue"]),
            _pct(item["value"]) + _pct_ci(item["ci_low"], item["ci_high"]),
        ]
        for visit, item in document["completeness"].items()
    ]
    table = _table(
        f"Follow-up completeness as of {escape(document['as_of'])}",
        ["Visit", "Due", "Done", "Overdue (window closed)", "Done / due"],
        rows,
        "Visits still inside their window count as due but not done until the window closes.",
    )
    return f'<section id="completeness"><h2>Follow-up completeness</h2>{table}</section>'


def _caveats(document: Json) -> str:
    if not document["caveats"]:
        return ""
    items = "".join(
        f"<li><strong>{escape(c['code'].replace('_', ' '))}</strong>"
        + ("" if c["path"] == "$" else f' <span class="muted">({escape(c["path"])})</span>')
        + f": {escape(_note(c['message']))}</li>"
        for c in document["caveats"]
    )
    return f'<section id="caveats"><h2>Caveats</h2><ul class="caveats">{items}</ul></section>'


def outcomes_sections_html(document: Json, plots: Sequence[OutcomePlot] | None = None) -> str:
    """Figures and tables of the outcomes document as an HTML fragment (escaped)."""
    by_key = {p.key: p for p in (outcome_plots(document) if plots is None else plots)}
    return "\n".join(
        [
            _pain(document, by_key),
            _comparison(document),
            _fractures(document, by_key),
            _complications(document, by_key),
            _completeness(document),
            _caveats(document),
        ]
    )


STANDALONE_CSS = """
body { margin: 0; color: #1b1f24; background: #fff; font: 16px/1.45 "DejaVu Sans",
  system-ui, sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
h1 { font-size: 1.6rem; margin: .4rem 0 .6rem; }
h2 { font-size: 1.25rem; margin: 1.6rem 0 .5rem; border-bottom: 2px solid #d5dae0; }
.muted, .note, figcaption, .meta { color: #5a636d; }
.note, figcaption { font-size: .88rem; }
figure.outcome-figure { margin: 1rem 0; }
svg.outcome-plot { max-width: 100%; height: auto; display: block; }
table.grid { border-collapse: collapse; width: 100%; margin: .5rem 0 .4rem; }
table.grid caption { text-align: left; font-weight: 700; padding: .3rem 0; }
table.grid th, table.grid td { border-bottom: 1px solid #d5dae0; padding: .35rem .5rem;
  text-align: left; vertical-align: top; font-size: .92rem; }
table.grid thead th { background: #eef1f5; }
.table-wrap { overflow-x: auto; }
.ci { color: #5a636d; white-space: nowrap; }
.small-n { display: inline-block; border: 1px solid #8a5a00; color: #8a5a00;
  border-radius: 3px; padding: 0 .3rem; font-size: .8rem; font-style: italic; }
.label-nonrandomised { display: inline-block; border: 2px solid #8a5a00; color: #8a5a00;
  border-radius: 999px; padding: 0 .5rem; font-size: .85rem; vertical-align: middle; }
.alert { border-left: 6px solid #8a5a00; background: #fff7e6; padding: .6rem 1rem; }
.no-data { border-left: 6px solid #17457a; background: #eef4fb; padding: .6rem 1rem; }
details { margin: .5rem 0; } summary { cursor: pointer; font-weight: 600; }
@media print { details { display: block; } h2 { break-after: avoid; }
  figure, table { break-inside: avoid; } }
"""


def outcomes_html(document: Json, *, title: str = "Outcomes") -> str:
    """A standalone page (inline CSS and SVG, nothing fetched) of the outcomes document."""
    body = outcomes_sections_html(document)
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)} · vertebro</title>\n<style>{STANDALONE_CSS}</style>\n"
        "</head>\n<body>\n<main>\n"
        f"<h1>{escape(title)}</h1>\n{outcomes_summary_html(document)}\n{body}\n"
        f'<p class="meta">Made by vertebro from the outcomes document '
        f"({escape(document['schema'])}); the numbers are those of "
        "<code>vertebro outcomes --format json</code>.</p>\n"
        "</main>\n</body>\n</html>\n"
    )
