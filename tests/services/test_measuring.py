"""The measuring service: one call from files to a JSON-able ``vertebro.measurement/1``
document, with progress callbacks and a stand-in segmenter (never TotalSegmentator)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.backends import unavailable
from vertebro.errors import ImageError
from vertebro.imaging.segmenter import PrecomputedSegmenter, Segmenter, TotalSegmentatorSegmenter
from vertebro.services.measuring import MeasurementResult, measure_study

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "totalsegmentator"


@pytest.fixture(autouse=True)
def _shared_data() -> None:
    if not DATA.is_dir():
        unavailable(f"the shared test data is missing: {DATA}")


def test_measure_study_reports_progress_and_is_json_able() -> None:
    steps: list[tuple[str, int, int]] = []
    result = measure_study(
        DATA / "example_ct_totalseg.nii.gz",
        image=DATA / "example_ct.nii.gz",
        progress=lambda step, done, total: steps.append((step, done, total)),
    )
    assert isinstance(result, MeasurementResult)
    assert json.loads(result.to_json()) == result.as_dict()
    assert ("reading image", 1, 1) in steps and ("reading labels", 1, 1) in steps
    assert ("measuring levels", 8, 8) in steps  # T11 … S1
    assert result.image is not None


def test_segmenter_stand_in_runs_before_measuring() -> None:
    stand_in = PrecomputedSegmenter(DATA / "example_ct_totalseg.nii.gz")
    assert isinstance(stand_in, Segmenter)
    via_segmenter = measure_study(None, image=DATA / "example_ct.nii.gz", segmenter=stand_in)
    assert stand_in.calls == [DATA / "example_ct.nii.gz"]
    direct = measure_study(DATA / "example_ct_totalseg.nii.gz")
    assert via_segmenter.document == direct.document


def test_segmenter_gets_nifti_for_a_dicom_series(tmp_path: Path) -> None:
    class Recorder:
        def __init__(self) -> None:
            self.seen: list[str] = []

        def segment(self, image: Path, workdir: Path) -> Path:
            self.seen.append(image.name)
            assert image.exists()
            return DATA / "example_seg_dicom.nii.gz"

    rec = Recorder()
    result = measure_study(None, image=DATA / "example_ct_dicom", segmenter=rec)
    assert rec.seen == ["image.nii.gz"]
    assert [i["level"] for i in result.document["levels"]] == ["T11", "T12"]


def test_totalsegmentator_adapter_refuses_without_install(tmp_path: Path) -> None:
    if TotalSegmentatorSegmenter.available():
        pytest.skip("TotalSegmentator installed: never run it in tests")
    with pytest.raises(ImageError, match="not installed"):
        TotalSegmentatorSegmenter().segment(DATA / "example_ct.nii.gz", tmp_path)


def test_bad_convention_is_refused() -> None:
    with pytest.raises(ValueError, match="convention must be one of"):
        measure_study(DATA / "example_ct_totalseg.nii.gz", convention="nnunet")
