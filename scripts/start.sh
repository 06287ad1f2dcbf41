#!/usr/bin/env bash
# One command on a fresh machine: set up .venv and run the main job — `vertebro serve`, the
# registry, REST API and web app (http://127.0.0.1:8000/). VERTEBRO_CASE=FILE instead
# assesses that case file and prints the clinician's text report.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages of the PDF reports (WeasyPrint needs pango; fonts; pdftoppm to look at
# pages), installed only when missing and only as root; otherwise PDFs answer with the reason.
debian_packages=(libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core poppler-utils)
missing=()
for pkg in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "start: installing Debian packages: ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "start: missing Debian packages (PDF reports will not work): ${missing[*]}" >&2
  fi
fi

scripts/setup.sh imaging,registry,exchange,analytics,web,reports,screening,dev
if [ -n "${VERTEBRO_CASE:-}" ]; then
  # Alternative: assess one case file and print the text report (no server, no database).
  exec .venv/bin/vertebro assess "$VERTEBRO_CASE" --format text
fi
# The main job: the registry, REST API and web app (a fresh database gets demo data and a
# demo login printed once). Extra arguments go to `vertebro serve` (--host, --port, ...).
exec .venv/bin/vertebro serve "$@"
