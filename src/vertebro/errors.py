"""The one error tree of vertebro.

::

    VertebroError
     ├── InvalidCase(ValueError)        a case document breaks case-v1 (carries every problem)
     ├── ImageError(ValueError)         an image or label file cannot be read or used
     │    └── LabelMapError             a label map breaks measurement-v1's rules
     └── (front doors map these to exit code 2 / HTTP 422 with their text)

Every error carries what it is about (a field path such as ``fractures[1].level``
or a file name) and the reason, so that the message can be shown verbatim.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ImageError", "InvalidCase", "LabelMapError", "Problem", "VertebroError"]


class VertebroError(Exception):
    """Base class of every error vertebro raises on purpose."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One validation problem: the field ``path`` (``$`` for the whole document) and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class InvalidCase(VertebroError, ValueError):
    """A case document is not a valid ``vertebro.case/1``; ``problems`` lists every defect."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    @classmethod
    def single(cls, path: str, reason: str) -> InvalidCase:
        """An error with one problem."""
        return cls([Problem(path, reason)])

    @property
    def lines(self) -> list[str]:
        """The problems as ``<path>: <reason>`` lines, in document order."""
        return [str(p) for p in self.problems]


class ImageError(VertebroError, ValueError):
    """An image or label file cannot be read or used; ``source`` names the file."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


class LabelMapError(ImageError):
    """A label map breaks the rules of ``vertebro.measurement/1``."""
