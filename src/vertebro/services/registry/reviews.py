"""Use cases: reviewed measurements (the SpineAnalyzer way: automatic, then a reader
confirms). Version 1 of a review is the automatic ``vertebro.measurement/1`` document;
each save by a reader adds a version whose document is recomputed from the reader's
landmarks by the core (never taken from the client), with what moved and the reader's
decision on each level's grade (confirmed, or overridden with a reason). Every write is
audited with the state before and after.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from vertebro.errors import InvalidDocument, NotFound, PreconditionFailed, Problem
from vertebro.registry.review_schema import MeasurementReviewRow
from vertebro.registry.schema import Role
from vertebro.services.registry.context import Tx

__all__ = [
    "ReviewRecord",
    "create_review",
    "get_review",
    "list_reviews",
    "recompute_measurement",
    "review_scene",
    "save_review",
]

_ACTIONS = ("confirm", "override")
_MAX_REASON = 500


@dataclass(frozen=True, slots=True)
class ReviewRecord:
    """One stored version of a review (``measurement`` is ``vertebro.measurement/1``)."""

    review_key: str
    version: int
    status: str
    created_at: datetime
    created_by: str
    source: str
    measurement: dict[str, Any]
    changes: dict[str, Any] | None

    def as_json(self) -> dict[str, Any]:
        return {
            "review_key": self.review_key,
            "version": self.version,
            "status": self.status,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "source": self.source,
            "measurement": self.measurement,
            "changes": self.changes,
        }


def _record(row: MeasurementReviewRow) -> ReviewRecord:
    return ReviewRecord(
        row.review_key,
        row.version,
        row.status,
        row.created_at,
        row.created_by,
        row.source,
        row.document,
        row.changes,
    )


def recompute_measurement(document: Any) -> dict[str, Any]:
    """The document recomputed from its landmarks (``imaging.review``); stores nothing.
    Bad input raises ``InvalidDocument`` with ``<path>: <reason>`` problems."""
    from vertebro.imaging.review import ReviewInputError, recompute_document

    try:
        return recompute_document(document)
    except ReviewInputError as exc:
        raise InvalidDocument([Problem(*line.split(": ", 1)) for line in exc.lines]) from None


def _summary(document: dict[str, Any]) -> dict[str, Any]:
    """Per evaluable level: grade and loss (what the audit keeps before and after)."""
    return {
        i["level"]: {"genant_grade": i["genant_grade"], "height_loss_pct": i["height_loss_pct"]}
        for i in document.get("levels", [])
        if i.get("evaluable")
    }


def create_review(
    tx: Tx, measurement: Any, *, source: str, scene: dict[str, Any] | None = None
) -> ReviewRecord:
    """Store an automatic measurement as version 1 of a new review (clinician)."""
    tx.require(Role.CLINICIAN)
    document = recompute_measurement(measurement)
    key = secrets.token_hex(8)
    row = MeasurementReviewRow(
        review_key=key,
        version=1,
        created_at=tx.now,
        created_by=tx.actor.name,
        source=source[:200],
        status="automatic",
        document=document,
        changes=None,
        scene=scene,
    )
    tx.session.add(row)
    tx.flush("a review with this key exists")
    tx.audit(
        "create", "measurement_review", key, after={"source": row.source, **_summary(document)}
    )
    return _record(row)


def _latest(tx: Tx, key: str) -> MeasurementReviewRow:
    row = tx.session.scalars(
        select(MeasurementReviewRow)
        .where(MeasurementReviewRow.review_key == key)
        .order_by(MeasurementReviewRow.version.desc())
        .limit(1)
    ).first()
    if row is None:
        raise NotFound(f"no measurement review {key!r}")
    return row


def get_review(tx: Tx, key: str, version: int | None = None) -> ReviewRecord:
    """The latest version of a review, or the given one (any role)."""
    tx.require(Role.VIEWER)
    if version is None:
        return _record(_latest(tx, key))
    row = tx.session.scalars(
        select(MeasurementReviewRow).where(
            MeasurementReviewRow.review_key == key, MeasurementReviewRow.version == version
        )
    ).first()
    if row is None:
        raise NotFound(f"no version {version} of measurement review {key!r}")
    return _record(row)


def list_review_versions(tx: Tx, key: str) -> list[ReviewRecord]:
    """Every version of a review, oldest first."""
    tx.require(Role.VIEWER)
    rows = list(
        tx.session.scalars(
            select(MeasurementReviewRow)
            .where(MeasurementReviewRow.review_key == key)
            .order_by(MeasurementReviewRow.version)
        )
    )
    if not rows:
        raise NotFound(f"no measurement review {key!r}")
    return [_record(r) for r in rows]


def list_reviews(tx: Tx, limit: int = 100) -> list[ReviewRecord]:
    """The latest version of each review, newest first."""
    tx.require(Role.VIEWER)
    latest = (
        select(
            MeasurementReviewRow.review_key,
            func.max(MeasurementReviewRow.version).label("version"),
        )
        .group_by(MeasurementReviewRow.review_key)
        .subquery()
    )
    rows = tx.session.scalars(
        select(MeasurementReviewRow)
        .join(
            latest,
            (MeasurementReviewRow.review_key == latest.c.review_key)
            & (MeasurementReviewRow.version == latest.c.version),
        )
        .order_by(MeasurementReviewRow.created_at.desc(), MeasurementReviewRow.id.desc())
        .limit(max(1, min(limit, 1000)))
    )
    return [_record(r) for r in rows]


def review_scene(tx: Tx, key: str) -> dict[str, Any] | None:
    """The scene stored with version 1 (None when the review was created without one)."""
    tx.require(Role.VIEWER)
    row = tx.session.scalars(
        select(MeasurementReviewRow).where(
            MeasurementReviewRow.review_key == key, MeasurementReviewRow.version == 1
        )
    ).first()
    if row is None:
        raise NotFound(f"no measurement review {key!r}")
    return row.scene


def _decisions(raw: Any, document: dict[str, Any]) -> list[dict[str, Any]]:
    """Validated reader decisions: ``{level, action: confirm|override, genant_grade, reason}``."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise InvalidDocument([Problem("decisions", "must be a list")])
    graded = {i["level"]: i["genant_grade"] for i in document["levels"] if i.get("evaluable")}
    problems: list[Problem] = []
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for n, d in enumerate(raw):
        path = f"decisions[{n}]"
        if not isinstance(d, dict):
            problems.append(Problem(path, "must be an object"))
            continue
        level, action, reason = d.get("level"), d.get("action"), d.get("reason") or ""
        grade = d.get("genant_grade")
        if not isinstance(level, str) or level not in graded:
            problems.append(Problem(f"{path}.level", f"{level!r} is not an evaluable level"))
            continue
        if level in seen:
            problems.append(Problem(f"{path}.level", f"{level} decided twice"))
        seen.add(level)
        if action not in _ACTIONS:
            problems.append(Problem(f"{path}.action", "must be confirm or override"))
            continue
        if not isinstance(reason, str) or len(reason) > _MAX_REASON:
            problems.append(Problem(f"{path}.reason", f"must be text of at most {_MAX_REASON}"))
            continue
        if action == "confirm":
            grade = graded[level]
        elif not isinstance(grade, int) or isinstance(grade, bool) or not 0 <= grade <= 3:
            problems.append(Problem(f"{path}.genant_grade", "must be 0, 1, 2 or 3"))
            continue
        elif not reason.strip():
            problems.append(Problem(f"{path}.reason", "required to override a grade"))
            continue
        out.append(
            {
                "level": level,
                "action": action,
                "measured_grade": graded[level],
                "genant_grade": grade,
                "reason": reason.strip(),
            }
        )
    if problems:
        raise InvalidDocument(problems)
    return out


