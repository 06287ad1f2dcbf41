"""The sagittal figure as a DICOM Secondary Capture image in the study of its CT (highdicom).

The figure's PNG (anterior to the left, superior up) becomes an RGB secondary capture with
Patient Orientation ``P\\F`` (columns run towards posterior, rows towards the feet), copying
patient and study from the series it was measured on, in a series of its own; Body Part
Examined is SPINE.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["SC_SERIES_NUMBER", "build_figure_capture"]

SC_SERIES_NUMBER = 9902


def build_figure_capture(png: Path, reference: Any) -> Any:
    """The secondary capture dataset of the figure ``png`` in the study of ``reference``
    (a header of the measured series)."""
    import highdicom as hd
    import numpy as np
    from PIL import Image

    with Image.open(png) as picture:
        rgb = np.asarray(picture.convert("RGB"), dtype=np.uint8)
    capture = hd.sc.SCImage.from_ref_dataset(
        ref_dataset=reference,
        pixel_array=rgb,
        photometric_interpretation=hd.PhotometricInterpretationValues.RGB,
        bits_allocated=8,
        coordinate_system=hd.CoordinateSystemNames.PATIENT,
        series_instance_uid=hd.UID(),
        series_number=SC_SERIES_NUMBER,
        sop_instance_uid=hd.UID(),
        instance_number=1,
        manufacturer="vertebro project",
        patient_orientation=("P", "F"),
        series_description="vertebro sagittal figure",
    )
    capture.BodyPartExamined = "SPINE"  # unpaired: no Laterality is due (General Series)
    return capture
