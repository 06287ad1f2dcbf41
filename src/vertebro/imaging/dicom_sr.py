"""A ``vertebro.measurement/1`` document → a DICOM TID 1500 Measurement Report (highdicom).

One Comprehensive 3D SR in the study of the measured CT series: per vertebra one
measurement group (TID 1411 with a reference to its segment when the labels came from a DICOM
SEG, else TID 1501) with its finding site (SNOMED CT, CID 7603), tracking identifier, the
algorithm and version (TID 4019), and — for an evaluable level — the anterior, middle and
posterior heights, the reference height (mm), the height loss (%, with how it was derived),
the wedge angle (deg) and, as coded qualitative evaluations, the Genant grade and the shape;
for a level that is not evaluable, the reason. The codes: :mod:`vertebro.imaging.dicom_codes`.
highdicom is imported only here, when an SR is asked for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vertebro.errors import ImageError
from vertebro.imaging.dicom_codes import (
    GENANT_GRADE,
    HEIGHT_LOSS,
    HEIGHTS,
    LOSS_METHODS,
    NOT_EVALUABLE,
    NOT_EVALUABLE_REASONS,
    PRIVATE_SCHEME,
    PRIVATE_SCHEME_NAME,
    REFERENCE_HEIGHT,
    SHAPE,
    WEDGE_ANGLE,
    genant_value,
    private,
    shape_value,
    standard,
    vertebra_code,
)
from vertebro.imaging.dicom_seg import SegHeader

__all__ = ["DEVICE_NAME", "SR_SERIES_NUMBER", "build_measurement_report", "series_headers"]

DEVICE_NAME = "vertebro"
SR_SERIES_NUMBER = 9901
_REQUIRED_UIDS = ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "SOPClassUID")
#: Type 2 patient and study attributes an SR copies from its images (present, maybe empty).
_TYPE2 = (
    "PatientName",
    "PatientID",
    "PatientBirthDate",
    "PatientSex",
    "StudyDate",
    "StudyTime",
    "ReferringPhysicianName",
    "StudyID",
    "AccessionNumber",
)


def series_headers(folder: Path) -> list[Any]:
    """The headers (no pixels) of a DICOM image series folder, each with its study, series
    and instance UIDs; an SR or secondary capture belongs to that study (``ImageError``)."""
    import pydicom
    from pydicom.errors import InvalidDicomError

    src = str(folder)
    if not folder.is_dir():
        raise ImageError(src, "DICOM output needs --image to be the DICOM series folder")
    headers: list[Any] = []
    for child in sorted(folder.iterdir()):
        if not child.is_file():
            continue
        try:
            ds = pydicom.dcmread(str(child), stop_before_pixels=True)
        except (InvalidDicomError, OSError, EOFError, ValueError):
            continue
        if "Rows" in ds and "ImagePositionPatient" in ds:
            headers.append(ds)
    if not headers:
        raise ImageError(src, "no DICOM image in this folder")
    for name in _REQUIRED_UIDS:
        if any(not str(ds.get(name, "") or "").strip() for ds in headers):
            raise ImageError(
                src,
                f"the series has no {name}: a DICOM SR or secondary capture must reference "
                "its images and join their study",
            )
    for ds in headers:
        for name in _TYPE2:
            if name not in ds:
                setattr(ds, name, "")
    return headers


def _algorithm(version: str, convention: str, method: dict[str, Any] | None = None) -> Any:
    """vertebro's identification, with the grading method of the document (its name and
    version, e.g. ``vertebro-sq/1``) among the parameters."""
    from highdicom.sr import AlgorithmIdentification

    parameters = ["vertebro.measurement/1", f"convention {convention}"]
    if method:
        parameters.append(f"grading method {method['name']}/{method['version']}")
    return AlgorithmIdentification(name="vertebro measure", version=version, parameters=parameters)


def _measurement(code: tuple[str, str], value: float, unit: str, method: Any = None) -> Any:
    from highdicom.sr import Measurement

    return Measurement(
        name=private(code), value=float(value), unit=standard("UCUM", unit), method=method
    )


def _contents(level: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    """(measurements, qualitative evaluations) of one level of the document."""
    from highdicom.sr import QualitativeEvaluation

    if not level["evaluable"]:
        reason = NOT_EVALUABLE_REASONS.get(str(level["reason"]))
        evaluations = (
            []
            if reason is None
            else [QualitativeEvaluation(private(NOT_EVALUABLE), private(reason))]
        )
        return [], evaluations
    measurements = [
        _measurement(HEIGHTS[name], value, "Millimeter")
        for name, value in level["heights_mm"].items()
    ]
    if level["reference_height_mm"] is not None:
        measurements.append(
            _measurement(REFERENCE_HEIGHT, level["reference_height_mm"], "Millimeter")
        )
    if level["height_loss_pct"] is not None:
        method = LOSS_METHODS.get(str(level["height_loss_source"]))
        measurements.append(
            _measurement(
                HEIGHT_LOSS,
                level["height_loss_pct"],
                "Percent",
                None if method is None else private(method),
            )
        )
    if level["wedge_angle_deg"] is not None:
        measurements.append(_measurement(WEDGE_ANGLE, level["wedge_angle_deg"], "Degree"))
    evaluations = []
    if level["genant_grade"] is not None:
        evaluations.append(
            QualitativeEvaluation(private(GENANT_GRADE), genant_value(int(level["genant_grade"])))
        )
    if level["shape"] is not None:
        evaluations.append(QualitativeEvaluation(private(SHAPE), shape_value(level["shape"])))
    return measurements, evaluations


def _group(level: dict[str, Any], algorithm: Any, seg: SegHeader | None, source_series: str) -> Any:
    import highdicom as hd
    from highdicom.sr import (
        FindingSite,
        MeasurementsAndQualitativeEvaluations,
        ReferencedSegment,
        SourceSeriesForSegmentation,
        TrackingIdentifier,
        VolumetricROIMeasurementsAndQualitativeEvaluations,
    )

    name = str(level["level"])
    site = vertebra_code(name)
    measurements, evaluations = _contents(level)
    common: dict[str, Any] = {
        "tracking_identifier": TrackingIdentifier(uid=hd.UID(), identifier=f"vertebra {name}"),
        "algorithm_id": algorithm,
        "finding_sites": None if site is None else [FindingSite(site)],
        "measurements": measurements or None,
        "qualitative_evaluations": evaluations or None,
    }
    number = seg.segment_numbers().get(name) if seg is not None else None
    if seg is not None and number is not None:
        reference = ReferencedSegment(
            sop_class_uid=seg.sop_class_uid,
            sop_instance_uid=seg.sop_instance_uid,
            segment_number=number,
            source_series=SourceSeriesForSegmentation(source_series),
        )
        return VolumetricROIMeasurementsAndQualitativeEvaluations(
            referenced_segment=reference, **common
        )
    return MeasurementsAndQualitativeEvaluations(**common)


def _declare_private_scheme(ds: Any) -> None:
    from pydicom.dataset import Dataset

    item = Dataset()
    item.CodingSchemeDesignator = PRIVATE_SCHEME
    item.CodingSchemeName = PRIVATE_SCHEME_NAME
    item.CodingSchemeResponsibleOrganization = "vertebro project"
    item.CodingSchemeVersion = "1"
    existing = list(ds.get("CodingSchemeIdentificationSequence", []) or [])
    ds.CodingSchemeIdentificationSequence = [*existing, item]


def build_measurement_report(
    document: dict[str, Any],
    images: list[Any],
    *,
    version: str,
    seg: SegHeader | None = None,
    seg_dataset: Any = None,
) -> Any:
    """The SR dataset (not yet written) for ``document`` measured on the series ``images``
    (headers from :func:`series_headers`); ``seg`` and its header dataset when the labels
    came from a DICOM SEG."""
    import highdicom as hd
    from highdicom.sr import (
        Comprehensive3DSR,
        DeviceObserverIdentifyingAttributes,
        MeasurementReport,
        ObservationContext,
        ObserverContext,
    )
    from pydicom.uid import generate_uid

    source_series = str(images[0].SeriesInstanceUID)
    algorithm = _algorithm(version, str(document["convention"]), document.get("method"))
    groups = [_group(level, algorithm, seg, source_series) for level in document["levels"]]
    device = ObserverContext(
        observer_type=standard("DCM", "Device"),
        observer_identifying_attributes=DeviceObserverIdentifyingAttributes(
            uid=generate_uid(entropy_srcs=[DEVICE_NAME, "measure"]),
            name=DEVICE_NAME,
            manufacturer_name="vertebro project",
            model_name="vertebro measure",
        ),
    )
    report = MeasurementReport(
        observation_context=ObservationContext(observer_device_context=device),
        procedure_reported=standard("LN", "CTUnspecifiedBodyRegion"),
        imaging_measurements=groups,
        referenced_images=images,
    )
    evidence = [*images, *([seg_dataset] if seg_dataset is not None else [])]
    sr = Comprehensive3DSR(
        evidence=evidence,
        content=report,
        series_instance_uid=hd.UID(),
        series_number=SR_SERIES_NUMBER,
        sop_instance_uid=hd.UID(),
        instance_number=1,
        manufacturer="vertebro project",
        is_complete=True,
        series_description="vertebro vertebral morphometry",
    )
    _declare_private_scheme(sr)
    return sr
