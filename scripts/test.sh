#!/usr/bin/env bash
# One command on a fresh machine: install everything the tests need (Debian packages too),
# then run lint, type checks and the whole test suite. Exit code non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the test suite needs (installed only when missing; needs root).
# gcc and the Python headers let tests/test_compiled.py build the optional compiled core;
# orthanc with its DICOMweb plugin is the PACS of the DICOM tests, dicom3tools' dciodvfy
# checks our SR/SC.
debian_packages=(postgresql chromium fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 poppler-utils gcc
  orthanc orthanc-dicomweb dicom3tools)
if ! "${PYTHON:-python3}" -c 'import os, sysconfig, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))'; then
  debian_packages+=(python3-dev)
fi
# Node.js and npm run the independent HL7 FHIR R4 validator of the tests (Medplum's, from npm).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  debian_packages+=(nodejs npm)
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

scripts/setup.sh imaging,dicom,registry,exchange,analytics,web,reports,screening,dev

# The FHIR R4 validator of the tests: pinned by its package-lock.json, installed into its
# git-ignored node_modules; nothing is downloaded while the tests run.
validator=tests/exchange/r4validator
if [ ! -f "$validator/node_modules/.package-lock.json" ] \
  || [ "$validator/package-lock.json" -nt "$validator/node_modules/.package-lock.json" ]; then
  echo "test: installing the FHIR R4 validator (npm ci)" >&2
  npm ci --prefix "$validator" --no-audit --no-fund --ignore-scripts --loglevel=error >&2
fi

# axe-core for the accessibility checks of the browser tests (tests/web/accessibility.py),
# pinned by its package-lock.json the same way.
axe=tests/web/axe
if [ ! -f "$axe/node_modules/.package-lock.json" ] \
  || [ "$axe/package-lock.json" -nt "$axe/node_modules/.package-lock.json" ]; then
  echo "test: installing axe-core (npm ci)" >&2
  npm ci --prefix "$axe" --no-audit --no-fund --ignore-scripts --loglevel=error >&2
fi

echo "== ruff" >&2
.venv/bin/ruff check src tests benchmarks
echo "== mypy (strict, src)" >&2
.venv/bin/mypy src/vertebro
echo "== lint-imports (import contracts, docs/architecture.md)" >&2
.venv/bin/lint-imports --no-logo
echo "== pytest" >&2
export HYPOTHESIS_PROFILE="${HYPOTHESIS_PROFILE:-$([ "${CI:-}" = "true" ] && echo ci || echo dev)}"
.venv/bin/python -m pytest --durations=15 "$@"
