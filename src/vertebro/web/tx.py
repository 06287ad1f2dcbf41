"""The one transaction of a page request, acting as the session's user."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import Request

from vertebro.api.context import app_context
from vertebro.registry import Role
from vertebro.services.registry import Tx, unit_of_work
from vertebro.web.session import current_user

__all__ = ["web_tx"]


@contextmanager
def web_tx(request: Request, role: Role = Role.VIEWER) -> Iterator[Tx]:
    """A transaction for the logged-in user who needs ``role`` (303 to /login without a
    session, 403 when the role is too low); nothing is written when the block raises."""
    session = current_user(request, role)
    ctx = app_context(request)
    with unit_of_work(ctx.registry, session.actor(), now=ctx.settings.now()) as tx:
        yield tx
