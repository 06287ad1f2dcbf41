"""What ``vertebro screen`` finds in a folder tree or a manifest CSV, and how it refuses a
bad manifest (every bad row as ``<file>:<row>:<column>: <reason>``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from vertebro.errors import InvalidDocument
from vertebro.screening.sources import Study, discover, read_manifest, walk_folder

from .conftest import CORRUPT, DATA, TRUNCATED, require_data


def test_folder_tree_one_study_per_map_and_per_mask_folder(archive: Path) -> None:
    studies = walk_folder(archive)
    assert [s.study_id for s in studies] == [
        "site-a/2024/verse007.nii.gz",
        "site-a/2024/verse009.nii.gz",
        "site-a/2025/spine-0007.nii.gz",
        "site-b/abdomen_totalseg.nii.gz",
        "site-b/ts_fast",  # a TotalSegmentator folder: one study, its files not listed
        CORRUPT,
        TRUNCATED,
    ]
    ts = studies[4]
    assert Path(ts.labels).is_dir() and ts.subregions is None
    assert all(Path(s.labels).is_absolute() for s in studies)


def test_subregion_maps_go_with_their_instance_map(tmp_path: Path) -> None:
    """TPTBox sample (Apache-2.0): the subregion map is the L3 body's, never a study."""
    require_data()
    shutil.copytree(DATA / "tptbox" / "sample_ct", tmp_path / "ct")
    studies = walk_folder(tmp_path, exclude=["*_ct.nii.gz"])
    assert studies == [
        Study(
            "ct/sub-ct_seg-vert_label-22_msk.nii.gz",
            str(tmp_path / "ct" / "sub-ct_seg-vert_label-22_msk.nii.gz"),
            str(tmp_path / "ct" / "sub-ct_seg-subreg_label-22_msk.nii.gz"),
        )
    ]


def test_include_and_exclude_patterns(archive: Path) -> None:
    only = walk_folder(archive, include=["verse*.nii.gz"])
    assert [s.study_id for s in only] == [
        "site-a/2024/verse007.nii.gz",
        "site-a/2024/verse009.nii.gz",
        "site-b/ts_fast",  # mask folders are recognised by their content
    ]
    without = walk_folder(archive, exclude=["ts_fast", "*corrupt*"])
    assert "site-b/ts_fast" not in {s.study_id for s in without}
    assert CORRUPT not in {s.study_id for s in without}


def test_a_mask_folder_given_as_the_source_is_one_study(archive: Path) -> None:
    assert [s.study_id for s in walk_folder(archive / "site-b" / "ts_fast")] == ["ts_fast"]


def test_manifest_paths_are_relative_to_it_and_other_columns_ignored(tmp_path: Path) -> None:
    (tmp_path / "lists").mkdir()
    manifest = tmp_path / "lists" / "archive.csv"
    manifest.write_text(
        "patient,study_id,labels,subregions\n"
        "x,ACC-1,../maps/a.nii.gz,\n"
        "y,ACC-2,/abs/b.nii.gz,../maps/b_sub.nii.gz\n",
        encoding="utf-8",
    )
    assert read_manifest(manifest) == [
        Study("ACC-1", str(tmp_path / "lists" / "../maps/a.nii.gz")),
        Study("ACC-2", "/abs/b.nii.gz", str(tmp_path / "lists" / "../maps/b_sub.nii.gz")),
    ]
    assert discover(manifest) == read_manifest(manifest)


def test_bad_manifest_lists_every_problem(tmp_path: Path) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_text(
        "study_id,labels\nA,a.nii.gz\n,b.nii.gz\nA,c.nii.gz\nD,\n", encoding="utf-8"
    )
    with pytest.raises(InvalidDocument) as caught:
        read_manifest(manifest)
    assert caught.value.lines == [
        f"{manifest}:3:study_id: empty",
        f"{manifest}:4:study_id: duplicate of row 2",
        f"{manifest}:5:labels: empty",
    ]
    manifest.write_text("id,path\nA,a.nii.gz\n", encoding="utf-8")
    with pytest.raises(InvalidDocument) as caught:
        read_manifest(manifest)
    assert caught.value.lines == [f"{manifest}: missing column(s): study_id, labels"]


def test_a_source_that_is_neither(tmp_path: Path) -> None:
    with pytest.raises(InvalidDocument, match="no such file or folder"):
        discover(tmp_path / "nope")
    other = tmp_path / "notes.txt"
    other.write_text("x")
    with pytest.raises(InvalidDocument, match="not a folder of label maps nor a manifest"):
        discover(other)
