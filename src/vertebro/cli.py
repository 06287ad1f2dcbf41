"""The ``vertebro`` command line (Typer). Front door only: it parses, calls a service, prints."""
