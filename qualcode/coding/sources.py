"""Useful or silent, per code: whose suggestions reviewers see for each code.

For each code the learned model is shown only where its F1 on interviews it did not see (the
cross-fitted suggestions of the grouped check, ``CodeSuggester.held_out_``) clears a floor
(``[suggest] min_f1``, default 0.3), is at least the rules' F1 for that code on the same
turns, and clearly beats chance: it closes at least half the floor's share of the gap between
the F1 of suggesting the code on every turn (2p/(1+p) for a code given to a share p of the
turns) and a perfect 1 (without this, a common code a coder gave at random passes the floor by
being suggested almost everywhere). Otherwise the codebook's rules suggest the code (where it
has rules); otherwise nothing is suggested for it. A model nobody could check (no human
coding of two interviews) shows nothing of its own: it orders the review queue while the
rules suggest. ``[suggest] show`` can decide it outright ("model": every learned code;
"rules": none).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

MODEL, RULES, NONE = "model", "rules", "none"
STATES = (MODEL, RULES, NONE)
WHY = {
    MODEL: "its F1 on unseen interviews reached the floor and the rules'",
    RULES: "the codebook's rules: the model did no better there",
    NONE: "no rules, and the model under the floor",
}


@dataclass
class Check:
    """What the grouped check found, code by code (empty dicts: not checked)."""

    model_f1: dict[int, float] = field(default_factory=dict)
    rules_f1: dict[int, float] = field(default_factory=dict)
    precision: dict[int, float] = field(default_factory=dict)
    chance: dict[int, float] = field(default_factory=dict)  # F1 of suggesting it everywhere
    compared: dict[str, float] = field(default_factory=dict)  # macro-F1: model, rules, shown


def f1_by_code(P: np.ndarray, Y: np.ndarray, known: np.ndarray) -> dict[int, float | None]:
    """Each code's F1 of predictions ``P`` against ``Y`` on the ``known`` cells; None for a
    code with no positive among them (no support: left out of macro averages)."""
    P, Y = P.astype(bool) & known, Y.astype(bool) & known
    tp = (P & Y).sum(axis=0)
    fp = (P & ~Y).sum(axis=0)
    fn = (~P & Y).sum(axis=0)
    out: dict[int, float | None] = {}
    for j in range(Y.shape[1]):
        denominator = 2 * tp[j] + fp[j] + fn[j]
        out[j] = float(2 * tp[j] / denominator) if tp[j] + fn[j] else None
    return out


def macro(scores: dict[int, float | None]) -> float:
    supported = [v for v in scores.values() if v is not None]
    return round(sum(supported) / len(supported), 4) if supported else 0.0


def check(
    held_out: np.ndarray, rules: np.ndarray, Y: np.ndarray, known: np.ndarray
) -> tuple[Check, dict[int, float | None], dict[int, float | None]]:
    """Scores of the model's cross-fitted suggestions and of the rules on the held-out turns."""
    model_f1 = f1_by_code(held_out, Y, known)
    rules_f1 = f1_by_code(rules, Y, known)
    out = Check()
    out.model_f1 = {j: round(v, 4) for j, v in model_f1.items() if v is not None}
    out.rules_f1 = {j: round(v, 4) for j, v in rules_f1.items() if v is not None}
    predicted = (held_out.astype(bool) & known).sum(axis=0)
    hits = (held_out.astype(bool) & Y.astype(bool) & known).sum(axis=0)
    out.precision = {j: float(hits[j] / predicted[j]) for j in range(Y.shape[1]) if predicted[j]}
    positives, judged = (Y.astype(bool) & known).sum(axis=0), known.sum(axis=0)
    for j in range(Y.shape[1]):
        p = positives[j] / judged[j] if judged[j] else 0.0
        out.chance[j] = round(float(2 * p / (1 + p)), 4)
    out.compared = {"model": macro(model_f1), "rules": macro(rules_f1)}
    return out, model_f1, rules_f1


def choose(
    checked: Check | None,
    trained: np.ndarray,
    has_rules: list[bool],
    floor: float,
    show: str = "auto",
) -> list[str]:
    """Each code's state: MODEL, RULES or NONE (see the module's docstring)."""
    out = []
    for j, learned in enumerate(trained):
        fallback = RULES if has_rules[j] else NONE
        if show == "model":
            out.append(MODEL if learned else fallback)
        elif show == "rules" or checked is None or not checked.compared or not learned:
            out.append(fallback)
        else:
            f1 = checked.model_f1.get(j, 0.0)
            rules = checked.rules_f1.get(j, 0.0) if has_rules[j] else 0.0
            chance = checked.chance.get(j, 0.0)
            skill = (f1 - chance) / (1 - chance) if chance < 1 else 0.0
            useful = f1 >= floor and f1 >= rules and skill >= floor / 2
            out.append(MODEL if useful else fallback)
    return out


def shown(states: list[str], model: np.ndarray, rules: np.ndarray) -> np.ndarray:
    """What reviewers are shown (segments x codes): each code's column from its source."""
    out = np.zeros_like(model, dtype=np.int8)
    for j, state in enumerate(states):
        if state == MODEL:
            out[:, j] = model[:, j]
        elif state == RULES:
            out[:, j] = rules[:, j]
    return out


def counts(states: dict[str, str] | list[str]) -> dict[str, int]:
    """How many codes are in each state."""
    values = list(states.values()) if isinstance(states, dict) else states
    return {s: values.count(s) for s in STATES}


def describe(by_code: dict[str, str], floor: float) -> str:
    """One sentence for the methods appendix: which codes' suggestions came from which source."""
    if not by_code:
        return ""
    named = {s: sorted(c for c, v in by_code.items() if v == s) for s in STATES}

    def part(state: str, what: str) -> str:
        codes = named[state]
        n = "1 code" if len(codes) == 1 else f"{len(codes)} codes"
        return f"{what} for {n} ({', '.join(codes)})"

    parts = [  # only the sources some code had: "for 0 codes" says nothing
        part(state, what)
        for state, what in (
            (MODEL, "the model's suggestions"),
            (RULES, "the rules'"),
            (NONE, "no suggestion"),
        )
        if named[state]
    ]
    return (
        "Code by code, reviewers were shown "
        + "; ".join(parts)
        + f": the model only where its F1 on interviews it had not seen reached {floor:.2f}, "
        "the rules' F1 for that code and clearly more than suggesting the code everywhere."
    )
