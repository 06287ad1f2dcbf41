"""The JSON documents the API reads and writes, by name (for the OpenAPI schema), and the
small request bodies of its own (token requests), parsed as strictly as the core's."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, Strict, StrictInt

from vertebro.errors import InvalidDocument
from vertebro.model import Assessment, Case, Checklist, FollowUp, Procedure
from vertebro.model.fields import StrictModel
from vertebro.model.parsing import DocumentKind
from vertebro.services.registry import NewPatient

__all__ = ["DOCUMENT_MODELS", "TOKEN_REQUEST", "VOID_REQUEST", "TokenRequest", "VoidRequest"]


class TokenRequest(StrictModel):
    """``POST /api/auth/token``: a user name and password; the token lives ``days`` days."""

    username: Annotated[str, Strict(), Field(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
    password: Annotated[str, Strict(), Field(min_length=1, max_length=1024)]
    days: Annotated[StrictInt, Field(ge=1, le=365)] = 30


TOKEN_REQUEST = DocumentKind(TokenRequest, InvalidDocument)


class VoidRequest(StrictModel):
    """``POST …/void``: why the record is void (1–500 characters)."""

    reason: Annotated[str, Strict(), Field(min_length=1, max_length=500)]


VOID_REQUEST = DocumentKind(VoidRequest, InvalidDocument)

DOCUMENT_MODELS: dict[str, type[BaseModel]] = {
    "Case": Case,
    "Assessment": Assessment,
    "Procedure": Procedure,
    "FollowUp": FollowUp,
    "Checklist": Checklist,
    "VoidRequest": VoidRequest,
    "NewPatient": NewPatient,
    "TokenRequest": TokenRequest,
}
