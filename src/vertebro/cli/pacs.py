"""``vertebro pacs find|pull|push``: the PACS loop over DICOMweb (front door only).

The server is ``--url`` or ``$VERTEBRO_PACS_URL`` (the DICOMweb root), the login ``--user``
or ``$VERTEBRO_PACS_USER`` with the password in ``$VERTEBRO_PACS_PASSWORD`` or the first line
of ``--password-file``. Every failure — the server down or refusing, an unknown study, a bad
file — is exit 2 with one ``<server or file>: <reason>`` line, and nothing half-written.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

__all__ = ["pacs_app"]

_T = TypeVar("_T")

pacs_app = typer.Typer(
    help="Find studies in a PACS, pull a CT/MR series and its SEG, push results (DICOMweb).",
    no_args_is_help=True,
    add_completion=False,
)

UrlOption = Annotated[
    str | None,
    typer.Option("--url", help="DICOMweb root of the PACS (default: $VERTEBRO_PACS_URL)."),
]
UserOption = Annotated[
    str | None, typer.Option("--user", help="PACS user (default: $VERTEBRO_PACS_USER).")
]
PasswordFileOption = Annotated[
    Path | None,
    typer.Option(
        "--password-file",
        help="File whose first line is the PACS password (default: $VERTEBRO_PACS_PASSWORD).",
    ),
]


class ListFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


def _fail(line: str) -> typer.Exit:
    typer.echo(line, err=True)
    return typer.Exit(code=2)


def _run(call: Callable[[], _T]) -> _T:
    """``call()``, with a refusal (``VertebroError``) as one line and exit 2."""
    from vertebro.errors import VertebroError

    try:
        return call()
    except VertebroError as exc:
        raise _fail(str(exc)) from None


def pacs_settings(url: str | None, user: str | None, password_file: Path | None) -> Any:
    from vertebro.services.pacs import PacsSettings

    password = None
    if password_file is not None:
        try:
            lines = password_file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise _fail(f"{password_file}: {exc.strerror or exc}") from None
        password = lines[0] if lines else ""
    return _run(lambda: PacsSettings.from_env(url=url, user=user, password=password))


def since_day(since: str | None) -> str | None:
    """``--since YYYY-MM-DD`` as the DICOM date ``YYYYMMDD`` (exit 2 when not a date)."""
    from datetime import date

    if since is None:
        return None
    try:
        return date.fromisoformat(since).strftime("%Y%m%d")
    except ValueError:
        raise _fail(f"--since: {since!r} is not a date YYYY-MM-DD") from None


@pacs_app.command("find")
def find(
    patient_id: Annotated[
        str | None, typer.Option("--patient-id", help="Only this patient's studies.")
    ] = None,
    modality: Annotated[
        str | None,
        typer.Option("--modality", help="Only studies holding this modality, e.g. SEG."),
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only studies on or after this date (YYYY-MM-DD).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 50,
    output_format: Annotated[ListFormat, typer.Option("--format")] = ListFormat.TEXT,
    url: UrlOption = None,
    user: UserOption = None,
    password_file: PasswordFileOption = None,
) -> None:
    """List studies, newest first: date, patient id, modalities, study UID, description."""
    from vertebro.services.pacs import find_studies

    day = since_day(since)
    settings = pacs_settings(url, user, password_file)
    studies = _run(
        lambda: find_studies(
            settings, patient_id=patient_id, modality=modality, since=day, limit=limit
        )
    )
    if output_format is ListFormat.JSON:
        typer.echo(json.dumps([s.as_dict() for s in studies], indent=2, ensure_ascii=False))
        return
    for s in studies:
        typer.echo(
            f"{s.day or '-':<10}  {s.patient_id or '-':<16}  {'/'.join(s.modalities):<12}  "
            f"{s.study_uid}  {s.description}".rstrip()
        )
    typer.echo(f"{len(studies)} stud{'y' if len(studies) == 1 else 'ies'}", err=True)


@pacs_app.command("pull")
def pull(
    study_uid: Annotated[str, typer.Argument(metavar="STUDY_UID")],
    out: Annotated[
        Path, typer.Option("--out", help="New (or empty) folder: image/ and seg.dcm go there.")
    ],
    series: Annotated[
        str | None,
        typer.Option("--series", help="The CT/MR series UID (default: the one the SEG names)."),
    ] = None,
    url: UrlOption = None,
    user: UserOption = None,
    password_file: PasswordFileOption = None,
) -> None:
    """Retrieve a study's DICOM SEG and the image series it was drawn on (WADO-RS)."""
    from vertebro.services.pacs import pull_study

    settings = pacs_settings(url, user, password_file)
    pulled = _run(lambda: pull_study(settings, study_uid, out, image_series=series))
    typer.echo(f"{pulled.image}: {pulled.instances} images of series {pulled.image_series_uid}")
    typer.echo(f"{pulled.seg}: SEG of series {pulled.seg_series_uid}")


@pacs_app.command("push")
def push(
    files: Annotated[list[Path], typer.Argument(metavar="FILE...", help="DICOM files to store.")],
    url: UrlOption = None,
    user: UserOption = None,
    password_file: PasswordFileOption = None,
) -> None:
    """Store DICOM files (e.g. the SR and secondary capture of vertebro measure) (STOW-RS)."""
    from vertebro.services.pacs import push_files

    settings = pacs_settings(url, user, password_file)
    stored = _run(lambda: push_files(settings, files))
    for path, uid in stored:
        typer.echo(f"{path}: stored ({uid})")
