"""``DIR/parts/``: every finished study kept as it finishes, so that a run resumes.

For each study, in this order: its figure (``DIR/figures/…png``, findings only), its part
(``DIR/parts/<2 hex>/<digest>.json.gz``: the whole measurement document or the error,
and the seconds spent), then one line in ``DIR/parts/index.jsonl`` (append-only; the
latest line of a study wins; a line cut short by a crash is ignored). Figures and parts
are written atomically, so a study is either done or not, never half.

A study is **done** when its latest line names the same labels (and subregions) and it
was measured — with a figure if it is a finding under the current ``min_grade`` and
figures are wanted — or it failed for its input (``ErrorKind.INPUT``). Failures of the
run (a lost worker, an unexpected exception) are retried by the next run.

One run at a time: the store holds an exclusive lock on ``DIR/parts/.lock``.
"""

from __future__ import annotations

import contextlib
import fcntl
import gzip
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from vertebro.files import write_atomically
from vertebro.screening.records import ErrorKind, StudyOutcome, max_grade, study_digest
from vertebro.screening.sources import Study

__all__ = ["IndexEntry", "PartStore", "StoreBusy"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class StoreBusy(OSError):
    """Another run holds the output folder."""


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """The latest index line of a study."""

    study_id: str
    labels: str
    subregions: str | None
    part: str
    measured: bool
    error_kind: ErrorKind | None
    max_grade: int | None
    figure: str | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IndexEntry:
        kind = data.get("error_kind")
        return cls(
            study_id=str(data["study_id"]),
            labels=str(data["labels"]),
            subregions=data.get("subregions"),
            part=str(data["part"]),
            measured=bool(data["measured"]),
            error_kind=None if kind is None else ErrorKind(kind),
            max_grade=data.get("max_grade"),
            figure=data.get("figure"),
        )

    def is_done(self, study: Study, min_grade: int, figures: bool) -> bool:
        """Whether ``study`` needs no new run (module docstring)."""
        if (self.labels, self.subregions) != (study.labels, study.subregions):
            return False
        if not self.measured:
            return self.error_kind is ErrorKind.INPUT
        is_finding = self.max_grade is not None and self.max_grade >= min_grade
        return not (figures and is_finding and self.figure is None)


class PartStore:
    """The parts of one output folder (``out``); use as a context manager (the lock)."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.parts = out / "parts"
        self.figures = out / "figures"
        self._index: dict[str, IndexEntry] = {}
        self._log: IO[str] | None = None
        self._lock: IO[bytes] | None = None

    def __enter__(self) -> PartStore:
        self.parts.mkdir(parents=True, exist_ok=True)
        self.figures.mkdir(exist_ok=True)
        lock = (self.parts / ".lock").open("ab")
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            raise StoreBusy(f"{self.out}: another screening run is writing here") from None
        self._lock = lock
        self._index = dict(self._read_index())
        self._log = (self.parts / "index.jsonl").open("a", encoding="utf-8")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._lock is not None:
            fcntl.flock(self._lock.fileno(), fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None

    def _read_index(self) -> Iterator[tuple[str, IndexEntry]]:
        path = self.parts / "index.jsonl"
        if not path.exists():
            return
        with path.open(encoding="utf-8") as stream:
            for line in stream:
                try:
                    entry = IndexEntry.from_json(json.loads(line))
                except (ValueError, KeyError, TypeError):
                    continue  # a line cut short by a crash: that study runs again
                if (self.parts / entry.part).exists():
                    yield entry.study_id, entry

    def entry(self, study_id: str) -> IndexEntry | None:
        return self._index.get(study_id)

    def pending(self, studies: Iterable[Study], min_grade: int, figures: bool) -> list[Study]:
        """The studies that are not done (module docstring), in their order."""
        out = []
        for study in studies:
            entry = self._index.get(study.study_id)
            if entry is None or not entry.is_done(study, min_grade, figures):
                out.append(study)
        return out

    def _figure_name(self, study: Study) -> str:
        safe = _UNSAFE.sub("_", study.study_id).strip("_")[-80:] or "study"
        return f"{safe}-{study_digest(study.study_id)[:8]}.png"

    def write(self, outcome: StudyOutcome) -> IndexEntry:
        """Keep one finished study: figure, part, index line (module docstring)."""
        assert self._log is not None, "use the store as a context manager"
        study = outcome.study
        digest = study_digest(study.study_id)
        figure = None
        if outcome.figure_png is not None:
            name = self._figure_name(study)
            write_atomically(self.figures / name, outcome.figure_png)
            figure = f"figures/{name}"
        part = f"{digest[:2]}/{digest}.json.gz"
        error = None
        if outcome.error_kind is not None:
            error = {
                "kind": str(outcome.error_kind),
                "file": outcome.error_file,
                "reason": outcome.error_reason,
            }
        body = {
            "study_id": study.study_id,
            "labels": study.labels,
            "subregions": study.subregions,
            "document": outcome.document,
            "error": error,
            "figure": figure,
            "measure_s": outcome.measure_s,
            "figure_s": outcome.figure_s,
            "cpu_s": outcome.cpu_s,
            "worker": outcome.worker,
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        (self.parts / digest[:2]).mkdir(exist_ok=True)
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        write_atomically(self.parts / part, gzip.compress(data, compresslevel=5, mtime=0))
        entry = IndexEntry(
            study_id=study.study_id,
            labels=study.labels,
            subregions=study.subregions,
            part=part,
            measured=outcome.measured,
            error_kind=outcome.error_kind,
            max_grade=None if outcome.document is None else max_grade(outcome.document),
            figure=figure,
        )
        line = {
            "study_id": entry.study_id,
            "labels": entry.labels,
            "subregions": entry.subregions,
            "part": entry.part,
            "measured": entry.measured,
            "error_kind": None if entry.error_kind is None else str(entry.error_kind),
            "max_grade": entry.max_grade,
            "figure": entry.figure,
        }
        self._log.write(json.dumps(line, ensure_ascii=False) + "\n")
        self._log.flush()
        self._index[study.study_id] = entry
        return entry

    def read_part(self, entry: IndexEntry) -> dict[str, Any]:
        """The stored part of a study (its document or error, seconds, worker)."""
        data: dict[str, Any] = json.loads(gzip.decompress((self.parts / entry.part).read_bytes()))
        return data

    def sync(self) -> None:
        """Make the index durable (called at the end of a run)."""
        if self._log is not None:
            self._log.flush()
            with contextlib.suppress(OSError):
                os.fsync(self._log.fileno())


def read_parts(out: Path, study_ids: Iterable[str]) -> Iterator[dict[str, Any]]:
    """The parts of ``study_ids`` in an output folder, read without taking the lock
    (for ``screen import``), skipping studies that have none."""
    store = PartStore(out)
    index = dict(store._read_index())
    for study_id in study_ids:
        entry = index.get(study_id)
        if entry is not None:
            yield store.read_part(entry)
