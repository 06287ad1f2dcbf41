"""The spine diagram (assessment page and PDF case report): T1–L5 from the side, each
fractured level drawn collapsed by its height loss and labelled in words (level, Genant
grade, height loss, decision) — colour only repeats what the words say."""

from __future__ import annotations

from html import escape

from markupsafe import Markup

from vertebro.model import Assessment, Level
from vertebro.model.assessment import LevelAssessment
from vertebro.reporting.labels import label

__all__ = ["DECISION_STYLE", "spine_levels", "spine_svg"]

#: fill colour and a short mark per decision (the mark is printed beside the word).
DECISION_STYLE: dict[str, tuple[str, str]] = {
    "kyphoplasty": ("#1f5fbf", "KP"),
    "vertebroplasty": ("#0f7b6c", "VP"),
    "either": ("#6a3fb5", "KP/VP"),
    "open_surgery": ("#b35400", "Surgery"),
    "conservative": ("#5c6670", "Conservative"),
    "contraindicated": ("#b3261e", "No"),
    "needs_workup": ("#8a6d00", "Work-up"),
}

_ROW = 32
_TOP = 34
_X = 52
_W = 96
_H = 24


def _body(y: float, loss_pct: float | None, colour: str, hatched: bool) -> str:
    """A vertebral body seen from the left (anterior on the left), anterior edge lowered by
    the height loss so a wedge looks like one."""
    loss = max(0.0, min(loss_pct or 0.0, 90.0)) / 100.0
    top_anterior = y + _H * loss
    points = f"{_X},{top_anterior:.1f} {_X + _W},{y} {_X + _W},{y + _H} {_X},{y + _H}"
    fill = "url(#hatch)" if hatched else colour
    return f'<polygon points="{points}" fill="{fill}" stroke="{colour}" stroke-width="2"/>'


#: The diagram's fonts carried inside the SVG, for use outside the web page's CSS (PDF).
_STYLE = (  # longhand only: WeasyPrint's SVG renderer mis-sizes text set by `font:`
    "<style>.lv{font-family:'DejaVu Sans',sans-serif;font-size:12px;font-weight:600;fill:#333}"
    ".lvtext{font-family:'DejaVu Sans',sans-serif;font-size:13px;font-weight:700}"
    ".axis{font-family:'DejaVu Sans',sans-serif;font-size:11px;fill:#666}</style>"
)
#: Estimated advance of one character of a level's words (13 px bold), px.
_CHAR_PX = 8.0


def spine_levels(assessment: Assessment, around: int | None = None) -> list[Level]:
    """The levels drawn: all, or the fractured ones with ``around`` levels either side."""
    every = list(Level)
    if around is None or not assessment.levels:
        return every
    first = max(min(item.level.ordinal for item in assessment.levels) - around, 0)
    last = min(max(item.level.ordinal for item in assessment.levels) + around, len(every) - 1)
    return every[first : last + 1]


def spine_svg(assessment: Assessment, *, around: int | None = None, styled: bool = False) -> Markup:
    """The diagram as inline SVG with a text description for screen readers.

    ``around``: draw only the fractured levels and this many levels cranial and caudal to
    them (the whole of T1–L5 when ``None``); ``styled``: carry the fonts inside the SVG.
    """
    by_level = {item.level: item for item in assessment.levels}
    rows = spine_levels(assessment, around)
    height = _TOP + _ROW * len(rows) + 16
    words_by_level = {level: _words(item) for level, item in by_level.items()}
    longest = max((len(w) for w in words_by_level.values()), default=0)
    width = max(480, round(_X + _W + 12 + _CHAR_PX * longest + 8))
    parts = [
        f'<svg class="spine" role="img" aria-labelledby="spine-title spine-desc" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="spine-title">Spine diagram, {rows[0]} to {rows[-1]}</title>',
        _STYLE if styled else "",
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#444" stroke-width="3"/></pattern></defs>',
        f'<text x="{_X + _W / 2}" y="20" class="axis" text-anchor="middle">← front · back →</text>',
    ]
    described = []
    for row, level in enumerate(rows):
        y = _TOP + row * _ROW
        item = by_level.get(level)
        parts.append(
            f'<text x="{_X - 10}" y="{y + 16}" class="lv" text-anchor="end">{level}</text>'
        )
        if item is None:
            parts.append(
                f'<rect x="{_X}" y="{y}" width="{_W}" height="{_H}" rx="3" '
                f'fill="#eef0f2" stroke="#b8bec5"/>'
            )
            continue
        decision = str(item.recommendation)
        colour = DECISION_STYLE.get(decision, ("#333", decision))[0]
        parts.append(_body(y, item.height_loss_pct, colour, decision == "needs_workup"))
        words = words_by_level[level]
        parts.append(
            f'<text x="{_X + _W + 12}" y="{y + 16}" class="lvtext" fill="{colour}">'
            f"{escape(words)}</text>"
        )
        described.append(f"{level}: {words}")
    description = "; ".join(described) or "no fractured level"
    parts.insert(2, f'<desc id="spine-desc">{escape(description)}</desc>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _words(item: LevelAssessment) -> str:
    """``Kyphoplasty (KP) · grade 2 · 40 %``: the decision, Genant grade and height loss."""
    decision = str(item.recommendation)
    mark = DECISION_STYLE.get(decision, ("#333", decision))[1]
    grade = "grade ?" if item.genant_grade is None else f"grade {item.genant_grade}"
    loss = "loss ?" if item.height_loss_pct is None else f"{item.height_loss_pct:g} %"
    return f"{label(decision)} ({mark}) · {grade} · {loss}"
