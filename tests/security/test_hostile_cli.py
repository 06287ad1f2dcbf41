"""The hostile-input corpus against every command that reads input, each a real
``vertebro`` subprocess: exit 2 with ``<path>: <reason>`` lines (0 for the odd input that
is valid), never a traceback or a raw library warning, never a hang, and nothing
half-written (the registry and the output folders are checked afterwards).

Findings 6, 7 and 9 of issue 10 are replayed exactly as written.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.security import corpus
from tests.security.conftest import (
    assert_clean_refusal,
    no_traceback,
    registry_counts,
    run_cli,
)

T = TypeVar("T")
Result = subprocess.CompletedProcess[bytes]


def in_parallel(calls: Iterable[tuple[str, Callable[[], Result]]]) -> dict[str, Result]:
    """Run the commands four at a time (each a subprocess); ``{name: result}``."""
    items = list(calls)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda item: item[1](), items))
    return {name: result for (name, _), result in zip(items, results, strict=True)}


def write_all(folder: Path, files: dict[str, bytes], suffix: str = ".json") -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, data in files.items():
        path = folder / f"{name}{suffix}"
        path.write_bytes(data)
        out[name] = path
    return out


#: The JSON variants run through the slower commands (every kind of fault, not every form).
SAMPLE = (
    "huge-int", "deep-array", "truncated", "too-many-items", "empty", "invalid-utf8", "nan",
    "huge-float", "wide-array", "many-duplicate-keys", "lone-surrogate-value", "top-array",
    "date-2026-02-30", "int-as-string",
)  # fmt: skip


# ---------------------------------------------------------------------------- assess


def test_assess_refuses_hostile_case_files(tmp_path: Path) -> None:
    """Every fault of the corpus as a file (``--jsonl`` below runs every variant)."""
    picked = {
        k: v
        for k, v in corpus.hostile_json(corpus.CASE).items()
        if k in SAMPLE or k in ("bom", "utf-16", "whitespace", "two-documents", "long-string")
    }
    files = write_all(tmp_path, picked)
    results = in_parallel(
        (name, lambda p=path: run_cli("assess", str(p))) for name, path in files.items()
    )
    for name, result in results.items():
        if name == "bom":  # a byte-order mark is skipped: a valid case
            assert result.returncode == 0 and json.loads(result.stdout)["recommendation"]
            continue
        assert_clean_refusal(result, name)
    stdin = run_cli("assess", "-", stdin=corpus.hostile_json(corpus.CASE)["deep-array"])
    deep = ["<stdin>: nesting deeper than 64 arrays or objects"]  # the whole input: its name
    assert assert_clean_refusal(stdin, "stdin") == deep


def test_finding_7_a_5000_digit_integer_exits_2_from_assess(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_bytes(corpus.hostile_json(corpus.CASE)["huge-int"])
    lines = assert_clean_refusal(run_cli("assess", str(path)), "huge int")
    assert lines == ["patient.age_years: integer too large (5000 digits; at most 4300)"]


def test_finding_7_assess_jsonl_reports_the_bad_line_and_goes_on(tmp_path: Path) -> None:
    """Finding 7: the 5,000-digit integer stopped ``--jsonl`` after that line; now that
    line is an error object and every other line is still assessed."""
    valid = json.dumps(corpus.case_document("jsonl-ok"))
    single_line = {
        name: data
        for name, data in corpus.hostile_json(corpus.CASE).items()
        if b"\n" not in data and b"\r" not in data and data.strip()
    }
    names = ["valid"]
    for name in single_line:
        names += [name, "valid"]
    data = [valid.encode() if n == "valid" else single_line[n] for n in names]
    path = tmp_path / "cases.jsonl"
    path.write_bytes(b"\n".join(data) + b"\n")
    result = run_cli("assess", "--jsonl", str(path))
    no_traceback(result, "jsonl")
    assert result.returncode == 0 and result.stderr == b""
    out = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(out) == len(names)
    for number, (name, document) in enumerate(zip(names, out, strict=True), start=1):
        if name == "valid":
            assert document["case_id"] == "jsonl-ok", number
        elif name != "bom":
            assert document["line"] == number and document["errors"], name
    big = out[names.index("huge-int")]
    assert big["errors"] == ["patient.age_years: integer too large (5000 digits; at most 4300)"]


# ---------------------------------------------------------------------------- FHIR


def test_fhir_export_refuses_hostile_documents(tmp_path: Path) -> None:
    valid = tmp_path / "case.json"
    valid.write_text(json.dumps(corpus.case_document()))
    calls: list[tuple[str, Callable[[], Result]]] = []
    for kind, option in (
        (corpus.CASE, None),
        (corpus.PROCEDURE, "--procedure"),
        (corpus.FOLLOW_UP, "--follow-up"),
    ):
        picked = {k: v for k, v in corpus.hostile_json(kind).items() if k in SAMPLE[:5]}
        for name, path in write_all(tmp_path / kind.name, picked).items():
            args = ["fhir", "export", "--patient-code", "P-1"]
            args += [str(path)] if option is None else [str(valid), option, str(path)]
            calls.append((f"{kind.name} {name}", lambda a=args: run_cli(*a)))
    for name, result in in_parallel(calls).items():
        assert_clean_refusal(result, name)


def test_fhir_import_refuses_every_hostile_bundle(tmp_path: Path) -> None:
    """Finding 7: nested JSON gave tracebacks in ``fhir import``; nothing is written for a
    refused Bundle."""
    bundles = corpus.hostile_bundles()
    picked = {k: v for k, v in bundles.items() if not k.startswith("json-") or k[5:] in SAMPLE}
    files = write_all(tmp_path / "in", picked)
    out = tmp_path / "out"
    results = in_parallel(
        (name, lambda p=path, n=name: run_cli("fhir", "import", str(p), "--out-dir", str(out / n)))
        for name, path in files.items()
    )
    for name, result in results.items():
        assert_clean_refusal(result, name)
        assert not (out / name).exists(), name


def test_fhir_import_bundle_refuses_and_writes_nothing(tmp_path: Path, registry_file: str) -> None:
    """Finding 7: ``fhir import-bundle`` printed tracebacks on some broken files (nothing
    was written — still so)."""
    names = ("json-huge-int", "json-deep-array", "json-truncated", "two-cases",
             "binary-huge-int", "binary-too-many-items", "binary-not-base64")  # fmt: skip
    bundles = corpus.hostile_bundles()
    files = write_all(tmp_path, {name: bundles[name] for name in names})
    before = registry_counts(registry_file, audit=True)
    for name, path in files.items():  # one at a time: one SQLite registry
        result = run_cli("fhir", "import-bundle", str(path), "--database", registry_file)
        lines = assert_clean_refusal(result, name)
        assert lines[-1] == "nothing was imported", name
    assert registry_counts(registry_file, audit=True) == before


# ---------------------------------------------------------------------------- CSV


def test_import_csv_refuses_every_broken_folder_and_writes_nothing(
    tmp_path: Path, registry_file: str
) -> None:
    """Finding 7 and 9: ``import-csv`` printed tracebacks on some broken files; every
    refusal exits 2 (a clash with the registry too), and nothing is imported."""
    from vertebro.services.registry.csv_registry import PATIENTS

    folders = {
        name: corpus.csv_folder(tmp_path / name, files)
        for name, files in corpus.hostile_csv_files().items()
        if not name.startswith("case-document-")
        or name.removeprefix("case-document-") in SAMPLE[:5]
    }
    clash = corpus.csv_folder(
        tmp_path / "clash",
        {PATIENTS: b"patient_code,birth_year,sex,is_demo\r\nH-CLASH,1950,female,false\r\n"},
    )
    first = run_cli("import-csv", str(clash), "--database", registry_file)
    assert first.returncode == 0, first.stderr
    folders["patient-already-in-the-registry"] = clash
    before = registry_counts(registry_file, audit=True)
    copies = {}  # one registry each, so that the imports can run side by side
    for name in folders:
        copies[name] = tmp_path / f"registry-{name}.db"
        shutil.copy(registry_file.removeprefix("sqlite:///"), copies[name])
    results = in_parallel(
        (
            name,
            lambda f=folder, n=name: run_cli(
                "import-csv", str(f), "--database", f"sqlite:///{copies[n]}"
            ),
        )
        for name, folder in folders.items()
    )
    for name, result in results.items():
        lines = assert_clean_refusal(result, name)
        assert lines[-1] == "nothing was imported", name
        assert registry_counts(f"sqlite:///{copies[name]}", audit=True) == before, name


def test_csv_formula_cells_round_trip_exactly(tmp_path: Path, registry_file: str) -> None:
    """Finding 9: ``=HYPERLINK(…)`` as operator was exported verbatim; now with a leading
    ``'``, and import gives back exactly what was stored."""
    import csv

    from vertebro.registry import Registry
    from vertebro.services.registry import (
        Actor,
        assess_case,
        create_case,
        create_patient,
        list_procedures,
        record_procedure,
        unit_of_work,
    )

    operators = ['=HYPERLINK("http://evil.example/x","click")', "+1", "-2", "@SUM(A1)",
                 "\tTab", "'=quoted", "O'Neil", "Dr Plain"]  # fmt: skip
    registry = Registry.open(registry_file)
    try:
        with unit_of_work(registry, Actor.cli()) as tx:
            create_patient(tx, {"code": "-17"})
            for i, operator in enumerate(operators):
                case_id = f"f-{i}"
                create_case(tx, "-17", corpus.case_document(case_id))
                assess_case(tx, case_id)
                record_procedure(tx, case_id, {**corpus.procedure_document(), "operator": operator})
    finally:
        registry.close()
    out = tmp_path / "export"
    exported = run_cli("export-csv", str(out), "--database", registry_file)
    assert exported.returncode == 0, exported.stderr
    with (out / "procedures.csv").open(newline="", encoding="utf-8") as stream:
        cells = [row["operator"] for row in csv.DictReader(stream)]
    expected = ["'" + o if o[0] in "=+-@\t" else o for o in operators]
    expected[operators.index("'=quoted")] = "''=quoted"
    assert sorted(cells) == sorted(expected)
    with (out / "patients.csv").open(newline="", encoding="utf-8") as stream:
        assert [row["patient_code"] for row in csv.DictReader(stream)] == ["'-17"]

    other = f"sqlite:///{tmp_path / 'other.db'}"
    assert run_cli("db", "upgrade", "--database", other).returncode == 0
    imported = run_cli("import-csv", str(out), "--database", other)
    assert imported.returncode == 0, imported.stderr
    registry = Registry.open(other)
    try:
        with unit_of_work(registry, Actor.cli()) as tx:
            stored = [list_procedures(tx, f"f-{i}")[0].procedure.operator for i in range(8)]
    finally:
        registry.close()
    assert stored == operators


