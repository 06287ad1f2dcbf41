"""``vertebro measure``: the command-line front door of measurement-v1.

Cheap to import (Typer only); numpy, nibabel and matplotlib load inside the command.
Standard output carries only the document; progress (rich), the convention and
notes go to standard error; every error is exit 2 with one ``<file>: <reason>`` line.
Library warnings (numpy, nibabel, pydicom) go to the log, never raw to standard error.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["measure"]


class ConventionChoice(StrEnum):
    AUTO = "auto"
    TOTALSEGMENTATOR = "totalsegmentator"
    VERSE = "verse"


class OutputFormat(StrEnum):
    JSON = "json"
    TEXT = "text"


def _fail(line: str) -> None:
    typer.echo(line, err=True)
    raise typer.Exit(code=2)


@contextmanager
def _warnings_to_log() -> Iterator[None]:
    """Python warnings of the libraries (numpy, nibabel, pydicom) and nibabel's header log
    go to the ``vertebro.measure`` log at debug level, not raw to standard error."""
    import logging
    import warnings

    log = logging.getLogger("vertebro.measure")

    def to_log(record: logging.LogRecord) -> bool:
        log.debug("nibabel: %s", record.getMessage())
        return False  # nibabel's own handler (standard error) never sees it

    nibabel_log = logging.getLogger("nibabel.global")  # without importing nibabel
    nibabel_log.addFilter(to_log)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
    finally:
        nibabel_log.removeFilter(to_log)
        for item in caught:
            log.debug(
                "%s: %s (%s:%s)", item.category.__name__, item.message, item.filename, item.lineno
            )


def measure(
    labels: Annotated[
        Path | None,
        typer.Option(
            "--labels", help="NIfTI label map (.nii/.nii.gz) or a folder of TotalSegmentator masks."
        ),
    ] = None,
    image: Annotated[
        Path | None,
        typer.Option(
            "--image", help="CT/MR volume (NIfTI or DICOM series folder) in the same patient space."
        ),
    ] = None,
    subregions: Annotated[
        Path | None,
        typer.Option(
            "--subregions", help="VerSe subregion map on the label map's grid (body = 49, 50, 62)."
        ),
    ] = None,
    convention: Annotated[
        ConventionChoice, typer.Option("--convention", help="How label values name vertebrae.")
    ] = ConventionChoice.AUTO,
    output_format: Annotated[
        OutputFormat,
        typer.Option("--format", help="json (vertebro.measurement/1) or a text report."),
    ] = OutputFormat.JSON,
    figure: Annotated[
        Path | None, typer.Option("--figure", help="Also draw a sagittal figure (PNG) here.")
    ] = None,
    case: Annotated[
        Path | None,
        typer.Option(
            "--case", help="Also write a draft vertebro.case/1 with the fractured levels."
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress on standard error.")] = False,
    segment: Annotated[
        bool,
        typer.Option(
            "--segment", help="Segment --image with TotalSegmentator first (must be installed)."
        ),
    ] = False,
) -> None:
    """Measure vertebral body heights, height loss, Genant grade, shape and kyphosis
    from a vertebra label map (measurement-v1)."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskID, TextColumn

    from vertebro.errors import VertebroError
    from vertebro.imaging.limits import MeasureLimits

    try:
        MeasureLimits.from_env()
    except ValueError as exc:
        _fail(str(exc))
    err = Console(stderr=True)
    segmenter: Any = None
    if segment:
        if image is None:
            _fail("--segment: needs --image")
        if labels is not None:
            _fail("--segment: give either --labels or --segment, not both")
        from vertebro.imaging.segmenter import TotalSegmentatorSegmenter

        segmenter = TotalSegmentatorSegmenter()
    elif labels is None:
        _fail("--labels: required (or --image with --segment)")

    from vertebro.services.measuring import measure_study

    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        console=err,
        transient=True,
        disable=quiet,
    )
    tasks: dict[str, TaskID] = {}

    def report(step: str, done: int, total: int) -> None:
        if step not in tasks:
            tasks[step] = progress.add_task(step, total=total)
        progress.update(tasks[step], completed=done, total=total)

    try:
        with progress, _warnings_to_log():
            result = measure_study(
                labels,
                image=image,
                subregions=subregions,
                convention=str(convention),
                progress=report,
                segmenter=segmenter,
            )
            if figure is not None:
                report("drawing figure", 0, 1)
                result.render_figure(figure)
                report("drawing figure", 1, 1)
    except VertebroError as exc:
        _fail(str(exc))
        return
    typer.echo(result.convention_line, err=True)

    if case is not None:
        draft = result.draft_case()
        if draft is None:
            typer.echo(f"{case}: not written, no evaluable level has Genant grade >= 1", err=True)
        else:
            try:
                case.write_text(
                    json.dumps(draft, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
                )
            except OSError as exc:
                _fail(f"{case}: cannot write ({exc.strerror or exc})")
            typer.echo(
                f"{case}: draft case written; add the clinical fields, then vertebro assess",
                err=True,
            )

    if output_format is OutputFormat.TEXT:
        typer.echo(result.text(), nl=False)
    else:
        typer.echo(result.to_json())


def _main() -> None:  # pragma: no cover - exercised through subprocess tests
    app = typer.Typer(add_completion=False, help="vertebro measure (stand-alone)")
    app.command("measure")(measure)
    app()


if __name__ == "__main__":
    _main()
