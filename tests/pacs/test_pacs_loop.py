"""The PACS loop against a real Orthanc over DICOMweb: find studies with a SEG, pull the
CT series and its SEG, measure, write the SR and the secondary capture, push them back; a
PACS that is down or refuses gives one line and exit 2, and nothing half-written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pydicom

from tests.imaging.dicom_checks import assert_same_measurement, dciodvfy_errors, sr_levels
from tests.pacs.conftest import Pacs

VERTEBRO = [sys.executable, "-m", "vertebro.cli"]


def vertebro(env: dict[str, str], *args: str, cwd: Path | None = None) -> Any:
    return subprocess.run(
        [*VERTEBRO, *args], capture_output=True, text=True, check=False, env=env, cwd=cwd
    )


def one_line_exit_2(run: Any) -> str:
    assert run.returncode == 2, (run.stdout, run.stderr)
    assert run.stdout == ""
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    return str(lines[0])


def series_of(pacs: Pacs, study: str) -> dict[str, str]:
    """``{series UID: modality}`` of a study, asked of Orthanc's own REST API."""
    with pacs.orthanc.client() as http:
        answer = http.post(
            "/tools/find",
            json={"Level": "Series", "Query": {"StudyInstanceUID": study}, "Expand": True},
        )
        answer.raise_for_status()
        return {
            s["MainDicomTags"]["SeriesInstanceUID"]: s["MainDicomTags"]["Modality"]
            for s in answer.json()
        }


def test_find_lists_the_studies_with_a_seg(pacs: Pacs) -> None:
    run = vertebro(pacs.env(), "pacs", "find", "--modality", "SEG", "--format", "json")
    assert run.returncode == 0, run.stderr
    found = {s["study_uid"]: s for s in json.loads(run.stdout)}
    assert set(found) == {pacs.real_study, pacs.wedge_study}
    assert all(s["has_seg"] and "CT" in s["modalities"] for s in found.values())
    assert found[pacs.real_study]["patient_id"] == "VB-TEST-0001"
    text = vertebro(pacs.env(), "pacs", "find", "--patient-id", "VB-TEST-0002")
    assert text.returncode == 0 and pacs.wedge_study in text.stdout
    assert pacs.real_study not in text.stdout


def test_the_whole_loop(pacs: Pacs, tmp_path: Path) -> None:
    """find → pull → measure (SR + secondary capture) → dciodvfy → push → in the study."""
    env = pacs.env()
    pulled = vertebro(env, "pacs", "pull", pacs.wedge_study, "--out", "study", cwd=tmp_path)
    assert pulled.returncode == 0, pulled.stderr
    study = tmp_path / "study"
    assert len(list((study / "image").iterdir())) == 112
    measured = vertebro(
        env, "measure", "--labels", "study/seg.dcm", "--image", "study/image",
        "--sr", "study/sr.dcm", "--secondary-capture", "study/sc.dcm", "--quiet",
        cwd=tmp_path,
    )  # fmt: skip
    assert measured.returncode == 0, measured.stderr
    document = json.loads(measured.stdout)
    local = vertebro(env, "measure", "--labels", str(pacs.data.wedge_labels), "--quiet")
    assert_same_measurement(document, json.loads(local.stdout))
    assert dciodvfy_errors(study / "sr.dcm") == []
    assert dciodvfy_errors(study / "sc.dcm") == []

    before = series_of(pacs, pacs.wedge_study)
    pushed = vertebro(env, "pacs", "push", "study/sr.dcm", "study/sc.dcm", cwd=tmp_path)
    assert pushed.returncode == 0, pushed.stderr
    sr = pydicom.dcmread(study / "sr.dcm")
    sc = pydicom.dcmread(study / "sc.dcm")
    assert f"study/sr.dcm: stored ({sr.SOPInstanceUID})" in pushed.stdout
    after = series_of(pacs, pacs.wedge_study)
    assert after == {**before, sr.SeriesInstanceUID: "SR", sc.SeriesInstanceUID: "OT"}

    # Another system reads the report back from the PACS (WADO-RS) with highdicom.
    import requests
    from dicomweb_client.api import DICOMwebClient

    session = requests.Session()
    session.auth = (pacs.orthanc.user, pacs.orthanc.password)
    client = DICOMwebClient(pacs.orthanc.dicomweb, session=session)
    [stored] = client.retrieve_series(pacs.wedge_study, sr.SeriesInstanceUID)
    back = tmp_path / "from-pacs-sr.dcm"
    stored.save_as(back, enforce_file_format=True)
    levels = sr_levels(back)
    l1 = next(lv for lv in document["levels"] if lv["level"] == "L1")
    assert levels["L1"]["measurements"]["VB-HA"][0] == l1["heights_mm"]["anterior"]
    assert levels["L1"]["evaluations"]["VB-GENANT"][0] == f"GENANT-{l1['genant_grade']}"


