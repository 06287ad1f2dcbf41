"""Application service: opportunistic screening of a whole archive of label maps on Dask.

``screen(source, out)`` finds the studies of ``source`` (folder tree, manifest CSV, or the
studies with a DICOM SEG in a PACS: :class:`PacsSource`),
skips those already done in ``out`` (a run resumes), measures the rest as one Dask task
each — :func:`screen_study`, which calls the measuring service, so screening measures
exactly as ``vertebro measure`` does — keeps each result as it arrives, then writes
``measurements.parquet``, ``findings.csv``, ``findings.html`` and ``errors.csv``.
What a finding is: :mod:`vertebro.screening.records`. ``import_findings`` turns the
findings of a finished run into draft cases of the registry. No printing, no exiting:
progress goes to callbacks.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from vertebro.errors import ImageError, InvalidDocument
from vertebro.imaging.threads import thread_budget
from vertebro.screening.records import DEFAULT_MIN_GRADE, ErrorKind, StudyOutcome, max_grade
from vertebro.screening.sources import Study, pacs_study_uid

if TYPE_CHECKING:
    from vertebro.exchange.dicomweb import PacsSettings
    from vertebro.imaging.result import MeasurementResult
    from vertebro.screening.cluster import ClusterInfo
    from vertebro.screening.writers import CompactSummary
    from vertebro.services.registry.context import Tx
    from vertebro.services.registry.screening_drafts import ScreeningImport

__all__ = [
    "PSEUDONYM_KEY_ENV",
    "PacsSource",
    "ScreenOptions",
    "ScreenReport",
    "ScreenStart",
    "TaskTiming",
    "import_findings",
    "screen",
    "screen_study",
]

logger = logging.getLogger(__name__)

#: A secret for the pseudonymous patient codes (HMAC key); see ``records.patient_code``.
PSEUDONYM_KEY_ENV = "VERTEBRO_PSEUDONYM_KEY"


@dataclass(frozen=True, slots=True)
class ScreenOptions:
    """How to screen. ``scheduler``: a Dask scheduler address (``tcp://host:port``), else a
    local cluster of ``workers`` processes (default one per core). ``include``/``exclude``:
    file name patterns of a folder tree. ``figures``: draw each finding's sagittal figure."""

    min_grade: int = DEFAULT_MIN_GRADE
    figures: bool = True
    scheduler: str | None = None
    workers: int | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    retries: int = 2
    window: int | None = None
    dashboard_address: str | None = ":8787"


@dataclass(frozen=True, slots=True)
class PacsSource:
    """Screen the studies of a PACS that hold a DICOM SEG (newest matches first as the PACS
    lists them): studied since ``since`` (``YYYYMMDD``), at most ``limit`` of them. Each
    task pulls its study over DICOMweb, so the workers must reach the PACS; ``settings``
    (with the login) travel to them with the task."""

    settings: PacsSettings
    since: str | None = None
    limit: int | None = None

    def __str__(self) -> str:
        return self.settings.url


@dataclass(frozen=True, slots=True)
class ScreenStart:
    """Told once the studies are known and the cluster is up (``cluster`` is None when
    every study was already done)."""

    studies: int
    already_done: int
    to_run: int
    cluster: ClusterInfo | None


@dataclass(frozen=True, slots=True)
class TaskTiming:
    """Seconds inside one task: measuring and drawing (wall), and its process's CPU."""

    measure_s: float
    figure_s: float
    cpu_s: float

    @property
    def total_s(self) -> float:
        return self.measure_s + self.figure_s


@dataclass(frozen=True, slots=True)
class ScreenReport:
    """A finished run: the final files' summary and how this run's tasks went.
    ``job_s`` is the wall time from the first task submitted to the last result;
    ``timings`` has one entry per task of this run that returned (in the order they
    finished)."""

    out: Path
    start: ScreenStart
    summary: CompactSummary
    job_s: float = 0.0
    timings: list[TaskTiming] = field(default_factory=list)

    @property
    def tasks(self) -> int:
        return len(self.timings)

    @property
    def task_s(self) -> float:
        """Seconds spent inside this run's tasks, all added up."""
        return sum(t.total_s for t in self.timings)


def _worker_address() -> str | None:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return None


def _figure_png(result: MeasurementResult) -> bytes | None:
    from vertebro.imaging.figure import render_figure  # matplotlib, only when drawing

    with tempfile.TemporaryDirectory(prefix="vertebro-screen-") as tmp:
        path = Path(tmp) / "figure.png"
        try:
            render_figure(result, path)
        except Exception:  # a figure that cannot be drawn never loses the measurement
            logger.warning("no figure could be drawn", exc_info=True)
            return None
        return path.read_bytes()


def _measure(study: Study, pacs: PacsSettings | None) -> MeasurementResult:
    from vertebro.services.measuring import measure_study

    study_uid = pacs_study_uid(study)
    if study_uid is None:
        return measure_study(study.labels, subregions=study.subregions)
    if pacs is None:
        raise ImageError(study.labels, "a PACS study, but no PACS was given to the task")
    from vertebro.services.pacs import measure_from_pacs

    return measure_from_pacs(pacs, study_uid)


def screen_study(
    study: Study,
    figure_grade: int | None = DEFAULT_MIN_GRADE,
    pacs: PacsSettings | None = None,
) -> StudyOutcome:
    """Measure one study (the Dask task; a PACS study is pulled from ``pacs`` first): its
    measurement document and, when its highest grade reaches ``figure_grade`` (None:
    never), its sagittal figure; or the input's error (``ImageError``: unreadable, not a
    label map, too large …). Any other exception — a PACS that does not answer too —
    propagates, so that Dask retries the task and the next run tries again."""
    worker = _worker_address()
    started = time.perf_counter()
    cpu = time.process_time()
    try:
        # measure_study checks the headers against VERTEBRO_MAX_VOXELS and
        # VERTEBRO_MAX_MEASURE_GIB before decoding (vertebro.imaging.limits)
        # one study per Dask worker thread, and the cluster sized to the cores: a study
        # measured with more threads would only fight the others for the same cores
        with thread_budget(1):
            result = _measure(study, pacs)
    except ImageError as exc:
        return StudyOutcome(
            study,
            error_kind=ErrorKind.INPUT,
            error_file=exc.source,
            error_reason=exc.reason,
            measure_s=time.perf_counter() - started,
            cpu_s=time.process_time() - cpu,
            worker=worker,
        )
    measured = time.perf_counter()
    top = max_grade(result.document)
    png = None
    if figure_grade is not None and top is not None and top >= figure_grade:
        png = _figure_png(result)
    return StudyOutcome(
        study,
        document=result.document,
        measure_s=measured - started,
        figure_s=time.perf_counter() - measured,
        cpu_s=time.process_time() - cpu,
        figure_png=png,
        worker=worker,
    )


def _code_of() -> Callable[[str], str]:
    from vertebro.screening.records import patient_code

    key = os.environ.get(PSEUDONYM_KEY_ENV, "").encode("utf-8")
    return lambda study_id: patient_code(study_id, key)


def _check_options(options: ScreenOptions) -> None:
    if not 1 <= options.min_grade <= 3:
        raise InvalidDocument.single("--min-grade", "must be 1, 2 or 3")
    if options.workers is not None and options.workers < 1:
        raise InvalidDocument.single("--workers", "must be at least 1")
    if options.window is not None and options.window < 1:
        raise InvalidDocument.single("window", "must be at least 1")
    if options.scheduler is not None and "://" not in options.scheduler:
        raise InvalidDocument.single(
            "--scheduler", f"{options.scheduler!r} is not an address like tcp://host:8786"
        )


def _check_unique(studies: Sequence[Study]) -> None:
    seen: set[str] = set()
    for study in studies:
        if study.study_id in seen:
            raise InvalidDocument.single(study.study_id, "two studies have this id")
        seen.add(study.study_id)


def _studies(source: Path | PacsSource, options: ScreenOptions) -> list[Study]:
    from vertebro.screening.sources import discover, pacs_study

    if not isinstance(source, PacsSource):
        return discover(source, options.include, options.exclude)
    if options.include or options.exclude:
        raise InvalidDocument.single("--include/--exclude", "only for a folder tree")
    from vertebro.services.pacs import each_seg_study

    return [pacs_study(uid) for uid in each_seg_study(source.settings, source.since, source.limit)]


def screen(
    source: Path | PacsSource,
    out: Path,
    options: ScreenOptions | None = None,
    *,
    on_start: Callable[[ScreenStart], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> ScreenReport:
    """Screen ``source`` into ``out`` (module docstring). ``on_progress(done, failed)`` is
    called after each study of this run. ``InvalidDocument`` for a bad source or option;
    ``OSError`` when ``out`` cannot be written (``StoreBusy`` when another run holds it);
    ``ClusterUnavailable`` when the scheduler cannot be reached; ``PacsError`` when the
    PACS cannot be asked for its studies."""
    from vertebro.screening.cluster import dask_client
    from vertebro.screening.job import default_window, describe_failure, run_tasks
    from vertebro.screening.records import study_digest
    from vertebro.screening.store import PartStore
    from vertebro.screening.writers import compact

    options = options or ScreenOptions()
    _check_options(options)
    found = _studies(source, options)
    _check_unique(found)
    out.mkdir(parents=True, exist_ok=True)
    figure_grade = options.min_grade if options.figures else None
    done = failed = 0
    job_s = 0.0
    timings: list[TaskTiming] = []
    with PartStore(out) as store:
        pending = store.pending(found, options.min_grade, options.figures)
        start = ScreenStart(len(found), len(found) - len(pending), len(pending), None)

        def keep(outcome: StudyOutcome) -> None:
            nonlocal done, failed
            store.write(outcome)
            done += 1
            failed += not outcome.measured
            if on_progress is not None:
                on_progress(done, failed)

        def measured(_study: Study, outcome: StudyOutcome) -> None:
            timings.append(TaskTiming(outcome.measure_s, outcome.figure_s, outcome.cpu_s))
            keep(outcome)

        def lost(study: Study, exc: BaseException) -> None:
            keep(
                StudyOutcome(
                    study, error_kind=ErrorKind.FAILURE, error_reason=describe_failure(exc)
                )
            )

        if pending:
            with dask_client(
                options.scheduler,
                workers=options.workers,
                dashboard_address=options.dashboard_address,
            ) as (client, info):
                start = ScreenStart(len(found), len(found) - len(pending), len(pending), info)
                if on_start is not None:
                    on_start(start)
                began = time.perf_counter()
                run_tasks(
                    client,
                    screen_study,
                    pending,
                    key_of=lambda s: f"screen-{study_digest(s.study_id)[:16]}",
                    on_result=measured,
                    on_error=lost,
                    args=(
                        figure_grade,
                        source.settings if isinstance(source, PacsSource) else None,
                    ),
                    window=options.window or default_window(info.threads),
                    retries=options.retries,
                )
                job_s = time.perf_counter() - began
        elif on_start is not None:
            on_start(start)
        store.sync()
        summary = compact(store, found, options.min_grade, _code_of(), source=str(source))
    return ScreenReport(out, start, summary, job_s, timings)


def import_findings(tx: Tx, out: Path) -> ScreeningImport:
    """Import the findings of a screening output folder (its ``findings.csv``, joined with
    the parts' measurement documents) as screening drafts of the registry; findings
    already imported are skipped. ``InvalidDocument`` when the folder holds no findings
    file or a finding has no measurement."""
    from vertebro.imaging.draft_case import draft_case
    from vertebro.screening.records import finding_of
    from vertebro.screening.store import read_parts
    from vertebro.screening.writers import read_findings_csv
    from vertebro.services.registry.screening_drafts import (
        NewScreeningDraft,
        ScreeningLevel,
        import_screening_drafts,
    )

    path = out / "findings.csv"
    try:
        rows = read_findings_csv(path)
    except OSError as exc:
        raise InvalidDocument.single(
            str(path), f"cannot read ({exc.strerror or exc}); run vertebro screen first"
        ) from None
    parts = {p["study_id"]: p for p in read_parts(out, [row["study_id"] for row in rows])}
    drafts = []
    for number, row in enumerate(rows, start=2):
        part = parts.get(row["study_id"])
        document = None if part is None else part.get("document")
        found = None
        if document is not None:
            found = finding_of(row["study_id"], row["labels"], document, int(row["min_grade"]))
        draft = None if document is None else draft_case(document, row["patient_code"])
        if found is None or draft is None:
            raise InvalidDocument.single(
                f"{path}:{number}:study_id", f"no measurement of {row['study_id']!r} in {out}"
            )
        drafts.append(
            NewScreeningDraft(
                code=row["patient_code"],
                document=draft,
                levels=tuple(
                    ScreeningLevel(lv.level, lv.genant_grade, lv.height_loss_pct, lv.shape)
                    for lv in found.levels
                ),
                method_version=row["method_version"],
            )
        )
    return import_screening_drafts(tx, drafts)
