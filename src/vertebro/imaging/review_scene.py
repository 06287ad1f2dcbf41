"""What the browser review draws for a measurement: the sagittal reformat as a PNG and, per
level, its mid-sagittal plane projected on the patient sagittal plane (origin and axes, in
patient anterior/superior millimetres) and the body section's outline.

The background is the figure's curved sagittal reformat (``figure.py``): the CT or MR
when one was given, else the masks; 0.5 mm pixels, anterior to the left, superior up.
A landmark ``(x, y)`` of a level lies at ``origin + x·x_axis + y·y_axis`` (A, S mm).
"""

from __future__ import annotations

import base64
import io
from typing import TYPE_CHECKING, Any

import numpy as np

from vertebro.morphometry import round_tenth

if TYPE_CHECKING:
    from vertebro.imaging.result import MeasurementResult

__all__ = ["build_scene"]


def _png(gray: np.ndarray[Any, Any], vmin: float, vmax: float) -> bytes:
    """An 8-bit grayscale PNG of ``gray`` (row 0 on top), NaN black."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import image

    scaled = np.clip((np.nan_to_num(gray, nan=vmin) - vmin) / (vmax - vmin), 0.0, 1.0)
    buffer = io.BytesIO()
    image.imsave(buffer, scaled, cmap="gray", vmin=0.0, vmax=1.0, format="png")
    return buffer.getvalue()


def _pair(vec: Any) -> list[float]:
    return [round(float(vec[1]), 5), round(float(vec[2]), 5)]


def build_scene(result: MeasurementResult) -> dict[str, Any]:
    """``{extent_mm: {anterior: [min, max], superior: [min, max]}, background_png: base64,
    background: caption, levels: {level: {origin, x_axis, y_axis, outline}}}``."""
    from vertebro.imaging.figure import (
        _MARGIN_MM,
        _outline,
        _reformat_points,
        _sample_image,
        _sample_masks,
        _window,
    )

    spine = result.spine
    allpts = np.vstack(
        [
            np.argwhere(v.mask)[:: max(1, int(v.mask.sum()) // 4000)] + np.asarray(v.offset)
            for v in spine.vertebrae
        ]
    ).astype(np.float64)
    world = allpts @ spine.affine[:3, :3].T + spine.affine[:3, 3]
    a_range = (float(world[:, 1].min()) - _MARGIN_MM, float(world[:, 1].max()) + _MARGIN_MM)
    s_range = (float(world[:, 2].min()) - 10.0, float(world[:, 2].max()) + 10.0)
    a, s, pts = _reformat_points(result.geometry, a_range, s_range)
    if result.image is not None:
        background = _sample_image(result, pts)
        vmin, vmax, caption = _window(background)
    else:
        background = _sample_masks(result, pts)
        vmin, vmax, caption = 0.0, 2.2, "label masks (no image given)"
    # rows: superior first; columns: anterior first (radiological sagittal view)
    png = _png(background[::-1, ::-1], vmin, vmax)
    half = 0.25
    levels: dict[str, Any] = {}
    for g in result.geometry:
        if g.origin_mm is None:
            continue
        levels[g.level] = {
            "origin": _pair(g.origin_mm),
            "x_axis": _pair(g.x_axis),
            "y_axis": _pair(g.y_axis),
            "outline": [
                [[round_tenth(float(p[0])), round_tenth(float(p[1]))] for p in line[::2]]
                for line in _outline(g)
            ],
        }
    return {
        "extent_mm": {
            "anterior": [float(a[0]) - half, float(a[-1]) + half],
            "superior": [float(s[0]) - half, float(s[-1]) + half],
        },
        "background": caption,
        "background_png": base64.b64encode(png).decode("ascii"),
        "levels": levels,
    }
