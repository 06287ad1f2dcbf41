"""One study's outcome, its rows (study × level), and what a screening *finding* is.

**What screening assesses.** Without clinical data (age, pain, neurology, fracture age,
oedema …) no decision of the rulebook can be taken, and none is invented. Screening
assesses only what the label map shows: per evaluable level T1–L5 the Genant grade of the
measured height loss (rulebook M-2/M-3; Genant et al., J Bone Miner Res 1993). A study is
a **finding** when at least one evaluable vertebra has a grade ≥ ``min_grade`` (default 2,
"moderate": loss ≥ 25 %; grade 1 deformities are frequent and often not fractures).
Findings are ranked by severity: the highest grade, then the number of levels at or above
``min_grade``, then the greatest height loss. A finding is a prompt for a radiologist to
look at the images, never a diagnosis.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from vertebro.screening.sources import Study

__all__ = [
    "DEFAULT_MIN_GRADE",
    "ErrorKind",
    "Finding",
    "LevelFinding",
    "StudyOutcome",
    "finding_of",
    "level_rows",
    "max_grade",
    "method_version",
    "patient_code",
    "study_digest",
]

DEFAULT_MIN_GRADE = 2


class ErrorKind(StrEnum):
    """Why a study has no measurement: its input (final: a re-run would fail the same way)
    or the run (a lost worker, an unexpected exception: retried by the next run)."""

    INPUT = "input"
    FAILURE = "failure"


@dataclass(frozen=True, slots=True, eq=False)
class StudyOutcome:
    """What one task returns: the ``vertebro.measurement/1`` document, or the error.

    ``measure_s``/``figure_s`` are the wall seconds spent inside the task and ``cpu_s``
    the CPU seconds of its worker process (for the benchmark's overhead figures);
    ``figure_png`` is the sagittal figure of a finding; ``worker`` is the Dask worker's
    address.
    """

    study: Study
    document: dict[str, Any] | None = None
    error_kind: ErrorKind | None = None
    error_file: str | None = None
    error_reason: str | None = None
    measure_s: float = 0.0
    figure_s: float = 0.0
    cpu_s: float = 0.0
    figure_png: bytes | None = None
    worker: str | None = None

    @property
    def measured(self) -> bool:
        return self.document is not None


@dataclass(frozen=True, slots=True)
class LevelFinding:
    level: str
    genant_grade: int
    height_loss_pct: float
    shape: str | None

    def __str__(self) -> str:
        shape = f", {self.shape}" if self.shape else ""
        return f"{self.level} grade {self.genant_grade} ({self.height_loss_pct:.1f} %{shape})"


@dataclass(frozen=True, slots=True)
class Finding:
    """A study with at least one evaluable vertebra of grade ≥ ``min_grade``."""

    study_id: str
    labels: str
    max_grade: int
    levels: tuple[LevelFinding, ...]
    evaluable_levels: int
    regional_kyphosis_deg: float | None

    @property
    def worst_loss_pct(self) -> float:
        return max(item.height_loss_pct for item in self.levels)

    @property
    def severity_key(self) -> tuple[int, int, float, str]:
        """Sorts the most severe first: grade, number of levels, greatest loss, study id."""
        return (-self.max_grade, -len(self.levels), -self.worst_loss_pct, self.study_id)


def _graded(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        item
        for item in document["levels"]
        if item["evaluable"] and item.get("genant_grade") is not None
    ]


def max_grade(document: dict[str, Any]) -> int | None:
    """The highest Genant grade of the evaluable levels; None when none is evaluable."""
    grades = [int(item["genant_grade"]) for item in _graded(document)]
    return max(grades) if grades else None


def finding_of(
    study_id: str, labels: str, document: dict[str, Any], min_grade: int = DEFAULT_MIN_GRADE
) -> Finding | None:
    """The finding of a measured study (module docstring), or None."""
    levels = tuple(
        LevelFinding(
            item["level"],
            int(item["genant_grade"]),
            float(item["height_loss_pct"]),
            item.get("shape"),
        )
        for item in _graded(document)
        if int(item["genant_grade"]) >= min_grade
    )
    if not levels:
        return None
    return Finding(
        study_id=study_id,
        labels=labels,
        max_grade=max(item.genant_grade for item in levels),
        levels=levels,
        evaluable_levels=sum(1 for item in document["levels"] if item["evaluable"]),
        regional_kyphosis_deg=document.get("regional", {}).get("kyphosis_deg"),
    )


def method_version(document: dict[str, Any]) -> str:
    """The measurement method a document was made with: its ``method`` object as
    ``name/version`` (``vertebro-sq/1``, as the grading method names itself), a
    ``method_version`` string, else the document's schema (before methods were named).

    >>> method_version({"method": {"name": "vertebro-sq", "version": "1", "grading": "…"}})
    'vertebro-sq/1'
    >>> method_version({"schema": "vertebro.measurement/1"})
    'vertebro.measurement/1'
    """
    method = document.get("method")
    if isinstance(method, dict) and method.get("name"):
        version = method.get("version")
        return f"{method['name']}/{version}" if version is not None else str(method["name"])
    for key in ("method_version", "method"):
        value = document.get(key)
        if isinstance(value, str) and value:
            return value
    return str(document.get("schema", "vertebro.measurement/1"))


#: The columns of ``measurements.parquet``, in order (types in ``writers``).
ROW_COLUMNS = (
    "study_id",
    "labels",
    "convention",
    "method_version",
    "level",
    "evaluable",
    "reason",
    "height_anterior_mm",
    "height_middle_mm",
    "height_posterior_mm",
    "reference_height_mm",
    "height_loss_pct",
    "height_loss_source",
    "genant_grade",
    "shape",
    "wedge_angle_deg",
    "centroid_x_mm",
    "centroid_y_mm",
    "centroid_z_mm",
)


def level_rows(study_id: str, labels: str, document: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per level of a measured study, with ``ROW_COLUMNS`` as keys."""
    version = method_version(document)
    rows = []
    for item in document["levels"]:
        heights = item.get("heights_mm") or {}
        centroid = item.get("centroid_mm") or [None, None, None]
        rows.append(
            {
                "study_id": study_id,
                "labels": labels,
                "convention": document["convention"],
                "method_version": version,
                "level": item["level"],
                "evaluable": bool(item["evaluable"]),
                "reason": item.get("reason"),
                "height_anterior_mm": heights.get("anterior"),
                "height_middle_mm": heights.get("middle"),
                "height_posterior_mm": heights.get("posterior"),
                "reference_height_mm": item.get("reference_height_mm"),
                "height_loss_pct": item.get("height_loss_pct"),
                "height_loss_source": item.get("height_loss_source"),
                "genant_grade": item.get("genant_grade"),
                "shape": item.get("shape"),
                "wedge_angle_deg": item.get("wedge_angle_deg"),
                "centroid_x_mm": centroid[0],
                "centroid_y_mm": centroid[1],
                "centroid_z_mm": centroid[2],
            }
        )
    return rows


def study_digest(study_id: str) -> str:
    """A file-name-safe, fixed-length key of a study id (SHA-256, 32 hex digits).

    >>> study_digest("a/b")[:12]
    'c14cddc033f6'
    """
    return hashlib.sha256(study_id.encode("utf-8")).hexdigest()[:32]


def patient_code(study_id: str, key: bytes = b"") -> str:
    """The pseudonymous patient code of a study: ``SCR-`` and 16 hex digits of
    HMAC-SHA-256(``key``, study id). Screening cannot know who the patient is, so each
    study is its own pseudonymous patient; with a secret ``key`` (``VERTEBRO_PSEUDONYM_KEY``)
    the code cannot be recomputed from a guessed study id.

    >>> patient_code("verse007")
    'SCR-ca7aa0aa4885d1c7'
    """
    mac = hmac.new(key, study_id.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"SCR-{mac[:16]}"
