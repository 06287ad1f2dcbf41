"""The README's command line reference against the real ``vertebro`` app: every command it
names exists, every command that exists is documented there, each one's ``--help`` runs,
and the README's examples that need no registry, network or model weights run as shown
(same exit code) on the real example files and data."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from tests.backends import unavailable
from tests.conftest import ROOT, SHARED
from vertebro.cli import app

README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
#: Commands whose README examples run here: no registry, network, PACS or model weights.
RUNNABLE = {"assess", "measure", "rules", "version"}
#: Options whose value is a file the command writes (it need not exist beforehand).
OUTPUTS = {"--case", "--figure", "--sr", "--secondary-capture", "--out", "--output", "--pdf"}
_COMMAND = re.compile(r"^[a-z][a-z-]*$")


def _commands() -> dict[str, set[str]]:
    """``{command: its subcommands}`` of the app (an empty set for a plain command)."""
    root = typer.main.get_command(app)
    found: dict[str, set[str]] = {}
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        found[name] = set(getattr(command, "commands", {}))
    return found


COMMANDS = _commands()


@dataclass(frozen=True)
class Claim:
    """A ``vertebro …`` command line in the documentation."""

    where: str
    words: tuple[str, ...]
    exit_code: int = 0
    example: bool = False  # a concrete example, not a synopsis

    @property
    def command(self) -> str:
        return self.words[0]


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split()[1:])


def _claims(path: Path) -> Iterator[Claim]:
    """Command lines in code blocks (``$ vertebro …``, continuation lines joined) and in
    inline code spans (```vertebro …```)."""
    lines = path.read_text().splitlines()
    in_block, block_start, block = False, 0, list[str]()
    for number, line in enumerate(lines, 1):
        if line.lstrip().startswith("```"):
            if in_block:
                yield from _block_claims(path, block_start, block)
            in_block, block_start, block = not in_block, number, []
            continue
        if in_block:
            block.append(line)
            continue
        for span in re.findall(r"`(vertebro [^`]+)`", line):
            yield Claim(f"{path.name}:{number}", _words(span), example=True)


def _block_claims(path: Path, start: int, block: list[str]) -> Iterator[Claim]:
    exit_code = 2 if any("(exit 2)" in line for line in block) else 0
    i = 0
    while i < len(block):
        text = block[i].strip().removeprefix("$ ")
        number = start + 1 + i
        while text.endswith("\\") and i + 1 < len(block):
            i += 1
            text = text[:-1] + " " + block[i].strip()
        i += 1
        if text.startswith("vertebro "):
            text = text.split("  #")[0]
            yield Claim(f"{path.name}:{number}", _words(text), exit_code, example=True)


def _reference() -> list[Claim]:
    """The synopses in the README's "Command line reference" (its headings and text)."""
    text = README.read_text()
    section = text.split("## Command line reference", 1)[1].split("\n## ", 1)[0]
    return [
        Claim(f"README.md: {line[:60]}", _words(span))
        for line in section.splitlines()
        for span in re.findall(r"`(vertebro [^`]+)`", line)
    ]


def _subcommands(claim: Claim) -> set[str]:
    """The subcommands a synopsis of a group names: the first word of each ``|``
    alternative (``users add NAME | role NAME``, ``pacs find|pull|push``, ``screen [run]``)."""
    rest = " ".join(claim.words[1:])
    optional = re.match(r"\[([a-z][a-z-]*)\]", rest)
    names = {optional.group(1)} if optional else set()
    rest = re.sub(r"\[[^\]]*\]", " ", rest)
    for alternative in rest.split("|"):
        first = alternative.split()[:1]
        if first and _COMMAND.match(first[0]):
            names.add(first[0])
    return names


def _documented_claims() -> list[Claim]:
    return [c for path in [README, *DOCS] for c in _claims(path)] + _reference()


def test_every_command_the_documentation_names_exists() -> None:
    unknown = []
    for claim in _documented_claims():
        if not claim.words or not _COMMAND.match(claim.command):
            continue  # `vertebro 0.1.0 (rulebook …)`: output, not a command
        if claim.command not in COMMANDS:
            unknown.append(f"{claim.where}: vertebro {claim.command}")
            continue
        group = COMMANDS[claim.command]
        if group and len(claim.words) > 1:
            named = _subcommands(claim) if not claim.example else set(claim.words[1:2])
            for name in named:
                if _COMMAND.match(name) and name not in group:
                    unknown.append(f"{claim.where}: vertebro {claim.command} {name}")
    assert unknown == []


def test_every_command_is_in_the_readme_reference() -> None:
    reference = _reference()
    documented = {c.command for c in reference}
    missing = sorted(set(COMMANDS) - documented)
    for command, group in COMMANDS.items():
        named = set().union(*(_subcommands(c) for c in reference if c.command == command))
        missing += [f"{command} {name}" for name in sorted(group - named)]
    assert missing == []


@pytest.mark.parametrize(
    "words",
    [(c,) for c in COMMANDS] + [(c, s) for c, group in COMMANDS.items() for s in sorted(group)],
    ids=" ".join,
)
def test_help_of_each_command(words: tuple[str, ...]) -> None:
    done = CliRunner().invoke(app, [*words, "--help"])
    assert done.exit_code == 0, done.output
    assert "Usage:" in done.output


def _runnable(claim: Claim, folder: Path) -> bool:
    """A concrete example of a command that runs here, every input of which exists."""
    if claim.command not in RUNNABLE or not claim.example:
        return False
    if claim.command in ("assess", "measure") and len(claim.words) == 1:
        return False  # the command named in passing, not an example
    if any(w in ("-", "--jsonl", "--segment", "|", "…") for w in claim.words):
        return False
    for before, word in zip(("", *claim.words), claim.words, strict=False):
        if before in OUTPUTS or word.startswith("-"):
            continue
        if re.search(r"[A-Z]{2,}", word.split(".")[0]) and not (folder / word).exists():
            return False  # a placeholder such as CASE.json or PATH
        if ("/" in word or "." in word) and not (folder / word).exists():
            return False
    return True


@pytest.fixture
def readme_folder(tmp_path: Path) -> Path:
    """A clone's layout: ``examples/`` beside the repository, ``../shared/data``."""
    if not (SHARED / "data").is_dir():
        unavailable(f"the shared data folder {SHARED / 'data'} is missing")
    repo = tmp_path / "vertebro"
    shutil.copytree(ROOT / "examples", repo / "examples")
    (tmp_path / "shared").symlink_to(SHARED)
    return repo


def test_readme_examples_run_as_shown(readme_folder: Path) -> None:
    ran, failed = [], []
    for claim in _claims(README):
        if not _runnable(claim, readme_folder):
            continue
        done = subprocess.run(
            [sys.executable, "-m", "vertebro.cli", *claim.words],
            cwd=readme_folder,
            capture_output=True,
            text=True,
            timeout=300,
        )
        ran.append(" ".join(claim.words))
        if done.returncode != claim.exit_code:
            failed.append(f"{claim.where}: exit {done.returncode}\n{done.stderr[-500:]}")
    assert failed == []
    # the worked example, the missing-data example, rules, version and the imaging walk-through
    assert {"assess", "measure", "rules", "version"} <= {r.split()[0] for r in ran}, ran
    assert any(r.startswith("assess case.json") for r in ran), ran
    assert (readme_folder / "case.json").is_file() and (readme_folder / "spine.png").is_file()
