"""Help texts of the command line as sentences: a docstring wrapped at 100 columns in the
source becomes one line per paragraph, which the terminal wraps at its own width (Typer's
rich help keeps single line breaks, and breaks sentences mid-line)."""

from __future__ import annotations

import inspect

import typer

__all__ = ["unwrap", "unwrap_help"]


def unwrap(text: str) -> str:
    """Join the lines of each paragraph; keep blank lines, and paragraphs that are lists or
    verbatim (a line starting ``-``, ``*``, ``•``, a space, or Typer's ``\\b``).

    >>> unwrap("Measure the heights\\nof a label map.\\n\\n- one\\n- two")
    'Measure the heights of a label map.\\n\\n- one\\n- two'
    """
    paragraphs = inspect.cleandoc(text).split("\n\n")
    out = []
    for paragraph in paragraphs:
        lines = paragraph.split("\n")
        verbatim = any(line.startswith(("-", "*", "•", " ", "\b")) for line in lines)
        out.append(paragraph if verbatim else " ".join(line.strip() for line in lines))
    return "\n\n".join(out)


def unwrap_help(app: typer.Typer) -> None:
    """Unwrap the help of every command and group of ``app``, recursively."""
    if isinstance(app.info.help, str):
        app.info.help = unwrap(app.info.help)
    for command in app.registered_commands:
        text = command.help or (inspect.getdoc(command.callback) if command.callback else None)
        if text:
            command.help = unwrap(text)
    for group in app.registered_groups:
        if isinstance(group.help, str):
            group.help = unwrap(group.help)
        if group.typer_instance is not None:
            unwrap_help(group.typer_instance)
