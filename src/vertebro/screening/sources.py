"""What to screen: the studies of a folder tree, of a manifest CSV or of a PACS.

A **folder tree** is walked in name order:

- a folder holding TotalSegmentator per-class masks (``vertebrae_L1.nii.gz`` …) is one
  study (its other files belong to it; it is not walked further);
- every other ``.nii``/``.nii.gz`` file matching ``include`` (default: all) and no
  ``exclude`` pattern is one study, except VerSe/BIDS subregion maps (``*_seg-subreg_*``),
  which are given as ``subregions`` to the ``*_seg-vert_*`` map of the same name, never
  measured alone. Images (CT, MR) are not told apart by their header, so a tree that holds
  them lists them in ``errors.csv`` ("not a label map"), or ``exclude`` leaves them out.

The study id is the path relative to the tree (the file's, or the mask folder's), so two
studies never share one.

A **manifest** is a CSV file with a header row and the columns ``study_id`` and
``labels`` (a NIfTI file or a TotalSegmentator folder), optionally ``subregions``; other
columns are ignored; relative paths are relative to the manifest's folder. Bad rows are
reported together as ``<file>:<row>:<column>: <reason>`` (``InvalidDocument``); a labels
path that does not exist is not a manifest error but that study's error at run time.

A **PACS** study (``pacs_study``) is named by its Study Instance UID and its labels read
``dicomweb:<Study Instance UID>``: the task pulls the study's DICOM SEG and the CT/MR series
it was drawn on (``vertebro.services.pacs``) and measures them.
"""

from __future__ import annotations

import csv
import fnmatch
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from vertebro.errors import InvalidDocument, Problem

__all__ = [
    "PACS_SCHEME",
    "Study",
    "discover",
    "pacs_study",
    "pacs_study_uid",
    "read_manifest",
    "walk_folder",
]

_NIFTI = re.compile(r"\.nii(\.gz)?$", re.IGNORECASE)
_SUBREGIONS = "_seg-subreg_"
_INSTANCES = "_seg-vert_"
_MAX_STUDY_ID = 500
#: The labels of a study that lives in the PACS: ``dicomweb:<Study Instance UID>``.
PACS_SCHEME = "dicomweb:"


@dataclass(frozen=True, slots=True)
class Study:
    """One study to measure: its id, its label map (file or folder) and optional VerSe
    subregion map, as absolute paths that every Dask worker must be able to read."""

    study_id: str
    labels: str
    subregions: str | None = None


def pacs_study(study_uid: str) -> Study:
    """The study of the PACS with this Study Instance UID."""
    return Study(study_uid, f"{PACS_SCHEME}{study_uid}")


def pacs_study_uid(study: Study) -> str | None:
    """The Study Instance UID of a PACS study; None for a file or folder."""
    return study.labels.removeprefix(PACS_SCHEME) if study.labels.startswith(PACS_SCHEME) else None


def _is_level_mask(name: str) -> bool:
    from vertebro.imaging.labelmap import is_level_mask_file

    return is_level_mask_file(name)


def _matches(name: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def walk_folder(
    root: Path, include: Sequence[str] = (), exclude: Sequence[str] = ()
) -> list[Study]:
    """The studies of a folder tree (module docstring), in path order. ``include`` and
    ``exclude`` are shell patterns matched against file or folder names."""
    root = root.resolve()
    studies: list[Study] = []
    for folder, subfolders, files in os.walk(root):
        subfolders.sort()
        here = Path(folder)
        if any(_is_level_mask(name) for name in files):
            if here != root and not _matches(here.name, exclude):
                studies.append(Study(here.relative_to(root).as_posix(), str(here)))
            elif here == root:
                studies.append(Study(root.name, str(root)))
            subfolders.clear()
            continue
        names = set(files)
        for name in sorted(files):
            if not _NIFTI.search(name) or _SUBREGIONS in name:
                continue
            if (include and not _matches(name, include)) or _matches(name, exclude):
                continue
            subregions = None
            if _INSTANCES in name:
                partner = name.replace(_INSTANCES, _SUBREGIONS, 1)
                if partner in names:
                    subregions = str(here / partner)
            study_id = (here / name).relative_to(root).as_posix()
            studies.append(Study(study_id, str(here / name), subregions))
    return studies


def read_manifest(path: Path) -> list[Study]:
    """The studies of a manifest CSV (module docstring); ``InvalidDocument`` listing every
    bad row, nothing else, when any is bad."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InvalidDocument.single(str(path), f"cannot read ({reason})") from None
    reader = csv.DictReader(text.splitlines())
    columns = reader.fieldnames or []
    missing = [c for c in ("study_id", "labels") if c not in columns]
    if missing:
        raise InvalidDocument.single(str(path), f"missing column(s): {', '.join(missing)}")
    base = path.resolve().parent
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    studies: list[Study] = []
    for row_number, row in enumerate(reader, start=2):
        where = f"{path}:{row_number}"
        study_id = (row.get("study_id") or "").strip()
        labels = (row.get("labels") or "").strip()
        subregions = (row.get("subregions") or "").strip()
        if not study_id:
            problems.append(Problem(f"{where}:study_id", "empty"))
        elif len(study_id) > _MAX_STUDY_ID:
            problems.append(Problem(f"{where}:study_id", f"longer than {_MAX_STUDY_ID}"))
        elif study_id in seen:
            problems.append(Problem(f"{where}:study_id", f"duplicate of row {seen[study_id]}"))
        else:
            seen[study_id] = row_number
        if not labels:
            problems.append(Problem(f"{where}:labels", "empty"))
        if not problems:
            studies.append(
                Study(
                    study_id,
                    str(base / labels),
                    str(base / subregions) if subregions else None,
                )
            )
    if problems:
        raise InvalidDocument(problems)
    return studies


def discover(source: Path, include: Sequence[str] = (), exclude: Sequence[str] = ()) -> list[Study]:
    """The studies of ``source``: a manifest when it is a ``.csv`` file, else a folder
    tree; ``InvalidDocument`` when it is neither (or a manifest row is bad)."""
    if source.is_file() and source.suffix.lower() == ".csv":
        return read_manifest(source)
    if source.is_dir():
        return walk_folder(source, include, exclude)
    if not source.exists():
        raise InvalidDocument.single(str(source), "no such file or folder")
    raise InvalidDocument.single(
        str(source), "not a folder of label maps nor a manifest (.csv) of them"
    )
