"""``If-Match`` → the version an edit is based on (cases, procedures, follow-ups, the
checklist): every record's ETag ends in ``.v<version>``."""

from __future__ import annotations

from collections.abc import Callable

from vertebro.errors import PreconditionFailed, PreconditionRequired
from vertebro.services.registry import version_from_etag

__all__ = ["version_named"]


def version_named(etag_of: Callable[[int], str], what: str, if_match: str | None) -> int | None:
    """The version an ``If-Match`` header names (``None`` when absent); 412 when it is not
    an ETag of ``what`` (``etag_of(version)`` builds those), 428 for ``*`` (a blind
    overwrite)."""
    if if_match is None or not if_match.strip():
        return None
    value = if_match.strip()
    if value == "*":
        raise PreconditionRequired("If-Match must name the version you edited, not *")
    version = version_from_etag(value)
    if version is None or value.removeprefix("W/") != etag_of(version):
        raise PreconditionFailed(f"If-Match {value[:80]!r} is not a version of {what}")
    return version
