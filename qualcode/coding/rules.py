"""The rule coder: keyword phrases on lemmas (PhraseMatcher), token patterns (Matcher),
proximity rules and vetoes, filtered by speaker role. Pure: texts in, matches out."""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import product
from typing import Any, NamedTuple

from qualcode.codebook import Codebook, CodebookError
from qualcode.coding.nlp import load_pipeline, lower


@dataclass(frozen=True, slots=True)
class RuleMatch:
    """One code suggested for one text: evidence ``start:end`` is relative to the text."""

    code_id: str
    rule: str  # which rule fired first, e.g. "kw:referral from school"
    start: int
    end: int
    score: float
    hits: int


class Hit(NamedTuple):
    code_id: str
    rule: str
    start: int  # token indices
    end: int


MAX_FORMS = 500
# 'codebook check': a keyword is an everyday word when its one content word is at least this
# frequent in English (log probability in spaCy's lookups: 'line' -8.5, 'email' -10.0, but
# 'threshold' -12.1, 'referral' -12.8) and it matches at least this share of the turns.
COMMON_LOGPROB = -10.5
COMMON_SHARE = 0.02
FUNCTION_WORDS = frozenset(
    (  # noqa: SIM905 - a few words a line reads better than one word a line
        "a an and are as at be but by for from had has have he her him his i in is it its me "
        "my no not of on or our out she so that the their them they this to up us was we were "
        "what when where which who will with you your"
    ).split()
)
# Text before a case-sensitive match that puts it at the start of a sentence.
SENTENCE_START = re.compile(r"(?:^|[.!?…:]\s*[\"'“‘(]?|[\"'“‘(])\s*$")

# What a phrase match means, by the rule it came from.
HIT, VETO, NEAR_A, NEAR_B, EXACT = range(5)  # EXACT: a lemma match kept only for given forms


def _word_forms(pattern: tuple[dict[str, Any], ...]) -> list[list[str]] | None:
    """The word sequences a pattern of plain LOWER/ORTH/TEXT tests matches, or None.

    spaCy's Matcher tests set membership (``IN``) in Python at every token, which made such
    patterns the slowest part of coding; as phrases they cost almost nothing. Texts are
    lower-cased before matching, so LOWER, ORTH and TEXT all compare lower-case words.
    """
    options: list[list[str]] = []
    for token in pattern:
        if len(token) != 1:
            return None
        ((key, value),) = token.items()
        if key.upper() not in ("LOWER", "ORTH", "TEXT"):
            return None
        if isinstance(value, str):
            values = [value]
        elif isinstance(value, dict) and set(value) == {"IN"} and isinstance(value["IN"], list):
            values = value["IN"]
        else:
            return None
        if not values or not all(isinstance(v, str) and v and " " not in v for v in values):
            return None
        options.append([v.lower() for v in values])
    total = 1
    for o in options:
        total *= len(o)
    if not options or total > MAX_FORMS:
        return None
    return [list(w) for w in product(*options)]


def _nearest(
    a: list[tuple[int, int]], b: list[tuple[int, int]], within: int
) -> tuple[int, int] | None:
    """The span covering the first pair of an ``a`` and a ``b`` match at most ``within`` tokens
    apart, or None."""
    for sa, ea in a:
        for sb, eb in b:
            if max(sa, sb) - min(ea, eb) <= within:
                return min(sa, sb), max(ea, eb)
    return None


def _forms_at(doc: Any, s: int, e: int) -> tuple[str, ...]:
    """The lower-case words of tokens s..e (one token, the common case, without a Span)."""
    if e - s == 1:
        return (doc[s].lower_,)
    return tuple(t.lower_ for t in doc[s:e])


# Bump when a change to this module or to qualcode.coding.nlp changes what the rules match:
# a coding run stores it (with the spaCy and lookup-table versions) and the next one reruns
# the rules only when it differs (qualcode.coding.run).
REVISION = 1


