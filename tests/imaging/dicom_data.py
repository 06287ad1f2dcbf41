"""DICOM test data made from the real files in ``../shared/data/totalsegmentator``
(TotalSegmentator's test files, Apache-2.0; see that folder's README).

- ``repaired_ct_series``: the real CT series ``example_ct_dicom`` (20 JPEG 2000 slices) with
  the identifiers its anonymiser blanked filled in (SOP Instance UID from the file meta,
  deterministic study and series UIDs, a test patient id); pixels and geometry untouched.
- ``ct_series_from_nifti``: the real CT ``example_ct.nii.gz`` written as a standard axial
  DICOM CT series (LPS orientation, so its axes run opposite to the NIfTI's RAS ones).
- ``seg_from_labels``: a DICOM Segmentation made with highdicom from a CT series and a
  TotalSegmentator label map on the same grid, as TotalSegmentator and AI platforms write
  them: one segment per class, vertebrae coded with their SNOMED CT codes (DICOM CID 7603)
  and labelled ``vertebrae_L1``; or (``naming="text"``) every vertebra coded only as the
  generic "Vertebra" and labelled like ``Lumbar vertebra 1``; binary or fractional.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from .conftest import TS, require_data

PATIENT_ID = "VB-TEST-0001"
_UID_ROOT = "1.2.826.0.1.3680043.8.498."  # pydicom's root, as pydicom.uid.generate_uid uses


def fixed_uid(*parts: str) -> str:
    """A deterministic UID for test data (pydicom's generator with fixed entropy)."""
    from pydicom.uid import generate_uid

    return str(generate_uid(prefix=_UID_ROOT, entropy_srcs=["vertebro-test", *parts]))


def repaired_ct_series(out: Path, patient_id: str = PATIENT_ID) -> Path:
    """Copy the real CT series into ``out`` with its blanked UIDs filled in."""
    import pydicom
    from pydicom.uid import CTImageStorage

    out.mkdir(parents=True, exist_ok=True)
    study, series = fixed_uid("example_ct_dicom", "study"), fixed_uid("example_ct_dicom", "series")
    for src in sorted((TS / "example_ct_dicom").iterdir()):
        ds = pydicom.dcmread(src)
        ds.SOPClassUID = CTImageStorage
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
        ds.StudyInstanceUID = study
        ds.SeriesInstanceUID = series
        ds.SeriesNumber = 3
        ds.StudyID = "1"
        ds.AccessionNumber = "A-0001"
        ds.PatientID = patient_id
        ds.PatientName = "Test^Example CT"
        ds.StudyDescription = "CT abdomen (TotalSegmentator example)"
        ds.save_as(out / f"{ds.SOPInstanceUID}.dcm", enforce_file_format=True)
    return out


def ct_series_from_nifti(
    nifti: Path, out: Path, patient_id: str = "VB-TEST-0002", name: str = "example_ct"
) -> Path:
    """Write a RAS NIfTI CT as axial DICOM CT slices in LPS (rows anterior → posterior,
    columns right → left, slices inferior → superior)."""
    import nibabel as nib
    import pydicom
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian

    img: Any = nib.load(str(nifti))
    data = np.asanyarray(img.dataobj).astype(np.int16)
    affine = np.asarray(img.affine, dtype=np.float64)
    assert np.allclose(affine[:3, :3], np.diag(np.diag(affine[:3, :3]))) and np.all(
        np.diag(affine)[:3] > 0
    ), "expects an axis-aligned RAS NIfTI"
    spacing = np.diag(affine)[:3]
    ni, nj, nk = data.shape
    # LPS column index c runs along -x (RAS): NIfTI i = ni-1-c; row index r along -y: j = nj-1-r.
    corner_ras = affine[:3, 3] + np.array([(ni - 1) * spacing[0], (nj - 1) * spacing[1], 0.0])
    study, series = fixed_uid(name, "study"), fixed_uid(name, "series")
    frame_of_reference = fixed_uid(name, "for")
    out.mkdir(parents=True, exist_ok=True)
    for k in range(nk):
        ds = Dataset()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.SOPClassUID = CTImageStorage
        ds.SOPInstanceUID = fixed_uid(name, "slice", str(k))
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
        ds.FrameOfReferenceUID = frame_of_reference
        ds.PositionReferenceIndicator = ""
        ds.Modality = "CT"
        ds.ImageType = ["DERIVED", "SECONDARY", "AXIAL"]
        ds.PatientID, ds.PatientName = patient_id, "Test^Example NIfTI CT"
        ds.PatientBirthDate, ds.PatientSex = "", "O"
        ds.StudyDate, ds.StudyTime, ds.StudyID = "20240101", "120000", "2"
        ds.AccessionNumber, ds.ReferringPhysicianName = "A-0002", ""
        ds.StudyDescription = "CT abdomen (TotalSegmentator example, from NIfTI)"
        ds.SeriesNumber, ds.InstanceNumber = 2, k + 1
        ds.Manufacturer = "vertebro tests"
        ds.KVP = ""
        ds.AcquisitionNumber = 1
        ds.PatientPosition = "HFS"
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        z = affine[2, 3] + k * spacing[2]
        ds.ImagePositionPatient = [-corner_ras[0], -corner_ras[1], z]
        ds.SliceThickness = float(spacing[2])
        ds.PixelSpacing = [float(spacing[1]), float(spacing[0])]
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.Rows, ds.Columns = nj, ni
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
        ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = 0, 1, "HU"
        plane = data[::-1, ::-1, k].T  # [row r, column c]
        ds.PixelData = np.ascontiguousarray(plane).tobytes()
        pydicom.dataset.validate_file_meta(ds.file_meta, enforce_standard=False)
        ds.save_as(out / f"{ds.SOPInstanceUID}.dcm", enforce_file_format=True)
    return out


def sorted_slices(folder: Path) -> list[Any]:
    """The slices of a series folder, sorted along the slice normal."""
    import pydicom

    slices = [pydicom.dcmread(p) for p in sorted(folder.iterdir())]
    normal = np.cross(*np.reshape(slices[0].ImageOrientationPatient, (2, 3)).astype(float))
    return sorted(slices, key=lambda ds: float(np.dot(normal, ds.ImagePositionPatient)))


def labels_on_series(labels: Path, slices: Sequence[Any]) -> npt.NDArray[Any]:
    """The label map resampled (exactly: same voxels, axes re-indexed) to the series'
    ``(slice, row, column)`` array; fails unless both grids hold the same voxel centres."""
    import nibabel as nib

    img: Any = nib.load(str(labels))
    data = np.asanyarray(img.dataobj)
    ds0 = slices[0]
    row_dir, col_dir = np.reshape(ds0.ImageOrientationPatient, (2, 3)).astype(float)
    dr, dc = (float(v) for v in ds0.PixelSpacing)
    lps_to_ras = np.diag([-1.0, -1.0, 1.0])
    origin = lps_to_ras @ np.asarray(ds0.ImagePositionPatient, dtype=float)
    step = (
        lps_to_ras
        @ (
            np.asarray(slices[-1].ImagePositionPatient, dtype=float)
            - np.asarray(ds0.ImagePositionPatient, dtype=float)
        )
        / max(1, len(slices) - 1)
    )
    series_affine = np.eye(4)
    series_affine[:3, 0] = lps_to_ras @ row_dir * dc  # column index
    series_affine[:3, 1] = lps_to_ras @ col_dir * dr  # row index
    series_affine[:3, 2] = step
    series_affine[:3, 3] = origin
    to_labels = np.linalg.inv(np.asarray(img.affine, dtype=float)) @ series_affine
    c, r, k = np.meshgrid(
        np.arange(int(ds0.Columns)), np.arange(int(ds0.Rows)), np.arange(len(slices)), indexing="ij"
    )
    idx = np.stack([c, r, k, np.ones_like(c)], axis=-1) @ to_labels.T
    rounded = np.rint(idx[..., :3]).astype(int)
    assert np.allclose(idx[..., :3], rounded, atol=1e-3), "the grids differ"
    assert np.all(rounded >= 0) and np.all(rounded < np.asarray(data.shape)), "outside the map"
    values = data[rounded[..., 0], rounded[..., 1], rounded[..., 2]]  # [c, r, k]
    return np.ascontiguousarray(np.transpose(values, (2, 1, 0)))  # [k, r, c]


_ORDINAL_WORDS = {"C": "Cervical", "T": "Thoracic", "L": "Lumbar", "S": "Sacral"}


def _segment_description(number: int, class_name: str, naming: str) -> Any:
    import highdicom as hd
    from pydicom.sr.codedict import Collection, codes

    vertebra_codes = Collection("CID7603")
    level = class_name.removeprefix("vertebrae_") if class_name.startswith("vertebrae_") else None
    category = codes.SCT.AnatomicalStructure
    if level is not None:
        keyword = f"{level}Vertebra"
        if naming == "code" and keyword in vertebra_codes.dir():
            prop, label = getattr(vertebra_codes, keyword), class_name
        else:
            prop = codes.SCT.Vertebra
            label = (
                f"{_ORDINAL_WORDS[level[0]]} vertebra {level[1:]}"
                if naming == "text"
                else (class_name)
            )
    else:
        prop, label = codes.SCT.Tissue, class_name
    return hd.seg.SegmentDescription(
        segment_number=number,
        segment_label=label,
        segmented_property_category=category,
        segmented_property_type=prop,
        algorithm_type=hd.seg.SegmentAlgorithmTypeValues.AUTOMATIC,
        algorithm_identification=hd.AlgorithmIdentificationSequence(
            name="TotalSegmentator", version="2", family=codes.cid7162.ArtificialIntelligence
        ),
    )


def seg_from_labels(
    series: Path,
    labels: Path,
    out: Path,
    *,
    fractional: bool = False,
    labelmap: bool = False,
    naming: str = "code",
    class_table: dict[int, str] | None = None,
    keep: Sequence[str] | None = None,
) -> Path:
    """A DICOM SEG of ``labels`` (TotalSegmentator ids) on the CT ``series``.

    ``keep``: only these class names (default: every class present). ``labelmap`` writes a
    Label Map Segmentation (one frame per slice, values are segment numbers). ``fractional``
    stores each segment as a probability (1.0 inside, 0.3 on a one-voxel rim outside,
    which a reader must treat as outside).
    """
    import highdicom as hd
    from scipy import ndimage

    from vertebro.imaging.labels import totalsegmentator_table

    slices = sorted_slices(series)
    values = labels_on_series(labels, slices)
    table = class_table or totalsegmentator_table()
    present = [int(v) for v in np.unique(values) if v != 0]
    chosen = [v for v in present if keep is None or table.get(v) in keep]
    descriptions = [
        _segment_description(n, table.get(v, f"class_{v}"), naming)
        for n, v in enumerate(chosen, start=1)
    ]
    if fractional:
        stack = np.zeros((*values.shape, len(chosen)), dtype=np.float32)
        for n, v in enumerate(chosen):
            inside = values == v
            rim = ndimage.binary_dilation(inside) & ~inside
            stack[..., n][rim] = 0.3
            stack[..., n][inside] = 1.0
        pixel_array: npt.NDArray[Any] = stack
    else:
        pixel_array = np.zeros(values.shape, dtype=np.uint8)
        for n, v in enumerate(chosen, start=1):
            pixel_array[values == v] = n
    seg = hd.seg.Segmentation(
        source_images=slices,
        pixel_array=pixel_array,
        segmentation_type="FRACTIONAL" if fractional else "LABELMAP" if labelmap else "BINARY",
        segment_descriptions=descriptions,
        series_instance_uid=fixed_uid(str(series), str(labels), "seg-series", str(fractional)),
        series_number=90,
        sop_instance_uid=fixed_uid(str(series), str(labels), "seg", str(fractional), naming),
        instance_number=1,
        manufacturer="vertebro tests",
        manufacturer_model_name="TotalSegmentator (replayed)",
        software_versions="2",
        device_serial_number="0",
        content_label="VERTEBRAE",
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    seg.save_as(out)
    return out


@dataclass(frozen=True)
class DicomData:
    """Two DICOM studies made once per test session (see the module docstring).

    ``real_*``: the real CT series and SEGs of TotalSegmentator's output on it (T11, T12,
    both cut by the scan). ``wedge_*``: the real CT ``example_ct`` as DICOM with a SEG of its
    TotalSegmentator map in which L1 is compressed anteriorly by 35 % (``wedge_labels`` is
    that map as NIfTI); its segments are named by label text only.
    """

    root: Path
    real_ct: Path
    real_labels: Path
    real_seg: Path
    real_seg_fractional: Path
    wedge_ct: Path
    wedge_labels: Path
    wedge_seg: Path


def wedge_labels(out: Path) -> Path:
    """TotalSegmentator's map of ``example_ct`` with L1 wedged by 35 % (tests/imaging/deform)."""
    import nibabel as nib

    from vertebro.imaging.labelmap import extract_vertebrae
    from vertebro.imaging.nifti import read_nifti_labels
    from vertebro.services.measuring import measure_labels

    from . import deform

    volume = read_nifti_labels(TS / "example_ct_totalseg.nii.gz")
    geometry = {g.level: g for g in measure_labels(extract_vertebrae(volume)).geometry}
    l1 = geometry["L1"]
    wedged = deform.deform_level(volume, 31, l1, deform.anterior_wedge(l1, 0.35))
    image = nib.Nifti1Image(np.asarray(wedged.array, dtype=np.uint8), wedged.affine)
    nib.save(image, str(out))  # no label table: TotalSegmentator v2 ids by value
    return out


def make_dicom_data(root: Path) -> DicomData:
    real_ct = repaired_ct_series(root / "real" / "ct")
    wedge_ct = ct_series_from_nifti(TS / "example_ct.nii.gz", root / "wedge" / "ct")
    wedge = wedge_labels(root / "wedge" / "labels_l1_wedge.nii.gz")
    vertebrae_and_liver = ["vertebrae_T11", "vertebrae_T12", "liver", "spleen"]
    return DicomData(
        root=root,
        real_ct=real_ct,
        real_labels=TS / "example_seg_dicom.nii.gz",
        real_seg=seg_from_labels(
            real_ct, TS / "example_seg_dicom.nii.gz", root / "real" / "seg.dcm"
        ),
        real_seg_fractional=seg_from_labels(
            real_ct,
            TS / "example_seg_dicom.nii.gz",
            root / "real" / "seg-fractional.dcm",
            fractional=True,
            keep=vertebrae_and_liver,
        ),
        wedge_ct=wedge_ct,
        wedge_labels=wedge,
        wedge_seg=seg_from_labels(wedge_ct, wedge, root / "wedge" / "seg.dcm", naming="text"),
    )


@pytest.fixture(scope="session", name="dicom_data")
def dicom_data_fixture(tmp_path_factory: pytest.TempPathFactory) -> DicomData:
    """The DICOM studies of this module, made once per session (needs the dicom extra)."""
    require_data()
    return make_dicom_data(tmp_path_factory.mktemp("dicom"))
