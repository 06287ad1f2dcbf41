"""``vertebro outcomes`` and ``vertebro demo-registry``: the registry's outcomes document
and a generated demo registry (spec ``registry-v1.md``, "Outcomes" and "Demo registry").

Front door only: it reads arguments, calls a registry service, prints. ``outcomes`` writes
exactly one JSON document (or a short text summary, or with ``--format html`` a standalone
page with figures) on standard output; logs go to standard error. Exit codes: 0 done,
2 refused input (invalid options, a database with real patients for ``demo-registry``),
1 failed.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any

import typer

from vertebro.cli.registry import DatabaseOption, _fail, _guarded, _registry

__all__ = ["demo_registry", "outcomes", "outcomes_text"]

logger = logging.getLogger(__name__)


class OutcomesFormat(StrEnum):
    JSON = "json"
    TEXT = "text"
    HTML = "html"


class TechniqueChoice(StrEnum):
    VP = "vp"
    KP = "kp"
    VERTEBROPLASTY = "vertebroplasty"
    KYPHOPLASTY = "kyphoplasty"


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail([f"{option}: not an ISO date (YYYY-MM-DD): {value!r}"], 2) from None


def _log_to_stderr() -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(message)s")
        logging.getLogger("alembic").setLevel(logging.WARNING)


def outcomes(
    since: Annotated[
        str | None,
        typer.Option("--since", metavar="DATE", help="Patients whose anchor is on or after it."),
    ] = None,
    technique: Annotated[
        TechniqueChoice | None,
        typer.Option("--technique", help="vp or kp: only that group (the others report zero)."),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", metavar="DATE", help="Reference date of completeness (today)."),
    ] = None,
    include_demo: Annotated[
        bool, typer.Option("--include-demo", help="Count generated demo patients too.")
    ] = False,
    output: Annotated[
        OutcomesFormat,
        typer.Option(
            "--format",
            "-f",
            help="json (vertebro.outcomes/1), text, or html (a standalone page with figures).",
        ),
    ] = OutcomesFormat.JSON,
    database: DatabaseOption = None,
) -> None:
    """Outcomes of the registry: success, score changes, KP against VP (non-randomised),
    leakage, new fractures (Kaplan-Meier) and follow-up completeness."""
    from vertebro.outcomes.records import TechniqueGroup
    from vertebro.services.registry import Actor, record_export, unit_of_work
    from vertebro.services.registry.outcomes import outcomes_document

    _log_to_stderr()
    start = _day(since, "--since")
    reference = _day(as_of, "--as-of") or datetime.now(UTC).date()
    group = None
    if technique is not None:
        group = (
            TechniqueGroup.KYPHOPLASTY
            if technique in (TechniqueChoice.KP, TechniqueChoice.KYPHOPLASTY)
            else TechniqueGroup.VERTEBROPLASTY
        )
    with _registry(database) as registry:

        def run() -> dict[str, Any]:
            with unit_of_work(registry, Actor.cli(), write=False) as tx:
                document = outcomes_document(
                    tx, as_of=reference, include_demo=include_demo, since=start, technique=group
                )
            with unit_of_work(registry, Actor.cli()) as tx:  # the export is audited
                record_export(
                    tx,
                    "outcomes",
                    {
                        "include_demo": include_demo,
                        "since": None if start is None else start.isoformat(),
                        "technique": None if group is None else group.value,
                        "format": output.value,
                        "via": "cli",
                    },
                )
            return document

        document = _guarded(run)
    logger.info(
        "outcomes: %d patients (%d demo left out)", document["n"], document["demo_left_out"]
    )
    if output is OutcomesFormat.TEXT:
        sys.stdout.write(outcomes_text(document))
    elif output is OutcomesFormat.HTML:
        # matplotlib only here: the JSON and text paths stay fast (RECIPES "Start-up time")
        from vertebro.reporting.outcomes_html import outcomes_html

        sys.stdout.write(outcomes_html(document))
    else:
        sys.stdout.write(json.dumps(document, indent=2, allow_nan=False) + "\n")


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f} %"


def _interval(item: dict[str, Any]) -> str:
    low, high = item.get("ci_low"), item.get("ci_high")
    if low is None or high is None:
        return ""
    return f" (95 % CI {100 * low:.1f}–{100 * high:.1f})"


def _number(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def outcomes_text(document: dict[str, Any]) -> str:
    """A short readable summary of the outcomes document."""
    filters = document["filters"]
    lines = [
        f"Outcomes as of {document['as_of']}: {document['n']} patients"
        + (f" (anchor on or after {filters['since']})" if filters["since"] else "")
        + (f", {filters['technique']} only" if filters["technique"] else "")
        + (
            ", demo patients included"
            if filters["include_demo"]
            else f", {document['demo_left_out']} demo patients left out"
        ),
    ]
    for name, group in document["by_technique"].items():
        lines.append("")
        lines.append(f"{name}: n = {group['n']}")
        if group["n"] == 0:
            continue
        for visit in ("1 month", "12 months"):
            success = group["success"][visit]
            change = group["nrs_change"][visit]
            lines.append(
                f"  {visit}: success (R-1) {_pct(success['value'])}{_interval(success)}"
                f" of {success['n']}; NRS change {_number(change['mean'])} (n = {change['n']})"
            )
        leakage = group["leakage_rate"]
        for method in ("fluoroscopy", "radiograph", "ct"):
            rate = leakage[method]
            if rate["n"]:
                lines.append(
                    f"  leakage ({method}): {_pct(rate['value'])}{_interval(rate)}"
                    f" of {rate['n']} levels"
                )
        km = group["new_fracture_km"]["at_12_months"]
        if km["value"] is not None:
            lines.append(f"  free of new fracture at 12 months: {_pct(km['value'])}{_interval(km)}")
    comparison = document["comparison"]
    lines.append("")
    lines.append(
        f"KP - VP ({comparison['label']}; see by_genant_grade): "
        f"NRS change at 1 month {_number(comparison['nrs_change']['1 month']['difference'])}, "
        f"log-rank p {_number(comparison['logrank_p'], 3)}"
    )
    lines.append("")
    lines.append("Follow-up completeness (done / due):")
    for visit, item in document["completeness"].items():
        lines.append(
            f"  {visit:<9} {item['done']:>5} / {item['due']:<5} {_pct(item['value'])}"
            f"  overdue {item['overdue']}"
        )
    if document["caveats"]:
        lines.append("")
        lines.append("Caveats:")
        lines.extend(f"  [{c['code']}] {c['path']}: {c['message']}" for c in document["caveats"])
    return "\n".join(lines) + "\n"


def demo_registry(
    patients: Annotated[
        int, typer.Option("--patients", min=0, max=1_000_000, help="How many demo patients.")
    ] = 200,
    seed: Annotated[
        int, typer.Option("--seed", min=0, help="Random seed (same seed, same data).")
    ] = 0,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", metavar="DATE", help="Nothing is dated after this day (today)."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Add demo patients even beside non-demo ones.")
    ] = False,
    database: DatabaseOption = None,
) -> None:
    """Create (and migrate) a registry and fill it with generated demo patients (is_demo)."""
    from vertebro.registry import upgrade
    from vertebro.services.registry.demo import seed_demo_registry

    _log_to_stderr()
    day = _day(as_of, "--as-of")
    with _registry(database, require_current=False) as registry:
        _guarded(lambda: upgrade(registry.engine))
        summary = _guarded(
            lambda: seed_demo_registry(
                registry, patients=patients, seed=seed, as_of=day, force=force
            )
        )
        url = registry.engine.url.render_as_string(hide_password=True)
    sys.stdout.write(
        f"{url}: {summary.patients} demo patients, {summary.follow_ups} follow-ups "
        f"(seed {summary.seed}, as of {summary.as_of.isoformat()}"
        + (f", {summary.replaced} earlier demo patients replaced" if summary.replaced else "")
        + f") in {summary.seconds:.1f} s\n"
    )
