"""DICOM SR and secondary capture out: ``vertebro measure … --image SERIES --sr OUT.dcm
--secondary-capture OUT.dcm`` writes a TID 1500 Measurement Report and the sagittal figure in
the study of the series; dciodvfy (dicom3tools) finds no error in either, and highdicom reads
back the measured numbers and codes (data: TotalSegmentator's real CT and its output,
Apache-2.0; SEGs made with highdicom in ``dicom_data``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
import pytest

from vertebro.imaging.dicom_codes import PRIVATE_SCHEME, private_codes
from vertebro.imaging.dicom_seg import level_of_code, read_seg_header

from .conftest import TS
from .dicom_checks import dciodvfy_errors, sr_levels
from .dicom_data import DicomData, dicom_data_fixture  # noqa: F401  (the dicom_data fixture)

VERTEBRO = [sys.executable, "-m", "vertebro.cli"]
GRADES = {f"GENANT-{g}": g for g in range(4)}
SHAPES = {
    ("17621005", "SCT"): "normal",
    ("20446002", "SCT"): "wedge",
    ("SHAPE-BICONCAVE", PRIVATE_SCHEME): "biconcave",
    ("SHAPE-CRUSH", PRIVATE_SCHEME): "crush",
}


def _measure(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*VERTEBRO, "measure", "--quiet", *args], capture_output=True, text=True, check=False
    )


def assert_report_holds(sr_path: Path, document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every level of the document is in the SR with its numbers and codes."""
    levels = sr_levels(sr_path)
    assert list(levels) == [lv["level"] for lv in document["levels"]]
    for lv in document["levels"]:
        got = levels[lv["level"]]
        if got["site"] is not None:
            assert level_of_code(*got["site"]) == lv["level"]
        if not lv["evaluable"]:
            assert got["measurements"] == {}
            assert got["evaluations"]["VB-NOTEVAL"][0].startswith("NE-")
            continue
        m = got["measurements"]
        assert (m["VB-HA"][0], m["VB-HM"][0], m["VB-HP"][0]) == (
            lv["heights_mm"]["anterior"],
            lv["heights_mm"]["middle"],
            lv["heights_mm"]["posterior"],
        )
        assert {m[k][1] for k in ("VB-HA", "VB-HM", "VB-HP")} == {"mm"}
        assert m["VB-LOSS"][:2] == (lv["height_loss_pct"], "%")
        assert (
            m["VB-LOSS"][2]
            == {"reference": "LOSS-REF", "posterior_ratio": "LOSS-POST"}[lv["height_loss_source"]]
        )
        if lv["reference_height_mm"] is not None:
            assert m["VB-HREF"][:2] == (lv["reference_height_mm"], "mm")
        assert m["VB-WEDGE"][:2] == (lv["wedge_angle_deg"], "deg")
        assert GRADES[got["evaluations"]["VB-GENANT"][0]] == lv["genant_grade"]
        assert SHAPES[got["evaluations"]["VB-SHAPE"]] == lv["shape"]
    return levels


@pytest.fixture(scope="module")
def wedge_outputs(dicom_data: DicomData, tmp_path_factory: pytest.TempPathFactory) -> Any:
    out = tmp_path_factory.mktemp("sr")
    run = _measure(
        "--labels", str(dicom_data.wedge_seg), "--image", str(dicom_data.wedge_ct),
        "--sr", str(out / "sr.dcm"), "--secondary-capture", str(out / "sc.dcm"),
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout), out / "sr.dcm", out / "sc.dcm", run.stderr


def test_sr_and_capture_pass_dciodvfy(wedge_outputs: Any) -> None:
    _, sr, sc, stderr = wedge_outputs
    assert f"{sr}: written" in stderr and f"{sc}: written" in stderr
    assert dciodvfy_errors(sr) == []
    assert dciodvfy_errors(sc) == []


def test_sr_reads_back_to_the_measured_numbers(wedge_outputs: Any, dicom_data: DicomData) -> None:
    document, sr_path, _, _ = wedge_outputs
    levels = assert_report_holds(sr_path, document)
    l1 = next(lv for lv in document["levels"] if lv["level"] == "L1")
    assert l1["genant_grade"] >= 1  # the wedge shows in the report
    seg = read_seg_header(dicom_data.wedge_seg)
    assert {k: v["segment"] for k, v in levels.items()} == seg.segment_numbers()


