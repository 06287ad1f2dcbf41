"""``python -m vertebro.cli …``: the Typer app (the ``vertebro`` script adds a Typer-free
fast path for ``vertebro measure``, :mod:`vertebro._entry`)."""

from vertebro.cli.app import main

main()
