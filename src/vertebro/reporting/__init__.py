"""Human-readable renderings of vertebro documents."""

from vertebro.reporting.text import assessment_text

__all__ = ["assessment_text"]
