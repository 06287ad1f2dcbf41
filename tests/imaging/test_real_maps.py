"""Every real label map in ../shared/data (see its README for sources and licences:
TotalSegmentator reference files, Apache-2.0; TPTBox samples, Apache-2.0; HealthiVert-GAN
case 0007, MIT / CC BY-SA 4.0) gives the right level names and evaluability, heights in
the physiological range, and no fracture on TotalSegmentator's normal example."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import nibabel as nib
import numpy as np
import pytest

from .conftest import TPT, TS, VERSE

TPT_CT_VERT = TPT / "sample_ct" / "sub-ct_seg-vert_label-22_msk.nii.gz"
TPT_CT_SUB = TPT / "sample_ct" / "sub-ct_seg-subreg_label-22_msk.nii.gz"
TPT_MR_VERT = TPT / "sample_mri" / "sub-mri_seg-vert_label-6_msk.nii.gz"
TPT_MR_SUB = TPT / "sample_mri" / "sub-mri_seg-subreg_label-6_msk.nii.gz"

#: labels, subregions, convention (and where it comes from), {level: reason or None}
CASES: dict[str, tuple[Any, Any, str, str, dict[str, str | None]]] = {
    "ts_multilabel": (
        TS / "example_ct_totalseg.nii.gz",
        None,
        "totalsegmentator",
        "header",
        {
            "T11": "cut_by_fov",
            "T12": "cut_by_fov",
            "L1": None,
            "L2": None,
            "L3": None,
            "L4": None,
            "L5": None,
            "S1": "outside_T1_L5",
        },
    ),
    "ts_fast_multilabel": (
        TS / "example_seg_fast.nii.gz",
        None,
        "totalsegmentator",
        "header",
        {"T11": "cut_by_fov", "T12": "cut_by_fov", "L1": None, "L2": "cut_by_fov"},
    ),
    "ts_fast_folder": (
        TS / "example_seg_fast",
        None,
        "totalsegmentator",
        "folder",
        {"T11": "cut_by_fov", "T12": "cut_by_fov", "L1": None, "L2": "cut_by_fov"},
    ),
    "ts_dicom_derived": (
        TS / "example_seg_dicom.nii.gz",
        None,
        "totalsegmentator",
        "header",
        {"T11": "cut_by_fov", "T12": "cut_by_fov"},
    ),
    "ts_bodies_per_level": (
        TS / "example_ct_vertebrae_body_per_level.nii.gz",
        None,
        "totalsegmentator",
        "header",
        {"T12": "cut_by_fov", "L1": None, "L2": None, "L3": None, "L4": None, "L5": None},
    ),
    "tptbox_ct": (
        TPT_CT_VERT,
        None,
        "verse",
        "values",
        {"L2": "cut_by_fov", "L3": None, "L4": "cut_by_fov"},
    ),
    "tptbox_ct_subregions": (
        TPT_CT_VERT,
        TPT_CT_SUB,
        "verse",
        "values",
        {"L2": "cut_by_fov", "L3": None, "L4": "cut_by_fov"},
    ),
    "tptbox_mri": (
        TPT_MR_VERT,
        None,
        "verse",
        "values",
        {"C5": "outside_T1_L5", "C6": "outside_T1_L5", "C7": "outside_T1_L5"},
    ),
    "tptbox_mri_subregions": (
        TPT_MR_VERT,
        TPT_MR_SUB,
        "verse",
        "values",
        {"C5": "outside_T1_L5", "C6": "outside_T1_L5", "C7": "outside_T1_L5"},
    ),
    "verse_0007": (
        VERSE / "0007_msk.nii.gz",
        None,
        "verse",
        "values",
        {
            "T9": "cut_by_fov",
            "T10": "cut_by_fov",
            "T11": None,
            "T12": None,
            "L1": None,
            "L2": None,
            "L3": None,
            "L4": None,
            "L5": None,
        },
    ),
}

LEVEL_KEYS = [
    "level",
    "evaluable",
    "reason",
    "centroid_mm",
    "heights_mm",
    "landmarks_mm",
    "reference_height_mm",
    "height_loss_pct",
    "height_loss_source",
    "genant_grade",
    "shape",
    "wedge_angle_deg",
    "grading",
]


@pytest.mark.parametrize("name", list(CASES))
def test_levels_and_evaluability(name: str, measured: Callable[..., Any]) -> None:
    labels, subregions, convention, source, expected = CASES[name]
    result = measured(labels, subregions)
    doc = result.document
    assert list(doc) == ["schema", "convention", "levels", "regional", "method"]
    assert doc["method"]["name"] == "vertebro-sq" and doc["method"]["version"] == "1"
    assert doc["schema"] == "vertebro.measurement/1"
    assert doc["convention"] == convention
    assert result.convention_line == f"convention: {convention} (from {source})"
    got = {item["level"]: item["reason"] for item in doc["levels"]}
    assert got == expected
    assert [item["level"] for item in doc["levels"]] == list(expected)  # cranial → caudal
    for item in doc["levels"]:
        assert list(item) == LEVEL_KEYS
        assert item["evaluable"] is (item["reason"] is None)
        assert len(item["centroid_mm"]) == 3
        if not item["evaluable"]:
            assert all(item[k] is None for k in LEVEL_KEYS[4:])
    json.dumps(doc, allow_nan=False)


@pytest.mark.parametrize("name", [n for n in CASES if n != "verse_0007"])
def test_normal_spines_have_physiological_heights(name: str, measured: Callable[..., Any]) -> None:
    """None of these vertebrae is known to be fractured: adult thoracolumbar bodies are
    about 18–40 mm tall, and the landmarks lie inside a body about 25–55 mm deep."""
    labels, subregions, *_ = CASES[name]
    for item in measured(labels, subregions).document["levels"]:
        if not item["evaluable"]:
            continue
        for h in item["heights_mm"].values():
            assert 18.0 <= h <= 40.0, (item["level"], item["heights_mm"])
        lm = item["landmarks_mm"]
        depth_between_lines = lm["anterior_superior"][0] - lm["posterior_superior"][0]
        assert 0.7 * 25.0 <= depth_between_lines <= 0.7 * 55.0
        assert (
            item["landmarks_mm"]["middle_superior"][1]
            > 0
            > item["landmarks_mm"]["middle_inferior"][1]
        )


def test_totalsegmentator_example_has_no_fracture(measured: Callable[..., Any]) -> None:
    doc = measured(TS / "example_ct_totalseg.nii.gz").document
    evaluable = [i for i in doc["levels"] if i["evaluable"]]
    assert [i["level"] for i in evaluable] == ["L1", "L2", "L3", "L4", "L5"]
    for item in evaluable:
        assert item["genant_grade"] == 0, item
        assert item["shape"] == "normal"
        assert item["height_loss_source"] == "reference"
        assert item["reference_height_mm"] is not None
    assert doc["regional"]["cranial_level"] in {"L1", "L2", "L3", "L4", "L5"}


def test_reference_walk_skips_cut_levels(measured: Callable[..., Any]) -> None:
    """L1's cranial neighbours T12 and T11 are cut: its reference is L2's posterior height."""
    levels = {i["level"]: i for i in measured(TS / "example_ct_totalseg.nii.gz").document["levels"]}
    assert levels["L1"]["reference_height_mm"] == levels["L2"]["heights_mm"]["posterior"]
    mean = (levels["L1"]["heights_mm"]["posterior"] + levels["L3"]["heights_mm"]["posterior"]) / 2
    assert levels["L2"]["reference_height_mm"] == pytest.approx(round(mean + 1e-9, 1), abs=0.051)


def test_folder_and_multilabel_layouts_agree(measured: Callable[..., Any]) -> None:
    """TotalSegmentator's two layouts of the same segmentation give the same document."""
    folder = measured(TS / "example_seg_fast").document
    multi = measured(TS / "example_seg_fast.nii.gz").document
    assert folder == multi