# ---------------------------------------------------------------------------- imaging


def test_measure_refuses_every_broken_label_map(tmp_path: Path) -> None:
    """Finding 6 and 9: a decompression bomb is refused from its header; no numpy,
    nibabel or pydicom warning reaches standard error; no draft case is written."""
    files = corpus.hostile_nifti(tmp_path / "maps")
    out = tmp_path / "out"
    out.mkdir()
    results = in_parallel(
        (
            name,
            lambda p=path, n=name: run_cli(
                "measure", "--labels", str(p), "--quiet", "--case", str(out / f"{n}.json")
            ),
        )
        for name, path in files.items()
    )
    for name, result in results.items():
        if result.returncode == 0:  # nibabel repairs these headers itself
            assert name in ("nan-pixdim.nii", "zero-affine.nii"), name
            err = no_traceback(result, name)
            assert err.splitlines()[0].startswith("convention: "), (name, err)
            continue
        (line,) = assert_clean_refusal(result, name)
        assert line.startswith(f"{files[name]}: "), line
        assert not (out / f"{name}.json").exists()
    bomb = results["bomb-1024.nii.gz"].stderr.decode()
    assert "1,073,741,824 voxels (1024×1024×1024) and about 2.0 GiB" in bomb
    assert "600,000,000 voxels (VERTEBRO_MAX_VOXELS) and 4 GiB" in bomb


