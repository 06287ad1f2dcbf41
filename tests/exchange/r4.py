"""The independent HL7 FHIR R4 validator of the tests (``r4validator/validate.mjs``: Medplum's
validator over the official R4 StructureDefinitions, every invariant, bindings to FHIR's own
terminology, references, narrative XHTML), run with Node.js on the files given.

``scripts/test.sh`` installs it (``npm ci`` into ``r4validator/node_modules``, git-ignored);
nothing is downloaded while the tests run. A missing Node.js or validator fails the test.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

VALIDATOR = Path(__file__).resolve().parent / "r4validator"
#: The one kind of finding allowed: terminology that cannot be checked offline.
OFFLINE = "cannot be expanded offline"


def validate_r4(documents: Mapping[str, Any], folder: Path) -> dict[str, dict[str, Any]]:
    """The validator's report per document name (documents are JSON-ready resources)."""
    node = shutil.which("node")
    assert node is not None, "Node.js is needed for the R4 validator (scripts/test.sh)"
    assert (VALIDATOR / "node_modules/@medplum/core").is_dir(), (
        f"the R4 validator is not installed: npm ci --prefix {VALIDATOR} (scripts/test.sh)"
    )
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, document in documents.items():
        path = folder / f"{name}.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        paths[str(path)] = name
    result = subprocess.run(
        [node, str(VALIDATOR / "validate.mjs"), *paths],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return {paths[report["file"]]: report for report in json.loads(result.stdout)}


def assert_valid_r4(documents: Mapping[str, Any], folder: Path) -> dict[str, dict[str, Any]]:
    """Zero errors, zero warnings, and nothing unchecked but offline terminology."""
    reports = validate_r4(documents, folder)
    for name, report in reports.items():
        assert report["errors"] == [], (name, report["errors"][:5])
        assert report["warnings"] == [], (name, report["warnings"][:5])
        other = [u for u in report["unchecked"] if OFFLINE not in u["message"]]
        assert other == [], (name, other[:5])
    return reports
