#!/usr/bin/env bash
# One command on a fresh machine: install everything the tests need (Debian packages too),
# then run lint, type checks and the whole test suite. Exit code non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the test suite needs (installed only when missing; needs root).
# gcc and the Python headers let tests/test_compiled.py build the optional compiled core.
debian_packages=(postgresql chromium fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 poppler-utils gcc)
if ! "${PYTHON:-python3}" -c 'import os, sysconfig, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))'; then
  debian_packages+=(python3-dev)
fi
missing=()
for pkg in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "test: installing Debian packages: ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

scripts/setup.sh imaging,registry,exchange,analytics,web,reports,dev

echo "== ruff" >&2
.venv/bin/ruff check src tests benchmarks
echo "== mypy (strict, src)" >&2
.venv/bin/mypy src/vertebro
echo "== pytest" >&2
export HYPOTHESIS_PROFILE="${HYPOTHESIS_PROFILE:-$([ "${CI:-}" = "true" ] && echo ci || echo dev)}"
.venv/bin/python -m pytest --durations=15 "$@"
