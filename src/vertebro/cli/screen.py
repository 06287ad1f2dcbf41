"""``vertebro screen SOURCE --out DIR`` (or ``--from-pacs``) and ``vertebro screen import
DIR``: opportunistic screening of an archive of label maps on Dask, and its findings into
the registry as draft cases (``docs/screening.md``).

Front door only: it reads arguments, calls :mod:`vertebro.services.screening`, renders the
progress (rich) on standard error and prints where the results are on standard output.
Cheap to import (Typer only). Exit codes: 0 done (studies that could not be measured are
listed in ``errors.csv``, not a failure of the run), 1 refused or failed (registry,
cluster lost, interrupted), 2 invalid input (``<path>: <reason>`` lines, nothing written).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from vertebro.cli.pacs import PasswordFileOption, UrlOption, UserOption, pacs_settings, since_day
from vertebro.cli.registry import DatabaseOption, _guarded, _registry

if TYPE_CHECKING:
    from vertebro.services.screening import ScreenReport, ScreenStart

__all__ = ["screen_app"]


class _RunByDefault(TyperGroup):
    """``vertebro screen SOURCE …`` means ``vertebro screen run SOURCE …``."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


screen_app = typer.Typer(
    cls=_RunByDefault,
    help="Screen a whole archive of label maps for vertebral fractures, on Dask "
    "(vertebro screen SOURCE --out DIR; vertebro screen import DIR).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _fail(lines: list[str], code: int = 2) -> typer.Exit:
    for line in lines:
        sys.stderr.write(line + "\n")
    return typer.Exit(code=code)


def _need_screening_extra() -> None:
    try:
        import distributed  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError as exc:
        raise _fail(
            [f"screening needs Dask and pyarrow ({exc}): pip install 'vertebro[screening]'"], 1
        ) from None


def _import(out: Path, database: str | None) -> None:
    from vertebro.services.registry import Actor, unit_of_work
    from vertebro.services.screening import import_findings

    with _registry(database) as registry:

        def run() -> Any:
            with unit_of_work(registry, Actor.cli()) as tx:
                return import_findings(tx, out)

        result = _guarded(run)
    sys.stdout.write(
        f"{out}: {len(result.created)} draft case(s) imported for review, "
        f"{len(result.already)} already imported\n"
    )


class _Progress:
    """The rich progress bar: studies done, rate, time left, failures."""

    def __init__(self, quiet: bool) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.console = Console(stderr=True)
        self.quiet = quiet
        self.progress = Progress(
            TextColumn("screening"),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            TextColumn("[red]{task.fields[failed]} not measured"),
            console=self.console,
            disable=quiet,
        )
        self.task: Any = None

    def start(self, start: ScreenStart) -> None:
        info = start.cluster
        lines = []
        if start.already_done:
            lines.append(
                f"resuming: {start.already_done} of {start.studies} studies already done, "
                f"{start.to_run} to go"
            )
        if info is not None:
            kind = "local Dask cluster" if info.local else "Dask cluster"
            lines.append(
                f"{kind}: {info.scheduler}, {info.workers} worker(s), {info.threads} thread(s)"
            )
            if info.dashboard:
                lines.append(f"dashboard: {info.dashboard}")
        for line in lines:
            self.console.print(line, highlight=False, soft_wrap=True)
        if start.to_run:
            self.progress.start()
            self.task = self.progress.add_task("screening", total=start.to_run, rate="", failed=0)

    def advance(self, done: int, failed: int) -> None:
        if self.task is None:
            return
        task = self.progress.tasks[0]
        speed = task.finished_speed or task.speed
        rate = f"{speed:.2f} studies/s" if speed else ""
        self.progress.update(self.task, completed=done, rate=rate, failed=failed)

    def stop(self) -> None:
        if self.task is not None:
            self.progress.stop()


def _print_report(report: ScreenReport) -> None:
    s = report.summary
    out = report.out
    sys.stdout.write(
        f"{out / 'measurements.parquet'}: {s.rows} rows ({s.measured} studies measured, "
        f"{s.without_evaluable_level} without an evaluable vertebra)\n"
        f"{out / 'findings.csv'}, {out / 'findings.html'}: {s.findings} "
        f"stud{'y' if s.findings == 1 else 'ies'} with a vertebra of Genant grade "
        f">= {s.min_grade}\n"
        f"{out / 'errors.csv'}: {s.errors + s.failures} not measured"
        + (f" ({s.failures} failed in the run: run again to retry them)" if s.failures else "")
        + "\n"
    )


@screen_app.command("run")
def run(
    source: Annotated[
        Path | None,
        typer.Argument(
            metavar="[SOURCE]",
            help="A folder tree of NIfTI label maps / TotalSegmentator output folders, or a "
            "manifest CSV (study_id,labels[,subregions]); none with --from-pacs.",
        ),
    ] = None,
    *,
    out: Annotated[
        Path,
        typer.Option("--out", metavar="DIR", help="Output folder (created; a second run resumes)."),
    ],
    min_grade: Annotated[
        int,
        typer.Option("--min-grade", help="A finding has a vertebra of at least this Genant grade."),
    ] = 2,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            metavar="tcp://HOST:PORT",
            help="Run on this Dask scheduler's cluster (default: a local cluster).",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", help="Local cluster: worker processes (default: one per core)."),
    ] = None,
    include: Annotated[
        list[str] | None,
        typer.Option("--include", metavar="PATTERN", help="Folder tree: only these file names."),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude", metavar="PATTERN", help="Folder tree: skip these file or folder names."
        ),
    ] = None,
    figures: Annotated[
        bool, typer.Option("--figures/--no-figures", help="Draw each finding's figure.")
    ] = True,
    import_: Annotated[
        bool,
        typer.Option("--import", help="Then import the findings as draft cases for review."),
    ] = False,
    database: DatabaseOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
    from_pacs: Annotated[
        bool,
        typer.Option("--from-pacs", help="Screen the studies of the PACS that hold a DICOM SEG."),
    ] = False,
    since: Annotated[
        str | None,
        typer.Option("--since", help="--from-pacs: only studies since this date (YYYY-MM-DD)."),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option("--limit", min=1, help="--from-pacs: at most this many studies."),
    ] = None,
    url: UrlOption = None,
    user: UserOption = None,
    password_file: PasswordFileOption = None,
) -> None:
    """Measure every label map of SOURCE (or every study with a DICOM SEG in the PACS) on
    Dask and write measurements.parquet, findings.csv, findings.html and errors.csv into DIR."""
    _need_screening_extra()
    from vertebro.errors import InvalidDocument, VertebroError
    from vertebro.screening.cluster import ClusterUnavailable
    from vertebro.services.screening import PacsSource, ScreenOptions, screen

    what: Path | PacsSource
    if from_pacs:
        if source is not None:
            raise _fail([f"{source}: give SOURCE or --from-pacs, not both"])
        what = PacsSource(pacs_settings(url, user, password_file), since_day(since), limit)
    elif source is None:
        raise _fail(["SOURCE: missing (a folder tree or manifest CSV), or give --from-pacs"])
    elif since is not None or limit is not None:
        raise _fail(["--since/--limit: only with --from-pacs"])
    else:
        what = source

    options = ScreenOptions(
        min_grade=min_grade,
        figures=figures,
        scheduler=scheduler,
        workers=workers,
        include=tuple(include or ()),
        exclude=tuple(exclude or ()),
    )
    progress = _Progress(quiet)
    try:
        report = screen(what, out, options, on_start=progress.start, on_progress=progress.advance)
    except InvalidDocument as exc:
        raise _fail(exc.lines) from None
    except ClusterUnavailable as exc:
        raise _fail([str(exc)], 1) from None
    except VertebroError as exc:  # the PACS cannot be asked for its studies
        raise _fail([str(exc)]) from None
    except KeyboardInterrupt:
        raise _fail(
            [f"{out}: interrupted; the studies done are kept, run again to resume"], 1
        ) from None
    except OSError as exc:
        where = exc.filename or out
        raise _fail([f"{where}: {exc.strerror or exc}"]) from None
    finally:
        progress.stop()
    _print_report(report)
    if import_:
        _import(out, database)


@screen_app.command("import")
def import_command(
    out: Annotated[
        Path, typer.Argument(metavar="DIR", help="The output folder of a screening run.")
    ],
    database: DatabaseOption = None,
) -> None:
    """Import the findings of DIR (its findings.csv) as draft cases flagged screening,
    one per study with a pseudonymous patient code; findings already imported are skipped."""
    _import(out, database)
