"""The ``vertebro`` console entry point: ``vertebro measure`` with options it can read
goes straight to the measurement (no Typer, no rich with ``--quiet``, no case model);
everything else — other commands, ``--help``, bad options — runs the Typer app
(``vertebro.cli``), so help and error messages are Typer's own."""

from __future__ import annotations

import sys

__all__ = ["main"]


def main() -> None:
    """Console entry point."""
    args = sys.argv[1:]
    if args[:1] == ["measure"]:
        from vertebro.cli.measure_run import parse_measure_args, run_measure

        parsed = parse_measure_args(args[1:])
        if parsed is not None:
            sys.exit(run_measure(**parsed))
    from vertebro.cli.app import main as typer_main

    typer_main()


if __name__ == "__main__":
    main()
