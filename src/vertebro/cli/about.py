"""``vertebro rules`` and ``vertebro version``: what this installation decides by."""

from __future__ import annotations

import sys

__all__ = ["rules", "version"]


def rules() -> None:
    """List every rule of the current rulebook with its statement and source tags, then
    every source cited with its full citation (literature first, patient information last)."""
    from vertebro.guidance import RULEBOOK_VERSION, citation, rule_ids
    from vertebro.guidance.sources import bibliography
    from vertebro.reporting.citations import cite, kind_label

    sys.stdout.write(f"rulebook {RULEBOOK_VERSION}\n")
    items = [citation(rule_id) for rule_id in rule_ids()]
    for item in items:
        sys.stdout.write(f"{item.rule:<5} {item.text} [{', '.join(item.source)}]\n")
    sys.stdout.write("\nSources\n")
    for source in bibliography(item.source for item in items):
        sys.stdout.write(f"{source.tag:<9} {kind_label(source)}. {cite(source)}\n")


def version() -> None:
    """Print the vertebro version, the rulebook version and whether the compiled core runs."""
    from vertebro import __version__
    from vertebro._compiled import compiled_in_use
    from vertebro.guidance import RULEBOOK_VERSION, engine

    core = "compiled core" if compiled_in_use(engine) else "pure Python core"
    sys.stdout.write(f"vertebro {__version__} (rulebook {RULEBOOK_VERSION}, {core})\n")
