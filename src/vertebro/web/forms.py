"""Reading submitted forms (bounded)."""

from __future__ import annotations

from fastapi import Request

from vertebro.http.problems import ApiProblem

__all__ = ["form_values"]

MAX_FIELDS = 2000


async def form_values(request: Request) -> dict[str, str]:
    """The form's text fields (the last value of a repeated name); files are ignored."""
    form = await request.form(max_files=0, max_fields=MAX_FIELDS, max_part_size=1_048_576)
    values: dict[str, str] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            if "\x00" in value:
                raise ApiProblem(422, f"{key[:60]}: must not contain NUL characters")
            values[key[:200]] = value
    return values
