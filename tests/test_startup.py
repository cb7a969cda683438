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
