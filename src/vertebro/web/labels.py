"""Words a clinician reads for the JSON enum values: moved to :mod:`vertebro.reporting.labels`
(shared with the PDF reports) and re-exported here for the web pages."""

from vertebro.reporting.labels import label, level_words

__all__ = ["label", "level_words"]
