"""Full citations of the rulebook's source tags: moved to :mod:`vertebro.reporting.citations`
(shared with the PDF reports) and re-exported here for the web pages."""

from vertebro.reporting.citations import CITATIONS, cite

__all__ = ["CITATIONS", "cite"]
