from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from qualcode.project import Project, init_project

ROOT = Path(__file__).resolve().parents[1]

# qualcode never goes on the network, not even to loopback: every test fails if it (or a library
# it imports) opens an internet socket. Recorded through an audit hook; checked after each test.
# Tests of the review server, marked 'loopback', may open sockets to 127.0.0.1 and nowhere else.
_SOCKETS: list[str] = []
_ADDRESSES: list[str] = []  # every address a socket connected or bound to
LOOPBACK = ("127.0.0.1", "::1", "localhost")


def _audit(event: str, args: tuple[object, ...]) -> None:
    import socket

    if event == "socket.__new__" and len(args) > 1 and args[1] in (socket.AF_INET, socket.AF_INET6):
        import traceback

        _SOCKETS.append("".join(traceback.format_stack(limit=12)[:-1]))
    elif event in ("socket.connect", "socket.bind") and len(args) > 1:
        address = args[1]
        if isinstance(address, tuple) and address:
            _ADDRESSES.append(str(address[0]))


sys.addaudithook(_audit)


@pytest.fixture(autouse=True)
def _no_sockets(request: pytest.FixtureRequest) -> Iterator[None]:
    before, where = len(_SOCKETS), len(_ADDRESSES)
    yield
    if request.node.get_closest_marker("loopback") is not None:
        away = [a for a in _ADDRESSES[where:] if a not in LOOPBACK]
        assert not away, f"a socket reached beyond this machine: {away[0]}"
        return
    opened = _SOCKETS[before:]
    assert not opened, "an internet socket was opened:\n" + opened[0]


SHARED_DATA = ROOT.parent / "shared" / "data"


def shared(*parts: str) -> Path:
    """A path under ../shared/data, skipping the test with a reason when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (real test data lives in ../shared/data beside the repo)")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Project:
    proj = init_project(tmp_path / "proj")
    yield proj
    proj.close()


def write_docx(
    path: Path, paragraphs: list[list[tuple[str, bool]]], table: list[list[str]] | None = None
) -> Path:
    """A .docx whose paragraphs are lists of (run text, bold) and an optional table."""
    import docx

    document = docx.Document()
    for runs in paragraphs:
        p = document.add_paragraph()
        for text, bold in runs:
            p.add_run(text).bold = bold
    if table:
        t = document.add_table(rows=0, cols=len(table[0]))
        for row in table:
            cells = t.add_row().cells
            for cell, text in zip(cells, row, strict=True):
                cell.text = text
    document.save(str(path))
    return path


# A three-code toy codebook (one code per aim, each with one keyword rule) for tests of review,
# the record and the methods appendix.
THREE_CODES = """\
id: keys
name: Keys
groups:
  - id: factors
    name: Enablers and blockers
    codes:
      - id: factors.funding
        name: Funding
        definition: Money for services.
        rules: {keywords: [grant]}
  - id: police
    name: Police role
    codes:
      - id: police.referral_quality
        name: Referral quality
        definition: Police referrals.
        rules: {keywords: [ppn]}
  - id: pathways
    name: Pathways
    codes:
      - id: pathways.schools
        name: Schools
        definition: Schools as a route in.
        rules: {keywords: [school]}
"""


# Four toy interviews for the team tests (the record, the methods appendix): each participant
# says the same four things, so the rules suggest the same codes in each.
TEAM_SAID = [
    "The grant paid for the ppn work",
    "We went into the school about the grant",
    "Nothing much happened that week",
    "The ppn came in from the school late",
]
TEAM = ("P01", "P02", "P03", "P04")


def team_transcript(pid: str) -> str:
    return "".join(f"INT: Question {i}?\n{pid}: {s} ({pid}).\n" for i, s in enumerate(TEAM_SAID))


def turn_sheet(path: Path, rows: dict[tuple[str, int], list[str]]) -> Path:
    """A turn-level codings file (participant_id, turn, codes) as 'import codings' reads it."""
    lines = ["participant_id,turn,codes"]
    lines += [f"{p},{t},{';'.join(c)}" for (p, t), c in sorted(rows.items())]
    path.write_text("\n".join(lines) + "\n")
    return path


def interview(pid: str, answers: list[str]) -> str:
    """A plain-text transcript: a numbered question before each of the participant's answers."""
    lines = []
    for i, text in enumerate(answers):
        lines += [f"INT: Question {i}?", f"{pid}: {text}."]
    return "\n".join(lines) + "\n"


def set_section(toml: str, name: str, body: str) -> str:
    """Replace (or add) one [section] of a qualcode.toml text."""
    import re

    toml = re.sub(rf"(?ms)^\[{name}\]\n.*?(?=^\[|\Z)", "", toml)
    return toml.rstrip("\n") + f"\n\n[{name}]\n{body}"


def build(
    project: Project,
    files: dict[str, str],
    codebook: str,
    sections: dict[str, str] | None = None,
    attributes: str = "",
) -> Project:
    """Write transcripts, a codebook and settings into ``project``, then ingest and code it."""
    from qualcode.coding.run import code_project
    from qualcode.ingest.run import ingest
    from qualcode.project import open_project

    for name, text in files.items():
        (project.root / "transcripts" / name).write_text(text)
    (project.root / "codebooks" / "toy.yaml").write_text(codebook)
    toml = (project.root / "qualcode.toml").read_text()
    if attributes:
        toml = toml.replace('attributes = ""', f'attributes = "transcripts/{attributes}"')
    for name, body in (sections or {}).items():
        toml = set_section(toml, name, body)
    (project.root / "qualcode.toml").write_text(toml)
    project.close()
    project = open_project(project.root)
    ingest(project)
    code_project(project)
    return project
