"""Demo data for a fresh registry (api-v1 "Demo data and the main job"): the packaged
example cases, each under its own pseudonymous patient (``is_demo``), assessed and stored;
and the user ``demo`` (role clinician) with a random password, returned once.

The 200-patient demo registry of ``vertebro demo-registry`` (issue 5) is seeded too when
that generator is installed (:func:`demo_registry_seeder`); until then only the examples.
"""

from __future__ import annotations

import importlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

from vertebro.registry import Registry, Role
from vertebro.services.registry import (
    Actor,
    add_user,
    assess_case,
    create_case,
    create_patient,
    hashed_password,
    unit_of_work,
)
from vertebro.services.registry.users import password_problem

__all__ = ["DemoSeed", "demo_registry_seeder", "example_documents", "seed_demo"]

DEMO_USER = "demo"


@dataclass(frozen=True, slots=True)
class DemoSeed:
    """What was seeded; ``password`` is shown once and never stored in clear."""

    user: str
    password: str
    cases: int
    registry_patients: int


def example_documents() -> list[dict[str, object]]:
    """The packaged example cases (``vertebro/api/examples/*.json``), by file name."""
    folder = resources.files("vertebro.api").joinpath("examples")
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".json"))
    return [json.loads(folder.joinpath(n).read_text(encoding="utf-8")) for n in names]


def demo_registry_seeder() -> Callable[..., object] | None:
    """The issue-5 generator ``seed_demo_registry(registry, patients=, seed=)`` if present."""
    for module_name in ("vertebro.services.registry.demo", "vertebro.demo"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        found: Callable[..., object] | None = getattr(module, "seed_demo_registry", None)
        if found is not None:
            return found
    return None


def seed_demo(registry: Registry, *, patients: int = 200) -> DemoSeed:
    """Seed a fresh registry in one transaction (as ``cli:<os user>``)."""
    password = secrets.token_urlsafe(12)
    while password_problem(password, user=DEMO_USER) is not None:  # 96 random bits: rare
        password = secrets.token_urlsafe(12)
    hashed = hashed_password(password, user=DEMO_USER)
    documents = example_documents()
    with unit_of_work(registry, Actor.cli()) as tx:
        add_user(tx, DEMO_USER, Role.CLINICIAN, hashed)
        for number, document in enumerate(documents, start=1):
            code = f"EX-{number:03d}"
            create_patient(tx, {"code": code}, is_demo=True)
            view = create_case(tx, code, document)
            assess_case(tx, view.case_id)
    seeded = 0
    generator = demo_registry_seeder()
    if generator is not None and patients > 0:
        generator(registry, patients=patients, seed=0)
        seeded = patients
    return DemoSeed(DEMO_USER, password, len(documents), seeded)
