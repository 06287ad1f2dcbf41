"""The unit's settings page (admin): the phone number printed in the patient leaflet's
"Call us straight away" box, kept in the registry."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from vertebro.errors import InvalidDocument
from vertebro.registry import Role
from vertebro.services.registry import set_unit_phone
from vertebro.web.forms import form_values
from vertebro.web.render import page, redirect
from vertebro.web.session import check_csrf, current_user
from vertebro.web.tx import web_tx
from vertebro.web.unit_phone import remember_unit_phone

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/admin/settings")
def settings_page(request: Request) -> Response:
    current_user(request, Role.ADMIN)
    return page(request, "settings.html", value=None, error="")


@router.post("/admin/settings")
async def save_settings(request: Request) -> Response:
    """Store the unit's phone number (audited); the page again with the reason if refused."""
    form = await form_values(request)
    check_csrf(request, form.get("csrf_token"))
    current_user(request, Role.ADMIN)
    phone = form.get("unit_phone", "")
    try:
        with web_tx(request, Role.ADMIN) as tx:
            stored = set_unit_phone(tx, phone)
    except InvalidDocument as exc:
        reason = exc.problems[0].reason
        return page(request, "settings.html", status=422, value=phone, error=reason)
    remember_unit_phone(request, stored)
    return redirect(request, "/admin/settings?done=unit-phone")
