"""``vertebro reassess``: re-assess every case of the registry under the current rulebook
and report whose decisions or plan it changes (before → after, with the deciding rules).

Front door only: it reads arguments, calls the registry service, prints the report on
standard output (text, JSON or CSV). Exit codes: 0 done, 1 refused or failed, 2 invalid
input.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from vertebro.cli.registry import DatabaseOption, _guarded, _registry

if TYPE_CHECKING:
    from vertebro.guidance.changes import ReassessmentReport

__all__ = ["reassess"]


class ReportFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    CSV = "csv"


def reassess(
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Report what the current rulebook would change; store nothing.",
        ),
    ] = False,
    output_format: Annotated[
        ReportFormat,
        typer.Option(
            "--format",
            case_sensitive=False,
            help="text (default), json (one document) or csv (one row per changed level).",
        ),
    ] = ReportFormat.TEXT,
    database: DatabaseOption = None,
) -> None:
    """Re-assess every case's current version under the current rulebook in one pass,
    store the new assessments (the old ones are kept with their rulebook version) and
    list the cases whose recommendation, level decisions or plan changed. Audited."""
    from vertebro.reporting.reassessment import reassessment_csv, reassessment_text
    from vertebro.services.registry import (
        Actor,
        commit_reassessment,
        prepare_reassessment,
        unit_of_work,
    )

    with _registry(database) as registry:

        def run() -> ReassessmentReport:
            actor = Actor.cli()
            with unit_of_work(registry, actor, write=False) as tx:
                prepared = prepare_reassessment(tx, dry_run=dry_run)
            with unit_of_work(registry, actor) as tx:
                return commit_reassessment(tx, prepared)

        report = _guarded(run)
    if output_format is ReportFormat.JSON:
        text = json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n"
    elif output_format is ReportFormat.CSV:
        text = reassessment_csv(report)
    else:
        text = reassessment_text(report)
    sys.stdout.write(text)
