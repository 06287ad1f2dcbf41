"""Use cases: the unit's settings kept in the registry — the phone number patients call
(printed in the leaflet's "Call us straight away" box). An admin sets it on the web, or
``vertebro serve --unit-phone`` at start; until it is set, staff see a warning."""

from __future__ import annotations

import re

from vertebro.errors import InvalidDocument
from vertebro.registry.schema import Role, UnitSettingRow
from vertebro.services.registry.context import Tx

__all__ = ["PHONE_PATTERN", "get_unit_phone", "set_unit_phone"]

#: Digits with the usual separators, an optional leading +, an optional extension.
PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 ()./-]{2,38}[0-9](?: ?(?:ext\.?|x) ?[0-9]{1,6})?$")
_PHONE = "unit_phone"


def get_unit_phone(tx: Tx) -> str | None:
    """The unit's phone number, ``None`` while nobody has set it."""
    row = tx.session.get(UnitSettingRow, _PHONE)
    return None if row is None else row.value


def set_unit_phone(tx: Tx, phone: str) -> str:
    """Set the unit's phone number (admin; audited with the number before and after);
    :class:`InvalidDocument` (``unit_phone: …``) unless it reads as a phone number."""
    tx.require(Role.ADMIN)
    number = " ".join(phone.split())
    if not PHONE_PATTERN.match(number):
        raise InvalidDocument.single(
            "unit_phone", "must be a phone number: digits, spaces, + ( ) - . / (4–40 characters)"
        )
    row = tx.session.get(UnitSettingRow, _PHONE)
    before = None if row is None else {"unit_phone": row.value}
    if row is None:
        row = UnitSettingRow(name=_PHONE, value=number, updated_at=tx.now, updated_by="")
        tx.session.add(row)
    row.value, row.updated_at, row.updated_by = number, tx.now, tx.actor.name
    tx.audit("settings.update", "settings", _PHONE, before=before, after={"unit_phone": number})
    return number
