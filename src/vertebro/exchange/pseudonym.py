"""Keyed pseudonyms (HMAC-SHA-256, RFC 2104) for exchange: the patient code an imported
medical record number becomes, and the stable ids and date shifts of de-identified exports.

One secret key, from ``VERTEBRO_PSEUDONYM_KEY`` (at least 32 characters), serves every use,
each under its own purpose label so that no two uses share a digest. The key is never
stored in the registry; without it an MRN is not imported and nothing is de-identified.
The same key gives the same codes and shifts in every registry and every run.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["KEY_ENV", "MIN_KEY_CHARS", "PseudonymKey", "key_from_env"]

KEY_ENV = "VERTEBRO_PSEUDONYM_KEY"
MIN_KEY_CHARS = 32
#: De-identified dates move back by 1 to this many days (per patient).
MAX_SHIFT_DAYS = 365


@dataclass(frozen=True, slots=True)
class PseudonymKey:
    """The secret key (its value is never shown in ``repr``)."""

    secret: bytes = field(repr=False)

    @classmethod
    def from_text(cls, text: str) -> PseudonymKey:
        """A key from its text; ``ValueError`` when it is shorter than 32 characters."""
        if len(text.strip()) < MIN_KEY_CHARS:
            raise ValueError(
                f"{KEY_ENV}: must be at least {MIN_KEY_CHARS} characters "
                "(for instance: python -c 'import secrets; print(secrets.token_hex(32))')"
            )
        return cls(text.strip().encode("utf-8"))

    def _digest(self, purpose: str, value: str) -> bytes:
        message = f"vertebro/{purpose}/{value}".encode()
        return hmac.new(self.secret, message, hashlib.sha256).digest()

    def patient_code(self, system: str, value: str) -> str:
        """The pseudonymous patient code of an identifier (``system`` and ``value``, e.g. a
        hospital's MRN): ``H-`` and 20 hex digits (80 bits) of the keyed digest."""
        return "H-" + self._digest("patient", f"{system}|{value}").hex()[:20]

    def document_id(self, text: str | bytes) -> str:
        """A stable id for an imported document (``F-`` and 16 hex digits)."""
        raw = text if isinstance(text, str) else text.decode("utf-8", "replace")
        return "F-" + self._digest("document", raw).hex()[:16]

    def deidentified(self, kind: str, value: str) -> str:
        """The stable replacement of a patient code (``kind`` ``patient``) or case id
        (``case``) in de-identified exports: ``D-``/``C-`` and 20 hex digits."""
        prefix = "D-" if kind == "patient" else "C-"
        return prefix + self._digest(f"deidentify-{kind}", value).hex()[:20]

    def shift_days(self, patient_code: str) -> int:
        """How many days (1–365) a patient's dates move back in de-identified exports: the
        same for every date of the patient, so intervals are kept."""
        digest = self._digest("date-shift", patient_code)
        return 1 + int.from_bytes(digest[:8], "big") % MAX_SHIFT_DAYS


def key_from_env(environ: Mapping[str, str] | None = None) -> PseudonymKey | None:
    """The key of ``VERTEBRO_PSEUDONYM_KEY``, ``None`` when unset or empty; ``ValueError``
    when it is too short."""
    env = os.environ if environ is None else environ
    text = env.get(KEY_ENV, "")
    return PseudonymKey.from_text(text) if text.strip() else None
