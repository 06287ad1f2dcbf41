"""Figures of the outcomes document (``vertebro.outcomes/1``) as inline SVG strings.

Every figure is drawn from the JSON dict alone, so ``vertebro outcomes --format html`` and
the web's Outcomes page show the same pictures:

* :func:`nrs_change_plot`: mean change of the pain NRS from baseline per visit and
  technique, with its 95 % t-interval;
* :func:`success_plot`: the R-1 success rate per visit with Wilson intervals;
* :func:`survival_plot`: Kaplan–Meier new-fracture-free survival per technique, log-log
  band, numbers at risk, log-rank p;
* :func:`complications_plot`: cement leakage per treated level (by detection method) and
  new fracture by 12 months, with denominators and intervals.

Denominators are written under or beside every estimate; an estimate flagged ``small_n``
(fewer than :data:`SMALL_N` patients or levels) is drawn hollow or hatched *and* labelled
"small n" in words. Techniques differ by marker, line style and label, not by colour
alone. A figure without data is not drawn: :attr:`OutcomePlot.svg` is ``None`` and the
caption says why.

matplotlib is imported here and nowhere on the JSON path; the SVG is deterministic
(fixed ``svg.hashsalt``, no date, text as ``<text>`` in DejaVu Sans, ids prefixed per
figure so several figures can share one HTML page).
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any, Literal

from matplotlib.axes import Axes
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from vertebro.outcomes.caveats import DEFAULT_SMALL_N
from vertebro.outcomes.records import TIMED_VISITS
from vertebro.reporting.figure_style import figure_style

__all__ = [
    "SMALL_N",
    "VISITS",
    "OutcomePlot",
    "complications_plot",
    "group_label",
    "nrs_change_plot",
    "outcome_plots",
    "success_plot",
    "survival_plot",
]

Json = dict[str, Any]

#: The small-n threshold of the document (``small_n`` flags); used where it has no flag.
SMALL_N = DEFAULT_SMALL_N

#: The timed visits, in the document's order (its keys).
VISITS: tuple[str, ...] = tuple(visit.value for visit in TIMED_VISITS)

MINUS = "\u2212"


@dataclass(frozen=True, slots=True)
class _Style:
    label: str
    short: str
    colour: str
    marker: str
    line: Literal["-", "--", ":", "-."]


_STYLES = {
    "kyphoplasty": _Style("Kyphoplasty", "KP", "#1f5fbf", "o", "-"),
    "vertebroplasty": _Style("Vertebroplasty", "VP", "#0f7b6c", "s", "--"),
    "mixed": _Style("Mixed KP + VP", "mixed", "#6a3fb5", "^", ":"),
}
_SMALL_COLOUR = "#8a939d"
_INK = "#1b1f24"
_MUTED = "#5a636d"

_RC: dict[Any, Any] = {
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 10,
    "axes.edgecolor": _MUTED,
    "axes.labelcolor": _INK,
    "xtick.color": _INK,
    "ytick.color": _INK,
    "text.color": _INK,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "hatch.color": _SMALL_COLOUR,
    "path.simplify": False,
}
_METADATA: dict[str, Any] = {"Date": None, "Creator": None, "Format": None, "Type": None}


@dataclass(frozen=True, slots=True)
class OutcomePlot:
    """One figure: a key (also the prefix of its SVG ids), a title, the SVG (``None``
    when there is nothing to draw) and a caption in words (denominators, caveats)."""

    key: str
    title: str
    svg: str | None
    caption: str


def group_label(name: str) -> str:
    """``"kyphoplasty"`` → ``"Kyphoplasty"`` (the words used in figures and tables)."""
    style = _STYLES.get(name)
    return style.label if style else name


def _style(name: str) -> _Style:
    return _STYLES.get(name, _Style(name, name, _INK, "D", "-"))


def _groups(document: Json) -> list[tuple[str, Json]]:
    """The technique groups with at least one patient, in the document's order."""
    return [(name, g) for name, g in document["by_technique"].items() if g["n"] > 0]


def _pct(value: float) -> str:
    return f"{100 * value:.1f} %"


