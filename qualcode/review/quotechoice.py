"""How a report chooses the quotes it shows for a code.

The rules, in the order they count (each breaks ties left by the ones before):

1. a quote a reviewer marked as key comes first;
2. introductions, consent and sign-offs come last: a turn answering "could you tell me about
   your role", one that opens with a self-introduction ("So I'm an IAA officer in..."), consent
   to recording, thanks and goodbyes; they are shown only when a code has nothing else;
3. reviewed codings before unreviewed suggestions (in drafts);
4. quotes of at least MIN_WORDS words before shorter ones ("No. [laughs] Next question.");
5. quotes that carry the code's evidence (the words the codebook's rules matched, or the code's
   keywords and the learned model's strongest terms found in the turn) before those without, the
   more evidence the better;
6. then the suggestion's strength, and a length near TARGET_WORDS words.

Chosen from that ranking: at most one quote per participant, spread over the report's groups
(the best quote of a group not yet quoted wins among quotes of the same standing), and a turn
quoted under one code only per table (codes with the fewest quotes to choose from choose first).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qualcode.project import Project
    from qualcode.review.findings import Quote

MIN_WORDS = 12
TARGET_WORDS = 35

# what an interviewer asks to open an interview: the answer is an introduction
INTRO_ASKED = re.compile(
    r"introduc\w* yourself|tell(?:ing)? (?:me|us) (?:a (?:bit|little) )?(?:more )?about "
    r"(?:yourself|your(?:self| current| own)? (?:role|job|post|work|background|team))|"
    r"what(?:'s| is) your (?:role|job(?: title)?|position)|what your (?:role|job) is|"
    r"what (?:is it )?(?:that )?you do(?: there| now| for a living)?\?|"
    r"how long (?:have )?you(?:'ve)? been (?:in|doing)",
    re.IGNORECASE,
)
# consent and recording talk, asked or answered
CONSENT = re.compile(
    r"\bconsent|information sheet|(?:start(?:ed)?|begin|press(?:ed)?|switch(?:ed)? on) (?:the )?"
    r"record|(?:ok|okay|fine|happy|alright|all right) (?:for (?:you|me|us) )?to (?:be )?record"
    r"|record(?:ing)? (?:this|the interview|us)\b",
    re.IGNORECASE,
)
# a turn that opens with a self-introduction, after any fillers
INTRO_SAID = re.compile(
    r"^\W*(?:(?:so|right|well|ok(?:ay)?|yeah|yes|yep|um+|er+|erm|hi|hiya|hello|sure|of course|"
    r"no problem|lovely|great)\W+)*"
    r"(?:my name(?:'s| is)|i work (?:as|for)|my (?:role|job|post|title) is|"
    r"i(?:'m| am) (?!a (?:bit|little|lot)\b)(?:an?|the|one of the|part of the|currently|now|"
    r"based|employed|\w+ (?:officer|worker|manager|lead|practitioner))\b)",
    re.IGNORECASE,
)
WEAK_CHARS = 240  # consent and sign-off phrases count only in short turns
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


@lru_cache(maxsize=4096)
def words(text: str) -> int:
    """Words in a quote (stage directions like "[laughs]" and ellipses are not words)."""
    return len(_WORD.findall(re.sub(r"\[[^\]]*\]", " ", text)))


def introduction(text: str, asked: str = "") -> bool:
    """An answer to "tell me about your role", or a turn opening with one's name or job."""
    return bool(INTRO_ASKED.search(asked)) or bool(INTRO_SAID.search(text))


def consent(text: str, asked: str = "") -> bool:
    """Talk about consent or recording (in a short answer, or asked just before one)."""
    short = len(text) <= WEAK_CHARS
    return short and bool(CONSENT.search(text) or CONSENT.search(asked))


def terms_pattern(phrases: Iterable[str]) -> re.Pattern[str] | None:
    """A pattern finding these phrases in a text, each word with any ending (refer: referrals)."""
    alts = []
    for phrase in sorted({p.strip().lower() for p in phrases if p.strip()}, key=len, reverse=True):
        parts = [re.escape(w) + r"\w*" for w in phrase.split()]
        alts.append(r"\s+".join(parts))
    if not alts:
        return None
    return re.compile(r"\b(?:" + "|".join(alts) + r")", re.IGNORECASE)


