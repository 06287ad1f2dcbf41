"""Build hook of the optional compiled core (``docs/performance.md``); everything else about
the package is in ``pyproject.toml``.

Without ``VERTEBRO_COMPILE=1`` this adds nothing: the wheel is pure Python
(``py3-none-any``). With it, mypyc compiles ``vertebro._compiled.COMPILED_MODULES`` and the
wheel (or ``build_ext --inplace``) carries the extensions and their build record
``vertebro/_compiled.json``; a failed compilation fails the build.
``VERTEBRO_COMPILE=1 pip wheel --no-build-isolation --no-deps . -w dist`` needs mypy and a
C compiler with the Python headers (the ``dev`` extra; Debian ``gcc``, ``python3-dev``).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SRC = Path(__file__).resolve().parent / "src"


def _compiled_module():  # type: ignore[no-untyped-def]
    """``vertebro/_compiled.py`` on its own (the package's dependencies need not be here)."""
    spec = importlib.util.spec_from_file_location(
        "_vertebro_compiled", SRC / "vertebro/_compiled.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _BuildPyWithRecord(build_py):  # type: ignore[misc]
    """Also writes the build record next to the built package."""

    def run(self) -> None:
        super().run()
        compiled = _compiled_module()
        record = Path(self.build_lib) / "vertebro" / compiled.RECORD.name
        compiled.record_build(SRC, record)


if os.environ.get("VERTEBRO_COMPILE") == "1":
    from mypyc.build import mypycify

    compiled = _compiled_module()
    files = [str(compiled.source_path(m, Path("src"))) for m in compiled.COMPILED_MODULES]
    setup(ext_modules=mypycify(files, opt_level="3"), cmdclass={"build_py": _BuildPyWithRecord})
else:
    setup()
