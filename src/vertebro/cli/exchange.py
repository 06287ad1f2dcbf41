"""``vertebro fhir export|import|export-case|import-bundle``: HL7 FHIR R4 Bundles of a case
and its records, from and to files (``export``, ``import``) or the registry (``export-case``,
``import-bundle``); drafts from other systems' Bundles are in :mod:`vertebro.cli.drafts`.
``docs/fhir.md``.

Front door only: it reads arguments and the environment (``VERTEBRO_PSEUDONYM_KEY``,
``VERTEBRO_CONCEPT_MAP``), calls :mod:`vertebro.exchange` or a registry service, prints.
Exit codes: 0 done; 2 refused input (invalid, an unknown case, a clash with the registry);
1 failed (database error, fhir.resources missing, cannot write). Messages on standard error.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from vertebro.cli.registry import DatabaseOption, _guarded, _registry
from vertebro.cli.registry import _fail as _exit

if TYPE_CHECKING:
    from vertebro.exchange.concept_map import ConceptMap
    from vertebro.exchange.pseudonym import PseudonymKey

fhir_app = typer.Typer(
    help="Exchange a case with other systems as an HL7 FHIR R4 Bundle.", no_args_is_help=True
)

PatientCodeOption = Annotated[
    str | None,
    typer.Option(
        "--patient-code",
        metavar="CODE",
        help="Use this patient code instead of one derived from the Bundle's Patient.",
    ),
]
DeidentifyOption = Annotated[
    bool,
    typer.Option(
        "--deidentify",
        help="Keyed replacement codes, no birth year, no operator, no free text, dates "
        "shifted per patient (needs VERTEBRO_PSEUDONYM_KEY).",
    ),
]


def _fail(lines: list[str]) -> typer.Exit:
    for line in lines:
        sys.stderr.write(line + "\n")
    return typer.Exit(code=2)


def _need_fhir() -> None:
    """Exit 1 with the way out when the ``exchange`` extra (fhir.resources) is missing."""
    try:
        import fhir.resources  # noqa: F401
    except ImportError as exc:
        raise _exit(
            [f"FHIR exchange needs fhir.resources ({exc}): pip install 'vertebro[exchange]'"], 1
        ) from None


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _fail([f"{path}: {exc.strerror or exc}"]) from None


def pseudonym_key(*, needed_for: str | None = None) -> PseudonymKey | None:
    """The key of ``VERTEBRO_PSEUDONYM_KEY`` (exit 2 when it is too short, or missing
    while ``needed_for`` names an option that needs it)."""
    from vertebro.exchange.pseudonym import KEY_ENV, key_from_env

    try:
        key = key_from_env()
    except ValueError as exc:
        raise _fail([str(exc)]) from None
    if key is None and needed_for is not None:
        raise _fail([f"{needed_for}: needs a pseudonym key: set {KEY_ENV} (docs/fhir.md)"])
    return key


def concept_map() -> ConceptMap:
    """The site's concept map (``VERTEBRO_CONCEPT_MAP``) or the packaged one; exit 2 when
    the site's file is not a valid map."""
    from vertebro.exchange.concept_map import CONCEPT_MAP_ENV, concept_map_from

    path = os.environ.get(CONCEPT_MAP_ENV)
    try:
        return concept_map_from(Path(path) if path else None)
    except ValueError as exc:
        raise _fail([f"{CONCEPT_MAP_ENV}: {exc}"]) from None


