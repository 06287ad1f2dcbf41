"""The ``--figure`` PNG: a sagittal reformat of the spine with each body's outline,
landmarks and heights coloured by Genant grade (matplotlib, Agg, imported lazily).

The background is a curved sagittal reformat following the vertebral centroids from
side to side (patient anterior to the left, as radiologists read sagittal images):
the image when one was given (CT bone window, MR 1–99th percentile), else the masks.
Outlines and landmarks are drawn in each level's own mid-sagittal plane, projected on
the patient sagittal plane.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from vertebro.errors import ImageError

if TYPE_CHECKING:
    from vertebro.imaging.geometry import LevelGeometry
    from vertebro.imaging.result import MeasurementResult

__all__ = ["GRADE_COLOURS", "render_figure"]

logger = logging.getLogger(__name__)

#: Genant grade → colour (0 green, 1 yellow, 2 orange, 3 red); grey when not evaluable.
GRADE_COLOURS: dict[int | None, str] = {
    0: "#2ca02c",
    1: "#f2d024",
    2: "#ff7f0e",
    3: "#e41a1c",
    None: "#9e9e9e",
}
_STEP_MM = 0.5
_MARGIN_MM = 25.0


def _reformat_points(
    geometry: list[LevelGeometry], a_range: tuple[float, float], s_range: tuple[float, float]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    a = np.arange(a_range[0], a_range[1] + _STEP_MM, _STEP_MM)
    s = np.arange(s_range[0], s_range[1] + _STEP_MM, _STEP_MM)
    cents = sorted((float(g.centroid_mm[2]), float(g.centroid_mm[0])) for g in geometry)
    r_of_s = np.interp(s, [c[0] for c in cents], [c[1] for c in cents])
    pts = np.empty((s.size, a.size, 3))
    pts[..., 0] = r_of_s[:, None]
    pts[..., 1] = a[None, :]
    pts[..., 2] = s[:, None]
    return a, s, pts


def _sample_image(
    result: MeasurementResult, pts: npt.NDArray[np.float64]
) -> npt.NDArray[np.float32]:
    from scipy import ndimage

    from vertebro.imaging.volume import world_to_voxel

    assert result.image is not None
    vox = world_to_voxel(result.image.affine, pts.reshape(-1, 3))
    data = np.asarray(result.image.array, dtype=np.float32)
    out = ndimage.map_coordinates(data, vox.T, order=1, mode="constant", cval=np.nan)
    return np.asarray(out, dtype=np.float32).reshape(pts.shape[:-1])


def _sample_masks(
    result: MeasurementResult, pts: npt.NDArray[np.float64]
) -> npt.NDArray[np.float32]:
    from vertebro.imaging.geometry import _Sampler

    out = np.zeros(pts.shape[:-1], dtype=np.float32)
    for i, v in enumerate(result.spine.vertebrae):
        inside = _Sampler(v.mask, v.offset, result.spine.affine)(pts) >= 0.5
        out[inside] = 1.0 + (i % 2) * 0.35
    return out


def _window(values: npt.NDArray[np.float32]) -> tuple[float, float, str]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return 0.0, 1.0, "image"
    if float(finite.min()) <= -500.0:
        return -450.0, 1150.0, "CT, bone window W 1600 / L 350 HU"
    lo, hi = np.percentile(finite, [1, 99])
    return float(lo), float(max(hi, lo + 1e-6)), "MR, 1–99th percentile"


def _outline(g: LevelGeometry) -> list[npt.NDArray[np.float64]]:
    import contourpy

    sec = g.section
    if sec is None:
        return []
    gen = contourpy.contour_generator(x=sec.u_mm, y=sec.v_mm, z=sec.body.astype(np.float64))
    lines = []
    for uv in gen.lines(0.5):
        uv = np.asarray(uv)
        world = g.centroid_mm + uv[:, :1] * g.x_axis + uv[:, 1:2] * g.y_axis
        lines.append(world[:, 1:3])
    return lines


def render_figure(result: MeasurementResult, path: Path) -> None:
    """Draw the measurement of ``result`` as a PNG at ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    geometry = result.geometry
    items = {item["level"]: item for item in result.document["levels"]}
    allpts = np.vstack(
        [
            np.argwhere(v.mask)[:: max(1, v.mask.sum() // 4000)] + np.asarray(v.offset)
            for v in result.spine.vertebrae
        ]
    ).astype(np.float64)
    world = allpts @ result.spine.affine[:3, :3].T + result.spine.affine[:3, 3]
    a_range = (float(world[:, 1].min()) - _MARGIN_MM, float(world[:, 1].max()) + _MARGIN_MM)
    s_range = (float(world[:, 2].min()) - 10.0, float(world[:, 2].max()) + 10.0)
    a, s, pts = _reformat_points(geometry, a_range, s_range)

    if result.image is not None:
        background = _sample_image(result, pts)
        vmin, vmax, caption = _window(background)
        cmap = "gray"
    else:
        background = _sample_masks(result, pts)
        vmin, vmax, caption = 0.0, 2.2, "label masks (no image given)"
        cmap = "bone"

    height_in = 9.0
    width_in = max(
        6.0, min(14.0, height_in * (a_range[1] - a_range[0]) / (s_range[1] - s_range[0]) + 3.5)
    )
    fig, ax = plt.subplots(figsize=(width_in, height_in), dpi=110)
    ax.imshow(
        background,
        cmap=cmap,
        vmin=vmin,
        vmax=vmax,
        origin="lower",
        extent=(
            a[0] - _STEP_MM / 2,
            a[-1] + _STEP_MM / 2,
            s[0] - _STEP_MM / 2,
            s[-1] + _STEP_MM / 2,
        ),
        interpolation="bilinear",
    )
    ax.set_facecolor("black")
    labels: list[tuple[float, float, str, str]] = []
    for g in geometry:
        item = items[g.level]
        grade = item["genant_grade"] if item["evaluable"] else None
        colour = GRADE_COLOURS.get(grade, GRADE_COLOURS[None])
        outline = _outline(g)
        for line in outline:
            ax.plot(line[:, 0], line[:, 1], color=colour, lw=1.4, alpha=0.95)
        anchor = g.origin_mm if g.origin_mm is not None else g.centroid_mm
        front = max((float(line[:, 0].max()) for line in outline), default=float(anchor[1]))
        ax.text(
            front + 3.0,
            float(anchor[2]),
            g.level,
            color=colour,
            fontsize=10,
            fontweight="bold",
            ha="right",
            va="center",
        )
        if item["evaluable"] and g.landmarks_mm is not None:
            for side in ("anterior", "middle", "posterior"):
                sup = g.plane_to_world(g.landmarks_mm[f"{side}_superior"])
                inf = g.plane_to_world(g.landmarks_mm[f"{side}_inferior"])
                ax.plot([inf[1], sup[1]], [inf[2], sup[2]], color=colour, lw=2.0)
                ax.plot(
                    [inf[1], sup[1]],
                    [inf[2], sup[2]],
                    "o",
                    ms=3.5,
                    mfc="white",
                    mec=colour,
                    mew=1.2,
                )
            h = item["heights_mm"]
            loss = item["height_loss_pct"]
            deformity = (item.get("grading") or {}).get("deformity", "")
            text = (
                f"{g.level}  Genant {grade}, {item['shape']}\n"
                f"Ha {h['anterior']:.1f}  Hm {h['middle']:.1f}  Hp {h['posterior']:.1f} mm\n"
                f"loss {loss:.1f} % ({deformity or item['height_loss_source']})"
                f"  wedge {item['wedge_angle_deg']:.1f}°"
            )
        else:
            text = f"{g.level}  not evaluable ({item['reason']})"
        labels.append((float(anchor[2]), float(anchor[1]), text, colour))

    # Text boxes behind the spine (right), pushed apart so that they never overlap.
    spacing_mm = 0.5 * (s_range[1] - s_range[0]) / (0.85 * height_in)
    placed: list[float] = []
    for target, _, _, _ in sorted(labels, reverse=True):
        y = target if not placed else min(target, placed[-1] - spacing_mm)
        placed.append(y)
    for (target, a_anchor, text, colour), y in zip(
        sorted(labels, reverse=True), placed, strict=True
    ):
        ax.annotate(
            text,
            xy=(a_anchor, target),
            xytext=(a_range[0] - 1.0, y),
            textcoords="data",
            fontsize=7.5,
            color="white",
            va="center",
            ha="left",
            bbox={"boxstyle": "round,pad=0.3", "fc": "black", "ec": colour, "alpha": 0.8},
            arrowprops={"arrowstyle": "-", "color": colour, "lw": 0.6, "alpha": 0.6},
        )
    ax.set_xlim(a_range[1], a_range[0] - 75.0)  # anterior on the left
    ax.set_ylim(s_range[0], s_range[1])
    ax.set_aspect("equal")
    ax.set_xlabel("anterior ←  patient A–P (RAS y, mm)  → posterior")
    ax.set_ylabel("patient S (RAS z, mm)")
    reg = result.document["regional"]
    regional = (
        "regional kyphosis: -"
        if reg["kyphosis_deg"] is None
        else f"regional kyphosis {reg['kyphosis_deg']:.1f}° "
        f"({reg['cranial_level']}–{reg['caudal_level']})"
    )
    ax.set_title(
        f"{Path(result.labels_source).name} — {result.convention} labels; {regional}\n"
        f"background: {caption}; sagittal reformat following the spine",
        fontsize=9,
    )
    handles = [
        Line2D([0], [0], color=GRADE_COLOURS[k], lw=2.5, label=label)
        for k, label in (
            (0, "grade 0 (< 20 %)"),
            (1, "grade 1 (20–25 %)"),
            (2, "grade 2 (25–40 %)"),
            (3, "grade 3 (> 40 %)"),
            (None, "not evaluable"),
        )
    ]
    ax.legend(handles=handles, loc="lower left", fontsize=7, framealpha=0.8)
    fig.tight_layout()
    try:
        fig.savefig(str(path))
    except OSError as exc:
        raise ImageError(str(path), f"cannot write the figure: {exc.strerror or exc}") from exc
    finally:
        plt.close(fig)