@lru_cache(maxsize=4096)  # pure: the same turn's text is searched again in a long project
def find_evidence(text: str, pattern: re.Pattern[str] | None) -> tuple[tuple[int, int] | None, int]:
    """The first span of the code's terms in ``text`` and how many times they occur."""
    if pattern is None:
        return None, 0
    plain = _case_free(pattern)
    if plain is not None and not _FOLDS_APART.search(text):
        lowered = text.lower()
        if len(lowered) == len(text):  # the same offsets
            pattern, text = plain, lowered
    found = list(pattern.finditer(text))
    return ((found[0].start(), found[0].end()) if found else None), len(found)


# Characters a case-blind pattern takes for an ASCII letter though lower() does not make them
# one: the long s and the dotless i (the dotted capital I lowers to two characters, and the
# Kelvin sign to k, as the pattern matches them).
_FOLDS_APART = re.compile("[\u017f\u0131]")


@lru_cache(maxsize=256)
def _case_free(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """The same pattern matching case exactly, for a lower-cased text: what a case-blind
    pattern of lower-case ASCII finds in a text, it finds at the same offsets in the text
    lower-cased (three times faster: a case-blind search tries each letter's cases). None for
    any other pattern."""
    source = pattern.pattern
    if not pattern.flags & re.IGNORECASE or not source.isascii() or source != source.lower():
        return None
    return re.compile(source, pattern.flags & ~re.IGNORECASE)


def standing(q: Quote) -> tuple[bool, bool, bool, bool, bool]:
    """Rules 1-5's yes/no parts: equal standing means equally good for the table."""
    return rank(q)[:5]


def rank(q: Quote) -> tuple[bool, bool, bool, bool, bool, int, float, int, int]:
    """The quote's place by rules 1-6 (lower is better). Made once per quote: a report sorts
    and compares the same quotes many times, and a quote's parts never change."""
    got = q._rank
    if got is None:
        got = q._rank = (not q.key, q.weak, q.status != "resolved", q.words < MIN_WORDS,
                         not q.evidence, -q.evidence, -q.score, abs(q.words - TARGET_WORDS),
                         q.turn)  # fmt: skip
    return got


def choose(
    quotes: Sequence[Quote],
    n: int,
    groups: dict[str, str] | None = None,
    used: set[tuple[str, int]] | frozenset[tuple[str, int]] = frozenset(),
) -> list[Quote]:
    """Up to ``n`` quotes: the best first, one per participant, spread over ``groups``
    (participant -> group), none of the turns in ``used`` (participant, turn)."""
    groups = groups or {}
    left = sorted((q for q in quotes if (q.participant, q.turn) not in used), key=rank)
    out: list[Quote] = []
    people: set[str] = set()
    picked: Counter[str] = Counter()
    while len(out) < n:
        open_ = [q for q in left if q.participant not in people]
        if not open_:
            break
        best = standing(open_[0])
        tier = [q for q in open_ if standing(q) == best]
        q = min(tier, key=lambda q: (picked[groups.get(q.participant, "")], rank(q)))
        out.append(q)
        people.add(q.participant)
        picked[groups.get(q.participant, "")] += 1
        left.remove(q)
    return out


MODEL_TERMS = 8  # the learned model's strongest word features taken per code


def model_terms(project: Project, k: int = MODEL_TERMS) -> dict[str, list[str]]:
    """Per code, the words and word pairs the trained model weighs most for it (none when no
    model has been trained, or its file cannot be read)."""
    latest = project.store.latest_run("train")
    if latest is None:
        return {}
    import numpy as np

    from qualcode.coding.learn import load_model
    from qualcode.coding.rules import FUNCTION_WORDS
    from qualcode.errors import QualcodeError

    try:  # a loaded model is numbers only (coding/lightmodel.py): scikit-learn is not imported
        _, saved = load_model(project)
    except (QualcodeError, OSError):
        return {}
    model = saved["model"]
    vocab = [str(t) for t in model.features_.transformer_list[0][1].get_feature_names_out()]
    coefs = [None if f is None else f[0].coef_ for f in model.models_]
    codes = list(saved["codes"])
    out: dict[str, list[str]] = {}
    for code, weight in zip(codes, coefs, strict=False):
        if weight is None:
            continue
        coef = np.asarray(weight).ravel()[: len(vocab)]
        top: list[str] = []
        for i in np.argsort(-coef, kind="stable").tolist():
            if coef[i] <= 0 or len(top) == k:  # strongest first: no positive weight left
                break
            if len(vocab[i]) >= 4 and not set(vocab[i].split()) & FUNCTION_WORDS:
                top.append(str(vocab[i]))
        out[code] = top
    return out
