"""The final files of a screening run, compacted from ``DIR/parts/`` and written atomically.

- ``measurements.parquet`` (pyarrow): one row per study × level (``records.ROW_COLUMNS``),
  studies in id order, written in row groups of a few thousand studies;
- ``findings.csv`` and ``findings.html``: the studies with a vertebra of grade ≥
  ``min_grade``, most severe first, each with its sagittal figure (``figures/``, linked
  from the page, which is otherwise self-contained: no script, no remote resource);
- ``errors.csv``: every study that could not be measured, with the file and the reason.

Each file is written to a temporary name in ``DIR`` and renamed into place: a reader sees
the previous file or the whole new one. Text cells of the CSV files that begin with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return get a leading ``'`` (as the registry's CSV
export does, registry-v1 1.1), so that a spreadsheet never runs them as formulas.
"""

from __future__ import annotations

import csv
import html
import io
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vertebro.files import write_atomically
from vertebro.screening.records import (
    ROW_COLUMNS,
    ErrorKind,
    Finding,
    finding_of,
    level_rows,
    method_version,
)
from vertebro.screening.sources import Study
from vertebro.screening.store import PartStore

__all__ = [
    "ERROR_COLUMNS",
    "FINDING_COLUMNS",
    "CompactSummary",
    "ErrorRow",
    "FindingRow",
    "compact",
    "read_findings_csv",
]

FINDING_COLUMNS = (
    "rank",
    "study_id",
    "patient_code",
    "max_grade",
    "min_grade",
    "levels",
    "level_count",
    "worst_height_loss_pct",
    "regional_kyphosis_deg",
    "evaluable_levels",
    "method_version",
    "labels",
    "figure",
)
ERROR_COLUMNS = ("study_id", "labels", "kind", "file", "reason")
_STUDIES_PER_ROW_GROUP = 4096
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class FindingRow:
    finding: Finding
    patient_code: str
    method_version: str
    figure: str | None


@dataclass(frozen=True, slots=True)
class ErrorRow:
    study_id: str
    labels: str
    kind: ErrorKind
    file: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class CompactSummary:
    """What the final files hold."""

    studies: int
    measured: int
    without_evaluable_level: int
    findings: int
    errors: int
    failures: int
    rows: int
    min_grade: int


def _text(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def _csv_bytes(header: Sequence[str], rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else _text(v) if isinstance(v, str) else v for v in row])
    return buffer.getvalue().encode("utf-8")


def _schema() -> Any:
    import pyarrow as pa

    floats = {c for c in ROW_COLUMNS if c.endswith(("_mm", "_pct", "_deg"))}
    fields = []
    for name in ROW_COLUMNS:
        if name == "evaluable":
            kind = pa.bool_()
        elif name == "genant_grade":
            kind = pa.int8()
        elif name in floats:
            kind = pa.float64()
        else:
            kind = pa.string()
        fields.append(pa.field(name, kind, nullable=name not in ("study_id", "level")))
    return pa.schema(fields)


class _ParquetFile:
    """``measurements.parquet`` written to a temporary file, renamed into place on close."""

    def __init__(self, path: Path) -> None:
        import pyarrow.parquet as pq

        self.path = path
        self.schema = _schema()
        handle, self.temporary = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".part", dir=path.parent
        )
        os.close(handle)
        self.writer = pq.ParquetWriter(self.temporary, self.schema, compression="zstd")
        self.pending: list[dict[str, Any]] = []
        self.studies = 0
        self.rows = 0

    def add(self, rows: list[dict[str, Any]]) -> None:
        self.pending.extend(rows)
        self.studies += 1
        self.rows += len(rows)
        if self.studies % _STUDIES_PER_ROW_GROUP == 0:
            self.flush()

    def flush(self) -> None:
        import pyarrow as pa

        if self.pending:
            self.writer.write_table(pa.Table.from_pylist(self.pending, schema=self.schema))
            self.pending = []

    def close(self) -> None:
        self.flush()
        self.writer.close()
        os.chmod(self.temporary, 0o600)
        os.replace(self.temporary, self.path)

    def abort(self) -> None:
        self.writer.close()
        Path(self.temporary).unlink(missing_ok=True)


def compact(
    store: PartStore,
    studies: Sequence[Study],
    min_grade: int,
    code_of: Callable[[str], str],
    *,
    source: str = "",
) -> CompactSummary:
    """Write the four final files of ``studies`` from their parts (module docstring);
    ``code_of(study_id)`` gives the pseudonymous patient code shown in the findings."""
    out = store.out
    parquet = _ParquetFile(out / "measurements.parquet")
    findings: list[FindingRow] = []
    errors: list[ErrorRow] = []
    measured = empty = 0
    versions: set[str] = set()
    try:
        for study in sorted(studies, key=lambda s: s.study_id):
            entry = store.entry(study.study_id)
            if entry is None:
                continue
            part = store.read_part(entry)
            document = part.get("document")
            if document is None:
                error = part["error"]
                errors.append(
                    ErrorRow(
                        study.study_id,
                        study.labels,
                        ErrorKind(error["kind"]),
                        error.get("file"),
                        str(error.get("reason")),
                    )
                )
                continue
            measured += 1
            empty += not any(item["evaluable"] for item in document["levels"])
            parquet.add(level_rows(study.study_id, study.labels, document))
            version = method_version(document)
            versions.add(version)
            found = finding_of(study.study_id, study.labels, document, min_grade)
            if found is not None:
                findings.append(
                    FindingRow(found, code_of(study.study_id), version, part.get("figure"))
                )
        parquet.close()
    except BaseException:
        parquet.abort()
        raise
    findings.sort(key=lambda f: f.finding.severity_key)
    write_atomically(
        out / "findings.csv", _csv_bytes(FINDING_COLUMNS, _finding_cells(findings, min_grade))
    )
    write_atomically(
        out / "errors.csv",
        _csv_bytes(
            ERROR_COLUMNS,
            [[e.study_id, e.labels, str(e.kind), e.file, e.reason] for e in errors],
        ),
    )
    summary = CompactSummary(
        studies=len(studies),
        measured=measured,
        without_evaluable_level=empty,
        findings=len(findings),
        errors=sum(1 for e in errors if e.kind is ErrorKind.INPUT),
        failures=sum(1 for e in errors if e.kind is ErrorKind.FAILURE),
        rows=parquet.rows,
        min_grade=min_grade,
    )
    page = findings_html(findings, summary, source=source, versions=sorted(versions))
    write_atomically(out / "findings.html", page.encode("utf-8"))
    return summary


