"""Every page of every example case, its text report and its PDFs speak the clinician's words:
no JSON path (``fractures[1].mri_edema``, ``patient.age_years``) and no raw coded value
(``non_operative``, ``needs_workup``) anywhere a person reads. The JSON API keeps its paths."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path

import httpx
import pytest

from tests.api.server import PASSWORD, LiveServer, live_server, sqlite_url
from tests.backends import unavailable

PATH = re.compile(r"fractures\[|\bpatient\.[a-z]|\bclinical\.[a-z]")
CASE_PAGES = ("", "/edit", "/checklist", "/procedure", "/follow-up", "/leaflet", "/versions")


def _raw_values() -> set[str]:
    """Every coded value a person must never read as it is (those with an underscore: the
    others are ordinary words), the enums' and the scores' readings."""
    import vertebro.model.enums as enums

    values = {
        str(member.value)
        for name in enums.__all__
        if isinstance(kind := getattr(enums, name), type) and issubclass(kind, StrEnum)
        for member in kind
    }
    values |= {"non_operative", "potentially_unstable", "posterior_ratio"}
    return {v for v in values if "_" in v}


RAW = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _raw_values()))) + r")\b")


def visible_text(page_html: str) -> str:
    """What a person reads: the text outside tags, scripts and styles, unescaped (the JSON
    document shown as stored, in ``<pre class="json">``, is the contract, not words)."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", page_html, flags=re.S)
    text = re.sub(r'<pre class="json"[^>]*>.*?</pre>', " ", text, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def words_problems(where: str, text: str) -> list[str]:
    """Each path or raw value in ``text``, with the words around it."""

    def around(m: re.Match[str]) -> str:
        return text[max(0, m.start() - 40) : m.end() + 40]

    found = [f"{where}: path {m.group(0)!r} in …{around(m)}…" for m in PATH.finditer(text)]
    found += [f"{where}: raw value {m.group(0)!r} in …{around(m)}…" for m in RAW.finditer(text)]
    return found


def pdf_text(data: bytes, tmp: Path) -> str:
    if shutil.which("pdftotext") is None:
        unavailable("pdftotext is missing (apt-get install poppler-utils)")
    source = tmp / "doc.pdf"
    source.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(source), "-"], check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture(scope="module")
def examples_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from vertebro.api.demo import seed_demo

    folder = tmp_path_factory.mktemp("words")
    with live_server(sqlite_url(folder)) as live:
        seed_demo(live.registry, patients=0)
        _treat(live, "l1-wedge")
        yield live


def _treat(live: LiveServer, case_id: str) -> None:
    """A performed session with a cement leak and a complication, two visits (one with a
    complication, one out of its window): the words of the pathway are on the pages too."""
    from tests.registry.conftest import follow_up_doc, procedure_doc
    from vertebro.services.registry import Actor, record_follow_up, record_procedure, unit_of_work

    performed = date.today() - timedelta(days=40)
    level = procedure_doc()["levels"][0]
    level["leakage"] = {"present": True, "types": ["venous", "paravertebral"],
                        "symptomatic": False, "detected_by": "ct"}  # fmt: skip
    complication = {"type": "pulmonary_cement_embolism", "symptomatic": False}
    with unit_of_work(live.registry, Actor.cli()) as tx:
        record_procedure(
            tx, case_id,
            procedure_doc(date=performed.isoformat(), levels=[level], complications=[complication]),
        )  # fmt: skip
        for visit, days in (("1 day", 1), ("1 week", 20)):
            when = (performed + timedelta(days=days)).isoformat()
            extra = {"analgesics": "weak_opioid", "odi": 30.0}
            if visit == "1 week":
                extra["complications"] = [{"type": "residual_pain", "symptomatic": True}]
            record_follow_up(tx, case_id, follow_up_doc(visit, when, **extra))


@contextmanager
def _client(live: LiveServer) -> Iterator[httpx.Client]:
    """A browser-like client logged in as the clinician."""
    with live.client(follow_redirects=True) as client:
        yield _logged_in(client)


def _logged_in(client: httpx.Client) -> httpx.Client:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token is not None
    client.post(
        "/login", data={"username": "clinician", "password": PASSWORD, "csrf_token": token[1]}
    )
    return client


def _case_ids() -> list[str]:
    from vertebro.api.demo import example_documents

    return [str(d["case_id"]) for d in example_documents()]


