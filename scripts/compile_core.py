"""Build, or remove, the optional compiled core in place (``docs/performance.md``).

Usage: ``.venv/bin/python scripts/compile_core.py [--force] [--clean]``

vertebro runs its sources by default; this is an accelerator. It compiles
``vertebro._compiled.COMPILED_MODULES`` with mypyc (``setup.py build_ext --inplace`` with
``VERTEBRO_COMPILE=1``, the same build a wheel gets) into C extensions next to their sources
in ``src/``, then writes ``src/vertebro/_compiled.json``: the SHA-256 of every source the
build depends on. Nothing is done when that record matches the sources (``--force``
rebuilds). ``--clean`` removes the extensions and the record (the sources run).

Any failure — no mypy, no C compiler or Python headers, a compile error, a module left
uncompiled — removes what was built, says why on standard error and exits 1: a failed
build is never swallowed. Exit status: 0 built, up to date or removed; 1 not built.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"


# This process never loads the extensions it rebuilds: it reads the module list, the paths
# and the guard from the sources.
os.environ["VERTEBRO_PURE_PYTHON"] = "1"
sys.path.insert(0, str(SRC))
from vertebro import _compiled as compiled  # noqa: E402


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
    """Compile in place; raise RuntimeError with the reason when anything is missing."""
    if importlib.util.find_spec("mypyc") is None:
        raise RuntimeError("mypy (mypyc) is not installed: install the dev extra")
    clean()
    env = {**os.environ, "VERTEBRO_COMPILE": "1"}
    command = [sys.executable, "setup.py", "-q", "build_ext", "--inplace"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise RuntimeError(
            f"mypyc failed (a C compiler and the Python headers are needed):\n{tail}"
        )
    missing = [
        module
        for module in compiled.COMPILED_MODULES
        if not any(path.exists() for path in compiled.extension_paths(module, SRC))
    ]
    if missing:
        raise RuntimeError(f"mypyc built no extension for {', '.join(missing)}")
    compiled.record_build(SRC)


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
    print(
        f"compile_core: compiling {len(compiled.COMPILED_MODULES)} modules with mypyc …",
        file=sys.stderr,
    )
    try:
        build()
    except (RuntimeError, OSError) as exc:
        clean()
        print(f"compile_core: NOT compiled: {exc}", file=sys.stderr)
        return 1
    print("compile_core: done; vertebro runs the compiled core", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
