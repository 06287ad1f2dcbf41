"""``vertebro report`` and ``vertebro leaflet``: a case's clinician report and its patient
leaflet as PDF (WeasyPrint, the ``reports`` extra).

Front door only: it reads arguments, reads the registry, renders, writes the file through a
temporary file renamed into place (nothing half-written). Standard output stays empty; log
lines go to standard error. WeasyPrint, matplotlib and the registry are imported inside the
commands. Exit codes: 0 written; 2 refused input (unknown case, no such output folder);
1 failed (rendering or writing failed).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from vertebro.cli.outcomes import _log_to_stderr
from vertebro.cli.registry import DatabaseOption, _fail, _guarded, _registry

if TYPE_CHECKING:
    from vertebro.services.registry import Tx

__all__ = ["leaflet", "report"]

logger = logging.getLogger(__name__)

CaseIdArgument = Annotated[str, typer.Argument(metavar="CASE_ID", help="The case's id.")]
PdfOption = Annotated[
    Path,
    typer.Option(
        "--pdf", metavar="OUT.pdf", help="Where to write the PDF (replaced whole if it exists)."
    ),
]


def _quiet_renderer() -> None:
    """Keep WeasyPrint's progress lines and font notes off standard error."""
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)


def _check_output(path: Path) -> None:
    if path.is_dir():
        raise _fail([f"{path}: is a folder; give a file name such as {path / 'report.pdf'}"], 2)
    folder = path.parent
    if not folder.is_dir():
        raise _fail([f"{path}: no such folder: {folder}"], 2)


def _produce(
    database: str | None,
    path: Path,
    what: str,
    case_id: str,
    compose: Callable[[Tx], str],
) -> None:
    """Read and compose (one transaction), render, write atomically, then audit the export;
    when the audit fails the file is removed again."""
    from vertebro.files import write_atomically
    from vertebro.reporting.pdf import WeasyPrintRenderer
    from vertebro.services.registry import Actor, record_export, unit_of_work

    with _registry(database) as registry:

        def read() -> str:
            with unit_of_work(registry, Actor.cli()) as tx:
                return compose(tx)

        html = _guarded(read)
        started = time.perf_counter()
        try:
            data = WeasyPrintRenderer().render(html)
        except ImportError as exc:
            raise _fail([str(exc)], 1) from None
        try:
            write_atomically(path, data)
        except OSError as exc:
            raise _fail([f"{path}: cannot write: {exc.strerror or exc}"], 1) from None

        def audit() -> None:
            with unit_of_work(registry, Actor.cli()) as tx:
                record_export(tx, what, {"case_id": case_id, "bytes": len(data)}, case_id=case_id)

        try:
            _guarded(audit)
        except typer.Exit:
            path.unlink(missing_ok=True)
            raise
    logger.info(
        "%s: wrote %s (%.0f kB) in %.1f s",
        what, path, len(data) / 1024, time.perf_counter() - started,
    )  # fmt: skip


def _now() -> datetime:
    return datetime.now().astimezone()


def report(
    case_id: CaseIdArgument,
    pdf: PdfOption,
    database: DatabaseOption = None,
) -> None:
    """The case report as PDF: decision, levels with reasons (rule ids), cautions, spine
    diagram, plan and aftercare, recorded procedures, follow-up table and chart."""
    from vertebro.reporting.case_report import case_report_html
    from vertebro.services.registry.case_report import load_case_report

    _log_to_stderr()
    _quiet_renderer()
    _check_output(pdf)

    def compose(tx: Tx) -> str:
        loaded = load_case_report(tx, case_id)
        if loaded.stored is None:
            logger.warning("report: case %s has no stored assessment yet", case_id)
        return case_report_html(loaded, generated=_now())

    _produce(database, pdf, "report.pdf", case_id, compose)


def leaflet(
    case_id: CaseIdArgument,
    pdf: PdfOption,
    large_print: Annotated[
        bool, typer.Option("--large-print", help="Large print (16 pt text instead of 11.5 pt).")
    ] = False,
    unit_name: Annotated[
        str | None,
        typer.Option(
            "--unit-name",
            envvar="VERTEBRO_UNIT_NAME",
            help="The unit's name on the leaflet (default: $VERTEBRO_UNIT_NAME).",
        ),
    ] = None,
    unit_phone: Annotated[
        str | None,
        typer.Option(
            "--unit-phone",
            envvar="VERTEBRO_UNIT_PHONE",
            help="The phone number patients call (default: $VERTEBRO_UNIT_PHONE).",
        ),
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """The patient leaflet as PDF, in plain words, chosen by the latest assessment."""
    from vertebro.guidance import RULEBOOK_VERSION
    from vertebro.reporting.patient_leaflet import Unit, leaflet_html
    from vertebro.services.registry import get_case, latest_assessment

    _log_to_stderr()
    _quiet_renderer()
    _check_output(pdf)
    defaults = Unit()
    if not unit_phone:
        logger.warning(
            "leaflet: no unit phone number (--unit-phone or VERTEBRO_UNIT_PHONE); "
            "the leaflet says %r",
            defaults.phone,
        )
    unit = Unit(unit_name or defaults.name, unit_phone or defaults.phone)

    def compose(tx: Tx) -> str:
        view = get_case(tx, case_id)
        stored = latest_assessment(tx, case_id)
        return leaflet_html(
            case_id=view.case_id,
            patient_code=view.patient_code,
            assessment=None if stored is None else stored.assessment,
            rulebook=RULEBOOK_VERSION if stored is None else stored.rulebook_version,
            generated=_now(),
            unit=unit,
            large_print=large_print,
        )

    _produce(database, pdf, "leaflet.pdf", case_id, compose)
