"""vertebro: measure, decide, plan, record and follow vertebral augmentation.

>>> from vertebro import Case, assess
"""

from vertebro._compiled import use_current_core as _use_current_core

_use_current_core()  # before any compiled module is imported

from vertebro.errors import ImageError, InvalidCase, LabelMapError, VertebroError  # noqa: E402
from vertebro.guidance import RULEBOOK_VERSION, assess  # noqa: E402
from vertebro.model import Assessment, Case, Level, parse_case  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "RULEBOOK_VERSION",
    "Assessment",
    "Case",
    "ImageError",
    "InvalidCase",
    "LabelMapError",
    "Level",
    "VertebroError",
    "__version__",
    "assess",
    "parse_case",
]
