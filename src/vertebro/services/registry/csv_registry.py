"""CSV export and import of the registry (``docs/csv.md`` documents every column).

A folder of four files, UTF-8, RFC 4180 (comma, double quotes, CRLF), one header row:
``patients.csv``, ``cases.csv``, ``procedures.csv``, ``follow_ups.csv``. Each case,
procedure and follow-up row carries its whole JSON document (``vertebro.case/1``,
``vertebro.procedure/1``, ``vertebro.follow_up/1``) in the ``document`` column beside typed
columns that repeat key values of the document for spreadsheets; on import the document is
authoritative and every typed column must agree with it.

Import checks every row first (the strict document parsers, the typed columns, references
between the files, clashes with the registry) and reports each problem as
``<file>:<row>:<column>: <reason>`` (rows counted as a spreadsheet shows them, the header is
row 1). When any row is bad nothing is imported; otherwise every row goes through the
registry services (every rule and the audit log apply) in the caller's one transaction.

A text cell (never a number column) that a spreadsheet would run as a formula — it begins
with ``=``, ``+``, ``-``, ``@``, tab or carriage return — is written with a leading ``'``;
import removes that ``'`` again, so a round trip is exact.

De-identified export replaces patient codes and case ids with random ids (stable within
one export), leaves birth years empty, replaces operator names, histology and override
reasons with ``redacted`` and drops complication notes; nothing else is changed or shifted.
"""

from __future__ import annotations

import csv
import json
import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select

from vertebro.errors import (
    Conflict,
    InvalidDocument,
    NotFound,
    ProcedureRefused,
    RegistryError,
    VertebroError,
)
from vertebro.exchange.deidentify import REDACTED, deidentify_follow_up, deidentify_procedure
from vertebro.model import Case, FollowUp, Procedure, Visit
from vertebro.model.parsing import (
    parse_case_json,
    parse_document,
    parse_follow_up_json,
    parse_procedure_json,
)
from vertebro.registry.schema import (
    AssessmentRow,
    CaseRow,
    CaseVersionRow,
    FollowUpRow,
    PatientRow,
    ProcedureRow,
    Role,
    is_current_version,
)
from vertebro.services.registry.assessments import assess_case
from vertebro.services.registry.audit import record_export
from vertebro.services.registry.cases import create_case
from vertebro.services.registry.context import Tx
from vertebro.services.registry.follow_ups import record_follow_up, void_follow_up
from vertebro.services.registry.patients import NEW_PATIENT, create_patient
from vertebro.services.registry.procedures import record_procedure, void_procedure

__all__ = [
    "CASES",
    "COLUMNS",
    "FILES",
    "FOLLOW_UPS",
    "FORMULA_STARTS",
    "NUMBER_COLUMNS",
    "PATIENTS",
    "PROCEDURES",
    "REDACTED",
    "CsvImportError",
    "CsvSummary",
    "RowError",
    "escape_formula",
    "export_registry",
    "import_registry",
    "unescape_formula",
]

PATIENTS = "patients.csv"
CASES = "cases.csv"
PROCEDURES = "procedures.csv"
FOLLOW_UPS = "follow_ups.csv"
FILES = (PATIENTS, CASES, PROCEDURES, FOLLOW_UPS)

#: The columns of each file, in order (``docs/csv.md``).
COLUMNS: dict[str, tuple[str, ...]] = {
    PATIENTS: ("patient_code", "birth_year", "sex", "is_demo"),
    CASES: (
        "patient_code",
        "case_id",
        "source_version",
        "assessed",
        "age_years",
        "sex",
        "pain_nrs",
        "odi",
        "rdq",
        "neurology",
        "levels",
        "document",
    ),
    PROCEDURES: (
        "case_id",
        "source_version",
        "status",
        "date",
        "operator",
        "anaesthesia",
        "levels",
        "void_at",
        "void_by",
        "void_reason",
        "document",
    ),
    FOLLOW_UPS: (
        "case_id",
        "source_version",
        "visit",
        "date",
        "status",
        "pain_nrs",
        "odi",
        "rdq",
        "void_at",
        "void_by",
        "void_reason",
        "document",
    ),
}
#: Columns an import does without (files written before registry-v1 1.1): not void.
OPTIONAL_COLUMNS = frozenset({"void_at", "void_by", "void_reason"})
_VOID = ("void_at", "void_by", "void_reason")

