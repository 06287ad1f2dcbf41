"""The transaction of a page request, acting as the session's user."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import Request

from vertebro.http.context import app_context, writes
from vertebro.registry import Role
from vertebro.services.registry import Tx, unit_of_work
from vertebro.web.session import current_user

__all__ = ["web_tx"]


@contextmanager
def web_tx(
    request: Request, role: Role = Role.VIEWER, *, write: bool | None = None
) -> Iterator[Tx]:
    """A transaction for the logged-in user who needs ``role`` (303 to /login without a
    session, 403 when the role is too low); nothing is written when the block raises.
    A ``GET`` page reads (no write lock) unless ``write=True`` (an audited export)."""
    session = current_user(request, role)
    ctx = app_context(request)
    with unit_of_work(
        ctx.registry,
        session.actor(),
        now=ctx.settings.now(),
        write=writes(request) if write is None else write,
    ) as tx:
        yield tx
