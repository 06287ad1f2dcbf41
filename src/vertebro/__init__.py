"""vertebro: measure, decide, plan, record and follow vertebral augmentation.

>>> from vertebro import Case, assess

The names below load on first use (PEP 562), so that ``vertebro measure`` and other
front doors that need no case model or rule engine start without them.
"""

import typing as _typing

from vertebro._compiled import use_current_core as _use_current_core
from vertebro._lazy import lazy_names as _lazy_names

_use_current_core()  # before any compiled module is imported

if _typing.TYPE_CHECKING:
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

_WHERE = {
    "ImageError": "vertebro.errors",
    "InvalidCase": "vertebro.errors",
    "LabelMapError": "vertebro.errors",
    "VertebroError": "vertebro.errors",
    "RULEBOOK_VERSION": "vertebro.guidance",
    "assess": "vertebro.guidance",
    "Assessment": "vertebro.model",
    "Case": "vertebro.model",
    "Level": "vertebro.model",
    "parse_case": "vertebro.model",
}


__getattr__, __dir__ = _lazy_names("vertebro", globals(), _WHERE)