def test_measure_refuses_every_broken_dicom_series(tmp_path: Path) -> None:
    labels = corpus.SHARED / "data/totalsegmentator/example_seg_dicom.nii.gz"
    folders = corpus.hostile_dicom(tmp_path)
    results = in_parallel(
        (
            name,
            lambda f=folder: run_cli(
                "measure", "--labels", str(labels), "--image", str(f), "--quiet"
            ),
        )
        for name, folder in folders.items()
    )
    for name, result in results.items():
        (line,) = assert_clean_refusal(result, name)
        assert line.startswith(f"{folders[name]}: "), line
    assert (
        "too large to measure: 85,896,724,500 voxels"
        in results["huge-rows-columns"].stderr.decode()
    )


def test_measure_refuses_a_bad_limit_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    labels = corpus.SHARED / "data/verse_like/0007_msk.nii.gz"
    monkeypatch.setenv("VERTEBRO_MAX_VOXELS", "many")
    lines = assert_clean_refusal(run_cli("measure", "--labels", str(labels)), "env")
    assert lines == ["VERTEBRO_MAX_VOXELS: must be a positive integer, got 'many'"]
    monkeypatch.delenv("VERTEBRO_MAX_VOXELS")
    monkeypatch.setenv("VERTEBRO_MAX_MEASURE_GIB", "-1")
    database = f"sqlite:///{tmp_path / 'never.db'}"
    served = run_cli("serve", "--no-demo", "--database", database, timeout=60)
    assert assert_clean_refusal(served, "serve") == [
        "VERTEBRO_MAX_MEASURE_GIB: must be a positive number, got '-1'"
    ]
    assert not (tmp_path / "never.db").exists()


