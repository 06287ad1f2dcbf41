"""What changed between two versions of a case, in the clinician's words: one line per
field, ``"L1 — Bone oedema on MRI …: Not known → Yes"``."""

from __future__ import annotations

from dataclasses import dataclass

from vertebro.model import Case
from vertebro.reporting.labels import label
from vertebro.reporting.vocabulary import field_words, fracture_levels, in_level_order
from vertebro.web.form_fields import flatten

__all__ = ["Change", "version_changes"]


@dataclass(frozen=True, slots=True)
class Change:
    """One field that changed: its words, the value before and after (in words)."""

    field: str
    before: str
    after: str


def _shown(raw: str | None) -> str:
    if raw is None or raw == "":
        return "Not known"
    return label({"true": True, "false": False}.get(raw, raw))


def version_changes(before: Case | None, after: Case) -> list[Change]:
    """The fields of ``after`` that differ from ``before`` (every field filled in, for the
    first version), the patient's and clinical fields first, then the levels top down."""
    old = {} if before is None else flatten(before.model_dump(mode="json", exclude={"schema"}))
    new = flatten(after.model_dump(mode="json", exclude={"schema"}))
    levels = fracture_levels(after)
    paths = [p for p in {**old, **new} if old.get(p) != new.get(p)]
    if before is None:
        paths = [p for p in paths if new.get(p) not in (None, "")]
    return [
        Change(field_words(p, levels), _shown(old.get(p)), _shown(new.get(p)))
        for p in in_level_order(paths, levels)
    ]
