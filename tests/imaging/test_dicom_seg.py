"""DICOM SEG in: ``vertebro measure --labels SEG.dcm`` measures exactly what the NIfTI path
measures on the same voxels (data: TotalSegmentator's real CT series and its output,
Apache-2.0, see ../shared/data/README.md; the SEGs are made with highdicom in
``dicom_data``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from vertebro.errors import ImageTooLarge
from vertebro.imaging.dicom_seg import level_of_code, level_of_label, read_dicom_seg
from vertebro.imaging.labels import SPINE_ORDER
from vertebro.services.measuring import measure_study

from .conftest import TS
from .dicom_checks import assert_same_measurement
from .dicom_data import DicomData, dicom_data_fixture  # noqa: F401  (the dicom_data fixture)

VERTEBRO = [sys.executable, "-m", "vertebro.cli"]


@pytest.mark.parametrize("which", ["real_seg", "real_seg_fractional"])
def test_seg_of_the_real_ct_series_measures_like_its_nifti(
    dicom_data: DicomData, which: str
) -> None:
    seg = measure_study(getattr(dicom_data, which), image=dicom_data.real_ct)
    nifti = measure_study(dicom_data.real_labels, image=TS / "example_ct_dicom")
    assert [lv["level"] for lv in seg.document["levels"]] == ["T11", "T12"]
    assert_same_measurement(seg.document, nifti.document)
    assert seg.convention_line == "convention: totalsegmentator (from DICOM SEG segments)"


def test_seg_named_by_label_text_on_a_wedged_spine(dicom_data: DicomData) -> None:
    """Segments coded only as the generic "Vertebra" are named by their labels
    ("Lumbar vertebra 1" …); L1, wedged by 35 %, keeps its measured grade and shape."""
    seg = measure_study(dicom_data.wedge_seg, image=dicom_data.wedge_ct)
    nifti = measure_study(dicom_data.wedge_labels)
    levels = {lv["level"]: lv for lv in seg.document["levels"]}
    assert [k for k, v in levels.items() if v["evaluable"]] == ["L1", "L2", "L3", "L4", "L5"]
    assert levels["L1"]["genant_grade"] >= 1
    assert_same_measurement(seg.document, nifti.document)
    assert seg.draft_case() is not None


def test_label_map_segmentation_measures_like_its_nifti(
    dicom_data: DicomData, tmp_path: Path
) -> None:
    """A Label Map Segmentation (SOP class 1.2.840.10008.5.1.4.1.1.66.7) of the wedged map."""
    from .dicom_data import seg_from_labels

    seg = seg_from_labels(
        dicom_data.wedge_ct, dicom_data.wedge_labels, tmp_path / "labelmap.dcm", labelmap=True
    )
    got = measure_study(seg, image=dicom_data.wedge_ct)
    assert_same_measurement(got.document, measure_study(dicom_data.wedge_labels).document)


def test_cli_reads_a_seg_or_a_folder_holding_one(dicom_data: DicomData, tmp_path: Path) -> None:
    folder = tmp_path / "segfolder"
    folder.mkdir()
    (folder / "seg.dcm").write_bytes(dicom_data.wedge_seg.read_bytes())
    (folder / "notes.txt").write_text("not DICOM")
    run = subprocess.run(
        [
            *VERTEBRO,
            "measure",
            "--labels",
            str(folder),
            "--image",
            str(dicom_data.wedge_ct),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "from DICOM SEG segments" in run.stderr
    nifti = measure_study(dicom_data.wedge_labels)
    assert_same_measurement(json.loads(run.stdout), nifti.document)


def test_without_the_image_the_seg_keeps_its_own_grid(dicom_data: DicomData) -> None:
    """No image: the grid runs from the SEG's first to its last frame; the levels away
    from those ends measure as on the image's grid."""
    own = measure_study(dicom_data.wedge_seg).document
    nifti = measure_study(dicom_data.wedge_labels).document
    middle = {"L1", "L2", "L3", "L4"}
    pick = [lv for lv in own["levels"] if lv["level"] in middle]
    want = [lv for lv in nifti["levels"] if lv["level"] in middle]
    for a, b in zip(pick, want, strict=True):
        assert a["heights_mm"] == b["heights_mm"], a["level"]


def test_seg_frames_land_on_the_image_grid(dicom_data: DicomData) -> None:
    """The SEG's voxels, placed on the CT series' grid, are the label map's voxels."""
    from vertebro.imaging.dicom import read_dicom_series
    from vertebro.imaging.nifti import read_nifti_labels
    from vertebro.imaging.volume import voxel_to_world, world_to_voxel

    image = read_dicom_series(dicom_data.wedge_ct)
    seg = read_dicom_seg(dicom_data.wedge_seg, image)
    assert seg.shape == image.shape and np.allclose(seg.affine, image.affine)
    labels = read_nifti_labels(dicom_data.wedge_labels)
    table = {v: int(name.split("_")[1] == "L1") for v, name in (seg.label_table or {}).items()}
    l1_value = next(v for v, one in table.items() if one)
    ours = np.argwhere(seg.array == l1_value)
    theirs = np.argwhere(np.asarray(labels.array) == 31)
    mapped = np.rint(world_to_voxel(image.affine, voxel_to_world(labels.affine, theirs)))
    assert {tuple(p) for p in ours.tolist()} == {tuple(p) for p in mapped.astype(int).tolist()}


# --- naming segments -------------------------------------------------------------------


