"""Words a clinician reads for the JSON enum values (the values stay as they are in forms)."""

from __future__ import annotations

__all__ = ["label", "level_words", "score_reading"]

_WORDS = {
    "kyphoplasty": "Kyphoplasty",
    "vertebroplasty": "Vertebroplasty",
    "either": "Kyphoplasty or vertebroplasty",
    "mixed": "Mixed (technique per level)",
    "open_surgery": "Open surgery",
    "conservative": "Conservative care",
    "contraindicated": "Contraindicated",
    "needs_workup": "Needs work-up",
    "awaiting_workup": "Awaiting work-up",
    "not_candidate": "Not a candidate",
    "in_follow_up": "In follow-up",
    "unassessed": "Not assessed yet",
    "local_sedation": "Local anaesthesia with sedation",
    "general": "General anaesthesia",
    "same_day": "Same day",
    "overnight": "Overnight stay",
    "non_mechanical": "Non-mechanical",
    "incomplete_cord": "Incomplete cord injury",
    "complete_cord": "Complete cord injury",
    "cauda_equina": "Cauda equina",
    "root": "Root deficit",
    "translation_rotation": "Translation / rotation",
    "non_opioid": "Non-opioid",
    "weak_opioid": "Weak opioid",
    "strong_opioid": "Strong opioid",
    "posterior_ratio": "vs posterior height",
    "reference": "vs reference height",
    "given": "as given",
    "none": "None",
    "ct": "CT",
    "mri": "MRI",
    "correctable": "Correctable",
    "uncorrectable": "Not correctable",
    "out_of_window": "out of window",
}


def label(value: object) -> str:
    """``"needs_workup"`` → ``"Needs work-up"``; unknown words get a capital and spaces;
    ``None`` → ``"Not known"``."""
    if value is None:
        return "Not known"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    text = str(value)
    found = _WORDS.get(text)
    if found is not None:
        return found
    words = text.replace("_", " ")
    return words[:1].upper() + words[1:]


def level_words(levels: object) -> str:
    """``["T12", "L1"]`` → ``"T12, L1"``."""
    if isinstance(levels, list | tuple):
        return ", ".join(str(v) for v in levels)
    return str(levels)


#: A score's reading in words (its own table: "either" of a TLICS is not a technique).
_READINGS = {
    "conservative": "conservative care",
    "either": "either conservative care or surgery",
    "operative": "surgery",
    "non_operative": "non-operative care",
    "stable": "stable",
    "potentially_unstable": "potentially unstable",
    "unstable": "unstable",
}


def score_reading(value: object) -> str:
    """A score's interpretation in words: ``"non_operative"`` → ``"non-operative care"``."""
    text = str(value)
    return _READINGS.get(text, text.replace("_", " "))
