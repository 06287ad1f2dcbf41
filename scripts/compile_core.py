"""Compile vertebro's hot path with mypyc, in place, so ``assess`` runs as C extensions.

Usage: ``.venv/bin/python scripts/compile_core.py [--force] [--clean]``

The modules are ``vertebro._compiled.COMPILED_MODULES``: the same typed sources, compiled
in a scratch directory; the extensions are copied next to their sources in ``src/`` and
``src/vertebro/_compiled.json`` records the SHA-256 of every source compiled. Nothing is
done when that record matches the sources (``--force`` rebuilds). ``--clean`` removes the
extensions (the sources run). When the build fails (no C compiler, no Python headers, no
mypy) the extensions are removed and the sources run: vertebro works either way, the
compiled core is only faster. Exit status: 0 built or up to date, 3 not built.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"


def _load_compiled_module():  # type: ignore[no-untyped-def]
    """``vertebro/_compiled.py`` on its own, without importing the package (whose compiled
    modules may be the ones being replaced)."""
    spec = importlib.util.spec_from_file_location(
        "_vertebro_compiled", SRC / "vertebro/_compiled.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


compiled = _load_compiled_module()


def _extensions() -> list[Path]:
    """Every extension a build put into ``src/`` (the modules' and mypyc's shared one)."""
    found = [p for p in SRC.glob("*__mypyc*") if p.suffix in (".so", ".pyd")]
    for module in compiled.COMPILED_MODULES:
        found += [path for path in compiled.extension_paths(module, SRC) if path.exists()]
    return found


def clean() -> None:
    compiled.RECORD.unlink(missing_ok=True)  # first: no record ever vouches for a partial set
    for path in _extensions():
        path.unlink()


def build() -> None:
    """Compile in a scratch copy of ``src/`` and copy the extensions back."""
    with tempfile.TemporaryDirectory(prefix="vertebro-mypyc-") as scratch:
        work = Path(scratch)
        shutil.copytree(
            SRC / "vertebro",
            work / "vertebro",
            ignore=shutil.ignore_patterns("*.so", "__pycache__"),
        )
        # mypy's settings for the compiled modules (the project's own pyproject.toml is
        # left out: mypyc's build would read it as a setuptools project).
        (work / "mypy.ini").write_text("[mypy]\npython_version = 3.11\nplugins = pydantic.mypy\n")
        files = [str(compiled.source_path(m, Path("."))) for m in compiled.COMPILED_MODULES]
        command = [sys.executable, "-m", "mypyc", *files]
        result = subprocess.run(command, cwd=work, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
            raise RuntimeError(f"mypyc failed:\n{tail}")
        clean()
        for path in work.glob("*__mypyc*"):
            if path.suffix in (".so", ".pyd"):
                shutil.copy2(path, SRC / path.name)
        for module in compiled.COMPILED_MODULES:
            built = [path for path in compiled.extension_paths(module, work) if path.exists()]
            if not built:
                raise RuntimeError(f"mypyc built no extension for {module}")
            shutil.copy2(built[0], SRC / built[0].relative_to(work))
    record = {"modules": compiled.source_digests(compiled.COMPILED_MODULES, SRC)}
    compiled.RECORD.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", "utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="rebuild even when up to date")
    parser.add_argument("--clean", action="store_true", help="remove the compiled core")
    args = parser.parse_args()
    if args.clean:
        clean()
        print("compile_core: removed the compiled core; the sources run", file=sys.stderr)
        return 0
    if not args.force and _extensions() and not compiled.stale_modules(compiled.RECORD, SRC):
        print("compile_core: the compiled core is up to date", file=sys.stderr)
        return 0
    if importlib.util.find_spec("mypyc") is None:
        clean()
        print("compile_core: mypy (mypyc) is not installed; the sources run", file=sys.stderr)
        return 3
    print(
        f"compile_core: compiling {len(compiled.COMPILED_MODULES)} modules with mypyc …",
        file=sys.stderr,
    )
    try:
        build()
    except (RuntimeError, OSError) as exc:
        clean()
        print(f"compile_core: not compiled, the sources run (slower): {exc}", file=sys.stderr)
        return 3
    print("compile_core: done", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
