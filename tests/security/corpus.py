"""A hostile-input corpus, built in code: every kind of bad JSON around a valid document,
broken CSV folders and FHIR Bundles, truncated, garbage and bomb NIfTI files and DICOM
series. Each generator returns ``{name: input}``; a name says what is wrong.

Nothing here is downloaded or stored: the files are written into a test's temporary folder.
"""

from __future__ import annotations

import copy
import gzip
import json
import shutil
import struct
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from tests.conftest import SHARED
from tests.registry.conftest import example_case, procedure_doc

#: An integer of 5,000 digits: above Python's conversion limit (4,300 digits).
HUGE_INT = "9" * 5000
DEEP = 100_000
#: More than the levels T1–L5.
MANY = 30_000


@dataclass(frozen=True)
class Kind:
    """A valid document and where to hit it: an integer, a text and a date field (dotted
    paths, ``None`` when the document has none) and its array of levels."""

    name: str
    valid: dict[str, Any]
    integer: str
    text: str | None
    day: str | None
    items: str | None


def _days_ago(days: int) -> str:
    return (date.today() - timedelta(days=days)).isoformat()


def case_document(case_id: str = "hostile-1") -> dict[str, Any]:
    return example_case("l1-wedge", case_id)


def procedure_document() -> dict[str, Any]:
    """A performed kyphoplasty at L1 (the plan of ``l1-wedge``), ten days ago."""
    return procedure_doc(date=_days_ago(10))


def follow_up_document() -> dict[str, Any]:
    return {
        "schema": "vertebro.follow_up/1",
        "visit": "1 week",
        "date": _days_ago(3),
        "pain_nrs": 3,
        "new_fractures": [{"level": "T12", "detected_by": "radiograph", "symptomatic": False}],
    }


CASE = Kind("case", case_document(), "patient.age_years", "case_id", None, "fractures")
PROCEDURE = Kind(
    "procedure", procedure_document(), "levels.0.cement_ml", "operator", "date", "levels"
)
FOLLOW_UP = Kind("follow-up", follow_up_document(), "pain_nrs", None, "date", "new_fractures")
PATIENT = Kind(
    "patient",
    {"code": "H-1", "birth_year": 1950, "sex": "female"},
    "birth_year",
    "code",
    None,
    None,
)
TOKEN = Kind(
    "token", {"username": "viewer", "password": "x" * 12, "days": 1}, "days", "username", None, None
)


def _get(document: Any, path: str) -> Any:
    for part in path.split("."):
        document = document[int(part)] if part.isdigit() else document[part]
    return document


