"""Checks shared by the DICOM tests: dciodvfy, reading vertebro's SR back with highdicom as
another system would, and comparing two measurement documents."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

DCIODVFY = "dciodvfy"


def dciodvfy_errors(path: Path) -> list[str]:
    """dciodvfy's (dicom3tools) error lines for a DICOM file; fails when it is missing."""
    exe = shutil.which(DCIODVFY)
    if exe is None:
        pytest.fail("dciodvfy is required (apt-get install dicom3tools; scripts/test.sh does)")
    run = subprocess.run([exe, str(path)], capture_output=True, text=True, check=False)
    lines = (run.stdout + run.stderr).splitlines()
    return [line for line in lines if line.startswith("Error")]


def _code(item: Any) -> tuple[str, str]:
    return (str(item.value), str(item.scheme_designator))


def sr_levels(path: Path) -> dict[str, dict[str, Any]]:
    """``{level: {"site": code, "measurements": {code value: (value, unit)}, "evaluations":
    {code value: (value code, scheme)}, "segment": number or None, "method": …}}``."""
    import highdicom as hd

    sr = hd.sr.srread(path)
    report = sr.content
    groups = [
        *report.get_volumetric_roi_measurement_groups(),
        *report.get_image_measurement_groups(),
    ]
    out: dict[str, dict[str, Any]] = {}
    for group in groups:
        level = str(group.tracking_identifier).removeprefix("vertebra ")
        sites = group.finding_sites
        segment = getattr(group, "referenced_segment", None)
        out[level] = {
            "site": _code(sites[0].value) if sites else None,
            "measurements": {
                m.name.value: (m.value, m.unit.value, None if m.method is None else m.method.value)
                for m in group.get_measurements()
            },
            "evaluations": {
                q.name.value: _code(q.value) for q in group.get_qualitative_evaluations()
            },
            "segment": None
            if segment is None
            else int(segment[0].ReferencedSOPSequence[0].ReferencedSegmentNumber),
        }
    return out


def assert_same_measurement(seg_doc: dict[str, Any], nifti_doc: dict[str, Any]) -> None:
    """Same levels, reasons, grades and shapes; numbers within 0.05 (float tolerance at
    the document's 0.1 rounding)."""
    assert seg_doc["schema"] == nifti_doc["schema"]
    assert [lv["level"] for lv in seg_doc["levels"]] == [lv["level"] for lv in nifti_doc["levels"]]
    for a, b in zip(seg_doc["levels"], nifti_doc["levels"], strict=True):
        for key in ("evaluable", "reason", "genant_grade", "shape", "height_loss_source"):
            assert a[key] == b[key], (a["level"], key)
        assert np.allclose(a["centroid_mm"], b["centroid_mm"], atol=0.051), a["level"]
        if b["heights_mm"] is not None:
            for key in ("anterior", "middle", "posterior"):
                assert a["heights_mm"][key] == pytest.approx(b["heights_mm"][key], abs=0.051)
            for key in ("reference_height_mm", "height_loss_pct", "wedge_angle_deg"):
                assert (a[key] is None) == (b[key] is None), (a["level"], key)
                if b[key] is not None:
                    assert a[key] == pytest.approx(b[key], abs=0.051), (a["level"], key)
    assert seg_doc["regional"]["cranial_level"] == nifti_doc["regional"]["cranial_level"]