def test_no_page_of_an_example_case_shows_a_path_or_a_raw_value(
    examples_server: LiveServer, tmp_path: Path
) -> None:
    problems: list[str] = []
    with _client(examples_server) as client:
        for case_id in _case_ids():
            for suffix in CASE_PAGES:
                answer = client.get(f"/cases/{case_id}{suffix}")
                assert answer.status_code == 200, (case_id, suffix, answer.status_code)
                problems += words_problems(f"/cases/{case_id}{suffix}", visible_text(answer.text))
        treated = visible_text(client.get("/cases/l1-wedge").text)
        assert "Cement leakage at L1 (venous, paravertebral)" in treated
        assert "Pulmonary cement embolism" in treated and "Residual pain" in treated
        for listing in ("/worklist", "/outcomes"):
            answer = client.get(listing)
            assert answer.status_code == 200
            problems += words_problems(listing, visible_text(answer.text))
    assert problems == []


def test_the_text_report_and_the_pdfs_speak_words(
    examples_server: LiveServer, tmp_path: Path
) -> None:
    from vertebro.api.demo import example_documents
    from vertebro.guidance import assess
    from vertebro.model import parse_case
    from vertebro.reporting.text import assessment_text

    problems: list[str] = []
    for document in example_documents():
        text = assessment_text(assess(parse_case(document)))
        problems += words_problems(f"text report of {document['case_id']}", text)
    with _client(examples_server) as client:
        for case_id in _case_ids():
            for pdf in ("report.pdf", "leaflet.pdf"):
                answer = client.get(f"/cases/{case_id}/{pdf}")
                assert answer.status_code == 200, (case_id, pdf)
                assert answer.headers["content-type"] == "application/pdf"
                problems += words_problems(f"{case_id}/{pdf}", pdf_text(answer.content, tmp_path))
    assert problems == []


def test_the_json_api_keeps_the_exact_paths(examples_server: LiveServer) -> None:
    """The contract: the API names what is missing by its path, not in words."""
    with examples_server.client("clinician") as client:
        answer = client.get("/api/cases/workup-missing-mri-and-plc/assessments")
    assert answer.status_code == 200, answer.text
    missing = answer.json()[-1]["assessment"]["missing"]
    assert "fractures[1].mri_edema" in missing
    assert "fractures[0].plc" in missing


def test_the_missing_data_list_names_levels_in_spine_order_and_links_each_field(
    examples_server: LiveServer,
) -> None:
    """``workup-missing-mri-and-plc``: ``fractures[1]`` is T11, ``fractures[0]`` L1; the
    case page lists T11 before L1, each item a link to its form field."""
    with _client(examples_server) as client:
        page = client.get("/cases/workup-missing-mri-and-plc").text
        section = page[page.index('id="missing-h"') : page.index('id="levels-h"')]
        items = re.findall(r'<li><a href="([^"]+)">([^<]+)</a></li>', section)
        words = [html.unescape(text) for _, text in items]
        assert words[0] == "Medication and non-surgical care not enough: not known"
        t11 = words.index(
            "T11 — Bone oedema on MRI (STIR / T2 fat-sat) or uptake on bone scan: not known"
        )
        assert t11 < words.index("L1 — Posterior ligamentous complex: not known")
        href = html.unescape(items[t11][0])
        assert href == "/cases/workup-missing-mri-and-plc/edit?focus=fractures%5B1%5D.mri_edema"
        form = client.get(href).text
        assert 'id="f-fractures-1-mri_edema-blocks"' in form  # marked
        assert re.search(r'name="fractures\[1\]\.mri_edema" value="" checked autofocus', form)


def test_record_forms_name_their_problems_in_words(examples_server: LiveServer) -> None:
    """A procedure form sent with an empty level: each problem names the treated level and
    the form's label, never a path."""
    with _client(examples_server) as client:
        form = client.get("/cases/l2-burst-fall-vertebroplasty/procedure").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token is not None
        answer = client.post(
            "/cases/l2-burst-fall-vertebroplasty/procedure",
            data={"csrf_token": token[1], "status": "performed", "levels[0].level": "L2"},
        )
    assert answer.status_code == 422
    start = answer.text.index('id="error-summary"')
    summary = " ".join(
        visible_text(answer.text[start : answer.text.index("</div>", start)]).split()
    )
    assert "Date (planned or performed) : required" in summary
    assert "Operator : required" in summary
    assert "Treated level 1 — Technique : required" in summary
    assert "levels[" not in summary and "fractures[" not in summary
