"""The optional compiled core: which modules mypyc compiles, and the guard that never lets a
compiled module run when any source it was built from has changed.

vertebro runs its pure-Python sources by default. The accelerator (``docs/performance.md``)
compiles the hot path of ``assess`` — :data:`COMPILED_MODULES` — into C extensions next to
their sources: in place (``scripts/compile_core.py``) or into a wheel
(``VERTEBRO_COMPILE=1 pip wheel``, through ``setup.py``). Python then imports an extension
before its ``.py`` file.

mypyc bakes into each extension what it knew of the modules it imports (it inlines their
``Final`` constants, for one), so a build depends on more than its own sources: the build
records the SHA-256 of every vertebro module the compiled ones import, directly or not
(:func:`dependencies`), in ``_compiled.json``. On ``import vertebro``,
:func:`use_current_core` checks that record: when any of those sources changed, or
``VERTEBRO_PURE_PYTHON=1`` is set, every compiled module is imported from its source
instead (never stale), with a :class:`CompiledCoreWarning` when it was stale. Without a
build nothing happens.

This module is loaded on its own by the build (``setup.py``, ``scripts/compile_core.py``):
it imports nothing from vertebro.
"""

from __future__ import annotations

import importlib.machinery
import os
import sys
from collections.abc import Iterable, Sequence
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

__all__ = [
    "COMPILED_MODULES",
    "RECORD",
    "CompiledCoreWarning",
    "compiled_in_use",
    "dependencies",
    "extension_paths",
    "record_build",
    "source_digests",
    "source_path",
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

#: Where a build records what it was built from (next to this file; not in version control).
RECORD = Path(__file__).with_name("_compiled.json")
_ROOT = Path(__file__).parent.parent  # the directory that holds the ``vertebro`` package


class CompiledCoreWarning(RuntimeWarning):
    """The compiled core is older than its sources: the sources run instead (slower)."""


def source_path(module: str, root: Path = _ROOT) -> Path:
    """``vertebro.guidance.engine`` → ``<root>/vertebro/guidance/engine.py``; a package →
    its ``__init__.py``."""
    base = root.joinpath(*module.split("."))
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


def extension_paths(module: str, root: Path = _ROOT) -> list[Path]:
    """Where a compiled ``module`` can be, one path per extension suffix of this Python."""
    base = source_path(module, root).with_suffix("")
    return [base.with_name(base.name + suffix) for suffix in importlib.machinery.EXTENSION_SUFFIXES]


def _is_module(name: str, root: Path) -> bool:
    base = root.joinpath(*name.split("."))
    return (base / "__init__.py").is_file() or base.with_suffix(".py").is_file()


def _imported(module: str, root: Path) -> set[str]:
    """The vertebro modules ``module`` imports (``from vertebro.x import y`` counts
    ``vertebro.x`` and, when it is a module, ``vertebro.x.y``), with their packages."""
    import ast

    tree = ast.parse(source_path(module, root).read_bytes())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    found = set()
    for name in names:
        parts = name.split(".")
        if parts[0] != "vertebro":
            continue
        for end in range(1, len(parts) + 1):  # importing a.b.c runs a and a.b first
            prefix = ".".join(parts[:end])
            if _is_module(prefix, root):
                found.add(prefix)
    return found


def dependencies(modules: Iterable[str] = COMPILED_MODULES, root: Path = _ROOT) -> list[str]:
    """``modules`` and every vertebro module they import, directly or not, sorted."""
    seen: set[str] = set()
    todo = list(modules)
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        todo.extend(_imported(module, root) - seen)
    return sorted(seen)


def source_digests(modules: Sequence[str], root: Path = _ROOT) -> dict[str, str]:
    """SHA-256 of each module's source file."""
    import hashlib

    return {m: hashlib.sha256(source_path(m, root).read_bytes()).hexdigest() for m in modules}


def record_build(root: Path = _ROOT, record: Path | None = None) -> Path:
    """Write the build record of the sources under ``root``: the compiled modules and the
    digest of every module they depend on. Returns the record's path."""
    import json

    target = record if record is not None else root / "vertebro" / RECORD.name
    document = {
        "compiled": list(COMPILED_MODULES),
        "sources": source_digests(dependencies(COMPILED_MODULES, root), root),
    }
    target.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", "utf-8")
    return target


def stale_modules(record: Path = RECORD, root: Path = _ROOT) -> list[str]:
    """The recorded sources that differ from what was compiled (every compiled module when
    the record is missing, unreadable or for another module list). A source not newer than
    the record is current; a newer one is compared by its digest."""
    import json

    try:
        document = json.loads(record.read_text("utf-8"))
        built: dict[str, str] = document["sources"]
        built_at = record.stat().st_mtime
        if document["compiled"] != list(COMPILED_MODULES) or not isinstance(built, dict):
            return list(COMPILED_MODULES)
    except (OSError, ValueError, KeyError, TypeError):
        return list(COMPILED_MODULES)
    changed = []
    for module in built:
        try:
            if source_path(module, root).stat().st_mtime > built_at:
                changed.append(module)
        except OSError:
            return sorted(built)  # a recorded source is gone
    if not changed:
        return []
    digests = source_digests(changed, root)
    return [m for m in changed if built[m] != digests[m]]


def compiled_in_use(module: ModuleType) -> bool:
    """Whether ``module`` was loaded from a compiled extension."""
    return isinstance(getattr(module, "__loader__", None), importlib.machinery.ExtensionFileLoader)


class _SourceFirst:
    """A meta-path finder that imports the compiled modules from their ``.py`` sources."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname not in COMPILED_MODULES:
            return None
        import importlib.util

        return importlib.util.spec_from_file_location(fullname, source_path(fullname, self._root))

    def invalidate_caches(self) -> None:
        """Nothing to invalidate (required of a meta-path finder)."""


def _built() -> bool:
    """Whether a build (a record, or extensions that a record should vouch for) is here."""
    if RECORD.exists():
        return True
    return any(p.exists() for m in COMPILED_MODULES for p in extension_paths(m))


def use_current_core() -> None:
    """Make sure no out-of-date compiled module can be imported (see the module docstring).
    Runs before any compiled module is imported; a few file checks when there is no build."""
    if any(isinstance(f, _SourceFirst) for f in sys.meta_path):
        return
    if os.environ.get("VERTEBRO_PURE_PYTHON") == "1":
        sys.meta_path.insert(0, _SourceFirst(_ROOT))
        return
    if not _built():
        return  # the default: the sources run
    stale = stale_modules()  # extensions without a record: every module counts as stale
    if stale:
        import warnings

        warnings.warn(
            f"vertebro's compiled core is older than {len(stale)} of the sources it was built "
            f"from ({', '.join(stale[:3])}{', …' if len(stale) > 3 else ''}): running the "
            "sources instead; rebuild it (scripts/compile_core.py) or remove it "
            "(scripts/compile_core.py --clean)",
            CompiledCoreWarning,
            stacklevel=2,
        )
        sys.meta_path.insert(0, _SourceFirst(_ROOT))