def test_sr_belongs_to_the_study_and_references_series_and_seg(
    wedge_outputs: Any, dicom_data: DicomData
) -> None:
    _, sr_path, sc_path, _ = wedge_outputs
    ct = pydicom.dcmread(next(iter(sorted(dicom_data.wedge_ct.iterdir()))))
    seg = pydicom.dcmread(dicom_data.wedge_seg, stop_before_pixels=True)
    sr = pydicom.dcmread(sr_path)
    assert sr.SOPClassUID == "1.2.840.10008.5.1.4.1.1.88.34"  # Comprehensive 3D SR
    assert (sr.StudyInstanceUID, sr.PatientID) == (ct.StudyInstanceUID, ct.PatientID)
    assert sr.SeriesInstanceUID not in (ct.SeriesInstanceUID, seg.SeriesInstanceUID)
    evidence = {
        s.SeriesInstanceUID: {i.ReferencedSOPInstanceUID for i in s.ReferencedSOPSequence}
        for s in sr.CurrentRequestedProcedureEvidenceSequence[0].ReferencedSeriesSequence
    }
    assert len(evidence[ct.SeriesInstanceUID]) == len(list(dicom_data.wedge_ct.iterdir()))
    assert evidence[seg.SeriesInstanceUID] == {seg.SOPInstanceUID}
    schemes = {i.CodingSchemeDesignator for i in sr.CodingSchemeIdentificationSequence}
    assert PRIVATE_SCHEME in schemes
    texts = {str(item.get("TextValue", "")) for item in _walk(sr.ContentSequence)}
    assert "grading method vertebro-sq/1" in texts  # the method version travels with the SR
    sc = pydicom.dcmread(sc_path)
    assert (sc.StudyInstanceUID, sc.Modality, list(sc.PatientOrientation)) == (
        ct.StudyInstanceUID,
        "OT",
        ["P", "F"],
    )
    assert sc.SamplesPerPixel == 3 and sc.pixel_array.shape[2] == 3
    assert float(np.std(sc.pixel_array)) > 10  # a picture, not a blank frame


def test_sr_from_a_nifti_map_on_the_real_series(dicom_data: DicomData, tmp_path: Path) -> None:
    """Labels from NIfTI (no SEG): plain measurement groups (TID 1501); the real series,
    JPEG 2000 and with Siemens private tags, is the evidence."""
    run = _measure(
        "--labels", str(dicom_data.real_labels), "--image", str(dicom_data.real_ct),
        "--sr", str(tmp_path / "sr.dcm"),
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert dciodvfy_errors(tmp_path / "sr.dcm") == []
    levels = assert_report_holds(tmp_path / "sr.dcm", json.loads(run.stdout))
    assert all(v["segment"] is None for v in levels.values())
    assert set(levels) == {"T11", "T12"}


def test_private_codes_fit_dicom_short_strings() -> None:
    codes = private_codes()
    assert len({value for value, _ in codes}) == len(codes)
    assert all(len(value) <= 16 and len(meaning) <= 64 for value, meaning in codes)


def _refused(run: subprocess.CompletedProcess[str]) -> str:
    assert run.returncode == 2, run.stderr
    assert run.stdout == ""
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    return lines[0]


def test_sr_refusals_write_nothing(dicom_data: DicomData, tmp_path: Path) -> None:
    sr, sc = tmp_path / "sr.dcm", tmp_path / "sc.dcm"
    seg = str(dicom_data.wedge_seg)
    assert _refused(_measure("--labels", seg, "--sr", str(sr))) == (
        "--sr: needs --image, the DICOM series folder the labels were drawn on"
    )
    nifti_image = _measure(
        "--labels",
        str(dicom_data.wedge_labels),
        "--image",
        str(TS / "example_ct.nii.gz"),
        "--secondary-capture",
        str(sc),
    )
    assert _refused(nifti_image).startswith("--secondary-capture: needs --image")
    blank = _measure(
        "--labels",
        str(dicom_data.real_labels),
        "--image",
        str(TS / "example_ct_dicom"),
        "--sr",
        str(sr),
    )
    assert _refused(blank).endswith(
        "example_ct_dicom: the series has no StudyInstanceUID: a DICOM SR or secondary capture "
        "must reference its images and join their study"
    )
    other = _measure("--labels", seg, "--image", str(dicom_data.real_ct), "--sr", str(sr))
    assert "image and labels are not in the same patient space" in _refused(other)
    missing = tmp_path / "no-such-folder" / "sc.dcm"
    unwritable = _measure(
        "--labels",
        seg,
        "--image",
        str(dicom_data.wedge_ct),
        "--sr",
        str(sr),
        "--secondary-capture",
        str(missing),
    )
    assert _refused(unwritable).startswith(f"{missing}: cannot write")
    assert not sr.exists() and not sc.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def _walk(items: Any) -> Any:
    for item in items:
        yield item
        if "ContentSequence" in item:
            yield from _walk(item.ContentSequence)