def test_subregion_body_matches_instance_geometry(measured: Callable[..., Any]) -> None:
    """On the TPTBox CT, L3 measured from its subregion body (49/50) and from the whole
    vertebra through the canal agree within one voxel (1.5 mm)."""
    whole = {i["level"]: i for i in measured(TPT_CT_VERT).document["levels"]}["L3"]
    body = {i["level"]: i for i in measured(TPT_CT_VERT, TPT_CT_SUB).document["levels"]}["L3"]
    for side in ("anterior", "middle", "posterior"):
        assert body["heights_mm"][side] == pytest.approx(whole["heights_mm"][side], abs=1.5)
    assert np.allclose(body["centroid_mm"], whole["centroid_mm"], atol=1.5)


def test_verse_0007_level_centroids_match_published_ones(measured: Callable[..., Any]) -> None:
    """0007.json lists label centroids in voxel coordinates; they are the centroids of
    whole vertebrae (spec step 1), which we reproduce for the complete levels T11–L5."""
    result = measured(VERSE / "0007_msk.nii.gz")
    affine = nib.load(VERSE / "0007_msk.nii.gz").affine
    names = {18: "T11", 19: "T12", 20: "L1", 21: "L2", 22: "L3", 23: "L4", 24: "L5"}
    geometry = {g.level: g for g in result.geometry}
    for entry in json.loads((VERSE / "0007.json").read_text()):
        if entry["label"] not in names:
            continue
        world = affine[:3, :3] @ [entry["X"], entry["Y"], entry["Z"]] + affine[:3, 3]
        assert np.allclose(geometry[names[entry["label"]]].centroid_mm, world, atol=0.5)


def test_verse_0007_collapsed_bodies(measured: Callable[..., Any]) -> None:
    """0007 comes from a fracture dataset: its L1 and L2 bodies are visibly collapsed
    (middle heights about half the posterior ones), T12 and L5 are not."""
    levels = {i["level"]: i for i in measured(VERSE / "0007_msk.nii.gz").document["levels"]}
    for name in ("L1", "L2"):
        assert levels[name]["genant_grade"] == 3
        assert levels[name]["shape"] == "biconcave"
    for name in ("T12", "L5"):
        assert levels[name]["genant_grade"] == 0
    for item in levels.values():
        if item["evaluable"]:
            assert all(5.0 < h < 40.0 for h in item["heights_mm"].values())
    assert measured(VERSE / "0007_msk.nii.gz").document["regional"]["kyphosis_deg"] > 0


@pytest.mark.parametrize(
    "labels",
    [TS / "example_seg_mr.nii.gz", TS / "example_ct_vertebrae_body.nii.gz"],
    ids=["mr_vertebrae_class", "bodies_one_class"],
)
def test_single_vertebrae_class_is_rejected(labels: Any) -> None:
    """TotalSegmentator MR has one "vertebrae" class: it is not a level (spec step 2)."""
    from vertebro.errors import LabelMapError
    from vertebro.services.measuring import measure_study

    with pytest.raises(LabelMapError, match="no vertebra labels"):
        measure_study(labels)
