"""The compiled core: which modules ``scripts/compile_core.py`` compiles with mypyc, and the
guard that never lets a compiled module run when it is older than its source.

The compiled modules are the same typed Python, built into C extensions next to their
sources (``engine.cpython-311-….so`` beside ``engine.py``); Python then imports the
extension first. The build records each source's SHA-256 in ``_compiled.json``. On
``import vertebro``, :func:`use_current_core` checks that record: when a source changed
since the build, or ``VERTEBRO_PURE_PYTHON=1`` is set, every compiled module is imported
from its source instead (slower, never stale), with a :class:`CompiledCoreWarning` for the
first case. Without a build nothing happens.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import warnings
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

__all__ = [
    "COMPILED_MODULES",
    "CompiledCoreWarning",
    "compiled_in_use",
    "extension_paths",
    "source_digests",
    "stale_modules",
    "use_current_core",
]

#: The hot path of ``assess``: rules, facts, scores, morphometry, plan and the JSON writer.
COMPILED_MODULES: tuple[str, ...] = (
    "vertebro.model.fast",
    "vertebro.morphometry.rounding",
    "vertebro.morphometry.heights",
    "vertebro.morphometry.angles",
    "vertebro.morphometry.of_class",
    "vertebro.guidance.catalogue",
    "vertebro.guidance.scores",
    "vertebro.guidance.facts",
    "vertebro.guidance.rules.contraindications",
    "vertebro.guidance.rules.open_surgery",
    "vertebro.guidance.rules.conservative",
    "vertebro.guidance.rules.missing_data",
    "vertebro.guidance.rules.technique",
    "vertebro.guidance.rules.cautions",
    "vertebro.guidance.verdict",
    "vertebro.guidance.engine",
    "vertebro.guidance.verdict_json",
    "vertebro.planning.aftercare",
    "vertebro.planning.plan",
)

#: Where the build records what it compiled (next to this file; not in version control).
RECORD = Path(__file__).with_name("_compiled.json")
_ROOT = Path(__file__).parent.parent  # the directory that holds the ``vertebro`` package


class CompiledCoreWarning(RuntimeWarning):
    """The compiled core is older than its sources: the sources run instead (slower)."""


def source_path(module: str, root: Path = _ROOT) -> Path:
    """``vertebro.guidance.engine`` → ``<root>/vertebro/guidance/engine.py``."""
    return root.joinpath(*module.split(".")).with_suffix(".py")


def extension_paths(module: str, root: Path = _ROOT) -> list[Path]:
    """Where a compiled ``module`` can be, one path per extension suffix of this Python."""
    base = source_path(module, root).with_suffix("")
    return [base.with_name(base.name + suffix) for suffix in importlib.machinery.EXTENSION_SUFFIXES]


def source_digests(modules: Sequence[str] = COMPILED_MODULES, root: Path = _ROOT) -> dict[str, str]:
    """SHA-256 of each module's source file."""
    return {m: hashlib.sha256(source_path(m, root).read_bytes()).hexdigest() for m in modules}


def stale_modules(record: Path = RECORD, root: Path = _ROOT) -> list[str]:
    """The compiled modules whose source differs from what was compiled (all of them when
    the record is missing or unreadable). Sources not newer than the record are current."""
    try:
        built: dict[str, str] = json.loads(record.read_text("utf-8"))["modules"]
        built_at = record.stat().st_mtime
    except (OSError, ValueError, KeyError, TypeError):
        return list(COMPILED_MODULES)
    changed = [
        m
        for m in COMPILED_MODULES
        if m not in built or source_path(m, root).stat().st_mtime > built_at
    ]
    if not changed:
        return []
    digests = source_digests(changed, root)
    return [m for m in changed if built.get(m) != digests[m]]


def compiled_in_use(module: ModuleType) -> bool:
    """Whether ``module`` was loaded from a compiled extension."""
    return isinstance(getattr(module, "__loader__", None), importlib.machinery.ExtensionFileLoader)


class _SourceFirst(importlib.abc.MetaPathFinder):
    """Imports the compiled modules from their ``.py`` sources."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname not in COMPILED_MODULES:
            return None
        return importlib.util.spec_from_file_location(fullname, source_path(fullname, self._root))


def use_current_core() -> None:
    """Make sure no out-of-date compiled module can be imported (see the module docstring).
    Runs before any compiled module is imported; cheap when the build is current."""
    if any(isinstance(f, _SourceFirst) for f in sys.meta_path):
        return
    if os.environ.get("VERTEBRO_PURE_PYTHON") == "1":
        sys.meta_path.insert(0, _SourceFirst(_ROOT))
        return
    if RECORD.exists():  # the build writes it last and ``--clean`` removes it first
        stale = stale_modules()
    elif any(p.exists() for m in COMPILED_MODULES for p in extension_paths(m)):
        stale = list(COMPILED_MODULES)  # extensions without a record: nothing vouches for them
    else:
        return  # nothing compiled: the sources run anyway
    if stale:
        warnings.warn(
            f"vertebro's compiled core is older than {len(stale)} of its sources "
            f"({', '.join(stale[:3])}{', …' if len(stale) > 3 else ''}): running the sources "
            "instead (slower); run scripts/setup.sh to rebuild it",
            CompiledCoreWarning,
            stacklevel=2,
        )
        sys.meta_path.insert(0, _SourceFirst(_ROOT))
