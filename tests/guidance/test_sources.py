"""The rulebook's sources (``knowledge/sources.csv``): complete, in display order."""

from __future__ import annotations

import json
from importlib.resources import files

from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import SHARED
from vertebro.guidance.sources import SourceKind, bibliography, source, sources


def test_the_packaged_table_is_the_knowledge_base_s() -> None:
    packaged = files("vertebro.guidance").joinpath("data/sources.csv").read_text("utf-8")
    assert packaged == (SHARED / "knowledge" / "sources.csv").read_text("utf-8")


def test_every_tag_of_every_rulebook_version_has_a_full_citation() -> None:
    for name in ("rulebook-2026.1.json", "rulebook-2026.2.json"):
        document = json.loads(files("vertebro.model").joinpath(f"data/{name}").read_text())
        tags = {t for rule in document["rules"] for t in rule["source"]}
        tags |= {t for item in document["aftercare"].values() for t in item["source"]}
        for tag in tags:
            assert len(source(tag).citation) > 30, tag


def test_rulebook_spelling_of_a_tag_is_found() -> None:
    assert source("VERTOS II").citation.startswith("Klazen CAH")
    assert source("IVC").kind is SourceKind.CASE_SERIES
    assert "Nakamae T" in source("IVC").citation


@given(st.lists(st.lists(st.sampled_from(sorted(sources())), max_size=6), max_size=6))
def test_bibliography_lists_each_source_once_patient_information_last(tag_lists):
    listed = bibliography(tag_lists)
    assert len({s.tag for s in listed}) == len(listed)
    assert {s.tag for s in listed} == {source(t).tag for tags in tag_lists for t in tags}
    groups = [s.kind.display_group for s in listed]
    assert groups == sorted(groups)
