"""Bounded request bodies: every request body is counted as it arrives, and one larger
than its route's limit is refused with 413 before it is read whole (a declared
``Content-Length`` above the limit is refused at the first read).

JSON bodies and web forms: :data:`MAX_BODY_BYTES`; the label-map upload of
``POST /api/measure``: :data:`MAX_UPLOAD_BYTES` (documented in ``docs/security.md``).
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["MAX_BODY_BYTES", "MAX_UPLOAD_BYTES", "BodyLimit", "BodyTooLarge", "body_limit"]

#: JSON documents and web forms (a case with 17 fractures is about 15 kB).
MAX_BODY_BYTES = 2_000_000
#: A label map uploaded to ``POST /api/measure`` (a whole-body CT map is about 10 MB).
MAX_UPLOAD_BYTES = 512 * 1024 * 1024
_UPLOAD_PATHS = frozenset({"/api/measure"})


class BodyTooLarge(HTTPException):
    """413: the request body is larger than its route takes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(413, f"the request body must be at most {limit:,} bytes")


def body_limit(path: str) -> int:
    """The largest body a request to ``path`` may carry."""
    return MAX_UPLOAD_BYTES if path in _UPLOAD_PATHS else MAX_BODY_BYTES


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() and len(text) < 20 else None
    return None


class BodyLimit:
    """ASGI middleware: reading a body past :func:`body_limit` raises :class:`BodyTooLarge`
    (answered by the app's error handlers: a problem under ``/api``, a page elsewhere)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(str(scope.get("path", "")))
        declared = _declared_length(scope)
        received = 0

        async def receiving() -> Message:
            nonlocal received
            if declared is not None and declared > limit:
                raise BodyTooLarge(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, receiving, send)
