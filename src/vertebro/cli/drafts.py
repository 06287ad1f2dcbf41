"""``vertebro fhir drafts|draft|complete``: the draft cases imported from other systems'
FHIR Bundles (``docs/fhir.md``): list them, write one out as files to complete, and store
the completed files as a case.

Front door only. Exit codes: 0 done, 1 refused or failed, 2 invalid input.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Annotated

import typer

from vertebro.cli.exchange import _fail, _read, draft_files, fhir_app, write_documents
from vertebro.cli.registry import DatabaseOption, _guarded, _registry

__all__ = ["complete", "draft", "drafts", "fhir_app"]

DraftId = Annotated[str, typer.Argument(metavar="DRAFT_ID", help="The draft's id (F-…).")]
_NUMBERED = re.compile(r"^(procedure|follow-up)-(\d+)\.json$")


@fhir_app.command("drafts")
def drafts(
    database: DatabaseOption = None,
    include_completed: Annotated[
        bool, typer.Option("--all", help="Also the drafts completed into cases.")
    ] = False,
) -> None:
    """List the open drafts (newest first): id, patient, date, what is still missing."""
    from vertebro.services.registry import Actor, unit_of_work
    from vertebro.services.registry.drafts import DraftView, list_drafts

    with _registry(database) as registry:

        def run() -> list[DraftView]:
            with unit_of_work(registry, Actor.cli()) as tx:
                return list_drafts(tx, include_completed=include_completed)

        views = _guarded(run)
    for view in views:
        state = f"case {view.case_id}" if view.case_id else f"{len(view.report['missing'])} missing"
        created = view.created_at.date().isoformat()
        sys.stdout.write(f"{view.draft_id}\t{view.patient_code}\t{created}\t{state}\n")


@fhir_app.command("draft")
def draft(
    draft_id: DraftId,
    database: DatabaseOption = None,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            help="Write case.json, procedure-N.json, follow-up-N.json and report.json here "
            "(to complete them); without it the draft is printed as one JSON document."
        ),
    ] = None,
) -> None:
    """Show a draft: its documents as far as the Bundle filled them and its import report."""
    from vertebro.services.registry import Actor, unit_of_work
    from vertebro.services.registry.drafts import DraftView, get_draft

    with _registry(database) as registry:

        def run() -> DraftView:
            with unit_of_work(registry, Actor.cli()) as tx:
                return get_draft(tx, draft_id)

        view = _guarded(run)
    if out_dir is None:
        sys.stdout.write(json.dumps(view.as_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    documents = view.documents
    write_documents(
        out_dir,
        draft_files(
            documents["case"], documents["procedures"], documents["follow_ups"], view.report
        ),
    )


def _numbered(folder: Path, kind: str) -> list[bytes]:
    found = sorted(
        (int(m.group(2)), path)
        for path in folder.iterdir()
        if (m := _NUMBERED.match(path.name)) and m.group(1) == kind
    )
    return [_read(path) for _, path in found]


@fhir_app.command("complete")
def complete(
    draft_id: DraftId,
    folder: Annotated[
        Path,
        typer.Argument(
            metavar="DIR",
            help="case.json and any procedure-N.json and follow-up-N.json, completed.",
        ),
    ],
    database: DatabaseOption = None,
) -> None:
    """Store a completed draft as a case (its case_id the draft's): assessed, with the
    procedures and follow-ups of DIR (in the order of N), through every registry rule.
    Prints the case id. All or nothing."""
    from vertebro.services.registry import Actor, unit_of_work
    from vertebro.services.registry.drafts import complete_draft

    if not folder.is_dir():
        raise _fail([f"{folder}: not a folder"])
    case = _read(folder / "case.json")
    procedures = _numbered(folder, "procedure")
    follow_ups = _numbered(folder, "follow-up")
    with _registry(database) as registry:

        def run() -> str:
            with unit_of_work(registry, Actor.cli()) as tx:
                return complete_draft(tx, draft_id, case, procedures, follow_ups)

        try:
            case_id = _guarded(run)
        except typer.Exit:
            sys.stderr.write("nothing was stored\n")
            raise
    sys.stdout.write(case_id + "\n")
