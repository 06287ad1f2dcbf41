#!/usr/bin/env bash
# Create .venv at the project root, install vertebro with its extras into it, and compile
# the assessment's hot path with mypyc when the extras bring mypy (dev) and a C compiler is
# at hand (scripts/compile_core.py; without it the same sources run, slower).
# Usage: scripts/setup.sh [EXTRAS]   (default extras: imaging,dev)
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-imaging,dev}"

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "vertebro needs Python >= 3.11 (found: $("$python" --version 2>&1))" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv" >&2
  "$python" -m venv .venv
fi
stamp=".venv/.vertebro-installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ "$(cat "$stamp")" != "$extras" ]; then
  echo "setup: installing vertebro[$extras] into .venv" >&2
  .venv/bin/python -m pip install --quiet --upgrade pip >&2
  .venv/bin/python -m pip install --quiet -e ".[$extras]" >&2
  echo "$extras" > "$stamp"
fi
if .venv/bin/python -c 'import mypyc' 2>/dev/null; then
  .venv/bin/python scripts/compile_core.py || true  # exit 3: not compiled, the sources run
fi
