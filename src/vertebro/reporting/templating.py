"""The Jinja2 environment of the printed documents (templates and print CSS are package data
under ``vertebro/reporting/templates``), with the filters they share."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from jinja2 import BaseLoader, Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from vertebro.reporting.citations import cite, kind_label
from vertebro.reporting.labels import label, level_words, score_reading
from vertebro.reporting.vocabulary import (
    assessment_levels,
    field_label,
    field_words,
    fracture_levels,
    in_level_order,
    missing_words,
)

__all__ = ["TEMPLATES", "css_string", "environment", "make_environment", "number", "stamp"]


def css_string(value: object) -> Markup:
    """``value`` as a quoted CSS string, safe inside an HTML ``<style>`` element.

    >>> print(css_string('C-7 "x" </style>'))
    "C-7 \\22 x\\22  \\3C /style\\3E "
    """
    out = []
    for char in str(value):
        if char in '"\\<>' or ord(char) < 0x20:
            out.append(f"\\{ord(char):X} ")
        else:
            out.append(char)
    return Markup('"' + "".join(out) + '"')  # every special character is escaped above


def number(value: float | None, unit: str = "", empty: str = "—") -> str:
    """``4.5, " ml"`` → ``"4.5 ml"``; ``None`` → ``"—"``.

    >>> number(40.0, " %"), number(None)
    ('40 %', '—')
    """
    return empty if value is None else f"{value:g}{unit}"


def stamp(moment: datetime) -> str:
    """A timestamp as printed on a document, in its own time zone.

    >>> from datetime import UTC
    >>> stamp(datetime(2026, 3, 2, 9, 30, tzinfo=UTC))
    '2026-03-02 09:30 UTC'
    """
    return moment.strftime("%Y-%m-%d %H:%M %Z").strip()


def make_environment(loader: BaseLoader) -> Environment:
    """A Jinja2 environment as vertebro's pages and documents use it: HTML and SVG
    autoescaped, undefined names an error, the clinical labels and citations at hand."""
    env = Environment(
        loader=loader,
        autoescape=select_autoescape(["html", "svg"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["label"] = label
    env.filters["level_words"] = level_words
    env.filters["score_reading"] = score_reading
    env.filters["field_label"] = field_label
    env.filters["field_words"] = field_words
    env.filters["missing_words"] = missing_words
    env.filters["in_level_order"] = in_level_order
    env.globals["assessment_levels"] = assessment_levels
    env.globals["fracture_levels"] = fracture_levels
    env.globals["cite"] = cite
    env.globals["kind_label"] = kind_label
    return env


#: The printed documents' templates (the web app reads its shared partials from here too).
TEMPLATES = PackageLoader("vertebro.reporting", "templates")


@lru_cache(maxsize=1)
def environment() -> Environment:
    """One environment for every printed document (HTML autoescaped, CSS not)."""
    env = make_environment(TEMPLATES)
    env.filters["css_string"] = css_string
    env.filters["number"] = number
    env.filters["stamp"] = stamp
    return env
