"""Application service: a measurement's DICOM outputs in the study of its CT series.

``write_dicom_outputs`` writes the TID 1500 Measurement Report (SR) and/or the sagittal
figure as a Secondary Capture, both referencing the series the labels were drawn on (and the
DICOM SEG when the labels were one). Every file is written whole or not at all; when one of
them cannot be written, none is left behind. Errors are ``ImageError``.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vertebro.errors import ImageError

if TYPE_CHECKING:
    from vertebro.imaging.result import MeasurementResult

__all__ = ["build_dicom_outputs", "dicom_bytes", "write_dicom_outputs"]


def _seg_of(result: MeasurementResult, series_uid: str) -> tuple[Any, Any]:
    """(SEG header, SEG header dataset) when the labels were a DICOM SEG, else (None, None)."""
    import pydicom

    from vertebro.imaging.dicom_seg import find_seg_file, read_seg_header

    path = find_seg_file(Path(result.labels_source))
    if path is None:
        return None, None
    seg = read_seg_header(path)
    if seg.source_series_uids and series_uid not in seg.source_series_uids:
        raise ImageError(
            str(path),
            f"the SEG was drawn on series {', '.join(seg.source_series_uids)}, "
            f"not on the image series {series_uid}",
        )
    return seg, pydicom.dcmread(str(path), stop_before_pixels=True)


def build_dicom_outputs(
    result: MeasurementResult, image: Path, *, sr: bool, secondary_capture: bool
) -> dict[str, Any]:
    """``{"sr": dataset, "sc": dataset}`` (those asked for), not yet written."""
    from vertebro import __version__
    from vertebro.imaging.dicom_sr import build_measurement_report, series_headers

    headers = series_headers(image)
    out: dict[str, Any] = {}
    if sr:
        seg, seg_dataset = _seg_of(result, str(headers[0].SeriesInstanceUID))
        out["sr"] = build_measurement_report(
            result.document, headers, version=__version__, seg=seg, seg_dataset=seg_dataset
        )
    if secondary_capture:
        from vertebro.imaging.dicom_sc import build_figure_capture
        from vertebro.imaging.figure import render_figure

        with tempfile.TemporaryDirectory(prefix="vertebro-sc-") as tmp:
            png = Path(tmp) / "figure.png"
            render_figure(result, png)
            out["sc"] = build_figure_capture(png, headers[0])
    for dataset in out.values():  # the PACS shows the study as before, with our series added
        if headers[0].get("StudyDescription"):
            dataset.StudyDescription = headers[0].StudyDescription
    return out


def dicom_bytes(dataset: Any) -> bytes:
    """A dataset as a DICOM Part 10 file."""
    buffer = io.BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def write_dicom_outputs(
    result: MeasurementResult,
    image: Path,
    *,
    sr: Path | None = None,
    secondary_capture: Path | None = None,
) -> list[Path]:
    """Write the SR and/or the secondary capture; returns the paths written."""
    from vertebro.files import write_atomically

    built = build_dicom_outputs(
        result, image, sr=sr is not None, secondary_capture=secondary_capture is not None
    )
    targets = [(p, built[k]) for k, p in (("sr", sr), ("sc", secondary_capture)) if p is not None]
    written: list[Path] = []
    try:
        for path, dataset in targets:
            try:
                write_atomically(path, dicom_bytes(dataset))
            except OSError as exc:
                raise ImageError(str(path), f"cannot write ({exc.strerror or exc})") from exc
            written.append(path)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return written
