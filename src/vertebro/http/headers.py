"""Security headers on every response (api-v1 1.1 "Responses").

A Content-Security-Policy that allows only the app's own scripts, styles, images and
connections (no inline script or style, no plugins, never framed), ``nosniff``, no
referrer, ``X-Frame-Options: DENY`` for old browsers, and ``Cache-Control: no-store`` on
every ``/api`` answer (they carry patient data).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CONTENT_SECURITY_POLICY", "SecurityHeaders", "secure_headers"]

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
_ALWAYS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
)


def secure_headers(headers: MutableHeaders, path: str) -> None:
    """Add the security headers for a response to ``path`` (an answer's own
    ``Cache-Control`` stays, except under ``/api``, which is never stored)."""
    for name, value in _ALWAYS:
        headers[name] = value
    if path.startswith("/api/"):
        headers["Cache-Control"] = "no-store"


class SecurityHeaders:
    """ASGI middleware: :func:`secure_headers` on every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                secure_headers(MutableHeaders(scope=message), path)
            await send(message)

        await self.app(scope, receive, sending)
