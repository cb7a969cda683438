"""Property-based fuzzing (Hypothesis): a mutated file of any kind a user gives qualcode is
accepted or refused with a QualcodeError, never an internal error, and quickly. Bounded to run
in well under a minute; ``python bench/fuzz.py`` runs the same targets for as long as asked."""

from __future__ import annotations

import random
import tempfile
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.errors import QualcodeError
from tests.fuzz_targets import TARGETS, Target, mutate


@cache
def _seeds(target: Target) -> tuple[bytes, ...]:
    return tuple(target.seeds())


def test_every_seed_is_read() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for target in TARGETS:
            for i, seed in enumerate(_seeds(target)):
                path = Path(tmp) / f"seed{i}{target.suffix}"
                path.write_bytes(seed)
                assert target.run(path) is not None, target.name


@pytest.mark.parametrize("target", TARGETS, ids=[t.name for t in TARGETS])
@settings(
    max_examples=100,
    deadline=3000,  # milliseconds per input: a hang or a blow-up fails the test
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_mutated_inputs_get_a_specific_answer(target: Target, seed: int) -> None:
    rng = random.Random(seed)
    data = mutate(rng.choice(_seeds(target)), rng)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"fuzzed{target.suffix}"
        path.write_bytes(data)
        try:
            target.run(path)
        except QualcodeError as exc:
            assert "\n" not in exc.message