def _finding_cells(findings: list[FindingRow], min_grade: int) -> list[list[Any]]:
    return [
        [
            rank,
            row.finding.study_id,
            row.patient_code,
            row.finding.max_grade,
            min_grade,
            "; ".join(str(level) for level in row.finding.levels),
            len(row.finding.levels),
            row.finding.worst_loss_pct,
            row.finding.regional_kyphosis_deg,
            row.finding.evaluable_levels,
            row.method_version,
            row.finding.labels,
            row.figure,
        ]
        for rank, row in enumerate(findings, start=1)
    ]


def read_findings_csv(path: Path) -> list[dict[str, str]]:
    """The rows of a ``findings.csv`` (as written here; the formula guard undone)."""
    with path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    for row in rows:
        for key, value in row.items():
            if value.startswith("'") and value[1:].startswith(_FORMULA_START):
                row[key] = value[1:]
    return rows


_GRADE_COLOURS = {1: "#f2d024", 2: "#ff7f0e", 3: "#e41a1c"}
_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1b1b;max-width:72rem}
h1{font-size:1.5rem;margin-bottom:.2rem}
.muted{color:#555}
.note{border-left:4px solid #ff7f0e;background:#fff6ec;padding:.6rem 1rem;margin:1rem 0}
table.summary td,table.summary th{padding:.15rem .8rem .15rem 0;text-align:left}
section.finding{border-top:1px solid #ccc;padding:1rem 0;display:grid;
grid-template-columns:minmax(18rem,1fr) 2fr;gap:1.5rem}
section.finding h2{font-size:1.1rem;margin:.2rem 0;word-break:break-all}
.grade{display:inline-block;padding:.05rem .5rem;border-radius:.8rem;font-weight:600}
ul.levels{padding-left:1.1rem}
img{max-width:100%;height:auto;border:1px solid #ddd}
"""


def _grade_badge(grade: int) -> str:
    colour = _GRADE_COLOURS.get(grade, "#9e9e9e")
    return f'<span class="grade" style="background:{colour}">grade {grade}</span>'


def findings_html(
    findings: list[FindingRow],
    summary: CompactSummary,
    *,
    source: str = "",
    versions: Sequence[str] = (),
) -> str:
    """The findings as one HTML page (no script; figures linked from ``figures/``)."""
    esc = html.escape
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>vertebro screening findings</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>Screening findings</h1>",
        f'<p class="muted">{esc(source)} · written {when} · method '
        f"{esc(', '.join(versions) or '—')}</p>",
        '<p class="note">Studies in which at least one vertebral body has a measured height '
        f"loss of Genant grade ≥ {summary.min_grade} (rulebook M-2/M-3), most severe first. "
        "Measured automatically from segmentation label maps, without clinical data: each is "
        "a prompt to review the images, not a diagnosis.</p>",
        '<table class="summary">',
        f"<tr><th>studies</th><td>{summary.studies}</td></tr>",
        f"<tr><th>measured</th><td>{summary.measured} "
        f"({summary.without_evaluable_level} without an evaluable vertebra)</td></tr>",
        f"<tr><th>findings</th><td>{summary.findings}</td></tr>",
        f"<tr><th>not measured</th><td>{summary.errors + summary.failures} "
        '(<a href="errors.csv">errors.csv</a>)</td></tr>',
        "</table>",
    ]
    if not findings:
        parts.append(f"<p>No study has a vertebra of grade ≥ {summary.min_grade}.</p>")
    for rank, row in enumerate(findings, start=1):
        f = row.finding
        levels = "".join(
            f"<li>{esc(level.level)} {_grade_badge(level.genant_grade)} "
            f"height loss {level.height_loss_pct:.1f} %"
            f"{', ' + esc(level.shape) if level.shape else ''}</li>"
            for level in f.levels
        )
        kyphosis = "—" if f.regional_kyphosis_deg is None else f"{f.regional_kyphosis_deg:.1f}°"
        figure = (
            f'<a href="{esc(row.figure)}"><img loading="lazy" src="{esc(row.figure)}" '
            f'alt="sagittal figure of {esc(f.study_id)}"></a>'
            if row.figure
            else '<p class="muted">(no figure)</p>'
        )
        parts.append(
            f'<section class="finding" id="f{rank}"><div>'
            f"<h2>{rank}. {esc(f.study_id)}</h2>"
            f"<p>{_grade_badge(f.max_grade)} · patient code {esc(row.patient_code)}</p>"
            f'<ul class="levels">{levels}</ul>'
            f"<p>{f.evaluable_levels} evaluable vertebrae · regional kyphosis {kyphosis}</p>"
            f'<p class="muted">{esc(f.labels)}</p>'
            f"</div><div>{figure}</div></section>"
        )
    parts.append("</body></html>\n")
    return "\n".join(parts)
