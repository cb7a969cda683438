"""A search's summary line reads as English for one hit, one participant, and none."""

from __future__ import annotations

from types import SimpleNamespace

from qualcode.export.kwic import summary


def _result(hits: int, turns: int, participants: int, searched: int) -> SimpleNamespace:
    return SimpleNamespace(
        hits=[object()] * hits, turns=turns, participants=participants, searched=searched,
        speakers="participant", forms={}, filters={}, mode="phrase",
    )  # fmt: skip


def test_one_hit_is_singular() -> None:
    """Found: '1 hits in 1 turns of 1 of 53 participants searched'."""
    said = summary(_result(1, 1, 1, 53))
    assert said == "1 hit in 1 turn from 1 of the 53 participants searched (participants' turns)."


def test_many_hits() -> None:
    said = summary(_result(498, 375, 53, 53))
    assert said.startswith("498 hits in 375 turns from 53 of the 53 participants searched")


def test_no_hits_is_said_as_none() -> None:
    said = summary(_result(0, 0, 0, 1))
    assert said == "No hits in the 1 participant searched (participants' turns)."