def test_pull_the_real_jpeg2000_series(pacs: Pacs, tmp_path: Path) -> None:
    out = tmp_path / "real"
    pulled = vertebro(pacs.env(), "pacs", "pull", pacs.real_study, "--out", str(out))
    assert pulled.returncode == 0, pulled.stderr
    images = sorted((out / "image").iterdir())
    assert len(images) == 20
    assert pydicom.dcmread(images[0]).file_meta.TransferSyntaxUID.name.startswith("JPEG 2000")
    measured = vertebro(
        pacs.env(), "measure", "--labels", str(out), "--image", str(out / "image"), "--quiet"
    )
    assert measured.returncode == 0, measured.stderr
    local = vertebro(pacs.env(), "measure", "--labels", str(pacs.data.real_labels), "--quiet")
    assert_same_measurement(json.loads(measured.stdout), json.loads(local.stdout))


def test_a_refusing_or_absent_pacs_gives_one_line(pacs: Pacs, tmp_path: Path) -> None:
    url = pacs.orthanc.dicomweb
    wrong = one_line_exit_2(vertebro(pacs.env(VERTEBRO_PACS_PASSWORD="wrong"), "pacs", "find"))
    assert wrong == f"{url}: refused: wrong or missing credentials (HTTP 401 for GET {url}/studies)"
    out = tmp_path / "nothing"
    absent = one_line_exit_2(vertebro(pacs.env(), "pacs", "pull", "1.2.3.4", "--out", str(out)))
    assert absent == f"{url}: not found: no study 1.2.3.4"
    assert not out.exists()
    odd = one_line_exit_2(vertebro(pacs.env(), "pacs", "pull", "../../system", "--out", str(out)))
    assert odd == "study: '../../system' is not a DICOM UID (digits and dots, ≤ 64)"
    assert not out.exists()
    down_url = "http://127.0.0.1:9"  # discard port: nothing listens
    down = one_line_exit_2(vertebro(pacs.env(VERTEBRO_PACS_URL=down_url), "pacs", "find"))
    assert down == f"{down_url}: cannot connect (is the PACS running and the URL right?)"
    no_server = pacs.env(VERTEBRO_PACS_URL="")
    assert one_line_exit_2(vertebro(no_server, "pacs", "find")) == (
        "pacs: no server: give --url or set VERTEBRO_PACS_URL"
    )
    refused_push = one_line_exit_2(
        vertebro(pacs.env(VERTEBRO_PACS_PASSWORD="wrong"), "pacs", "push", str(pacs.data.wedge_seg))
    )
    assert "HTTP 401" in refused_push


def test_pull_and_push_leave_nothing_half_done(pacs: Pacs, tmp_path: Path) -> None:
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    line = one_line_exit_2(
        vertebro(pacs.env(), "pacs", "pull", pacs.real_study, "--out", str(busy))
    )
    assert line == f"{busy}: already exists and is not an empty folder"
    assert [p.name for p in busy.iterdir()] == ["keep.txt"]

    not_dicom = tmp_path / "notes.txt"
    not_dicom.write_text("not DICOM")
    fresh = pydicom.dcmread(pacs.data.wedge_seg)  # a new instance in a new series
    fresh.SeriesInstanceUID = pydicom.uid.generate_uid()
    fresh.SOPInstanceUID = fresh.file_meta.MediaStorageSOPInstanceUID = pydicom.uid.generate_uid()
    fresh.save_as(tmp_path / "fresh.dcm")
    before = series_of(pacs, pacs.wedge_study)
    line = one_line_exit_2(
        vertebro(pacs.env(), "pacs", "push", str(tmp_path / "fresh.dcm"), str(not_dicom))
    )
    assert line == f"{not_dicom}: not a DICOM file (InvalidDicomError)"
    assert series_of(pacs, pacs.wedge_study) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["busy", "fresh.dcm", "notes.txt"]