def save_review(
    tx: Tx, key: str, measurement: Any, decisions: Any, *, base_version: int
) -> ReviewRecord:
    """A reader's review as a new version (clinician): the document recomputed from the
    given landmarks; ``base_version`` must be the latest (else 412, a concurrent reader
    saved first)."""
    from vertebro.imaging.review import landmark_moves

    tx.require(Role.CLINICIAN)
    latest = _latest(tx, key)
    if base_version != latest.version:
        raise PreconditionFailed(
            f"measurement review {key} is at version {latest.version}, not {base_version}",
            current_version=latest.version,
        )
    document = recompute_measurement(measurement)
    before_levels = [i["level"] for i in latest.document["levels"]]
    if [i["level"] for i in document["levels"]] != before_levels:
        raise InvalidDocument([Problem("levels", "must be the levels of the stored measurement")])
    moved = landmark_moves(latest.document, document)
    changes = {"moved": moved, "decisions": _decisions(decisions, document)}
    row = MeasurementReviewRow(
        review_key=key,
        version=latest.version + 1,
        created_at=tx.now,
        created_by=tx.actor.name,
        source=latest.source,
        status="reviewed",
        document=document,
        changes=changes,
        scene=None,
    )
    tx.session.add(row)
    tx.flush(f"measurement review {key} was saved by someone else; reload it")
    tx.audit(
        "review",
        "measurement_review",
        key,
        before={"version": latest.version, **_summary(latest.document)},
        after={"version": row.version, **_summary(document), **changes},
    )
    return _record(row)