#: What de-identified export writes in place of operator names and free text that a
#: document requires (histology, override reasons).

#: A cell starting with one of these is a formula to a spreadsheet (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Number columns: written as numbers, never escaped.
NUMBER_COLUMNS = frozenset({"birth_year", "source_version", "age_years", "pain_nrs", "odi", "rdq"})

_INTEGER = re.compile(r"^[+-]?\d{1,18}$")
M = TypeVar("M", Case, Procedure, FollowUp)


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem of one cell (``column`` ``*`` for the row as a whole; ``row`` 0 for the
    file as a whole)."""

    file: str
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        if self.row == 0:
            return f"{self.file}: {self.reason}"
        return f"{self.file}:{self.row}:{self.column}: {self.reason}"


class CsvImportError(VertebroError, ValueError):
    """CSV files that cannot be imported; ``errors`` lists every problem found."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))

    @property
    def lines(self) -> list[str]:
        return [str(e) for e in self.errors]


@dataclass(slots=True)
class CsvSummary:
    """How many rows were exported or imported, per file."""

    patients: int = 0
    cases: int = 0
    procedures: int = 0
    follow_ups: int = 0
    assessments: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "patients": self.patients,
            "cases": self.cases,
            "procedures": self.procedures,
            "follow_ups": self.follow_ups,
            "assessments": self.assessments,
        }

    def __str__(self) -> str:
        return (
            f"{self.patients} patients, {self.cases} cases ({self.assessments} assessed), "
            f"{self.procedures} procedures, {self.follow_ups} follow-ups"
        )


# ---------------------------------------------------------------------------- cells


def _cell(value: Any) -> str:
    """A typed value as CSV text: empty for null, ``true``/``false``, ISO dates, numbers as
    JSON writes them."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):  # StrEnum included
        return str(value)
    if isinstance(value, int | float):
        return json.dumps(value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def _formula_like(text: str) -> bool:
    """Whether a spreadsheet would run ``text``, or would once one leading ``'`` is gone."""
    return text.lstrip("'")[:1] in FORMULA_STARTS


def escape_formula(text: str) -> str:
    """A text cell as written: a leading ``'`` before a cell a spreadsheet would read as a
    formula (``=HYPERLINK(…)`` → ``'=HYPERLINK(…)``; ``'=x`` → ``''=x`` so that the way back
    is exact)."""
    return "'" + text if _formula_like(text) else text


def unescape_formula(text: str) -> str:
    """A text cell as read: the leading ``'`` that :func:`escape_formula` added, removed
    (only when one of :data:`FORMULA_STARTS`, or more quotes before one, follows it)."""
    return text[1:] if text[:1] == "'" and _formula_like(text[1:]) else text


def _shown(cell: str) -> str:
    """A cell quoted for a message, at most about 40 characters."""
    return repr(cell) if len(cell) <= 40 else repr(cell[:37]) + "…"


def _same(cell: str, expected: str) -> bool:
    if cell == expected:
        return True
    try:
        return float(cell) == float(expected)
    except ValueError:
        return cell.lower() == expected.lower() and expected in ("true", "false")


