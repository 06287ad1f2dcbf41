"""The follow-up chart of the case report: pain NRS (and ODI, RDQ when recorded) against days
since the procedure, one panel per score, as an SVG document (embed it as a ``data:`` image:
WeasyPrint then draws it with its SVG renderer, apart from the page's CSS).

matplotlib is imported only inside :func:`follow_up_chart_svg` (the Agg-free SVG canvas,
never pyplot), so importing this module costs nothing.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from vertebro.reporting.figure_style import figure_style

__all__ = ["ChartPoint", "data_url", "follow_up_chart_svg", "in_time_order"]


@dataclass(frozen=True, slots=True)
class ChartPoint:
    """One visit on the chart: ``days`` after the procedure (negative before it), the visit's
    name and its scores (NRS 0–10, ODI 0–100 %, RDQ 0–24; ``None`` when not recorded)."""

    days: int
    visit: str
    nrs: float | None = None
    odi: float | None = None
    rdq: float | None = None


#: (attribute, axis title, axis maximum, tick step) per panel, top to bottom.
_PANELS = (
    ("nrs", "Pain NRS (0–10)", 10, 2),
    ("odi", "ODI (0–100 %)", 100, 25),
    ("rdq", "RDQ (0–24)", 24, 6),
)
#: Tick positions (days) and their words on the time axis.
_TICKS = ((0, "0"), (1, "1 d"), (7, "1 wk"), (14, "2 wk"), (30, "1 mo"), (91, "3 mo"),
          (182, "6 mo"), (365, "12 mo"))  # fmt: skip
_COLOUR = "#1f5fbf"


def in_time_order(points: Sequence[ChartPoint]) -> list[ChartPoint]:
    """The points as the lines join them: by day, the baseline first on its day (a 1-day
    visit dated on the procedure day comes after the baseline drawn at day 0), then in the
    order given.

    >>> [p.visit for p in in_time_order([ChartPoint(0, "1 day"), ChartPoint(0, "baseline")])]
    ['baseline', '1 day']
    """
    return sorted(points, key=lambda pt: (pt.days, pt.visit != "baseline"))


def follow_up_chart_svg(points: Sequence[ChartPoint], *, width_cm: float = 17.0) -> str | None:
    """The chart as an SVG document, or ``None`` when no point carries a score.

    The time axis is symmetric-log (linear within a day of the procedure) so that the first
    week and the 12-month visit are both readable; its ticks name real times."""
    panels = [p for p in _PANELS if any(getattr(pt, p[0]) is not None for pt in points)]
    if not panels:
        return None
    from matplotlib.figure import Figure

    ordered = in_time_order(points)
    style: dict[str, Any] = {
        "svg.fonttype": "none",
        "svg.hashsalt": "vertebro",
        "font.family": "DejaVu Sans",
        "font.size": 8.5,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
    with figure_style(style):
        figure = Figure(figsize=(width_cm / 2.54, 0.9 + 1.35 * len(panels)), layout="constrained")
        axes = figure.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
        low = min(0, ordered[0].days)
        high = max(30, ordered[-1].days)
        for ax, (name, title, top, step) in zip(axes, panels, strict=True):
            shown = [(pt.days, float(v)) for pt in ordered if (v := getattr(pt, name)) is not None]
            xs, ys = [x for x, _ in shown], [y for _, y in shown]
            ax.plot(xs, ys, color=_COLOUR, marker="o", markersize=4, linewidth=1.4)
            for x, y in shown:
                ax.annotate(
                    f"{y:g}", (x, y), textcoords="offset points", xytext=(0, 6), ha="center",
                    fontsize=7.5, color="#222",
                )  # fmt: skip
            ax.set_ylim(0, top * 1.15)
            ax.set_yticks(range(0, top + 1, step))
            ax.set_ylabel(title)
            ax.axvline(0, color="#888", linewidth=0.8, linestyle="--")
            ax.grid(axis="y", color="#ddd", linewidth=0.6)
        last = axes[-1]
        last.set_xscale("symlog", linthresh=1.0, linscale=0.6)
        last.set_xlim(low - 0.3 if low < 0 else -0.3, high * 1.15)
        ticks = [(d, w) for d, w in _TICKS if low <= d <= high * 1.15]
        ticks += sorted({(pt.days, _before(pt)) for pt in ordered if pt.days < 0})
        last.set_xticks([d for d, _ in ticks], [w for _, w in ticks])
        last.set_xlabel("Time since the procedure (dashed line: day of the procedure)")
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def _before(point: ChartPoint) -> str:
    """The tick word of a visit before the procedure: ``baseline`` or ``-3 d``."""
    return "baseline" if point.visit == "baseline" else f"{point.days} d"


def data_url(svg: str) -> str:
    """``svg`` as a ``data:image/svg+xml;base64,…`` URL for an ``<img src>``."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")