def test_measure_prints_no_library_warnings(tmp_path: Path) -> None:
    """Finding 9: numpy/pydicom warnings leaked to standard error in ``measure``; a real
    DICOM series whose header values are invalid DICOM (pydicom warns on them) measures
    with only vertebro's own lines on standard error."""
    import pydicom

    series = corpus.DICOM_SERIES
    folder = tmp_path / "series"
    folder.mkdir()
    with warnings.catch_warnings():  # pydicom warns here too, in the test's own process
        warnings.simplefilter("ignore")
        for source in sorted(series.iterdir()):
            dataset = pydicom.dcmread(source)
            dataset.add_new(0x00181030, "LO", "x" * 200)  # ProtocolName longer than LO allows
            dataset.add_new(0x00080020, "DA", "20261305")  # StudyDate: month 13
            dataset.save_as(folder / source.name)
    labels = corpus.SHARED / "data/totalsegmentator/example_seg_dicom.nii.gz"
    result = run_cli("measure", "--labels", str(labels), "--image", str(folder), "--quiet")
    err = no_traceback(result, "warnings")
    assert result.returncode == 0, err
    assert err.splitlines() == ["convention: totalsegmentator (from header)"], err


# ---------------------------------------------------------------------------- db restore


def test_db_restore_refuses_broken_backups(tmp_path: Path, registry_file: str) -> None:
    backup = tmp_path / "backup.db"
    assert run_cli("db", "backup", str(backup), "--database", registry_file).returncode == 0
    dump: dict[str, Any] = {"format": "nope"}
    files = {
        "empty": b"",
        "garbage": b"\x00\xff garbage" * 100,
        "truncated-sqlite": backup.read_bytes()[: backup.stat().st_size // 3],
        "json-array": b"[1, 2, 3]",
        "json-huge-int": b'{"format": ' + corpus.HUGE_INT.encode() + b"}",
        "json-deep": b'{"x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        "json-wrong-format": json.dumps(dump).encode(),
    }
    for name, path in write_all(tmp_path / "in", files, suffix="").items():
        target = f"sqlite:///{tmp_path / f'restored-{name}.db'}"
        result = run_cli("db", "restore", str(path), "--database", target)
        assert_clean_refusal(result, name)
