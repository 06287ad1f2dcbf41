"""``vertebro report`` and ``vertebro leaflet`` as real subprocesses over a real registry,
real WeasyPrint, and the PDF's text read back with poppler's pdftotext."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.reporting.conftest import ASSESSED, PHONE, TREATED, UNASSESSED, pdf_text

pytestmark = pytest.mark.usefixtures("weasyprint")


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("VERTEBRO_UNIT_")}
    environment = {**inherited, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "vertebro.cli", *args],
        capture_output=True, text=True, timeout=180, check=False, env=environment,
    )  # fmt: skip


def _pages(text: str) -> int:
    return text.count("\f")


def test_case_report_has_decision_levels_rules_plan_procedure_and_follow_up(
    registry_url: str, tmp_path: Path, pdftotext: str
) -> None:
    out = tmp_path / "report.pdf"
    result = run("report", TREATED, "--pdf", str(out), "--database", registry_url)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "wrote" in result.stderr and "Step" not in result.stderr
    assert out.read_bytes().startswith(b"%PDF")
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]
    text = pdf_text(pdftotext, out)
    first = text.split("\f")[0]
    # Header and decision first.
    assert f"Case {TREATED} · patient P-7" in first and "Rulebook 2026.2" in first
    assert first.index("RECOMMENDATION") < first.index("Levels")
    assert "Kyphoplasty" in first.split("Levels")[0]
    for expected in (
        "L1", "T-5", "Genant", "40 %", "Wedge", "Favourable", "TLICS",  # levels with rule ids
        "Spine", "Levels T11–L3 shown",  # the diagram
        "Plan", "General anaesthesia", "Bipedicular", "4–5 ml", "A-1", "A-5",  # plan, aftercare
        "Dr <Test>", "Kyphon HV-R", "4.5 ml", "3 ml", "disc", "Cement leakage",  # procedure
        "baseline", "1 day", "1 week", "1 month", "3 months", "2026-04-07", "62",  # follow-up
        "New fracture T12", "Scores over time", "Pain NRS", "ODI",  # chart
        "Page 1 of",
    ):  # fmt: skip
        assert expected in text, expected
    assert "None recorded" not in text
    assert _exports(registry_url, "report.pdf") >= 1


def _exports(url: str, what: str) -> int:
    from vertebro.registry import Registry
    from vertebro.services.registry import Actor, list_audit, unit_of_work

    registry = Registry.open(url)
    try:
        with unit_of_work(registry, Actor.cli()) as tx:
            entries = list_audit(tx, entity="case", entity_key=TREATED)
        return sum(1 for e in entries if e.action == "export" and (e.after or {})["what"] == what)
    finally:
        registry.close()


def test_case_without_procedure_or_follow_up_says_none_recorded(
    registry_url: str, tmp_path: Path, pdftotext: str
) -> None:
    out = tmp_path / "workup.pdf"
    result = run("report", ASSESSED, "--pdf", str(out), "--database", registry_url)
    assert result.returncode == 0, result.stderr
    text = pdf_text(pdftotext, out)
    assert "Needs work-up" in text and "Data needed before a decision" in text
    assert "T11" in text and "N-2" in text
    assert text.count("None recorded.") == 2
    assert "No procedure is planned for this decision." in text
    assert "Scores over time" not in text


def test_case_not_assessed_yet_still_prints(
    registry_url: str, tmp_path: Path, pdftotext: str
) -> None:
    out = tmp_path / "new.pdf"
    result = run("report", UNASSESSED, "--pdf", str(out), "--database", registry_url)
    assert result.returncode == 0, result.stderr
    assert "no stored assessment" in result.stderr
    text = pdf_text(pdftotext, out)
    assert "Not assessed yet" in text and text.count("None recorded.") == 2


def test_unknown_case_fails_and_writes_nothing(registry_url: str, tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    out.write_bytes(b"the earlier report")
    for command in ("report", "leaflet"):
        result = run(command, "NOPE-1", "--pdf", str(out), "--database", registry_url)
        assert result.returncode == 2
        assert "NOPE-1" in result.stderr and result.stdout == ""
        assert out.read_bytes() == b"the earlier report"
        assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]


def test_output_folder_must_exist(registry_url: str, tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "report.pdf"
    result = run("report", TREATED, "--pdf", str(missing), "--database", registry_url)
    assert result.returncode == 2 and "no such folder" in result.stderr
    folder = run("report", TREATED, "--pdf", str(tmp_path), "--database", registry_url)
    assert folder.returncode == 2 and "is a folder" in folder.stderr
    assert list(tmp_path.iterdir()) == []


def test_unwritable_folder_fails_cleanly(registry_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    # root writes into read-only folders: sysfs refuses even root.
    target = Path("/sys/report.pdf") if os.geteuid() == 0 else folder / "report.pdf"
    try:
        result = run("report", TREATED, "--pdf", str(target), "--database", registry_url)
        assert result.returncode == 1, result.stderr
        assert f"{target}: cannot write" in result.stderr
        assert not target.exists() and list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_leaflet_plain_words_phone_and_large_print(
    registry_url: str, tmp_path: Path, pdftotext: str
) -> None:
    normal, large = tmp_path / "leaflet.pdf", tmp_path / "leaflet-large.pdf"
    db = ["--database", registry_url]
    first = run("leaflet", TREATED, "--pdf", str(normal), "--unit-phone", PHONE, *db)
    assert first.returncode == 0, first.stderr
    second = run(
        "leaflet", TREATED, "--pdf", str(large), "--large-print", *db,
        env={"VERTEBRO_UNIT_PHONE": PHONE, "VERTEBRO_UNIT_NAME": "Spine Unit, St Elsewhere"},
    )  # fmt: skip
    assert second.returncode == 0, second.stderr
    assert "no unit phone number" not in first.stderr + second.stderr
    texts = [pdf_text(pdftotext, path) for path in (normal, large)]
    for text in texts:
        assert normal.read_bytes().startswith(b"%PDF")
        for heading in (
            "Your treatment: kyphoplasty", "What is wrong and what we suggest", "What happens",
            "What it may do for you", "Possible risks", "Other options", "Before the procedure",
            "Afterwards", "Call us straight away if you have",
        ):  # fmt: skip
            assert heading in text, heading
        assert f"Phone: {PHONE}" in text and f"reference {TREATED}" in text
    assert "Spine Unit, St Elsewhere" in texts[1]
    assert _pages(texts[1]) > _pages(texts[0])
    assert _exports(registry_url, "leaflet.pdf") >= 2


def test_leaflet_without_a_phone_number_warns(
    registry_url: str, tmp_path: Path, pdftotext: str
) -> None:
    out = tmp_path / "l.pdf"
    result = run("leaflet", ASSESSED, "--pdf", str(out), "--database", registry_url)
    assert result.returncode == 0, result.stderr
    assert "no unit phone number" in result.stderr
    text = pdf_text(pdftotext, out)
    assert "More information is needed before we decide" in text
    assert "ask the unit for its number" in text


def test_json_paths_do_not_import_matplotlib_or_weasyprint() -> None:
    code = (
        "import sys\n"
        "from vertebro.cli import main\n"
        f"sys.argv = ['vertebro', 'assess', {str(ROOT / 'examples/l1-wedge.json')!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ('matplotlib', 'weasyprint', 'jinja2')\n"
        "sys.stderr.write(repr(sorted({m.split('.')[0] for m in sys.modules} & set(heavy))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stderr == "[]"
    assert '"recommendation": "kyphoplasty"' in result.stdout


def test_help_names_both_commands() -> None:
    result: Any = run("--help")
    assert "report" in result.stdout and "leaflet" in result.stdout
    report_help = run("report", "--help").stdout
    assert "--pdf" in report_help and "--database" in report_help
    leaflet_help = run("leaflet", "--help").stdout
    assert "--large-print" in leaflet_help and "--unit-phone" in leaflet_help