def _ci(low: float | None, high: float | None) -> str:
    """`` (95 % CI 6.2–16.4 %)`` of two fractions, or nothing when undefined."""
    if low is None or high is None:
        return ""
    return f" (95 % CI {100 * low:.1f}–{100 * high:.1f} %)"


def _p(value: float | None) -> str:
    if value is None:
        return "not computable"
    return "< 0.001" if value < 0.001 else f"= {value:.3f}"


def _nonrandomised(document: Json) -> bool:
    by = document["by_technique"]
    return bool(by["kyphoplasty"]["n"] > 0 and by["vertebroplasty"]["n"] > 0)


# ---------------------------------------------------------------- rendering


def _prefix_ids(svg: str, prefix: str) -> str:
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    svg = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}-{m.group(1)}"', svg)
    return re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}-{m.group(1)})", svg)


_STYLE_ATTRIBUTE = re.compile(r'\sstyle="([^"]*)"')
_STYLE_ELEMENT = re.compile(r"\s*<style[^>]*>\*\{([^}]*)\}</style>")


def _attributes(css: str) -> str:
    """``fill: #fff; stroke-width: 0.8`` → `` fill="#fff" stroke-width="0.8"``."""
    pairs = (item.split(":", 1) for item in css.split(";") if ":" in item)
    return "".join(f' {name.strip()}="{value.strip()}"' for name, value in pairs)


def _presentation_attributes(svg: str) -> str:
    """matplotlib's inline CSS (``style`` attributes, a ``<style>`` rule for every element)
    as SVG presentation attributes, which the web app's Content-Security-Policy (no inline
    style) leaves alone; every property matplotlib writes is one."""
    rule = _STYLE_ELEMENT.search(svg)
    if rule is not None:
        svg = _STYLE_ELEMENT.sub("", svg, count=1)
        svg = svg.replace("<svg ", "<svg" + _attributes(rule.group(1)) + " ", 1)
    return _STYLE_ATTRIBUTE.sub(lambda m: _attributes(m.group(1)), svg)


def _svg(figure: Figure, key: str, title: str) -> str:
    """The figure as an inline ``<svg>`` element (no XML prolog, no metadata, no CSS)."""
    FigureCanvasSVG(figure)
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata=_METADATA)
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r"\s*<metadata>.*?</metadata>", "", text, flags=re.DOTALL)
    text = _presentation_attributes(_prefix_ids(text, f"vo-{key}"))
    label = escape(title, quote=True)
    return text.replace(
        "<svg ",
        f'<svg class="outcome-plot" role="img" aria-label="{label}" ',
        1,
    ).replace(">", f">\n <title>{escape(title)}</title>", 1)


def _draw(key: str, title: str, build: Callable[[Figure], None], size: tuple[float, float]) -> str:
    with figure_style({**_RC, "svg.hashsalt": f"vertebro-{key}"}):
        figure = Figure(figsize=size, layout="constrained")
        build(figure)
        return _svg(figure, key, title)


def _figure(
    key: str, title: str, build: Callable[[Figure], None], size: tuple[float, float], caption: str
) -> OutcomePlot:
    return OutcomePlot(key, title, _draw(key, title, build, size), caption)


# ---------------------------------------------------------------- per visit


@dataclass(frozen=True, slots=True)
class _Point:
    x: float
    y: float
    low: float | None
    high: float | None
    n: int
    small: bool


def _visit_points(group: Json, key: str, value: str, scale: float) -> list[_Point | None]:
    out: list[_Point | None] = []
    for i, visit in enumerate(VISITS):
        item = group[key][visit]
        if item[value] is None or item["n"] == 0:
            out.append(None)
            continue
        low, high = item["ci_low"], item["ci_high"]
        out.append(
            _Point(
                float(i),
                scale * item[value],
                None if low is None else scale * low,
                None if high is None else scale * high,
                item["n"],
                bool(item.get("small_n", item["n"] < SMALL_N)),
            )
        )
    return out


