"""Run the qualcode CLI from a checkout: ``python cli.py --help``."""

from qualcode.cli import run

run()
