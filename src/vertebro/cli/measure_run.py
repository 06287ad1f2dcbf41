"""The body of ``vertebro measure`` without Typer, and the fast argument reader of the
``vertebro`` entry point (``vertebro._entry``).

Importing this module costs nothing: the measurement's libraries load inside
``run_measure``. ``parse_measure_args`` accepts only argument lists it reads exactly as
the Typer command would (known options with valid values); for anything else (``--help``,
an unknown or repeated-with-error option, a bad choice) it returns None and the Typer
command runs instead, with Typer's own help and error messages.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ParamSpec

P = ParamSpec("P")

__all__ = ["CONVENTIONS", "FORMATS", "parse_measure_args", "run_measure"]

CONVENTIONS = ("auto", "totalsegmentator", "verse")
FORMATS = ("json", "text")
_PATHS = ("--labels", "--image", "--subregions", "--figure", "--case", "--sr")
_CHOICES = {"--convention": CONVENTIONS, "--format": FORMATS}
_FLAGS = ("--quiet", "--segment")


class _Exit(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


def _echo(text: str, err: bool = False, nl: bool = True) -> None:
    stream = sys.stderr if err else sys.stdout
    stream.write(text + ("\n" if nl else ""))
    stream.flush()


def _fail(line: str) -> None:
    _echo(line, err=True)
    raise _Exit(2)


def parse_measure_args(args: list[str]) -> dict[str, Any] | None:
    """``vertebro measure`` options → keyword arguments of ``run_measure``, or None when
    the Typer command should read them (see the module docstring)."""
    out: dict[str, Any] = {
        "labels": None,
        "image": None,
        "subregions": None,
        "convention": "auto",
        "output_format": "json",
        "figure": None,
        "case": None,
        "quiet": False,
        "segment": False,
        "sr": None,
        "secondary_capture": None,
    }
    keys = {
        "--format": "output_format",
        "--secondary-capture": "secondary_capture",
        **{o: o[2:] for o in (*_PATHS, "--convention")},
    }
    i = 0
    while i < len(args):
        arg = args[i]
        name, eq, value = arg.partition("=")
        if name in _FLAGS and not eq:
            out[name[2:]] = True
            i += 1
            continue
        if name not in keys:
            return None
        if not eq:
            if i + 1 >= len(args):
                return None
            value = args[i + 1]
            i += 1
        i += 1
        if not value or value.startswith("-"):
            return None
        if name in _CHOICES:
            if value not in _CHOICES[name]:
                return None
            out[keys[name]] = value
        else:
            out[keys[name]] = Path(value)
    return out


def _exit_code(command: Callable[P, None]) -> Callable[P, int]:
    """The command's exit code: 0, or the code of the ``_Exit`` it raised."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> int:
        try:
            command(*args, **kwargs)
        except _Exit as done:
            return done.code
        return 0

    return run


@_exit_code
def run_measure(
    labels: Path | None,
    image: Path | None,
    subregions: Path | None,
    convention: str,
    output_format: str,
    figure: Path | None,
    case: Path | None,
    quiet: bool,
    segment: bool,
    sr: Path | None = None,
    secondary_capture: Path | None = None,
) -> None:
    """Run ``vertebro measure``; the exit code (0, or 2 with one ``<file>: <reason>`` line
    on standard error)."""
    from vertebro.errors import VertebroError
    from vertebro.imaging.limits import MeasureLimits

    try:
        MeasureLimits.from_env()
    except ValueError as exc:
        _fail(str(exc))
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
    for option, given in (("--sr", sr), ("--secondary-capture", secondary_capture)):
        if given is not None and (image is None or not image.is_dir()):
            _fail(f"{option}: needs --image, the DICOM series folder the labels were drawn on")
    dicom_out = image is not None and (sr is not None or secondary_capture is not None)
    written: list[Path] = []

    from vertebro.services.measuring import measure_study

    progress, report = _progress(quiet)
    try:
        with progress, _warnings_to_log():
            result = measure_study(
                labels,
                image=image,
                subregions=subregions,
                convention=convention,
                progress=report,
                segmenter=segmenter,
            )
            if figure is not None:
                report("drawing figure", 0, 1)
                from vertebro.imaging.figure import render_figure

                render_figure(result, figure)
                report("drawing figure", 1, 1)
            if dicom_out and image is not None:
                from vertebro.services.dicom_outputs import write_dicom_outputs

                report("writing DICOM", 0, 1)
                written = write_dicom_outputs(
                    result, image, sr=sr, secondary_capture=secondary_capture
                )
                report("writing DICOM", 1, 1)
    except VertebroError as exc:
        _fail(str(exc))
        return
    _echo(result.convention_line, err=True)
    if figure is not None:
        _echo(f"{figure}: figure written", err=True)
    for path in written:
        _echo(f"{path}: written", err=True)

    if case is not None:
        draft = result.draft_case()
        if draft is None:
            _echo(f"{case}: not written, no evaluable level has Genant grade >= 1", err=True)
        else:
            try:
                case.write_text(
                    json.dumps(draft, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
                )
            except OSError as exc:
                _fail(f"{case}: cannot write ({exc.strerror or exc})")
            _echo(
                f"{case}: draft case written; add the clinical fields, then vertebro assess",
                err=True,
            )

    if output_format == "text":
        _echo(result.text(), nl=False)
    else:
        _echo(result.to_json())


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


def _no_report(step: str, done: int, total: int) -> None:
    return None


class _NoProgress:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _progress(quiet: bool) -> tuple[Any, Any]:
    """A rich progress display on standard error (none with ``--quiet``: rich is then not
    even imported) and its ``report(step, done, total)``."""
    if quiet:
        return _NoProgress(), _no_report
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskID, TextColumn

    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        console=Console(stderr=True),
        transient=True,
    )
    tasks: dict[str, TaskID] = {}

    def report(step: str, done: int, total: int) -> None:
        if step not in tasks:
            tasks[step] = progress.add_task(step, total=total)
        progress.update(tasks[step], completed=done, total=total)

    return progress, report
