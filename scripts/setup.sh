#!/usr/bin/env bash
# Create .venv at the project root and install vertebro with its extras into it. vertebro
# runs its Python sources; the compiled core is an optional accelerator (docs/performance.md):
# VERTEBRO_COMPILE=1 builds it (scripts/compile_core.py, needs the dev extra, gcc and the
# Python headers), and an accelerator built before is rebuilt when its sources changed.
# A build that fails stops this script with the reason (exit 1).
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
  # (the editable install itself never compiles: scripts/compile_core.py does, below)
  env -u VERTEBRO_COMPILE .venv/bin/python -m pip install --quiet -e ".[$extras]" >&2
  echo "$extras" > "$stamp"
fi
if [ "${VERTEBRO_COMPILE:-}" = "1" ] || [ -f src/vertebro/_compiled.json ]; then
  .venv/bin/python scripts/compile_core.py
fi