def engine(model: str = "") -> str:
    """What the rules' matches depend on besides the codebook and the texts: this module's
    revision, the spaCy pipeline named in the settings, and the installed versions of spaCy,
    its lookup tables and that pipeline (read without importing them)."""
    from importlib.metadata import PackageNotFoundError, version

    parts = [f"qualcode rules {REVISION}"]
    for dist in ("spacy", "spacy-lookups-data", *([model] if model else [])):
        try:
            parts.append(f"{dist} {version(dist)}")
        except (PackageNotFoundError, ValueError):
            parts.append(f"{dist} (not installed)")
    return "; ".join(parts)


@functools.cache
def _word_probabilities() -> Any:
    """A word's log probability in English (spaCy's lookup tables; -20 when unknown)."""
    try:
        from spacy.lookups import load_lookups

        table = load_lookups("en", ["lexeme_prob"]).get_table("lexeme_prob")
    except (ValueError, ImportError, OSError):  # tables not installed: no frequency warnings
        return lambda word: -20.0
    return lambda word: float(table.get(word, -20.0))


class RuleCoder:
    """Compiles a codebook's rules once; ``match`` runs them over many texts."""

    def __init__(self, codebook: Codebook, model: str = "") -> None:
        self.codebook = codebook
        pipeline = load_pipeline(model)
        self.nlp, self.attr = pipeline.nlp, pipeline.attr
        self._compile()

    def _docs(self, texts: Iterable[str], batch_size: int = 256) -> Iterator[Any]:
        """Lower-cased texts as spaCy docs."""
        lowered = (lower(t) for t in texts)
        if self.nlp.pipe_names:  # a trained pipeline: its components tag and lemmatise
            return iter(self.nlp.pipe(lowered, batch_size=batch_size))
        return map(self.nlp.tokenizer, lowered)  # skips nlp.pipe's per-batch overhead

    def _phrases(self, terms: Iterable[str]) -> list[Any]:
        return list(self._docs(terms))

    def _pattern(self, pattern: tuple[dict[str, Any], ...]) -> list[dict[str, Any]]:
        """A token pattern with LEMMA keys pointed at the pipeline's lemma attribute."""
        return [
            {(self.attr if k.upper() == "LEMMA" else k): v for k, v in tok.items()}
            for tok in pattern
        ]

    def _compile(self) -> None:
        from qualcode.coding.nlp import import_spacy

        import_spacy()  # no socket at import (see there)
        from spacy.matcher import Matcher, PhraseMatcher

        vocab = self.nlp.vocab
        self.phrases = PhraseMatcher(vocab, attr=self.attr)
        self.tokens = Matcher(vocab, validate=True)
        self.labels: dict[int, tuple[str, str]] = {}
        self.kinds: dict[int, int] = {}
        self.forms: dict[int, set[tuple[str, ...]]] = {}  # EXACT matches: the allowed forms
        self.near_keys: dict[int, tuple[str, str, int]] = {}  # near rule: (code, name, within)
        self.roles = {c.id: set(c.rules.roles) for c in self.codebook.codes}
        self.exact: list[tuple[str, str, re.Pattern[str]]] = []  # case-sensitive phrases
        self.near = {c.id: c.rules.near for c in self.codebook.codes}
        problems = []
        for code in self.codebook.codes:
            r = code.rules
            for kw, doc in zip(r.keywords, self._phrases(r.keywords), strict=True):
                self._add(self.phrases, code.id, f"kw:{kw}", [doc])
            for i, near in enumerate(r.near):
                self._add(self.phrases, code.id, f"near{i}:a", self._phrases(near.a))
                self._add(self.phrases, code.id, f"near{i}:b", self._phrases(near.b))
            if r.veto:
                self._add(self.phrases, code.id, "veto", self._phrases(r.veto))
            for phrase in r.case_sensitive:  # on the original text, before lower-casing
                escaped = [re.escape(w) for w in phrase.split()]
                regex = re.compile(r"(?<![\w-])" + r"\s+".join(escaped) + r"(?![\w-])")
                self.exact.append((code.id, f"case:{phrase}", regex))
            for i, pattern in enumerate(r.patterns):
                words = _word_forms(pattern)
                if words is not None:
                    # found by lemma with the keywords (one matcher pass), then kept only
                    # where the words are exactly these forms
                    docs = self._phrases(" ".join(w) for w in words)
                    key = self._add(self.phrases, code.id, f"pattern{i + 1}", docs, EXACT)
                    self.forms[key] = {tuple(w) for w in words}
                    continue
                try:
                    self._add(self.tokens, code.id, f"pattern{i + 1}", [self._pattern(pattern)])
                except ValueError as exc:
                    first = str(exc).strip().splitlines()
                    detail = next((ln for ln in first if ln.strip().startswith("[")), first[-1])
                    problems.append(
                        f"{self.codebook.source}:{code.line}: code {code.id}: "
                        f"rules.patterns item {i + 1} is not a valid spaCy pattern "
                        f"({detail.strip()})"
                    )
        if problems:
            raise CodebookError(problems)

    def lint(self) -> list[str]:
        """Warnings about rules that probably do not do what their author meant.

        A one-word keyword is matched by its lemma, so an inflected form matches every form of
        the lemma: "housing" (lemma "house") also finds "house"; "seconded" finds "second".
        """
        warnings = []
        for code in self.codebook.codes:
            words = [k for k in code.rules.keywords if len(k.split()) == 1]
            for kw, doc in zip(words, self._phrases(words), strict=True):
                if len(doc) != 1:
                    continue
                token = doc[0]
                lemma = str(token.norm_ if self.attr == "NORM" else token.lemma_.lower())
                if lemma and lemma != doc[0].lower_:
                    warnings.append(
                        f"{self.codebook.source}:{code.line}: code {code.id}: keyword '{kw}' "
                        f"is matched as its lemma '{lemma}' (every form of it); write '{lemma}', "
                        f"or a pattern [{{LOWER: {doc[0].lower_}}}] to match only '{kw}'"
                    )
        return warnings

    def lint_against(self, texts: list[str]) -> list[str]:
        """Warnings about keywords that are everyday words in these texts (the project's own
        participant turns), where a keyword rule finds talk about anything:

        - a keyword whose only content word is a common English word (by spaCy's word
          frequencies) and that matches at least COMMON_SHARE of the turns ('line', 'email',
          'gone up');
        - a capitalised keyword (a name, like the charity Mind) that mostly matches the word
          in lower case: it belongs under ``case_sensitive``.
        """
        if not texts:
            return []
        probability = _word_probabilities()
        keywords = {
            (c.id, f"kw:{kw}"): (c, kw) for c in self.codebook.codes for kw in c.rules.keywords
        }
        turns: dict[tuple[str, str], int] = {}
        lower_only: dict[tuple[str, str], int] = {}
        for doc, text in zip(self._docs(texts), texts, strict=True):
            hits, _ = self._hits(doc)
            for key in {(h.code_id, h.rule) for h in hits} & keywords.keys():
                turns[key] = turns.get(key, 0) + 1
                kw = keywords[key][1]
                if " " not in kw and kw != kw.lower() and kw not in text:
                    lower_only[key] = lower_only.get(key, 0) + 1
        warnings = []
        for key, n in sorted(turns.items(), key=lambda kv: (-kv[1], kv[0])):
            code, kw = keywords[key]
            where = f"{self.codebook.source}:{code.line}: code {code.id}: keyword '{kw}'"
            share = f"{n:,} of {len(texts):,} participant turns ({n / len(texts):.1%})"
            low = lower_only.get(key, 0)
            if low >= 3 and low >= n / 2 and probability(kw.lower()) >= COMMON_LOGPROB:
                warnings.append(
                    f"{where} is a name but matches it in lower case in {low} turns: list it "
                    "under rules.case_sensitive to match it only as written"
                )
                continue
            content = [w for w in kw.lower().split() if w not in FUNCTION_WORDS]
            common = len(content) == 1 and probability(content[0]) >= COMMON_LOGPROB
            if common and n / len(texts) >= COMMON_SHARE:
                warnings.append(
                    f"{where} is an everyday word and matches {share}: make it a longer phrase, "
                    "add a veto, or a near rule with the code's other terms"
                )
        return warnings

    def _add(
        self, matcher: Any, code_id: str, rule: str, patterns: list[Any], kind: int = HIT
    ) -> int:
        """Add a rule's patterns under one match id, and record what its matches mean."""
        name = f"{code_id}|{rule}"
        matcher.add(name, patterns)
        key = int(self.nlp.vocab.strings[name])
        self.labels[key] = (code_id, rule)
        if rule == "veto":
            kind = VETO
        elif rule.startswith("near"):
            kind = NEAR_A if rule.endswith(":a") else NEAR_B
            near = rule[:-2]
            self.near_keys[key] = (code_id, near, self.near[code_id][int(near[4:])].within)
        self.kinds[key] = kind
        return key

    def _hits(self, doc: Any, text: str = "") -> tuple[list[Hit], dict[str, list[tuple[int, int]]]]:
        """Rule hits in ``doc`` (the lower-cased ``text``; ``text`` itself is searched for the
        case-sensitive phrases)."""
        hits: list[Hit] = []
        for code_id, rule, pattern in self.exact if text else ():
            for m in pattern.finditer(text):
                if SENTENCE_START.search(text, 0, m.start()) is not None:
                    continue  # any word is capitalised there: "Mind how you go"
                span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
                if span is not None:
                    hits.append(Hit(code_id, rule, span.start, span.end))
        vetoed: dict[str, list[tuple[int, int]]] = {}
        sides: tuple[dict[tuple[str, str, int], list[tuple[int, int]]], ...] = ({}, {})
        found = self.phrases(doc) if len(self.phrases) else []
        if len(self.tokens):
            found += self.tokens(doc)
        labels, kinds = self.labels, self.kinds
        for mid, s, e in found:
            kind = kinds[mid]
            if kind == HIT:
                hits.append(Hit(*labels[mid], s, e))
            elif kind in (NEAR_A, NEAR_B):
                sides[kind - NEAR_A].setdefault(self.near_keys[mid], []).append((s, e))
            elif kind == VETO:
                vetoed.setdefault(labels[mid][0], []).append((s, e))
            elif _forms_at(doc, s, e) in self.forms[mid]:  # EXACT
                hits.append(Hit(*labels[mid], s, e))
        for key, a in sides[0].items():
            b = sides[1].get(key)
            if b:
                near = _nearest(a, b, key[2])
                if near is not None:
                    hits.append(Hit(key[0], key[1], *near))
        return hits, vetoed

    def match(
        self, items: Iterable[tuple[str, str]], batch_size: int = 256
    ) -> Iterator[list[RuleMatch]]:
        """For each (text, role), the codes its rules suggest, in codebook order. A text met
        again with the same role is not tokenised again ("Yeah.", a copied transcript)."""
        order = {c.id: i for i, c in enumerate(self.codebook.codes)}
        items = list(items) if not isinstance(items, list) else items

        def firsts() -> Iterator[str]:
            seen: set[tuple[str, str]] = set()
            for item in items:
                if item not in seen:
                    seen.add(item)
                    yield item[0]

        docs = self._docs(firsts(), batch_size)
        done: dict[tuple[str, str], list[RuleMatch]] = {}
        for item in items:
            found = done.get(item)
            if found is None:  # its first time: the next doc is its own
                found = done[item] = self._matches(next(docs), item[0], item[1], order)
            yield list(found)

    def _matches(self, doc: Any, text: str, role: str, order: dict[str, int]) -> list[RuleMatch]:
        hits, vetoed = self._hits(doc, text)
        by_code: dict[str, list[Hit]] = defaultdict(list)
        for h in hits:
            if role not in self.roles[h.code_id]:
                continue
            if any(s < h.end and h.start < e for s, e in vetoed.get(h.code_id, ())):
                continue  # the hit lies inside (or overlaps) a vetoing phrase
            by_code[h.code_id].append(h)
        out = []
        for code_id in sorted(by_code, key=order.__getitem__):
            hs = sorted(by_code[code_id], key=lambda h: (h.start, h.end, h.rule))
            first = hs[0]
            distinct = len({(h.start, h.end) for h in hs})
            out.append(
                RuleMatch(
                    code_id,
                    first.rule,
                    doc[first.start].idx,
                    doc[first.end - 1].idx + len(doc[first.end - 1].text),
                    round(1 - 0.5**distinct, 4),
                    distinct,
                )
            )
        return out