def _json(document: Mapping[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _case_levels(case: Case) -> str:
    return ";".join(str(lv) for lv in sorted((f.level for f in case.fractures), key=_ordinal))


def _ordinal(level: Any) -> int:
    return int(level.ordinal)


def _procedure_levels(procedure: Procedure) -> str:
    return ";".join(f"{item.level}:{item.technique}" for item in procedure.levels)


#: Typed columns derived from each document: on import they must agree with it.
_CASE_DERIVED: dict[str, Callable[[Case], Any]] = {
    "case_id": lambda c: c.case_id,
    "age_years": lambda c: c.patient.age_years,
    "sex": lambda c: c.patient.sex,
    "pain_nrs": lambda c: c.clinical.pain_nrs,
    "odi": lambda c: c.clinical.odi,
    "rdq": lambda c: c.clinical.rdq,
    "neurology": lambda c: c.clinical.neurology,
    "levels": _case_levels,
}
_PROCEDURE_DERIVED: dict[str, Callable[[Procedure], Any]] = {
    "status": lambda p: p.status,
    "date": lambda p: p.date,
    "operator": lambda p: p.operator,
    "anaesthesia": lambda p: p.anaesthesia,
    "levels": _procedure_levels,
}
_FOLLOW_UP_DERIVED: dict[str, Callable[[FollowUp], Any]] = {
    "visit": lambda f: f.visit,
    "date": lambda f: f.date,
    "status": lambda f: f.status,
    "pain_nrs": lambda f: f.pain_nrs,
    "odi": lambda f: f.odi,
    "rdq": lambda f: f.rdq,
}


# ---------------------------------------------------------------------------- export


@dataclass(slots=True)
class _Pseudonyms:
    """Random ids, one per original key, stable within one export."""

    prefix: str
    given: dict[str, str] = field(default_factory=dict)

    def __call__(self, key: str) -> str:
        found = self.given.get(key)
        if found is None:
            taken = set(self.given.values())
            found = f"{self.prefix}{secrets.token_hex(5)}"
            while found in taken:
                found = f"{self.prefix}{secrets.token_hex(5)}"
            self.given[key] = found
        return found


def _write(folder: Path, name: str, rows: Iterable[Sequence[str]]) -> int:
    count = 0
    text = [column not in NUMBER_COLUMNS for column in COLUMNS[name]]
    with (folder / name).open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow(COLUMNS[name])
        for row in rows:
            writer.writerow([escape_formula(c) if t else c for c, t in zip(row, text, strict=True)])
            count += 1
    return count


def export_registry(tx: Tx, folder: Path, *, deidentify: bool = False) -> CsvSummary:
    """Write the four CSV files of the whole registry into ``folder`` (created if needed;
    files of the same names are replaced) and audit the export."""
    tx.require(Role.VIEWER)
    folder.mkdir(parents=True, exist_ok=True)
    session = tx.session
    patient_ids = _Pseudonyms("P-")
    case_ids = _Pseudonyms("C-")

    def patient_key(code: str) -> str:
        return patient_ids(code) if deidentify else code

    def case_key(case_id: str) -> str:
        return case_ids(case_id) if deidentify else case_id

    summary = CsvSummary()
    patients = list(session.scalars(select(PatientRow).order_by(PatientRow.code)))
    summary.patients = _write(
        folder,
        PATIENTS,
        (
            [
                patient_key(p.code),
                "" if deidentify else _cell(p.birth_year),
                _cell(p.sex),
                _cell(p.is_demo),
            ]
            for p in patients
        ),
    )

    assessed = set(session.scalars(select(AssessmentRow.case_pk).distinct()))
    case_rows = session.execute(
        select(CaseRow, PatientRow.code, CaseVersionRow.document)
        .join(PatientRow, PatientRow.id == CaseRow.patient_id)
        .join(CaseVersionRow, is_current_version())
        .order_by(CaseRow.case_id)
    ).all()
    case_out: list[list[str]] = []
    for case_row, code, document in case_rows:
        doc = dict(document)
        if deidentify:
            doc["case_id"] = case_key(case_row.case_id)
        case = _as_model(Case, doc)
        case_out.append(
            [
                patient_key(code),
                case.case_id,
                _cell(case_row.current_version),
                _cell(case_row.id in assessed),
                *(_cell(_CASE_DERIVED[c](case)) for c in COLUMNS[CASES][4:-1]),
                _json(doc),
            ]
        )
    summary.cases = _write(folder, CASES, case_out)
    summary.assessments = sum(1 for row in case_rows if row[0].id in assessed)

    procedures = session.execute(
        select(ProcedureRow, CaseRow.case_id)
        .join(CaseRow, CaseRow.id == ProcedureRow.case_pk)
        .order_by(CaseRow.case_id, ProcedureRow.date, ProcedureRow.id)
    ).all()
    procedure_out: list[list[str]] = []
    for row, case_id in procedures:
        doc = deidentify_procedure(row.document) if deidentify else dict(row.document)
        procedure = _as_model(Procedure, doc)
        procedure_out.append(
            [
                case_key(case_id),
                _cell(row.version),
                *(_cell(_PROCEDURE_DERIVED[c](procedure)) for c in COLUMNS[PROCEDURES][2:-4]),
                *_void_cells(row, deidentify),
                _json(doc),
            ]
        )
    summary.procedures = _write(folder, PROCEDURES, procedure_out)

    visit_order = {visit: i for i, visit in enumerate(Visit)}
    follow_ups = sorted(
        session.execute(
            select(FollowUpRow, CaseRow.case_id).join(CaseRow, CaseRow.id == FollowUpRow.case_pk)
        ).all(),
        key=lambda r: (r[1], r[0].date, visit_order[r[0].visit], r[0].id),
    )
    follow_up_out: list[list[str]] = []
    for fu_row, case_id in follow_ups:
        doc = deidentify_follow_up(fu_row.document) if deidentify else dict(fu_row.document)
        follow_up = _as_model(FollowUp, doc)
        follow_up_out.append(
            [
                case_key(case_id),
                _cell(fu_row.version),
                *(_cell(_FOLLOW_UP_DERIVED[c](follow_up)) for c in COLUMNS[FOLLOW_UPS][2:-4]),
                *_void_cells(fu_row, deidentify),
                _json(doc),
            ]
        )
    summary.follow_ups = _write(folder, FOLLOW_UPS, follow_up_out)
    record_export(
        tx, "csv", {"folder": str(folder), "deidentified": deidentify, **summary.as_dict()}
    )
    return summary


def _void_cells(row: ProcedureRow | FollowUpRow, deidentify: bool) -> list[str]:
    """``void_at``, ``void_by``, ``void_reason`` (empty while the record is live; who and
    why are ``redacted`` in a de-identified export)."""
    if row.void_at is None:
        return ["", "", ""]
    if deidentify:
        return [_cell(row.void_at), REDACTED, REDACTED]
    return [_cell(row.void_at), row.void_by or "", row.void_reason or ""]


def _as_model(model: type[M], document: dict[str, Any]) -> M:
    """A stored document as its model (through its JSON text, so the strict parser runs)."""
    parsers: dict[type[Any], Callable[[str], Any]] = {
        Case: parse_case_json,
        Procedure: parse_procedure_json,
        FollowUp: parse_follow_up_json,
    }
    result: M = parsers[model](_json(document))
    return result


# ---------------------------------------------------------------------------- import


@dataclass(frozen=True, slots=True)
class _Row:
    file: str
    number: int  # as a spreadsheet shows it: the header is row 1
    cells: dict[str, str]


@dataclass(frozen=True, slots=True)
class _Patient:
    row: _Row
    code: str
    birth_year: int | None
    sex: str
    is_demo: bool


@dataclass(frozen=True, slots=True)
class _Case:
    row: _Row
    patient_code: str
    assessed: bool
    case: Case


@dataclass(frozen=True, slots=True)
class _Procedure:
    row: _Row
    case_id: str
    procedure: Procedure

    @property
    def void_reason(self) -> str:
        return self.row.cells.get("void_reason", "").strip()


@dataclass(frozen=True, slots=True)
class _FollowUp:
    row: _Row
    case_id: str
    follow_up: FollowUp

    @property
    def void_reason(self) -> str:
        return self.row.cells.get("void_reason", "").strip()


class _Checker:
    """Collects every problem of every row."""

    def __init__(self) -> None:
        self.errors: list[RowError] = []

    def add(self, row: _Row, column: str, reason: str) -> None:
        self.errors.append(RowError(row.file, row.number, column, reason))

    def read(self, folder: Path, name: str) -> list[_Row]:
        path = folder / name
        try:
            with path.open(encoding="utf-8-sig", newline="") as stream:
                records = list(csv.reader(stream, strict=True))
        except FileNotFoundError:
            self.errors.append(RowError(name, 0, "*", f"no such file in {folder}"))
            return []
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            self.errors.append(RowError(name, 0, "*", f"cannot be read: {exc}"))
            return []
        expected = COLUMNS[name]
        if not records:
            self.errors.append(RowError(name, 1, "*", "no header row"))
            return []
        header = records[0]
        header_ok = True
        for column in expected:
            if column not in header and column not in OPTIONAL_COLUMNS:
                self.errors.append(RowError(name, 1, column, "missing column"))
                header_ok = False
        seen: set[str] = set()
        for column in header:
            if column not in expected:
                self.errors.append(RowError(name, 1, column or "*", "unknown column"))
                header_ok = False
            elif column in seen:
                self.errors.append(RowError(name, 1, column, "repeated column"))
                header_ok = False
            seen.add(column)
        if not header_ok:
            return []
        rows: list[_Row] = []
        for number, record in enumerate(records[1:], start=2):
            cells = {
                column: cell if column in NUMBER_COLUMNS else unescape_formula(cell)
                for column, cell in zip(header, record, strict=False)
            }
            row = _Row(name, number, cells)
            if not any(cell.strip() for cell in record):
                continue  # a blank line
            if len(record) != len(header):
                self.add(row, "*", f"has {len(record)} fields, the header has {len(header)}")
                continue
            rows.append(row)
        return rows

    def boolean(self, row: _Row, column: str) -> bool | None:
        text = row.cells[column].strip().lower()
        if text in ("true", "false"):
            return text == "true"
        self.add(row, column, f"must be true or false, got {_shown(row.cells[column])}")
        return None

    def document(self, row: _Row, parse: Callable[[str], M]) -> M | None:
        text = row.cells["document"]
        if not text.strip():
            self.add(row, "document", "required")
            return None
        try:
            return parse(text)
        except InvalidDocument as exc:
            for problem in exc.problems:
                self.add(row, "document", str(problem))
            return None

    def derived(self, row: _Row, model: M, columns: Mapping[str, Callable[[M], Any]]) -> None:
        for column, compute in columns.items():
            expected = _cell(compute(model))
            if not _same(row.cells[column], expected):
                self.add(
                    row,
                    column,
                    f"{_shown(row.cells[column])} does not agree with the document "
                    f"({_shown(expected)})",
                )


def _patients(check: _Checker, rows: list[_Row]) -> list[_Patient]:
    out: list[_Patient] = []
    for row in rows:
        ok = True
        birth_text = row.cells["birth_year"].strip()
        birth_year: int | None = None
        if birth_text:
            if _INTEGER.match(birth_text):
                birth_year = int(birth_text)
            else:
                check.add(
                    row, "birth_year", f"must be an integer or empty, got {_shown(birth_text)}"
                )
                ok = False
        is_demo = check.boolean(row, "is_demo")
        ok = ok and is_demo is not None
        body = {"code": row.cells["patient_code"], "birth_year": birth_year}
        sex = row.cells["sex"].strip()
        if sex:
            body["sex"] = sex
        try:
            parsed = parse_document(NEW_PATIENT, body)
        except InvalidDocument as exc:
            for problem in exc.problems:
                column = {"code": "patient_code"}.get(problem.path, problem.path)
                check.add(row, column, problem.reason)
            continue
        if ok and is_demo is not None:
            out.append(_Patient(row, parsed.code, parsed.birth_year, str(parsed.sex), is_demo))
    return out


def _cases(check: _Checker, rows: list[_Row]) -> list[_Case]:
    out: list[_Case] = []
    for row in rows:
        assessed = check.boolean(row, "assessed")
        if not row.cells["patient_code"].strip():
            check.add(row, "patient_code", "required")
        case = check.document(row, parse_case_json)
        if case is None:
            continue
        check.derived(row, case, _CASE_DERIVED)
        if assessed is not None:
            out.append(_Case(row, row.cells["patient_code"], assessed, case))
    return out


def _procedures(check: _Checker, rows: list[_Row]) -> list[_Procedure]:
    out: list[_Procedure] = []
    for row in rows:
        procedure = check.document(row, parse_procedure_json)
        if procedure is None:
            continue
        check.derived(row, procedure, _PROCEDURE_DERIVED)
        out.append(_Procedure(row, row.cells["case_id"], procedure))
    return out


def _follow_ups(check: _Checker, rows: list[_Row]) -> list[_FollowUp]:
    out: list[_FollowUp] = []
    for row in rows:
        follow_up = check.document(row, parse_follow_up_json)
        if follow_up is None:
            continue
        check.derived(row, follow_up, _FOLLOW_UP_DERIVED)
        out.append(_FollowUp(row, row.cells["case_id"], follow_up))
    return out


def _references(
    tx: Tx,
    check: _Checker,
    patients: list[_Patient],
    cases: list[_Case],
    procedures: list[_Procedure],
    follow_ups: list[_FollowUp],
    patient_rows: list[_Row],
    case_rows: list[_Row],
) -> None:
    """Uniqueness within the files, references between them, clashes with the registry."""
    session = tx.session
    file_patients: dict[str, int] = {}
    for p in patients:
        if p.code in file_patients:
            check.add(p.row, "patient_code", f"repeats row {file_patients[p.code]}")
        else:
            file_patients[p.code] = p.row.number
    stored_patients = _existing(session, PatientRow.code, file_patients)
    for p in patients:
        if p.code in stored_patients:
            check.add(p.row, "patient_code", f"patient {p.code!r} is already in the registry")
    # Patient rows with a bad cell still count as present: no second error for their cases.
    listed_patients = set(file_patients) | {r.cells["patient_code"] for r in patient_rows}
    referenced = {c.patient_code for c in cases} - listed_patients
    known_elsewhere = _existing(session, PatientRow.code, referenced)
    file_cases: dict[str, int] = {}
    for c in cases:
        if c.patient_code not in listed_patients and c.patient_code not in known_elsewhere:
            check.add(
                c.row,
                "patient_code",
                f"no patient {c.patient_code!r} in {PATIENTS} or the registry",
            )
        if c.case.case_id in file_cases:
            check.add(c.row, "case_id", f"repeats row {file_cases[c.case.case_id]}")
        else:
            file_cases[c.case.case_id] = c.row.number
    stored_cases = _existing(session, CaseRow.case_id, file_cases)
    for c in cases:
        if c.case.case_id in stored_cases:
            check.add(c.row, "case_id", f"case {c.case.case_id!r} is already in the registry")
    # Case rows whose document was bad still count as present: no second error for them.
    listed = set(file_cases) | {r.cells["case_id"] for r in case_rows}
    for row, case_id in [
        *((p.row, p.case_id) for p in procedures),
        *((f.row, f.case_id) for f in follow_ups),
    ]:
        if case_id not in listed:
            check.add(row, "case_id", f"no case {case_id!r} in {CASES}")
    visits: dict[tuple[str, Visit], int] = {}
    for f in follow_ups:
        if f.follow_up.visit.repeatable or f.void_reason:
            continue
        key = (f.case_id, f.follow_up.visit)
        if key in visits:
            check.add(
                f.row,
                "visit",
                f"case {f.case_id!r} has its {f.follow_up.visit} visit in row {visits[key]}",
            )
        else:
            visits[key] = f.row.number


def _existing(session: Any, column: Any, keys: Iterable[str]) -> set[str]:
    wanted = sorted(set(keys))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        found.update(session.scalars(select(column).where(column.in_(chunk))))
    return found


def import_registry(tx: Tx, folder: Path) -> CsvSummary:
    """Check every row of the four files in ``folder``, then import them all through the
    registry services in ``tx``. Raises :class:`CsvImportError` with every problem (and
    writes nothing: raise it out of the unit of work, which rolls back) when any row is bad.
    """
    tx.require(Role.CLINICIAN)
    check = _Checker()
    rows = {name: check.read(folder, name) for name in FILES}
    patients = _patients(check, rows[PATIENTS])
    cases = _cases(check, rows[CASES])
    procedures = _procedures(check, rows[PROCEDURES])
    follow_ups = _follow_ups(check, rows[FOLLOW_UPS])
    _references(tx, check, patients, cases, procedures, follow_ups, rows[PATIENTS], rows[CASES])
    if check.errors:
        raise CsvImportError(_ordered(check.errors))

    summary = CsvSummary()
    try:
        for p in patients:
            body = {"code": p.code, "birth_year": p.birth_year, "sex": p.sex}
            if _service(check, p.row, partial(create_patient, tx, body, is_demo=p.is_demo)):
                summary.patients += 1
        for c in cases:
            if not _service(check, c.row, partial(create_case, tx, c.patient_code, c.case)):
                continue
            summary.cases += 1
            if c.assessed and _service(check, c.row, partial(assess_case, tx, c.case.case_id)):
                summary.assessments += 1
        for pr in procedures:
            store = partial(_recorded, tx, record_procedure, void_procedure, pr)
            if _service(check, pr.row, store):
                summary.procedures += 1
        # void visits first: a live record of the same visit must not be taken for an edit
        for f in sorted(follow_ups, key=lambda f: not f.void_reason):
            store = partial(_recorded, tx, record_follow_up, void_follow_up, f)
            if _service(check, f.row, store):
                summary.follow_ups += 1
    except _Stop:
        pass
    if check.errors:
        raise CsvImportError(_ordered(check.errors))
    return summary


def _recorded(
    tx: Tx,
    record: Callable[[Tx, str, Any], Any],
    void: Callable[..., Any],
    item: _Procedure | _FollowUp,
) -> None:
    """Record a row's document through its service; a row with a ``void_reason`` is then
    voided with that reason (by the importing user, now)."""
    document = item.procedure if isinstance(item, _Procedure) else item.follow_up
    view = record(tx, item.case_id, document)
    if item.void_reason:
        void(tx, view.id, item.void_reason, case_id=item.case_id)


class _Stop(Exception):
    """The transaction cannot go on (a clash the database itself reported)."""


def _service(check: _Checker, row: _Row, call: Callable[[], object]) -> bool:
    """Run one service call for ``row``; a refusal becomes that row's error. Refusals raised
    before anything is written let the import go on checking the other rows."""
    try:
        call()
    except InvalidDocument as exc:
        for problem in exc.problems:
            check.add(row, "document", str(problem))
        return False
    except (ProcedureRefused, NotFound) as exc:
        check.add(row, "document", str(exc))
        return False
    except (Conflict, RegistryError) as exc:
        check.add(row, "*", str(exc))
        raise _Stop from exc
    return True


def _ordered(errors: list[RowError]) -> list[RowError]:
    order = {name: i for i, name in enumerate(FILES)}
    return sorted(errors, key=lambda e: (order.get(e.file, 99), e.row))
