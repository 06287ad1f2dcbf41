"""The follow-up chart (matplotlib, SVG)."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET

from tests.backends import require_module
from vertebro.reporting.charts import ChartPoint, data_url, follow_up_chart_svg

require_module("matplotlib")


def _texts(svg: str) -> str:
    root = ET.fromstring(svg)
    return " ".join(t.strip() for e in root.iter() for t in [e.text or ""] if t.strip())


def test_no_scores_no_chart() -> None:
    assert follow_up_chart_svg([]) is None
    assert follow_up_chart_svg([ChartPoint(30, "1 month")]) is None


def test_one_panel_per_recorded_score_with_named_times() -> None:
    nrs_only = follow_up_chart_svg([ChartPoint(0, "baseline", 8), ChartPoint(30, "1 month", 3)])
    assert nrs_only is not None
    words = _texts(nrs_only)
    assert "Pain NRS (0–10)" in words and "ODI" not in words and "RDQ" not in words
    assert "1 mo" in words and "Time since the procedure" in words
    full = follow_up_chart_svg(
        [
            ChartPoint(-3, "baseline", 8, 60.0, 18),
            ChartPoint(7, "1 week", 5, 45.0, 12),
            ChartPoint(365, "12 months", 1, 10.0, 2),
        ]
    )
    assert full is not None
    words = _texts(full)
    assert "ODI (0–100 %)" in words and "RDQ (0–24)" in words
    assert "baseline" in words and "12 mo" in words


def test_chart_is_deterministic_and_embeds_as_data_url() -> None:
    points = [ChartPoint(1, "1 day", 4), ChartPoint(91, "3 months", 2)]
    first, second = follow_up_chart_svg(points), follow_up_chart_svg(points)
    assert first == second and first is not None
    url = data_url(first)
    assert url.startswith("data:image/svg+xml;base64,")
    assert base64.b64decode(url.split(",", 1)[1]).decode() == first
