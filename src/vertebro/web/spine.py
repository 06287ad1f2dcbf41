"""The spine diagram: moved to :mod:`vertebro.reporting.spine` (shared with the PDF case
report) and re-exported here for the assessment page."""

from vertebro.reporting.spine import DECISION_STYLE, spine_svg

__all__ = ["DECISION_STYLE", "spine_svg"]
