"""The report's NRS chart joins its points in time order: the baseline drawn at day 0 comes
before a 1-day visit dated on the procedure day (no 3 → 8 → 2 zig-zag)."""

from __future__ import annotations

import re

from vertebro.reporting.charts import ChartPoint, follow_up_chart_svg


def _line_heights(svg: str) -> list[float]:
    """The y of each vertex of the pain line (SVG y grows downwards)."""
    found = re.search(r'<path d="([^"]+)"[^>]*style="[^"]*stroke: #1f5fbf', svg)
    assert found is not None
    return [float(y) for y in re.findall(r"[ML] [-\d.]+ ([-\d.]+)", found[1])]


def test_pain_line_runs_baseline_then_visits_in_date_order() -> None:
    visits = [ChartPoint(0, "1 day", 3), ChartPoint(7, "1 week", 2), ChartPoint(0, "baseline", 8)]
    svg = follow_up_chart_svg(visits)
    assert svg is not None
    heights = _line_heights(svg)
    assert len(heights) == 3
    assert heights == sorted(heights)  # pain 8 → 3 → 2: the line only goes down the page
