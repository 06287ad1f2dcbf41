"""``vertebro measure``: the command-line front door of measurement-v1.

Cheap to import (Typer only); numpy, nibabel and matplotlib load inside the command,
whose body is ``cli_measure_run.run_measure`` (the ``vertebro`` entry point calls that
directly for argument lists it can read, without importing Typer).
Standard output carries only the document; progress (rich), the convention and
notes go to standard error; every error is exit 2 with one ``<file>: <reason>`` line.
Library warnings (numpy, nibabel, pydicom) go to the log, never raw to standard error.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["measure"]


class ConventionChoice(StrEnum):
    AUTO = "auto"
    TOTALSEGMENTATOR = "totalsegmentator"
    VERSE = "verse"


class OutputFormat(StrEnum):
    JSON = "json"
    TEXT = "text"


def measure(
    labels: Annotated[
        Path | None,
        typer.Option(
            "--labels",
            help="NIfTI label map (.nii/.nii.gz), a folder of TotalSegmentator masks, or a "
            "DICOM SEG file (or a folder holding one).",
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
    sr: Annotated[
        Path | None,
        typer.Option(
            "--sr",
            help="Also write a DICOM SR (TID 1500 Measurement Report) in the study of --image "
            "(a DICOM series folder).",
        ),
    ] = None,
    secondary_capture: Annotated[
        Path | None,
        typer.Option(
            "--secondary-capture",
            help="Also write the sagittal figure as a DICOM Secondary Capture in that study.",
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
    from vertebro.cli.measure_run import run_measure

    code = run_measure(
        labels,
        image,
        subregions,
        str(convention),
        str(output_format),
        figure,
        case,
        quiet,
        segment,
        sr,
        secondary_capture,
    )
    if code:
        raise typer.Exit(code=code)


def _main() -> None:  # pragma: no cover - exercised through subprocess tests
    app = typer.Typer(add_completion=False, help="vertebro measure (stand-alone)")
    app.command("measure")(measure)
    app()


if __name__ == "__main__":
    _main()
