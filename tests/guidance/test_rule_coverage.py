"""Every rule of the normative rulebook fires in a test, and every rule the engine cites
carries the rulebook's source tags.

A rule counts as tested when it actually fires while the guidance tests run: the tests of
this package run again in a child process with the recorder ``fired_rules.py`` (the real
engine; its verdicts are read), so a new rule that no test makes fire fails here. The
child leaves out this module (its vignettes below fire every rule by construction) and
``test_verdict_json.py`` (it compares two writers over generated cases, which fire every
rule without testing one).
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from vertebro import parse_case
from vertebro.guidance.engine import evaluate

from . import fired_rules
from .cases import OMIT, assess_case, assess_text, candidate, fracture

RULEBOOK = Path(__file__).parents[2].parent / "shared/knowledge/RULEBOOK.md"
HERE = Path(__file__).parent

#: R-1 … R-4 define outcomes for the registry and analytics (rulebook section R); the
#: guidance engine neither computes nor reports them, so they are not tested here.
NOT_GUIDANCE_RULES = frozenset({"R-1", "R-2", "R-3", "R-4"})

_RULE_HEAD = re.compile(r"\*\*([A-Z]-\d+)\*\*")
_RULE_BLOCK = re.compile(r"^- \*\*([A-Z]-\d+)\*\*(.*?)(?=^- |^#|\Z)", re.M | re.S)


def _rule_sections() -> str:
    """The rulebook from its first section on (the preamble's change notes name rules too)."""
    text = RULEBOOK.read_text("utf-8")
    return text[text.index("\n## ") :]


def rulebook_ids() -> list[str]:
    return _RULE_HEAD.findall(_rule_sections())


def rulebook_tags() -> dict[str, list[str]]:
    """Each rule's source tags: its last ``[...]`` outside code spans (``[]`` when none)."""
    tags = {}
    for rule, body in _RULE_BLOCK.findall(_rule_sections()):
        groups = re.findall(r"\[([^\]]+)\]", re.sub(r"`[^`]*`", "", body))
        tags[rule] = [t.strip() for t in groups[-1].split(",")] if groups else []
    return tags


def _string_literals(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def test_the_rulebook_parses():
    ids = rulebook_ids()
    assert len(ids) == len(set(ids)), "a rule id appears twice in the rulebook"
    for expected in ("M-1", "M-7", "S-3", "C-1", "N-7", "T-6", "W-2", "K-12", "P-0", "A-6"):
        assert expected in ids
    assert set(ids) >= NOT_GUIDANCE_RULES, "the excluded ids must still exist in the rulebook"


def _fired_in_the_guidance_tests(tmp_path: Path) -> set[str]:
    target = tmp_path / "fired.txt"
    env = {**os.environ, "VERTEBRO_PURE_PYTHON": "1", "VERTEBRO_FIRED_RULES": str(target)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "-p", "tests.guidance.fired_rules", str(HERE), "--ignore", __file__,
         "--ignore", str(HERE / "test_verdict_json.py")],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=900, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return set(target.read_text("utf-8").split())


def test_every_rule_fires_in_the_guidance_tests(tmp_path: Path):
    fired = _fired_in_the_guidance_tests(tmp_path)
    never = [r for r in rulebook_ids() if r not in fired and r not in NOT_GUIDANCE_RULES]
    assert never == [], f"rules that no test in tests/guidance/ makes fire: {never}"
    assert fired - set(rulebook_ids()) == set(), "the recorder saw a rule the rulebook lacks"


def test_the_recorder_sees_what_fired_and_nothing_else():
    doc = candidate(fractures=[fracture("L1", age_weeks=1)])  # 40 % loss: KP, T-5
    case = parse_case(doc)
    fired = fired_rules.FIRED
    fired.clear()
    fired_rules.record(case, evaluate(case))
    expected = {"M-2", "M-3", "M-4", "T-5", "W-1", "K-7", "P-0", "P-1", "P-2", "P-3", "P-4",
                "P-5", "A-1", "A-2", "A-3", "A-4", "A-5", "A-6"}  # fmt: skip
    assert fired == expected


# --- cited rules carry the rulebook's tags --------------------------------------------

_SINS_KNOWN = {
    "pain_type": "none",
    "lesion": "blastic",
    "alignment": "normal",
    "posterolateral": "none",
}

#: rule → (case fields, where the citation is reported: "reasons", "cautions" or "top")
TRIGGERS = {
    "C-1": ({"active_infection": True}, "reasons"),
    "C-2": ({"pregnant": True}, "reasons"),
    "C-3": ({"coagulopathy": "uncorrectable"}, "reasons"),
    "C-4": ({"cement_allergy": True}, "reasons"),
    "O-1": ({"neurology": "root"}, "reasons"),
    "O-2": ({"unstable": True}, "reasons"),
    "O-3": ({"tension_band_failure": True}, "reasons"),
    "O-4": ({"morphology": "burst", "plc": "injured"}, "reasons"),
    "O-5": (
        {
            "etiology": "metastasis",
            "pain_type": "mechanical",
            "lesion": "lytic",
            "alignment": "deformity",
            "posterolateral": "bilateral",
        },
        "reasons",
    ),
    "N-1": ({"neurology": "unknown"}, "reasons"),
    "Q-1": ({"pain_nrs": 4}, "reasons"),
    "Q-2": ({"pain_trend": "improving"}, "reasons"),
    "Q-3": ({"mri_edema": False}, "reasons"),
    "Q-4": ({"pain_at_level": False}, "reasons"),
    "Q-5": ({"medication_insufficient": False}, "reasons"),
    "N-2": ({"mri_edema": None}, "reasons"),
    "N-3": ({"pain_at_level": None}, "reasons"),
    "N-4": ({"medication_insufficient": None}, "reasons"),
    "N-5": ({"heights_mm": OMIT}, "reasons"),
    "N-6": ({"etiology": "myeloma"}, "reasons"),
    "N-7": ({"etiology": "traumatic"}, "reasons"),
    "T-1": ({"morphology": "burst", "height_loss_pct": 50.0}, "reasons"),
    "T-2": ({"height_loss_pct": 90.0}, "reasons"),
    "T-3": ({"height_loss_pct": 75.0}, "reasons"),
    "T-4": ({"height_loss_pct": 30.0, "intravertebral_cleft": True}, "reasons"),
    "T-5": ({"height_loss_pct": 30.0}, "reasons"),
    "T-6": ({"height_loss_pct": 10.0}, "reasons"),
    "K-1": ({"anticoagulated": True}, "top"),
    "K-2": ({"severe_pulmonary_disease": True}, "top"),
    "K-3": ({"can_lie_prone": False}, "top"),
    "K-6": (None, "top"),
    "K-9": ({"radicular_pain": True}, "top"),
    "K-4": ({"retropulsion": True}, "cautions"),
    "K-5": ({"intravertebral_cleft": True}, "cautions"),
    "K-7": ({"age_weeks": 1}, "cautions"),
    "K-8": ({"level": "T3"}, "cautions"),
    "K-10": ({"etiology": "metastasis", **_SINS_KNOWN, "lesion": "lytic"}, "cautions"),
    "K-11": ({"etiology": "other"}, "cautions"),
    "K-12": ({"heights_mm": {"anterior": 25.0, "middle": 28.0, "posterior": 30.0}}, "cautions"),
}


def _trigger_case(fields):
    if fields is None:  # K-6: four treated levels
        return candidate(fractures=[fracture(lv) for lv in ("T6", "T8", "T10", "L2")])
    return candidate(**fields)


def _citations(fields, where):
    result = assess_case(_trigger_case(fields))
    if where == "top":
        return result["cautions"]
    return result["levels"][0][where]


@pytest.mark.parametrize("rule", list(TRIGGERS))
def test_a_cited_rule_carries_the_rulebook_source_tags(rule):
    fields, where = TRIGGERS[rule]
    found = [c for c in _citations(fields, where) if c["rule"] == rule]
    assert len(found) == 1, f"{rule} not reported in {where}"
    citation = found[0]
    assert citation["source"] == rulebook_tags()[rule]
    assert citation["text"].strip()
    for tag in citation["source"]:
        assert f"[{tag}" not in citation["text"]


def test_every_decision_and_caution_rule_has_a_trigger_here():
    decisive = {r for r in rulebook_ids() if r[0] in "COQNTK"}
    assert decisive == set(TRIGGERS)


@pytest.mark.parametrize("rule", list(TRIGGERS))
def test_the_json_text_path_gives_the_same_assessment(rule):
    case = _trigger_case(TRIGGERS[rule][0])
    assert assess_text(case) == assess_case(case)


def test_every_rule_id_named_in_the_tests_exists_in_the_rulebook():
    known = set(rulebook_ids())
    named: set[str] = set()
    for module in HERE.glob("test_*.py"):
        if module.name != Path(__file__).name:
            named |= {s for s in _string_literals(module) if re.fullmatch(r"[A-Z]-\d+", s)}
    assert named - known == set()


def test_the_engine_knows_exactly_the_decision_timing_and_caution_rules():
    from vertebro.guidance.rules import all_rule_ids

    engine_ids = all_rule_ids()
    assert len(engine_ids) == len(set(engine_ids))
    assert set(engine_ids) == {r for r in rulebook_ids() if r[0] in "COQNTWK"}