def test_every_cid_7603_code_names_its_level() -> None:
    """The SNOMED CT codes come from pydicom's DICOM CID 7603 "Vertebra" (never typed in);
    they agree with the body-site codes the FHIR export verified (exchange/data/codes.csv)."""
    import csv
    from importlib import resources

    from pydicom.sr.codedict import Collection

    cid = Collection("CID7603")
    found = {level_of_code(getattr(cid, k).value, "SCT") for k in cid.dir()}
    assert found == {
        *(f"C{i}" for i in range(1, 8)),
        *(f"T{i}" for i in range(1, 13)),
        *(f"L{i}" for i in range(1, 6)),
    }
    rows = resources.files("vertebro.exchange").joinpath("data", "codes.csv").read_text("utf-8")
    for row in csv.DictReader(rows.splitlines()):
        if row["use"].startswith("body site "):
            assert level_of_code(row["code"], "SCT") == row["use"].removeprefix("body site ")
    assert level_of_code("66794005", "SRT") is None


_WORDS = {"C": "cervical", "T": "thoracic", "L": "lumbar", "S": "sacral"}
_ORDINALS = "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth".split()  # noqa: E501, SIM905


@given(
    level=st.sampled_from(SPINE_ORDER),
    style=st.sampled_from(["ts", "bare", "spaced", "suffix", "region", "ordinal", "prefix"]),
    upper=st.booleans(),
)
def test_label_text_names_the_level(level: str, style: str, upper: bool) -> None:
    region, number = level[0], int(level[1:])
    text = {
        "ts": f"vertebrae_{level}",
        "bare": level,
        "spaced": f"{region} {number}",
        "suffix": f"{level} vertebra",
        "region": f"{_WORDS[region].title()} vertebra {number}",
        "ordinal": f"{_ORDINALS[number - 1]} {_WORDS[region]} vertebra",
        "prefix": f"vertebra {level}",
    }[style]
    assert level_of_label(text.upper() if upper else text) == level


@pytest.mark.parametrize(
    "label",
    [
        "liver",
        "L1-L2",
        "L1/L2 disc",
        "intervertebral disc L1",
        "T14",
        "C8",
        "L7",
        "rib_left_1",
        "sacrum",
        "",
    ],
)
def test_other_labels_name_no_level(label: str) -> None:
    assert level_of_label(label) is None


# --- refusals ----------------------------------------------------------------------------


def _seg_copy(src: Path, dst: Path, change: Any) -> Path:
    import pydicom

    ds = pydicom.dcmread(src)
    change(ds)
    ds.save_as(dst)
    return dst


def _measure_fails(labels: Path, *extra: str) -> str:
    run = subprocess.run(
        [*VERTEBRO, "measure", "--labels", str(labels), "--quiet", *extra],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2, run.stderr
    assert run.stdout == ""
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    return lines[0]


def test_refusals_are_one_line_exit_2(dicom_data: DicomData, tmp_path: Path) -> None:
    def no_vertebrae(ds: Any) -> None:
        for item in ds.SegmentSequence:
            item.SegmentLabel = "liver"
            item.SegmentedPropertyTypeCodeSequence[0].CodeValue = "10200004"

    def twice_l1(ds: Any) -> None:
        for item in ds.SegmentSequence:
            if item.SegmentLabel == "Lumbar vertebra 2":
                item.SegmentLabel = "L1"

    def huge(ds: Any) -> None:
        ds.NumberOfFrames = 200_000
        ds.Rows = ds.Columns = 512

    src = dicom_data.wedge_seg
    line = _measure_fails(_seg_copy(src, tmp_path / "a.dcm", no_vertebrae))
    assert line.endswith(
        "a.dcm: no vertebra segments (none coded as a vertebra of DICOM CID 7603 "
        "nor labelled like L1 or vertebrae_L1)"
    )
    line = _measure_fails(_seg_copy(src, tmp_path / "b.dcm", twice_l1))
    assert "both name L1" in line
    line = _measure_fails(_seg_copy(src, tmp_path / "c.dcm", huge))
    assert "c.dcm: too large to measure: 52,428,800,000 voxels (512×512×200000)" in line
    assert "VERTEBRO_MAX_VOXELS" in line and "VERTEBRO_MAX_MEASURE_GIB" in line
    line = _measure_fails(src, "--convention", "verse")
    assert line.endswith("convention verse does not apply")
    two = tmp_path / "two"
    two.mkdir()
    for name in ("x.dcm", "y.dcm"):
        (two / name).write_bytes(src.read_bytes())
    assert _measure_fails(two).endswith("two: 2 DICOM SEG files in this folder; give one SEG file")


def test_huge_seg_is_refused_before_decoding(dicom_data: DicomData, tmp_path: Path) -> None:
    """The size check reads the header only: a SEG claiming 2^31 samples with no pixel
    data behind them is refused without a decoding error."""
    import pydicom

    ds = pydicom.dcmread(dicom_data.wedge_seg)
    ds.NumberOfFrames = 8192
    ds.Rows = ds.Columns = 512
    del ds.PixelData
    path = tmp_path / "claims.dcm"
    ds.save_as(path)
    with pytest.raises(ImageTooLarge, match="too large to measure"):
        read_dicom_seg(path)


def test_measuring_a_nifti_never_loads_the_dicom_libraries() -> None:
    """highdicom and dicomweb-client load only for SR/SC output and the PACS (pydicom
    itself comes with nibabel)."""
    code = (
        "import sys; from vertebro.services.measuring import measure_study; "
        f"measure_study({str(TS / 'example_ct_totalseg.nii.gz')!r}); "
        "import vertebro.cli; "
        "print(sorted(m for m in ('highdicom', 'dicomweb_client') if m in sys.modules))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"
