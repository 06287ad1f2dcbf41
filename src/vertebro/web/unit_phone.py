"""The unit's phone number as the pages see it: the registry's (set by an admin or by
``vertebro serve --unit-phone``), else the app's settings, else unset (staff are warned on
every page, and leaflets say to ask the unit). Read once per app, refreshed when set."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.exc import SQLAlchemyError

from vertebro.http.context import app_context
from vertebro.registry import Role
from vertebro.services.registry import Actor, get_unit_phone, unit_of_work

__all__ = ["remember_unit_phone", "unit_phone"]

_STATE = "vertebro_unit_phone"


def unit_phone(request: Request) -> str | None:
    """The number patients call, ``None`` while nobody has set one."""
    state = request.app.state
    ctx = app_context(request)
    if not hasattr(state, _STATE):
        try:
            with unit_of_work(ctx.registry, Actor("web", Role.VIEWER), write=False) as tx:
                setattr(state, _STATE, get_unit_phone(tx))
        except SQLAlchemyError:  # an error page while the database is down: settings only
            return ctx.settings.unit_phone or None
    stored: str | None = getattr(state, _STATE)
    return stored or ctx.settings.unit_phone or None


def remember_unit_phone(request: Request, phone: str) -> None:
    """Use ``phone`` from now on (it has just been stored)."""
    setattr(request.app.state, _STATE, phone)
