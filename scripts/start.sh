#!/usr/bin/env bash
# One command on a fresh machine: set up .venv and run the main job — assess the bundled
# example case and print the clinician's text report. Extra arguments go to `vertebro assess`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh imaging,registry,exchange,analytics,dev
case_file="${VERTEBRO_CASE:-examples/l1-wedge.json}"
exec .venv/bin/vertebro assess "$case_file" --format text "$@"
