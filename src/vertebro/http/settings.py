"""Settings of the API and web app: the unit's name and phone number (for the patient
leaflet), the session secret and timeouts, login rate limits, the ``Secure`` cookie flag,
the pseudonym key and the concept map of FHIR imports. Read from the environment
(``VERTEBRO_*``) by :meth:`Settings.from_env`; tests pass their own."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from vertebro.exchange.pseudonym import PseudonymKey, key_from_env
from vertebro.services.registry import LoginLimits

__all__ = ["Settings"]


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Settings:
    """What the app needs to know beyond the database.

    ``now`` gives the current time (timezone-aware, UTC); tests inject a fixed one.
    ``secret_key`` signs only the CSRF token of visitors not logged in (sessions are
    server-side records).
    """

    unit_name: str = "Spine intervention unit"
    unit_phone: str = ""  # unset: the registry's, else staff are warned
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    session_idle_minutes: int = 30
    session_hours: int = 12
    login_attempts: int = 5
    login_address_attempts: int = 20
    login_window_s: int = 900
    secure_cookies: bool = False
    pseudonym_key: PseudonymKey | None = field(default=None, repr=False)
    concept_map: Path | None = None
    now: Callable[[], datetime] = field(default=_now, repr=False)

    @property
    def login_limits(self) -> LoginLimits:
        return LoginLimits(
            self.login_attempts,
            self.login_address_attempts,
            timedelta(seconds=self.login_window_s),
        )

    @property
    def session_idle(self) -> timedelta:
        return timedelta(minutes=self.session_idle_minutes)

    @property
    def session_lifetime(self) -> timedelta:
        return timedelta(hours=self.session_hours)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``VERTEBRO_UNIT_NAME``, ``VERTEBRO_UNIT_PHONE``,
        ``VERTEBRO_SECRET_KEY``, ``VERTEBRO_SESSION_IDLE_MINUTES``,
        ``VERTEBRO_SECURE_COOKIES`` (``1``: cookies only over HTTPS),
        ``VERTEBRO_PSEUDONYM_KEY`` (``ValueError`` when shorter than 32 characters) and
        ``VERTEBRO_CONCEPT_MAP``; defaults otherwise."""
        env = os.environ if environ is None else environ
        base = cls()
        return cls(
            unit_name=env.get("VERTEBRO_UNIT_NAME", base.unit_name),
            unit_phone=env.get("VERTEBRO_UNIT_PHONE", base.unit_phone),
            secret_key=env.get("VERTEBRO_SECRET_KEY") or base.secret_key,
            session_idle_minutes=int(
                env.get("VERTEBRO_SESSION_IDLE_MINUTES", base.session_idle_minutes)
            ),
            secure_cookies=env.get("VERTEBRO_SECURE_COOKIES", "") == "1",
            pseudonym_key=key_from_env(env),
            concept_map=Path(env["VERTEBRO_CONCEPT_MAP"])
            if env.get("VERTEBRO_CONCEPT_MAP")
            else None,
        )
