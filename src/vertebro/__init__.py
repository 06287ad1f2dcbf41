"""vertebro: measure, decide, plan, record and follow vertebral augmentation.

>>> from vertebro import Case, assess
"""

from vertebro.errors import ImageError, InvalidCase, LabelMapError, VertebroError
from vertebro.guidance import RULEBOOK_VERSION, assess
from vertebro.model import Assessment, Case, Level, parse_case

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
