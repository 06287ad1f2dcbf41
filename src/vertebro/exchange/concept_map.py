"""The concept map of foreign FHIR imports: which codes of other systems' resources become
which vertebro field (``data/concept-map.json``, or a site's own file named by
``VERTEBRO_CONCEPT_MAP``; ``docs/fhir.md``).

Every concept names the published source its code was verified against; a map with a
concept lacking one, or naming a target vertebro does not know, is refused when loaded.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from vertebro.exchange.codes import PROJECT_SYSTEM, project_code_system
from vertebro.model.enums import Anaesthesia, Etiology, Setting, Technique

__all__ = [
    "CONCEPT_MAP_ENV",
    "Concept",
    "ConceptMap",
    "concept_map_from",
    "load_concept_map",
    "packaged_concept_map",
]

#: The environment variable naming a site's own concept map file.
CONCEPT_MAP_ENV = "VERTEBRO_CONCEPT_MAP"
FORMAT = "vertebro.concept-map/1"
REGIONS = frozenset({"thoracic", "lumbar"})
SCORE_FIELDS = {"pain_nrs": "integer", "odi": "number", "rdq": "integer"}
MEASUREMENT_FIELDS = {
    "heights_mm.anterior": "mm",
    "heights_mm.middle": "mm",
    "heights_mm.posterior": "mm",
    "height_loss_pct": "%",
}

#: Per target: its attributes and the values each may take (None: any text).
_ATTRIBUTES: dict[str, dict[str, frozenset[str] | None]] = {
    "fracture": {"etiology": frozenset(Etiology), "region": REGIONS},
    "score": {"field": frozenset(SCORE_FIELDS), "value": frozenset({"integer", "number"})},
    "measurement": {"field": frozenset(MEASUREMENT_FIELDS), "unit": None},
    "technique": {"technique": frozenset(Technique), "region": REGIONS},
    "anaesthesia": {"anaesthesia": frozenset(Anaesthesia)},
    "setting": {"setting": frozenset(Setting)},
    "session": {},
}
_REQUIRED = {
    "fracture": (),
    "score": ("field", "value"),
    "measurement": ("field", "unit"),
    "technique": ("technique",),
    "anaesthesia": ("anaesthesia",),
    "setting": ("setting",),
    "session": (),
}
_COMMON = ("system", "code", "display", "source")


@dataclass(frozen=True, slots=True)
class Concept:
    """One mapped code: where it is read (``Condition.code``), what it becomes (``target``
    and its ``attributes``) and where it was verified (``source``)."""

    element: str
    target: str
    system: str
    code: str
    display: str
    source: str
    attributes: Mapping[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        return self.attributes.get(name)

    @property
    def label(self) -> str:
        """``system|code`` for reports."""
        return f"{self.system}|{self.code}"


@dataclass(frozen=True)
class ConceptMap:
    """The loaded map: look codings up by the element they were read from."""

    concepts: tuple[Concept, ...]
    _index: dict[tuple[str, str, str], Concept] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        index = {(c.element, c.system, c.code): c for c in self.concepts}
        object.__setattr__(self, "_index", index)

    def find(
        self, element: str, codings: Iterable[Mapping[str, Any]], target: str | None = None
    ) -> Concept | None:
        """The concept of the first coding (of ``target``, if given) the map knows."""
        for coding in codings:
            concept = self._index.get((element, str(coding.get("system")), str(coding.get("code"))))
            if concept is not None and (target is None or concept.target == target):
                return concept
        return None


def _problem(where: str, reason: str) -> ValueError:
    return ValueError(f"{where}: {reason}")


def _concept(element: str, target: str, raw: Any, where: str, own: set[str]) -> Concept:
    if not isinstance(raw, dict):
        raise _problem(where, "must be an object")
    for key in _COMMON:
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            reason = "no source: every shipped concept names where its code was verified"
            raise _problem(f"{where}.{key}", reason if key == "source" else "required text")
    allowed = _ATTRIBUTES[target]
    attributes: dict[str, str] = {}
    for key, value in raw.items():
        if key in _COMMON:
            continue
        if key not in allowed:
            raise _problem(f"{where}.{key}", f"unknown key for target {target!r}")
        values = allowed[key]
        if not isinstance(value, str) or (values is not None and value not in values):
            choices = "" if values is None else f": one of {', '.join(sorted(values))}"
            raise _problem(f"{where}.{key}", f"{value!r} is not allowed{choices}")
        attributes[key] = value
    for key in _REQUIRED[target]:
        if key not in attributes:
            raise _problem(f"{where}.{key}", "required")
    if raw["system"] == PROJECT_SYSTEM and raw["code"] not in own:
        raise _problem(f"{where}.code", f"{raw['code']!r} is not in the vertebro CodeSystem")
    return Concept(
        element, target, raw["system"], raw["code"], raw["display"], raw["source"], attributes
    )


def load_concept_map(text: str | bytes, name: str = "concept map") -> ConceptMap:
    """A concept map from its JSON text; ``ValueError`` naming the first defect."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise _problem(name, f"not valid JSON: {exc}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise _problem(name, f"not a {FORMAT} document")
    groups = document.get("groups")
    if not isinstance(groups, list):
        raise _problem(f"{name}: groups", "must be a list")
    own = {c["code"] for c in project_code_system()["concept"]}
    concepts: list[Concept] = []
    seen: set[tuple[str, str, str]] = set()
    for g, group in enumerate(groups):
        where = f"{name}: groups[{g}]"
        if not isinstance(group, dict) or group.get("target") not in _ATTRIBUTES:
            raise _problem(where, f"target must be one of {', '.join(_ATTRIBUTES)}")
        element = group.get("element")
        if not isinstance(element, str) or "." not in element:
            raise _problem(f"{where}.element", "required, such as Condition.code")
        for c, raw in enumerate(group.get("concepts") or []):
            concept = _concept(element, group["target"], raw, f"{where}.concepts[{c}]", own)
            key = (element, concept.system, concept.code)
            if key in seen:
                raise _problem(f"{where}.concepts[{c}]", f"{concept.label} is mapped twice")
            seen.add(key)
            concepts.append(concept)
    return ConceptMap(tuple(concepts))


@cache
def packaged_concept_map() -> ConceptMap:
    """The concept map shipped in the package."""
    text = files("vertebro.exchange").joinpath("data/concept-map.json").read_text("utf-8")
    return load_concept_map(text, "data/concept-map.json")


def concept_map_from(path: Path | None) -> ConceptMap:
    """The map in ``path`` (a site's own), else the packaged one; ``ValueError`` if bad."""
    if path is None:
        return packaged_concept_map()
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise _problem(str(path), exc.strerror or str(exc)) from None
    return load_concept_map(text, str(path))