def write_documents(out_dir: Path, documents: Mapping[str, str]) -> None:
    """Write ``name → JSON text`` files into ``out_dir`` (created); exit 2 when it cannot."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, text in documents.items():
            (out_dir / name).write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise _fail([f"{out_dir}: {exc.strerror or exc}"]) from None
    sys.stderr.write(f"{out_dir}: wrote {', '.join(documents)}\n")


def draft_files(
    case: Any, procedures: Sequence[Any], follow_ups: Sequence[Any], report: Any = None
) -> dict[str, str]:
    """The file layout shared by ``import --out-dir``, ``draft --out-dir`` and
    ``complete``: ``case.json``, ``procedure-N.json``, ``follow-up-N.json`` (N from 1),
    ``report.json``. Documents are models or JSON-ready dicts."""
    import json

    def text(document: Any) -> str:
        if hasattr(document, "model_dump_json"):
            return str(document.model_dump_json(exclude_unset=True, indent=2))
        return json.dumps(document, ensure_ascii=False, indent=2)

    files = {"case.json": text(case)}
    files |= {f"procedure-{i}.json": text(p) for i, p in enumerate(procedures, 1)}
    files |= {f"follow-up-{i}.json": text(f) for i, f in enumerate(follow_ups, 1)}
    if report is not None:
        files["report.json"] = text(report)
    return files


def print_report(lines: Sequence[str]) -> None:
    for line in lines:
        sys.stderr.write(line + "\n")


@fhir_app.command("export")
def export(
    case: Annotated[Path, typer.Argument(metavar="CASE.json", help="A vertebro.case/1 file.")],
    patient_code: Annotated[str, typer.Option(help="The patient's pseudonymous code.")],
    procedure: Annotated[
        list[Path] | None, typer.Option(help="A vertebro.procedure/1 file (repeatable).")
    ] = None,
    follow_up: Annotated[
        list[Path] | None, typer.Option(help="A vertebro.follow_up/1 file (repeatable).")
    ] = None,
    birth_year: Annotated[int | None, typer.Option(min=1880, max=2100)] = None,
    when: Annotated[
        str | None,
        typer.Option(
            "--date",
            metavar="YYYY-MM-DD",
            help="The date of the case's values and of its assessment (default: today).",
        ),
    ] = None,
    deidentify: DeidentifyOption = False,
) -> None:
    """Print the Bundle (type collection) of a case, its assessment, procedures and follow-ups."""
    from vertebro.errors import InvalidDocument
    from vertebro.exchange.fhir_deidentify import deidentified
    from vertebro.exchange.fhir_export import ExchangeRecord, bundle_json
    from vertebro.guidance import assess
    from vertebro.model.parsing import parse_case_json, parse_follow_up_json, parse_procedure_json

    key = pseudonym_key(needed_for="--deidentify" if deidentify else None)
    try:
        day = date.fromisoformat(when) if when is not None else date.today()
    except ValueError:
        raise _fail([f"--date: {when!r} is not a date (YYYY-MM-DD)"]) from None
    try:
        parsed = parse_case_json(_read(case))
        procedures = tuple(parse_procedure_json(_read(p)) for p in procedure or [])
        follow_ups = tuple(parse_follow_up_json(_read(f)) for f in follow_up or [])
    except InvalidDocument as exc:
        raise _fail(exc.lines) from None
    record = ExchangeRecord(
        case=parsed,
        patient_code=patient_code,
        assessment=assess(parsed),
        procedures=procedures,
        follow_ups=follow_ups,
        birth_year=birth_year,
        recorded=day,
        assessed=day,
    )
    if key is not None and deidentify:
        record = deidentified(record, key)
    sys.stdout.write(bundle_json(record) + "\n")


@fhir_app.command("import")
def import_(
    bundle: Annotated[Path, typer.Argument(metavar="BUNDLE.json")],
    out_dir: Annotated[
        Path | None,
        typer.Option(
            help="Write case.json, procedure-N.json and follow-up-N.json (and, for another "
            "system's Bundle, report.json) here; without it the case is printed."
        ),
    ] = None,
    patient_code: PatientCodeOption = None,
) -> None:
    """Read a Bundle into vertebro documents: vertebro's own losslessly, another system's
    as a draft (the import report on standard error)."""
    from vertebro.errors import InvalidDocument
    from vertebro.exchange.fhir_import import read_import

    _need_fhir()
    data = _read(bundle)
    key = pseudonym_key()
    concepts = concept_map()
    try:
        imported = read_import(
            data, key=key, patient_code=patient_code, concepts=concepts, today=date.today()
        )
    except InvalidDocument as exc:
        raise _fail(exc.lines) from None
    if imported.record is not None:
        record = imported.record
        documents = draft_files(record.case, record.procedures, record.follow_ups)
    else:
        assert imported.draft is not None
        draft = imported.draft
        print_report([f"draft {draft.draft_id} of patient {draft.patient_code}"])
        print_report(draft.report.lines())
        documents = draft_files(
            draft.case, draft.procedures, draft.follow_ups, draft.report.as_dict()
        )
    if out_dir is None:
        sys.stdout.write(documents["case.json"] + "\n")
        return
    write_documents(out_dir, documents)


@fhir_app.command("export-case")
def export_case(
    case_id: Annotated[str, typer.Argument(metavar="CASE_ID", help="The case's case_id.")],
    database: DatabaseOption = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            metavar="FILE",
            help="Write the Bundle here (atomically: a temporary file in the same folder, "
            "renamed); without it the Bundle is printed.",
        ),
    ] = None,
    deidentify: DeidentifyOption = False,
) -> None:
    """Export a registry case as a Bundle: its current version, the latest stored
    assessment, procedures and follow-ups (audited)."""
    from vertebro.exchange.fhir_export import bundle_json
    from vertebro.files import write_atomically
    from vertebro.services.registry import Actor, unit_of_work
    from vertebro.services.registry.exchange import exchange_record

    _need_fhir()
    key = pseudonym_key(needed_for="--deidentify" if deidentify else None)
    target = output
    if target is not None:
        if target.is_dir():
            raise _fail([f"{target}: is a folder; give a file name such as {target / 'b.json'}"])
        if not target.parent.is_dir():
            raise _fail([f"{target}: no such folder: {target.parent}"])

    with _registry(database) as registry:

        def run() -> str:
            written = False
            try:
                # the file is written inside the transaction: no audit record without it,
                # and no file without its audit record (removed if the commit fails)
                with unit_of_work(registry, Actor.cli()) as tx:
                    record = exchange_record(tx, case_id, deidentify=key if deidentify else None)
                    text = bundle_json(record) + "\n"
                    if target is not None:
                        try:
                            write_atomically(target, text.encode("utf-8"))
                        except OSError as exc:
                            raise _exit(
                                [f"{target}: cannot write: {exc.strerror or exc}"], 1
                            ) from None
                        written = True
            except BaseException:
                if written and target is not None:
                    target.unlink(missing_ok=True)
                raise
            return text

        text = _guarded(run)
    if target is None:
        sys.stdout.write(text)
    else:
        sys.stderr.write(f"{target}: wrote the FHIR Bundle of case {case_id}\n")


@fhir_app.command("import-bundle")
def import_bundle(
    bundle: Annotated[
        Path,
        typer.Argument(
            metavar="BUNDLE.json", help="A Bundle written by vertebro or by another system."
        ),
    ],
    database: DatabaseOption = None,
    patient_code: PatientCodeOption = None,
    report: Annotated[
        Path | None,
        typer.Option("--report", metavar="FILE", help="Also write the import report (JSON)."),
    ] = None,
) -> None:
    """Import a Bundle into the registry: vertebro's as a new case (assessed, with its
    procedures and follow-ups), another system's as a draft case to complete (its
    unmapped items listed); the patient registered if new. Prints the case or draft id.
    All or nothing."""
    import json
    from datetime import UTC, datetime

    from vertebro.services.registry import Actor, unit_of_work
    from vertebro.services.registry.exchange import ImportOutcome, read_bundle
    from vertebro.services.registry.exchange import import_bundle as import_into

    _need_fhir()
    data = _read(bundle)
    key = pseudonym_key()
    concepts = concept_map()
    if report is not None and (report.is_dir() or not report.parent.is_dir()):
        raise _fail([f"{report}: give a file name in an existing folder"])
    with _registry(database) as registry:

        def run() -> ImportOutcome:
            # read and mapped before the write transaction opens: a large Bundle never
            # holds the registry's write lock while it is parsed
            imported = read_bundle(
                data,
                key=key,
                patient_code=patient_code,
                concepts=concepts,
                today=datetime.now(UTC).date(),
            )
            with unit_of_work(registry, Actor.cli()) as tx:
                return import_into(tx, imported, patient_code=patient_code)

        try:
            outcome = _guarded(run)
        except typer.Exit:
            sys.stderr.write("nothing was imported\n")
            raise
    if outcome.kind == "draft":
        print_report([f"draft {outcome.id} of patient {outcome.patient_code} stored"])
        print_report(outcome.report.lines())
    if report is not None:
        text = json.dumps(outcome.as_dict(), ensure_ascii=False, indent=2) + "\n"
        try:
            report.write_text(text, encoding="utf-8")
        except OSError as exc:
            sys.stderr.write(f"{report}: cannot write the report: {exc.strerror or exc}\n")
    sys.stdout.write(outcome.id + "\n")
