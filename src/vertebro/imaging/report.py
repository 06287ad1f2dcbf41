"""A plain-text report of a ``vertebro.measurement/1`` document (``--format text``)."""

from __future__ import annotations

from typing import Any

__all__ = ["text_report"]


def _num(value: Any, unit: str = "") -> str:
    return "-" if value is None else f"{value:.1f}{unit}"


def text_report(document: dict[str, Any], source: str = "") -> str:
    """One line per level (heights Ha/Hm/Hp, reference, the grading method's loss and Genant
    grade, shape, wedge angle, rulebook M-2 on the same heights), then the regional angle
    (rulebook M-7)."""
    lines = [
        f"Vertebral body morphometry ({document['schema']}, convention {document['convention']})"
    ]
    if source:
        lines.append(f"labels: {source}")
    header = (
        f"{'level':<6}{'Ha':>7}{'Hm':>7}{'Hp':>7}{'ref':>7}{'loss %':>8}  "
        f"{'grade':<6}{'shape':<10}{'wedge':>7}{'M-2 %':>7}"
    )
    lines += ["", header, "-" * len(header)]
    for item in document["levels"]:
        if not item["evaluable"]:
            lines.append(f"{item['level']:<6}not evaluable: {item['reason']}")
            continue
        h = item["heights_mm"]
        grade = item["genant_grade"]
        lines.append(
            f"{item['level']:<6}{_num(h['anterior']):>7}{_num(h['middle']):>7}{_num(h['posterior']):>7}"
            f"{_num(item['reference_height_mm']):>7}{_num(item['height_loss_pct']):>8}  "
            f"{('-' if grade is None else str(grade)):<6}{(item['shape'] or '-'):<10}"
            f"{_num(item['wedge_angle_deg'], '°'):>7}"
            f"{_num((item.get('grading') or {}).get('rulebook_height_loss_pct')):>7}"
        )
    lines.append("")
    method = document.get("method") or {}
    lines.append(
        f"heights in mm; loss and grade by {method.get('name', '?')}/{method.get('version', '?')}:"
    )
    lines.append("each height against the height expected for its level from the spine's")
    lines.append("unfractured vertebrae (Genant); ref: rulebook reference height; M-2: the")
    lines.append("rulebook's loss on the same heights.")
    reg = document["regional"]
    if reg["kyphosis_deg"] is None:
        lines.append("regional kyphosis: - (no evaluable level)")
    else:
        lines.append(
            f"regional kyphosis: {reg['kyphosis_deg']:.1f}° "
            f"({reg['cranial_level']} superior endplate to {reg['caudal_level']} inferior endplate)"
        )
    return "\n".join(lines) + "\n"
