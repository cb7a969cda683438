"""Per-code agreement between a reference coding and another (rules, a model, a second coder)
over a fixed set of units: precision, recall, F1 and Cohen's kappa."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class CodeScore:
    code: str
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def support(self) -> int:
        return self.tp + self.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def kappa(self) -> float:
        """Cohen's kappa for the two binary codings (present / absent) of this code."""
        n = self.tp + self.fp + self.fn + self.tn
        if n == 0:
            return 0.0
        observed = (self.tp + self.tn) / n
        ref_yes, other_yes = (self.tp + self.fn) / n, (self.tp + self.fp) / n
        expected = ref_yes * other_yes + (1 - ref_yes) * (1 - other_yes)
        return (observed - expected) / (1 - expected) if expected < 1 else 1.0


def score_codes(
    reference: Mapping[str, set[str]], other: Mapping[str, set[str]], codes: Iterable[str]
) -> list[CodeScore]:
    """Scores per code; both mappings go from unit id to its set of codes, over the same units
    (a unit missing from ``other`` has no codes there)."""
    units = list(reference)
    out = []
    for code in codes:
        ref = {u for u in units if code in reference[u]}
        got = {u for u in units if code in other.get(u, set())}
        tp, fp, fn = len(ref & got), len(got - ref), len(ref - got)
        out.append(CodeScore(code, tp, fp, fn, len(units) - tp - fp - fn))
    return out


def summary(scores: list[CodeScore]) -> dict[str, float]:
    """Micro F1 (every decision pooled), macro F1 and mean kappa (codes with support)."""
    tp = sum(s.tp for s in scores)
    fp = sum(s.fp for s in scores)
    fn = sum(s.fn for s in scores)
    tn = sum(s.tn for s in scores)
    micro = CodeScore("(micro)", tp, fp, fn, tn)
    supported = [s for s in scores if s.support]
    n = max(len(supported), 1)
    return {
        "micro_precision": micro.precision,
        "micro_recall": micro.recall,
        "micro_f1": micro.f1,
        "macro_f1": sum(s.f1 for s in supported) / n,
        "mean_kappa": sum(s.kappa for s in supported) / n,
        "codes": len(supported),
    }