def _set(document: Any, path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node = document
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[int(last) if last.isdigit() else last] = value


def _raw(document: dict[str, Any], path: str, literal: str) -> bytes:
    """The document as JSON with the value at ``path`` written as ``literal`` (raw text)."""
    marker = "\u2063marker\u2063"
    changed = copy.deepcopy(document)
    _set(changed, path, marker)
    return json.dumps(changed, ensure_ascii=False).replace(f'"{marker}"', literal).encode()


def _with(document: dict[str, Any], path: str, value: Any) -> bytes:
    changed = copy.deepcopy(document)
    _set(changed, path, value)
    return json.dumps(changed, ensure_ascii=False).encode()


def _extra(document: dict[str, Any], literal: str) -> bytes:
    """The document with an unknown key ``x`` holding ``literal`` (raw JSON text)."""
    text = json.dumps(document, ensure_ascii=False)
    return (text[:-1] + ', "x": ' + literal + "}").encode()


def hostile_json(kind: Kind) -> dict[str, bytes]:
    """Bad (and odd) JSON texts around ``kind.valid``: every one must get a clean answer."""
    valid = kind.valid
    text = json.dumps(valid, ensure_ascii=False)
    raw = text.encode()
    out: dict[str, bytes] = {
        "empty": b"",
        "whitespace": b" \t\r\n ",
        "truncated": raw[: len(raw) // 2],
        "truncated-in-string": raw[: raw.index(b'"', 10) + 3],
        "invalid-utf8": raw.replace(b'"schema"', b'"sch\xffema"', 1)
        if b'"schema"' in raw
        else b"\xff" + raw,
        "utf-16": text.encode("utf-16"),
        "bom": b"\xef\xbb\xbf" + raw,
        "nul-byte": raw[:1] + b"\x00" + raw[1:],
        "trailing-garbage": raw + b" }",
        "two-documents": raw + raw,
        "single-quotes": text.replace('"', "'").encode(),
        "comment": b"/* hi */" + raw,
        "top-array": b"[" + raw + b"]",
        "top-string": b'"hello"',
        "top-number": b"42",
        "top-null": b"null",
        "top-true": b"true",
        "nan": _raw(valid, kind.integer, "NaN"),
        "infinity": _raw(valid, kind.integer, "Infinity"),
        "minus-infinity": _raw(valid, kind.integer, "-Infinity"),
        "huge-int": _raw(valid, kind.integer, HUGE_INT),
        "huge-negative-int": _raw(valid, kind.integer, "-" + HUGE_INT),
        "huge-int-unknown-key": _extra(valid, HUGE_INT),
        "huge-int-in-array": _extra(valid, f"[1, {HUGE_INT}]"),
        "huge-float": _raw(valid, kind.integer, "1e400"),
        "long-float": _raw(valid, kind.integer, "1" + "0" * 5000 + ".5"),
        "tiny-float": _raw(valid, kind.integer, "1e-400"),
        "int-as-string": _with(valid, kind.integer, "7"),
        "int-as-bool": _with(valid, kind.integer, True),
        "int-as-null": _with(valid, kind.integer, None),
        "int-as-object": _with(valid, kind.integer, {"a": 1}),
        "deep-array": _extra(valid, "[" * DEEP + "]" * DEEP),
        "deep-object": _extra(valid, '{"a":' * DEEP + "1" + "}" * DEEP),
        "deep-65": _extra(valid, "[" * 65 + "]" * 65),
        "deep-unclosed": b'{"x":' + b"[" * DEEP,
        "deep-in-string": _extra(valid, json.dumps("[" * DEEP)),
        "wide-array": _extra(valid, "[" + ",".join(["0"] * 300_000) + "]"),
        "many-keys": (text[:-1] + "".join(f', "k{i}": {i}' for i in range(50_000)) + "}").encode(),
        "duplicate-key": (text[:-1] + f', "{next(iter(valid))}": 1}}').encode(),
        "many-duplicate-keys": (text[:-1] + ', "d": 1' * 50_000 + "}").encode(),
        "lone-surrogate-value": _extra(valid, '"\\ud800"'),
        "lone-surrogate-key": (text[:-1] + ', "\\udc00": 1}').encode(),
        "encoded-surrogate": _extra(valid, '"x"').replace(b'"x"}', b'"\xed\xa0\x80"}'),
        "long-string": _extra(valid, json.dumps("a" * 1_500_000)),
        "unknown-key": _extra(valid, "1"),
    }
    if kind.text is not None:
        out["text-as-number"] = _with(valid, kind.text, 12)
        out["text-nul"] = _with(valid, kind.text, "a\u0000b")
        out["text-control"] = _with(valid, kind.text, "a\u001bb")
        out["text-surrogate"] = _raw(valid, kind.text, '"a\\udfffb"')
        out["text-long"] = _with(valid, kind.text, "a" * 100_000)
        out["text-formula"] = _with(valid, kind.text, '=HYPERLINK("http://x","y")')
    if kind.day is not None:
        for day in (
            "9999-12-31",
            "0001-01-01",
            "99999-01-01",
            "2026-02-30",
            "+2026-01-01",
            "2026-1-1",
            "0000-00-00",
            "-0001-01-01",
            "2026-03-01T00:00:00",
        ):
            out[f"date-{day}"] = _with(valid, kind.day, day)
        out["date-as-number"] = _with(valid, kind.day, 20260301)
    if kind.items is not None:
        item = _get(valid, kind.items)[0]
        out["too-many-items"] = _with(valid, kind.items, [item] * MANY)
        out["items-not-array"] = _with(valid, kind.items, {"0": item})
        out["items-of-nulls"] = _with(valid, kind.items, [None] * 40)
    return out


def too_many_fractures() -> bytes:
    """Finding 4's case: invalid, about 1.2 MB, 30,000 fractures."""
    document = case_document("thirty-thousand")
    document["fractures"] = [{"level": "L1", "etiology": "osteoporotic"}] * MANY
    return json.dumps(document, separators=(",", ":")).encode()


# ------------------------------------------------------------------------ FHIR Bundles


def bundle_of(case: dict[str, Any]) -> dict[str, Any]:
    """A real vertebro Bundle of ``case`` (with its assessment)."""
    from vertebro.exchange.fhir_export import ExchangeRecord, bundle_json
    from vertebro.guidance import assess
    from vertebro.model import parse_case

    parsed = parse_case(case)
    day = date(2026, 3, 2)
    record = ExchangeRecord(
        case=parsed, patient_code="H-FHIR", assessment=assess(parsed), recorded=day, assessed=day
    )
    document: dict[str, Any] = json.loads(bundle_json(record))
    return document


def _binary_index(bundle: dict[str, Any]) -> int:
    for i, entry in enumerate(bundle["entry"]):
        resource = entry["resource"]
        if resource["resourceType"] == "Binary" and b"vertebro.case/1" in _b64(resource["data"]):
            return i
    raise LookupError("no case Binary")


def _b64(text: str) -> bytes:
    import base64

    return base64.b64decode(text)


def _with_case_bytes(bundle: dict[str, Any], data: bytes) -> bytes:
    import base64

    changed = copy.deepcopy(bundle)
    changed["entry"][_binary_index(bundle)]["resource"]["data"] = base64.b64encode(data).decode()
    return json.dumps(changed).encode()


def hostile_bundles() -> dict[str, bytes]:
    """Bad Bundles: broken JSON, broken FHIR, and hostile case documents inside a Binary."""
    bundle = bundle_of(case_document("fhir-hostile"))
    valid = Kind("bundle", bundle, "entry.0.resource.birthDate", None, None, "entry")
    out = {f"json-{k}": v for k, v in hostile_json(valid).items() if not k.startswith("date")}
    # (a Bundle without vertebro's case Binary is another system's: it imports as a draft
    # through the concept map, docs/fhir.md, so it is not in this corpus of refusals)
    twice = copy.deepcopy(bundle)
    twice["entry"].append(bundle["entry"][_binary_index(bundle)])
    out.update(
        {
            "not-a-bundle": json.dumps({"resourceType": "Patient"}).encode(),
            "no-resource-type": json.dumps({"entry": []}).encode(),
            "entry-not-array": json.dumps({**bundle, "entry": {"a": 1}}).encode(),
            "entry-of-strings": json.dumps({**bundle, "entry": ["x", 1, None]}).encode(),
            "two-cases": json.dumps(twice).encode(),
            "binary-not-base64": _with_case_bytes(bundle, b"").replace(
                b'"data": ""', b'"data": "***not base64***"'
            ),
            "binary-garbage": _with_case_bytes(bundle, b"\x00\xff garbage \x80"),
            "binary-not-object": _with_case_bytes(bundle, b"[1, 2, 3]"),
        }
    )
    inner = {
        k: v
        for k, v in hostile_json(CASE).items()
        if k
        in (
            "truncated",
            "huge-int",
            "deep-array",
            "nan",
            "lone-surrogate-value",
            "too-many-items",
            "duplicate-key",
            "invalid-utf8",
            "top-array",
        )
    }
    for name, data in inner.items():
        out[f"binary-{name}"] = _with_case_bytes(bundle, data)
    return out


# ------------------------------------------------------------------------ CSV folders


def csv_folder(folder: Path, files: dict[str, bytes]) -> Path:
    """Write an import folder: the four files, empty apart from their headers, replaced by
    ``files``."""
    from vertebro.services.registry.csv_registry import COLUMNS

    folder.mkdir(parents=True, exist_ok=True)
    for name, columns in COLUMNS.items():
        (folder / name).write_bytes(files.get(name, (",".join(columns) + "\r\n").encode()))
    return folder


def _csv_row(columns: tuple[str, ...], cells: dict[str, str]) -> bytes:
    import csv
    import io

    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerow([cells.get(c, "") for c in columns])
    return stream.getvalue().encode()


def hostile_csv_files() -> dict[str, dict[str, bytes]]:
    """Import folders with one broken file each (``{name: {file: bytes}}``)."""
    from vertebro.services.registry.csv_registry import CASES, COLUMNS, PATIENTS, PROCEDURES

    patient = {"patient_code": "H-CSV", "birth_year": "1950", "sex": "female", "is_demo": "false"}
    good_patients = _csv_row(COLUMNS[PATIENTS], patient)

    def case_row(document: str, **cells: str) -> bytes:
        base = {
            "patient_code": "H-CSV",
            "case_id": "hostile-1",
            "source_version": "1",
            "assessed": "false",
            "age_years": "78",
            "sex": "female",
            "pain_nrs": "8",
            "neurology": "intact",
            "levels": "L1",
            "document": document,
        }
        base.update(cells)
        return _csv_row(COLUMNS[CASES], base)

    out: dict[str, dict[str, bytes]] = {
        "empty-file": {PATIENTS: b""},
        "invalid-utf8": {PATIENTS: good_patients.replace(b"H-CSV", b"H-\xff\xfe")},
        "nul-bytes": {PATIENTS: good_patients.replace(b"H-CSV", b"H-\x00CSV")},
        "unterminated-quote": {PATIENTS: good_patients + b'"H-2,1950,female,false\r\n'},
        "too-many-fields": {PATIENTS: good_patients + b"a,b,c,d,e,f,g\r\n"},
        "too-few-fields": {PATIENTS: good_patients + b"a\r\n"},
        "unknown-column": {PATIENTS: b"nope," + good_patients},
        "missing-column": {PATIENTS: b"patient_code\r\nH-1\r\n"},
        "repeated-column": {PATIENTS: b"patient_code,patient_code,birth_year,sex,is_demo\r\n"},
        "huge-birth-year": {PATIENTS: good_patients.replace(b"1950", HUGE_INT.encode())},
        "huge-field": {PATIENTS: good_patients.replace(b"H-CSV", b"H" * 300_000)},
        "binary-garbage": {PATIENTS: bytes(range(256)) * 64},
        "utf-16": {PATIENTS: good_patients.decode().encode("utf-16")},
        "many-rows": {PATIENTS: good_patients + b"H-x,1950,female,maybe\r\n" * 50_000},
        "bad-procedure-date": {
            PATIENTS: good_patients,
            CASES: case_row(json.dumps(case_document())),
            PROCEDURES: _csv_row(
                COLUMNS[PROCEDURES],
                {
                    "case_id": "hostile-1",
                    "source_version": "1",
                    "status": "performed",
                    "date": "9999-12-31",
                    "operator": "x",
                    "anaesthesia": "general",
                    "levels": "L1:kyphoplasty",
                    "document": json.dumps({**procedure_document(), "date": "9999-12-31"}),
                },
            ),
        },
    }
    for name, data in hostile_json(CASE).items():
        if name in ("utf-16", "invalid-utf8", "nul-byte", "encoded-surrogate", "bom"):
            continue  # not text a CSV cell can hold; the file-level cases above cover them
        try:
            cell = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        out[f"case-document-{name}"] = {PATIENTS: good_patients, CASES: case_row(cell)}
    return out


# ------------------------------------------------------------------------ NIfTI


def nifti_bytes(shape: tuple[int, ...], dtype: Any = "uint8", *, fill: int = 0) -> bytes:
    """A NIfTI-1 file (``.nii``) of ``shape`` made by nibabel: a real header and voxels."""
    import nibabel as nib
    import numpy as np

    array = np.full(shape, fill, dtype=dtype)
    image = nib.Nifti1Image(array, np.diag([1.0, 1.0, 1.0, 1.0]))
    return bytes(image.to_bytes())


def bomb_nii_gz(path: Path, side: int = 1024) -> Path:
    """A real ``.nii.gz`` of ``side``³ zero voxels (uint8) written by streaming zeros through
    gzip: about 1 MB on disk for 1024³, a GiB once decoded (finding 6)."""
    import nibabel as nib
    import numpy as np

    header = nib.Nifti1Header()
    header.set_data_shape((side, side, side))
    header.set_data_dtype(np.uint8)
    header.set_sform(np.eye(4), code=1)
    header.set_qform(np.eye(4), code=1)
    header["vox_offset"] = 352
    block = bytes(side * side)
    with gzip.open(path, "wb", compresslevel=9) as stream:
        stream.write(header.binaryblock + b"\x00" * 4)
        for _ in range(side):
            stream.write(block)
    return path


def _patched(data: bytes, offset: int, fmt: str, *values: Any) -> bytes:
    patch = struct.pack("<" + fmt, *values)
    return data[:offset] + patch + data[offset + len(patch) :]


def hostile_nifti(folder: Path) -> dict[str, Path]:
    """Label-map files that must be refused cleanly (``{name: path}``)."""
    folder.mkdir(parents=True, exist_ok=True)
    real = (SHARED / "data/verse_like/0007_msk.nii.gz").read_bytes()
    small = nifti_bytes((8, 8, 8), fill=20)
    files: dict[str, bytes] = {
        "empty.nii.gz": b"",
        "empty.nii": b"",
        "garbage.nii.gz": b"\x00\xffgarbage" * 100,
        "garbage.nii": b"\x00\xffgarbage" * 100,
        "gzip-of-garbage.nii.gz": gzip.compress(b"not a nifti header" * 50),
        "truncated.nii.gz": real[: len(real) // 2],
        "truncated-header.nii.gz": gzip.compress(small[:200]),
        "truncated-voxels.nii": small[: 352 + 100],
        "zero-dims.nii": _patched(small, 40, "8h", 3, 0, 8, 8, 1, 1, 1, 1),
        "negative-dims.nii": _patched(small, 40, "8h", 3, -8, 8, 8, 1, 1, 1, 1),
        "bad-ndim.nii": _patched(small, 40, "8h", 9, 8, 8, 8, 1, 1, 1, 1),
        "4d-many-volumes.nii": _patched(small, 40, "8h", 4, 8, 8, 8, 30000, 1, 1, 1),
        "huge-dims.nii": _patched(small, 40, "8h", 3, 32767, 32767, 32767, 1, 1, 1, 1),
        "unknown-datatype.nii": _patched(small, 70, "hh", 999, 8),
        "complex-datatype.nii": _patched(small, 70, "hh", 32, 64),
        "huge-vox-offset.nii": _patched(small, 108, "f", 3.0e9),
        "nan-vox-offset.nii": _patched(small, 108, "f", float("nan")),
        "nan-pixdim.nii": _patched(small, 76, "4f", 1.0, float("nan"), 1.0, 1.0),
        "zero-affine.nii": _patched(_patched(small, 252, "hh", 0, 0), 76, "4f", 1.0, 0.0, 0.0, 0.0),
        "bad-magic.nii": small[:344] + b"XYZ\x00" + small[348:],
    }
    out = {}
    for name, data in files.items():
        path = folder / name
        path.write_bytes(data)
        out[name] = path
    out["bomb-1024.nii.gz"] = bomb_nii_gz(folder / "bomb-1024.nii.gz")
    return out


# ------------------------------------------------------------------------ DICOM


DICOM_SERIES = SHARED / "data/totalsegmentator/example_ct_dicom"


def _series_copy(folder: Path, change: Callable[[Any, int], None] | None = None) -> Path:
    import pydicom

    folder.mkdir(parents=True, exist_ok=True)
    for i, source in enumerate(sorted(DICOM_SERIES.iterdir())):
        if change is None:
            shutil.copy(source, folder / source.name)
            continue
        dataset = pydicom.dcmread(source)
        change(dataset, i)
        dataset.save_as(folder / source.name)
    return folder


def hostile_dicom(folder: Path) -> dict[str, Path]:
    """DICOM series folders that must be refused cleanly (``{name: folder}``)."""
    out: dict[str, Path] = {}

    def huge(ds: Any, _: int) -> None:
        ds.Rows = 65535
        ds.Columns = 65535

    def no_rows(ds: Any, _: int) -> None:
        del ds.Rows

    def text_spacing(ds: Any, _: int) -> None:
        ds.add_new(0x00280030, "LO", "abc\\1")  # PixelSpacing as text

    def no_position(ds: Any, i: int) -> None:
        if i == 3:
            del ds.ImagePositionPatient

    def frames(ds: Any, _: int) -> None:
        ds.NumberOfFrames = 100_000

    out["huge-rows-columns"] = _series_copy(folder / "huge", huge)
    out["no-rows"] = _series_copy(folder / "no-rows", no_rows)
    out["text-pixel-spacing"] = _series_copy(folder / "text-spacing", text_spacing)
    out["slice-without-position"] = _series_copy(folder / "no-position", no_position)
    out["many-frames"] = _series_copy(folder / "frames", frames)
    truncated = _series_copy(folder / "truncated")
    for path in sorted(truncated.iterdir())[::2]:
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    out["truncated-slices"] = truncated
    garbage = folder / "garbage"
    garbage.mkdir()
    for i in range(5):
        (garbage / f"slice{i}.dcm").write_bytes(b"\x00" * 128 + b"DICM" + b"\xff" * 500)
    out["garbage-with-preamble"] = garbage
    empty = folder / "empty"
    empty.mkdir()
    (empty / "a.dcm").write_bytes(b"")
    out["empty-files"] = empty
    return out
