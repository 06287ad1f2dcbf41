"""The one error tree of vertebro.

::

    VertebroError
     ├── InvalidDocument(ValueError)    a JSON document breaks its spec (carries every problem)
     │    ├── InvalidCase               ... a vertebro.case/1 (case-v1)
     │    ├── InvalidProcedure          ... a vertebro.procedure/1 (registry-v1)
     │    └── InvalidFollowUp           ... a vertebro.follow_up/1 (registry-v1)
     ├── ImageError(ValueError)         an image or label file cannot be read or used
     │    ├── LabelMapError             a label map breaks measurement-v1's rules
     │    └── ImageTooLarge             its header promises more than the limits allow [413]
     ├── InvalidBackup(ValueError)      a registry backup file cannot be restored (exit 2)
     ├── RegistryError                  the registry refuses a request (HTTP status in brackets)
     │    ├── NotFound(LookupError)     no such patient, case, user … [404]
     │    ├── Conflict                  the request clashes with stored state [409]
     │    │    └── ProcedureRefused     a procedure for a contraindicated case [409]
     │    ├── PreconditionFailed        a stale version / ETag [412]
     │    ├── PreconditionRequired      no version / If-Match given where one is due [428]
     │    ├── AuthenticationFailed      bad, expired or revoked credentials [401]
     │    └── PermissionDenied          the user's role does not allow it [403]
     └── (front doors map InvalidDocument and ImageError to exit code 2 / HTTP 422 with
          their text (ImageTooLarge: 413), RegistryError to exit code 1 / the status above)

Every error carries what it is about (a field path such as ``fractures[1].level``
or a file name) and the reason, so that the message can be shown verbatim.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

__all__ = [
    "AuthenticationFailed",
    "Conflict",
    "ImageError",
    "ImageTooLarge",
    "InvalidBackup",
    "InvalidCase",
    "InvalidDocument",
    "InvalidFollowUp",
    "InvalidProcedure",
    "LabelMapError",
    "NotFound",
    "PermissionDenied",
    "PreconditionFailed",
    "PreconditionRequired",
    "Problem",
    "ProcedureRefused",
    "RegistryError",
    "VertebroError",
]


class VertebroError(Exception):
    """Base class of every error vertebro raises on purpose."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One validation problem: the field ``path`` (``$`` for the whole document) and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class InvalidDocument(VertebroError, ValueError):
    """A JSON document breaks its spec; ``problems`` lists every defect in document order."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    @classmethod
    def single(cls, path: str, reason: str) -> Self:
        """An error with one problem."""
        return cls([Problem(path, reason)])

    @property
    def lines(self) -> list[str]:
        """The problems as ``<path>: <reason>`` lines, in document order."""
        return [str(p) for p in self.problems]


class InvalidCase(InvalidDocument):
    """A case document is not a valid ``vertebro.case/1``; ``problems`` lists every defect."""


class InvalidProcedure(InvalidDocument):
    """A procedure document is not a valid ``vertebro.procedure/1`` (or breaks a registry rule
    tied to one of its fields, such as a missing ``override_reason``)."""


class InvalidFollowUp(InvalidDocument):
    """A follow-up document is not a valid ``vertebro.follow_up/1``."""


class ImageError(VertebroError, ValueError):
    """An image or label file cannot be read or used; ``source`` names the file."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


class LabelMapError(ImageError):
    """A label map breaks the rules of ``vertebro.measurement/1``."""


class InvalidBackup(VertebroError, ValueError):
    """A backup file that cannot be restored (truncated, garbage, made by a newer vertebro,
    rows breaking the schema); ``source`` names the file. Nothing was restored."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


class ImageTooLarge(ImageError):
    """An image or label map whose header promises more voxels or working memory than
    ``VERTEBRO_MAX_VOXELS`` / ``VERTEBRO_MAX_MEASURE_GIB`` allow (refused before decoding)."""


class RegistryError(VertebroError):
    """The registry refuses a request; ``status`` is the HTTP status the API answers with."""

    status = 400


class NotFound(RegistryError, LookupError):
    """No such patient, case, record, user or token."""

    status = 404


class Conflict(RegistryError):
    """The request clashes with what is stored (a duplicate code, an existing user …)."""

    status = 409


class ProcedureRefused(Conflict):
    """A procedure for a case whose latest assessment is ``contraindicated`` (registry-v1)."""


class PreconditionFailed(RegistryError):
    """The caller edited a stale version (``If-Match`` no longer current)."""

    status = 412

    def __init__(self, message: str, *, current_version: int | None = None) -> None:
        self.current_version = current_version
        super().__init__(message)


class PreconditionRequired(RegistryError):
    """An edit without the version (``If-Match``) it is based on."""

    status = 428


class AuthenticationFailed(RegistryError):
    """Unknown user, wrong password, or a bad, expired or revoked token."""

    status = 401


class PermissionDenied(RegistryError):
    """The user's role does not allow the action."""

    status = 403
