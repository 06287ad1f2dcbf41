"""The table of reviewed measurements: every version of a ``vertebro.measurement/1``
document that a reader checked in the browser (``measurement_reviews``).

Version 1 is the automatic measurement as uploaded, with the scene the review page draws
(sagittal background, each level's plane, outlines); every save adds a version with the
reviewed document and what changed (landmarks moved, grades confirmed or overridden with
a reason). Nothing is ever overwritten; each save is audited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vertebro.registry.schema import Base
from vertebro.registry.types import utc_now

__all__ = ["MeasurementReviewRow"]


class MeasurementReviewRow(Base):
    """One version of one reviewed measurement."""

    __tablename__ = "measurement_reviews"
    __table_args__ = (
        UniqueConstraint("review_key", "version"),
        CheckConstraint("status IN ('automatic', 'reviewed')", name="status"),
        CheckConstraint("version >= 1", name="version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_key: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    created_by: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    document: Mapped[dict[str, Any]]
    changes: Mapped[dict[str, Any] | None]
    scene: Mapped[dict[str, Any] | None]
