"""The ``vertebro`` command line: a Typer app (:mod:`vertebro.cli.app`) with one module per
command group — ``assess``/``rules``/``version`` in ``app``, ``measure`` (``measure``, its
Typer-free runner ``measure_run``), ``serve``, ``db``/``users`` (``registry``), ``fhir``
(``exchange``, ``drafts``), ``pacs``, ``export-csv``/``import-csv`` (``csv_io``),
``outcomes``/``demo-registry`` (``outcomes``), ``reassess``, ``report``/``leaflet``
(``report``), ``screen``.

``app`` and ``main`` load on first use (PEP 562): ``vertebro measure`` imports
``vertebro.cli.measure_run`` without loading Typer or the other commands.
"""

import typing as _typing

from vertebro._lazy import lazy_names as _lazy_names

if _typing.TYPE_CHECKING:
    from vertebro.cli.app import app, main

__all__ = ["app", "main"]

__getattr__, __dir__ = _lazy_names(
    __name__, globals(), {"app": "vertebro.cli.app", "main": "vertebro.cli.app"}
)