def _n_rows(ax: Axes, rows: Sequence[tuple[str, list[tuple[float, str]]]], top: float) -> None:
    """Rows of text under the x axis: a row label left of the axes, then one cell per x."""
    for r, (label, cells) in enumerate(rows):
        offset = top - 13 * r
        ax.annotate(
            label,
            xy=(0, 0),
            xycoords="axes fraction",
            xytext=(-6, offset),
            textcoords="offset points",
            ha="right",
            va="top",
            fontsize=8.5,
            color=_INK,
        )
        for x, text in cells:
            small = "small" in text
            ax.annotate(
                text,
                xy=(x, 0),
                xycoords=("data", "axes fraction"),
                xytext=(0, offset),
                textcoords="offset points",
                ha="center",
                va="top",
                fontsize=8.5,
                color=_SMALL_COLOUR if small else _INK,
                fontstyle="italic" if small else "normal",
            )


def _visit_axes(
    figure: Figure,
    document: Json,
    key: str,
    value: str,
    scale: float,
    ylabel: str,
) -> Axes:
    """Points with error bars per visit and technique (dodged), n under each point."""
    ax = figure.add_subplot()
    groups = _groups(document)
    width = 0.16
    rows: list[tuple[str, list[tuple[float, str]]]] = []
    any_small = False
    for index, (name, group) in enumerate(groups):
        style = _style(name)
        shift = (index - (len(groups) - 1) / 2) * width
        points = _visit_points(group, key, value, scale)
        present = [p for p in points if p is not None]
        ax.plot(
            [p.x + shift for p in present],
            [p.y for p in present],
            linestyle=style.line,
            color=style.colour,
            linewidth=1.2,
            alpha=0.7,
            zorder=2,
        )
        for p in present:
            any_small = any_small or p.small
            if p.low is not None and p.high is not None:
                ax.errorbar(
                    p.x + shift,
                    p.y,
                    yerr=[[p.y - p.low], [p.high - p.y]],
                    color=style.colour,
                    capsize=3,
                    linewidth=1.3,
                    zorder=3,
                    alpha=0.55 if p.small else 1.0,
                    linestyle="none",
                )
            ax.plot(
                p.x + shift,
                p.y,
                marker=style.marker,
                markersize=7,
                color=style.colour,
                markerfacecolor="white" if p.small else style.colour,
                markeredgewidth=1.6,
                linestyle="none",
                zorder=4,
            )
        cells = [
            (i + shift, "–" if p is None else (f"{p.n} small n" if p.small else str(p.n)))
            for i, p in enumerate(points)
        ]
        rows.append((f"n {style.short}", cells))
    ax.set_xticks(range(len(VISITS)), VISITS)
    ax.set_xlim(-0.5, len(VISITS) - 0.5)
    ax.set_ylabel(ylabel)
    ax.set_xlabel("Visit after the procedure", labelpad=10 + 13 * len(rows))
    ax.grid(axis="y", color="#e3e6ea", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    _n_rows(ax, rows, top=-22)
    handles: list[Any] = [
        Line2D(
            [],
            [],
            color=_style(name).colour,
            marker=_style(name).marker,
            linestyle=_style(name).line,
            label=f"{_style(name).label} (n = {g['n']} patients)",
        )
        for name, g in groups
    ]
    if any_small:
        handles.append(
            Line2D(
                [],
                [],
                color=_MUTED,
                marker="o",
                markerfacecolor="white",
                linestyle="none",
                label=f"hollow marker: small n (< {SMALL_N}), read with care",
            )
        )
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def _subtitle(ax: Axes, text: str) -> None:
    ax.annotate(
        text,
        xy=(0, 1),
        xycoords="axes fraction",
        xytext=(0, 6),
        textcoords="offset points",
        ha="left",
        va="bottom",
        fontsize=9,
        color=_MUTED,
    )


def _comparison_note(document: Json) -> str:
    return (
        "KP and VP are not randomised: the technique follows the height loss, "
        "so differences mix technique with fracture severity."
        if _nonrandomised(document)
        else ""
    )


def _footnote(figure: Figure, lines: Sequence[str]) -> None:
    """Notes under the figure, left-aligned (kept clear of the axes by the layout)."""
    text = "\n".join(line for line in lines if line)
    if text:
        figure.supxlabel(text, x=0.01, ha="left", fontsize=8.5, color=_MUTED)


def nrs_change_plot(document: Json) -> OutcomePlot:
    """Mean change of the pain NRS from baseline per visit and technique, 95 % t-interval."""
    title = "Pain (NRS 0–10): change from baseline by visit"
    groups = _groups(document)
    if not any(g["nrs_change"][v]["n"] for _, g in groups for v in VISITS):
        return OutcomePlot(
            "nrs",
            title,
            None,
            "No pain change to show yet: no patient has both a baseline and a follow-up "
            "pain score (NRS) in this selection.",
        )

    def build(figure: Figure) -> None:
        ax = _visit_axes(
            figure,
            document,
            "nrs_change",
            "mean",
            1.0,
            f"Mean change in NRS points\n({MINUS} = less pain than at baseline)",
        )
        ax.axhline(0, color=_MUTED, linewidth=1, zorder=1)
        ax.annotate(
            "0 = no change",
            xy=(1, 0),
            xycoords=("axes fraction", "data"),
            xytext=(-2, 3),
            textcoords="offset points",
            ha="right",
            va="bottom",
            fontsize=8,
            color=_MUTED,
        )
        low, high = ax.get_ylim()
        ax.set_ylim(min(low, -1.0), max(high, 0.5))
        ax.set_title(title, pad=20)
        _subtitle(
            ax,
            "Mean of (follow-up − baseline) per patient with both scores; "
            "bars: 95 % t-interval; n: patients per point.",
        )
        _footnote(figure, [_comparison_note(document)])

    caption = (
        "Points are the mean paired change of the pain score (follow-up minus baseline) "
        "among the patients with both values at that visit; bars are 95 % t-intervals; "
        "the number under each point is that denominator."
    )
    return _figure("nrs", title, build, (9.5, 5.0), caption)


def success_plot(document: Json) -> OutcomePlot:
    """R-1 success per visit and technique with Wilson intervals."""
    title = "Pain success (rule R-1) by visit"
    groups = _groups(document)
    if not any(g["success"][v]["n"] for _, g in groups for v in VISITS):
        return OutcomePlot(
            "success",
            title,
            None,
            "No success rate to show yet: no patient has both a baseline and a follow-up "
            "pain score (NRS) in this selection.",
        )

    def build(figure: Figure) -> None:
        ax = _visit_axes(
            figure,
            document,
            "success",
            "value",
            100.0,
            "Patients with success (%)",
        )
        ax.set_ylim(0, 105)
        ax.set_yticks(range(0, 101, 20))
        ax.set_title(title, pad=20)
        _subtitle(
            ax,
            "Success: NRS down by ≥ 2 points and by ≥ 30 % of baseline; "
            "bars: 95 % Wilson interval; n: patients per point.",
        )
        _footnote(figure, [_comparison_note(document)])

    caption = (
        "Share of patients whose pain score fell by at least 2 points and by at least 30 % "
        "of the baseline score (rule R-1); denominator: patients with a baseline score and "
        "a score at that visit; bars are 95 % Wilson intervals."
    )
    return _figure("success", title, build, (9.5, 5.0), caption)


# ---------------------------------------------------------------- survival


def _time_ticks(last: int) -> tuple[list[tuple[int, str]], str]:
    """Ticks (day, label) and the axis label: every 3 months, or days when follow-up is
    shorter than 4 months (``last``: the latest day observed)."""
    if last > 120:
        step = 3 if last <= 800 else 6
        months = range(0, int(last / 30.4375) + 1, step)
        return [(round(m * 30.4375), str(m)) for m in months], "Months after the procedure"
    days = [d for d in (0, 7, 14, 30, 60, 90, 120) if d <= max(last, 30)]
    return [(d, str(d)) for d in days], "Days after the procedure"


def _at_risk(km: Json, day: int) -> int:
    """Patients at risk at ``day``: those at risk just before the first time ≥ day."""
    for time, risk in zip(km["times"], km["at_risk"], strict=True):
        if time >= day:
            return int(risk)
    return 0


def _steps(km: Json) -> Iterator[tuple[int, float, float, float]]:
    for time, s, low, high in zip(
        km["times"], km["survival"], km["ci_low"], km["ci_high"], strict=True
    ):
        yield time, s, s if low is None else low, s if high is None else high


def survival_plot(document: Json) -> OutcomePlot:
    """Kaplan–Meier new-fracture-free survival per technique with the log-log band."""
    title = "Free of a new vertebral fracture (Kaplan–Meier)"
    groups = [(name, g) for name, g in _groups(document) if g["new_fracture_km"]["n"] > 0]
    if not groups:
        return OutcomePlot(
            "survival",
            title,
            None,
            "No survival curve yet: no patient in this selection has a follow-up record.",
        )
    last = max(max(g["new_fracture_km"]["times"]) for _, g in groups)
    ticks, xlabel = _time_ticks(last)
    lowest = min(min(low for _, _, low, _ in _steps(g["new_fracture_km"])) for _, g in groups)
    floor = max(0.0, min(0.5, math.floor((lowest - 0.02) * 10) / 10))
    logrank = document["comparison"]["logrank_p"]
    deaths = sum(g["new_fracture_km"]["deaths_censored"] for _, g in groups)

    def build(figure: Figure) -> None:
        ax = figure.add_subplot()
        rows: list[tuple[str, list[tuple[float, str]]]] = []
        handles: list[Any] = []
        for name, group in groups:
            km = group["new_fracture_km"]
            style = _style(name)
            small = km["n"] < SMALL_N
            colour = style.colour
            steps = list(_steps(km))
            xs = [t for t, *_ in steps] + [last]
            ys = [s for _, s, _, _ in steps] + [steps[-1][1]]
            lows = [lo for *_, lo, _ in steps] + [steps[-1][2]]
            highs = [hi for *_, hi in steps] + [steps[-1][3]]
            ax.fill_between(
                xs,
                [100 * v for v in lows],
                [100 * v for v in highs],
                step="post",
                color=colour,
                alpha=0.15,
                linewidth=0,
                hatch="//" if small else None,
            )
            ax.step(
                xs,
                [100 * v for v in ys],
                where="post",
                color=colour,
                linestyle=style.line,
                linewidth=2,
            )
            censored = [(t, s) for (t, s, _, _), c in zip(steps, km["censored"], strict=True) if c]
            ax.plot(
                [t for t, _ in censored],
                [100 * s for _, s in censored],
                linestyle="none",
                marker="|",
                markersize=8,
                color=colour,
                markeredgewidth=1.2,
            )
            at_12 = km["at_12_months"]["value"]
            label = (
                f"{style.label}: {km['n']} patients, {km['n_events']} new fracture"
                f"{'' if km['n_events'] == 1 else 's'}"
                + ("" if at_12 is None else f"; 12 months {_pct(at_12)} free")
                + (f" (small n, < {SMALL_N})" if small else "")
            )
            handles.append(
                Line2D([], [], color=colour, linestyle=style.line, linewidth=2, label=label)
            )
            rows.append((f"at risk {style.short}", [(d, str(_at_risk(km, d))) for d, _ in ticks]))
        handles.append(
            Patch(facecolor="#bfc6ce", label="shaded: 95 % pointwise interval (log-log)")
        )
        handles.append(
            Line2D(
                [],
                [],
                color=_MUTED,
                marker="|",
                linestyle="none",
                markersize=8,
                label="tick: follow-up ends without a new fracture (censored)",
            )
        )
        ax.set_xticks([d for d, _ in ticks], [t for _, t in ticks])
        ax.set_xlim(-max(last, 30) * 0.02, max(last, 30) * 1.02)
        ax.set_ylim(100 * floor, 101)
        ax.set_ylabel(
            "Free of new fracture (%)"
            + (f"\n(axis starts at {100 * floor:.0f} %)" if floor > 0 else "")
        )
        ax.set_xlabel(xlabel, labelpad=10 + 13 * len(rows))
        ax.grid(color="#e3e6ea", linewidth=0.8)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        _n_rows(ax, rows, top=-22)
        figure.legend(handles=handles, loc="outside lower left", ncols=1)
        ax.set_title(title, pad=20)
        parts = []
        if len(groups) > 1 and _nonrandomised(document):
            parts.append(f"log-rank KP vs VP p {_p(logrank)} (non-randomised comparison)")
        if deaths:
            parts.append(f"{deaths} death{'s' if deaths != 1 else ''} censored")
        parts.append("new fracture = at an untreated level")
        _subtitle(ax, "; ".join(parts) + ".")

    caption = (
        "Share of patients still free of a new vertebral fracture at an untreated level, "
        "from the procedure; steps at each new fracture, ticks where follow-up ends; "
        "shaded: 95 % pointwise log-log interval; the rows under the axis give the "
        "patients still at risk."
    )
    if len(groups) > 1 and _nonrandomised(document):
        caption += f" Log-rank test KP against VP: p {_p(logrank)} (non-randomised)."
    if deaths:
        caption += (
            f" {deaths} death{'s' if deaths != 1 else ''} censored: with death as a competing "
            "risk, 1 − S overstates the chance of a new fracture."
        )
    height = 5.6 + 0.35 * len(groups)
    return _figure("survival", title, build, (9.5, height), caption)


# ---------------------------------------------------------------- complications

_METHODS = (("fluoroscopy", "fluoroscopy"), ("radiograph", "radiograph"), ("ct", "CT"))


@dataclass(frozen=True, slots=True)
class _Bar:
    label: str
    value: float | None
    low: float | None
    high: float | None
    text: str
    small: bool
    colour: str
    hatch: str | None


def _levels(n: int) -> str:
    return f"{n} level{'' if n == 1 else 's'}"


def _leakage_bars(document: Json) -> list[_Bar]:
    bars: list[_Bar] = []
    for name, group in _groups(document):
        style = _style(name)
        leakage = group["leakage_rate"]
        methods = [(key, word) for key, word in _METHODS if leakage[key]["n"] > 0]
        for key, word in methods:
            item = leakage[key]
            small = bool(item["small_n"])
            ci = _ci(item["ci_low"], item["ci_high"])
            bars.append(
                _Bar(
                    f"{style.label}, {word}",
                    item["value"],
                    item["ci_low"],
                    item["ci_high"],
                    f"{item['events']} / {item['n']} levels = {_pct(item['value'])}"
                    + (" · small n" if small else "")
                    + ("\n" + ci.strip() if ci else ""),
                    small,
                    style.colour,
                    "///" if small else None,
                )
            )
        if not methods and leakage["n_levels"]:
            bars.append(
                _Bar(
                    f"{style.label}",
                    None,
                    None,
                    None,
                    f"leakage not assessed ({_levels(leakage['n_levels'])})",
                    False,
                    style.colour,
                    None,
                )
            )
    return bars


def _fracture_bars(document: Json) -> list[_Bar]:
    bars: list[_Bar] = []
    for name, group in _groups(document):
        km = group["new_fracture_km"]
        if km["n"] == 0:
            continue
        style = _style(name)
        at_12 = km["at_12_months"]
        small = km["n"] < SMALL_N
        if at_12["value"] is None:
            bars.append(
                _Bar(
                    style.label,
                    None,
                    None,
                    None,
                    f"{km['n']} patients, no follow-up to 12 months yet",
                    small,
                    style.colour,
                    None,
                )
            )
            continue
        value = 1 - at_12["value"]
        low = None if at_12["ci_high"] is None else 1 - at_12["ci_high"]
        high = None if at_12["ci_low"] is None else 1 - at_12["ci_low"]
        bars.append(
            _Bar(
                style.label,
                value,
                low,
                high,
                f"{_pct(value)} estimated; {km['n']} patients, "
                f"{km['n_events']} new fracture{'' if km['n_events'] == 1 else 's'} seen"
                + (" · small n" if small else "")
                + "\n"
                + _ci(low, high).strip(),
                small,
                style.colour,
                "///" if small else None,
            )
        )
    return bars


def _bar_axes(ax: Axes, bars: list[_Bar], title: str, xmax: float) -> None:
    ys = list(range(len(bars)))[::-1]
    for y, bar in zip(ys, bars, strict=True):
        if bar.value is not None:
            ax.barh(
                y,
                100 * bar.value,
                height=0.6,
                color="white" if bar.small else bar.colour,
                alpha=1.0 if bar.small else 0.85,
                edgecolor=_SMALL_COLOUR if bar.small else bar.colour,
                hatch=bar.hatch,
                linewidth=1.2,
            )
            if bar.low is not None and bar.high is not None:
                ax.errorbar(
                    100 * bar.value,
                    y,
                    xerr=[[100 * (bar.value - bar.low)], [100 * (bar.high - bar.value)]],
                    color=_INK,
                    capsize=3,
                    linewidth=1.2,
                )
        ax.annotate(
            bar.text,
            xy=(1, y),
            xycoords=("axes fraction", "data"),
            xytext=(8, 0),
            textcoords="offset points",
            ha="left",
            va="center",
            fontsize=8.5,
            color=_SMALL_COLOUR if bar.small else _INK,
            fontstyle="italic" if bar.small else "normal",
        )
    ax.set_yticks(ys, [b.label for b in bars])
    ax.set_ylim(-0.6, len(bars) - 0.4)
    ax.set_xlim(0, xmax)
    ax.set_title(title, fontsize=10.5, pad=6)
    ax.grid(axis="x", color="#e3e6ea", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def complications_plot(document: Json) -> OutcomePlot:
    """Cement leakage per treated level (per detection method) and new fracture by
    12 months (Kaplan–Meier 1 − S), per technique, with denominators and intervals."""
    title = "Complications: cement leakage and new fractures"
    leakage = _leakage_bars(document)
    fractures = _fracture_bars(document)
    if not leakage and not fractures:
        return OutcomePlot(
            "complications",
            title,
            None,
            "No complication rates to show yet: no treated level in this selection.",
        )
    highs = [b.high if b.high is not None else b.value for b in leakage + fractures]
    top = max([h for h in highs if h is not None] + [0.1])
    xmax = min(100.0, max(20.0, 10 * (int((100 * top + 4) / 10) + 1)))
    small = any(b.small for b in leakage + fractures)

    def build(figure: Figure) -> None:
        panels = [
            (b, t)
            for b, t in (
                (leakage, "Cement leakage per treated level (by detection method, never pooled)"),
                (
                    fractures,
                    "New fracture at an untreated level by 12 months, per patient (Kaplan–Meier)",
                ),
            )
            if b
        ]
        axes = figure.subplots(
            len(panels),
            1,
            sharex=True,
            squeeze=False,
            height_ratios=[max(1, len(b)) + 1.2 for b, _ in panels],
        )
        for (bars, heading), row in zip(panels, axes, strict=True):
            _bar_axes(row[0], bars, heading, xmax)
        axes[-1][0].set_xlabel("Per cent (lines: 95 % interval)")
        figure.suptitle(title, x=0.01, ha="left", fontsize=12, fontweight="bold")
        _footnote(
            figure,
            [
                f"Hatched grey bars: small n (< {SMALL_N}), read with care." if small else "",
                _comparison_note(document),
            ],
        )

    rows = len(leakage) + len(fractures)
    caption = (
        "Cement leakage: levels with leakage among the treated levels assessed by each "
        "method (a method's rate is never pooled with another's), 95 % Wilson intervals. "
        "New fracture: 1 − Kaplan–Meier survival at 12 months among the patients with "
        "follow-up, 95 % log-log interval. Denominators are beside each bar."
    )
    return _figure("complications", title, build, (9.5, 2.2 + 0.42 * rows + 0.6), caption)


def outcome_plots(document: Json) -> list[OutcomePlot]:
    """Every figure of the document, in reading order."""
    return [
        nrs_change_plot(document),
        success_plot(document),
        survival_plot(document),
        complications_plot(document),
    ]
