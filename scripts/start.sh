#!/usr/bin/env bash
# One command on a fresh machine: set up .venv and run the main job — `vertebro serve`, the
# registry, REST API and web app (http://127.0.0.1:8000/). VERTEBRO_CASE=FILE instead
# assesses that case file and prints the clinician's text report.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh imaging,registry,exchange,analytics,web,dev
if [ -n "${VERTEBRO_CASE:-}" ]; then
  # Alternative: assess one case file and print the text report (no server, no database).
  exec .venv/bin/vertebro assess "$VERTEBRO_CASE" --format text
fi
# The main job: the registry, REST API and web app (a fresh database gets demo data and a
# demo login printed once). Extra arguments go to `vertebro serve` (--host, --port, ...).
exec .venv/bin/vertebro serve "$@"
