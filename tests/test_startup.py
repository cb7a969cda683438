"""Start-up: '--help' and 'status --help' load the command line's own modules, never the
library behind them (the store, the project, the review server, spaCy, scikit-learn...)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROBE = """
import json, sys
from qualcode.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
"""
HEAVY = (
    "qualcode.project", "qualcode.store", "qualcode.settings", "qualcode.serve",
    "qualcode.segment", "qualcode.coding.learn", "qualcode.export", "sqlite3", "hmac",
    "secrets", "getpass", "sklearn", "spacy", "textual", "starlette", "numpy", "docx",
)  # fmt: skip


@pytest.mark.parametrize("args", [["--help"], ["status", "--help"], ["suggest", "--help"]])
def test_help_loads_no_library_module(args: list[str]) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, check=True
    )
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert "qualcode.cli" in loaded
    assert not [
        m
        for m in loaded
        if m.split(".")[0] in HEAVY or m in HEAVY or any(m.startswith(h + ".") for h in HEAVY)
    ]


def _help_text(app: object, capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit):
        app(["--help"], prog_name="qualcode")  # type: ignore[operator]
    return capsys.readouterr().out


def test_the_listing_is_the_real_help(capsys: pytest.CaptureFixture[str]) -> None:
    """`qualcode --help` prints a listing made without importing any command module: it must
    be exactly the help of the app with every command loaded (a command added, renamed or
    re-described without updating qualcode.cli.COMMANDS fails here)."""
    from qualcode.cli import _listing, load

    assert _help_text(_listing(), capsys) == _help_text(load(), capsys)


def test_each_command_names_the_modules_that_register_it() -> None:
    """Running a command imports only the modules COMMANDS names for it: they must be every
    module that registers the command, its group or any of its subcommands."""
    import sys

    from qualcode.cli import COMMAND_MODULES, COMMANDS, load

    app = load()
    declared = {name: set(modules) for name, _, modules in COMMANDS}
    modules = {m: sys.modules[f"qualcode.cli.{m}"] for m in COMMAND_MODULES}

    def short(module: str) -> str:
        return module.rsplit(".", 1)[-1]

    for c in app.registered_commands:
        name = c.name or c.callback.__name__.replace("_", "-")  # type: ignore[union-attr]
        assert short(c.callback.__module__) in declared[name], name  # type: ignore[union-attr]
    for g in app.registered_groups:
        sub = g.typer_instance
        assert sub is not None and g.name is not None
        need = {short(c.callback.__module__) for c in sub.registered_commands}  # type: ignore[union-attr]
        need |= {m for m, mod in modules.items() if any(v is sub for v in vars(mod).values())}
        assert need <= declared[g.name], (g.name, need - declared[g.name])
    listed = {c.name or c.callback.__name__.replace("_", "-") for c in app.registered_commands}  # type: ignore[union-attr]
    assert listed | {g.name for g in app.registered_groups} == set(declared)


@pytest.mark.parametrize("args", [["status", "--help"], ["search", "--help"]])
def test_a_command_loads_only_its_own_modules(args: list[str]) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, check=True
    )
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    from qualcode.cli import COMMANDS

    own = {f"qualcode.cli.{m}" for name, _, mods in COMMANDS if name == args[0] for m in mods}
    others = {f"qualcode.cli.{m}" for _, _, mods in COMMANDS for m in mods} - own
    assert own <= loaded and not (others & loaded)
