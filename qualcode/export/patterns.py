"""The identifier patterns every pseudonymised output is cleared of, as people write them in
UK interviews: e-mail addresses, @handles, phone numbers, postcodes, NHS and National Insurance
numbers, dates of birth in any written form, and street addresses in English and Welsh.

Each is one regular expression over the original text (so a pseudonymised .qdpx can remap
its offsets); spaces inside may be line breaks. The kinds are named in stand-ins ("[phone]")
and in the leak gate's refusals ("a phone number"), never the identifier itself.
"""

from __future__ import annotations

import re

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_ORDINAL_WORDS = (
    r"(?:(?:twenty|thirty)[\s-])?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)"
    r"|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth"
    r"|nineteenth|twentieth|thirtieth"
)
_DAY = rf"(?:\d{{1,2}}(?:st|nd|rd|th)?(?![\d\w])|{_ORDINAL_WORDS})"
_YEAR = r"(?:\d{4}|'?\d{2})(?!\d)"
_DATE = (
    rf"(?:(?:the\s+)?{_DAY}(?:\s+of)?\s+{_MONTH},?(?:\s+{_YEAR})?"  # 7th of July 2020
    rf"|{_MONTH}\s+(?:the\s+)?{_DAY},?(?:\s+{_YEAR})?"  # July the 7th, 2020
    r"|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}(?!\d)|\d{4}-\d{2}-\d{2}"  # 7/7/2020, 2020-07-07
    rf"|{_MONTH}\s+\d{{4}}|\d{{4}})"  # (born in) July 2020, (born in) 2020
)
_BORN = (
    r"(?:d\.?o\.?b\.?|date\s+of\s+birth|birth\s*date|birthday|born)"
    r"(?:\s*(?:is|was|were|on|in|:|-|–|,))*\s*"
)

# Two-letter words that may stand before three pairs of digits in speech ("is 10 12 14 a
# ..."): not read as a National Insurance prefix unless written without spaces.
_NOT_PREFIX = (
    r"(?<!am|an|as|at|be|by|do|go|he|hi|if|in|is|it|me|my|no|of|oh|ok|on|or|so|to|up|us|we)"
)

_EN_STREET = (
    r"Street|St|Road|Rd|Lane|Avenue|Ave|Close|Drive|Way|Terrace|Crescent|Place|Court|Gardens|"
    r"Grove|Mews|Parade|Square|Row|Walk|View|Rise|Hill|Green|Park"
)
_STOP = (
    r"(?!(?:the|a|an|up|down|to|from|on|of|in|at|and|or|my|our|your|their|his|her|this|that|"
    r"by|off|round|along|across|near|times|minutes|mins|miles|hours|days|weeks|years|kids|"
    r"people|really|very|so|too|just|only)\b)"
)
# Welsh street names put the kind first: 14 Heol y Felin, 3 Ffordd yr Orsaf, 2 Lôn Goch
_CY_STREET = r"Heol|Ffordd|Stryd|L[oô]n|Rhodfa|Cilgant|Clos|Maes|Teras|Llwyn|Rhes|Ystad|Parc"
_CY_WORD = r"(?:yr|y|'r|’r|[A-ZÂÊÎÔÛŴŶ][\w’'-]*)(?![\w’'-])"
_NUMBER = r"\d(?<![\w£$.,]\d)\d{0,3}[A-Za-z]?,?\s+"

# what the leak gate calls each kind
KINDS = {
    "email": "an e-mail address",
    "handle": "a social media handle",
    "date of birth": "a date of birth",
    "National Insurance number": "a National Insurance number",
    "NHS number": "an NHS number",
    "phone": "a phone number",
    "postcode": "a postcode",
    "address": "a street address",
}

PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("email", re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+(?<!\.)", re.I)),
    ("handle", re.compile(r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?\b")),
    (
        "date of birth",
        re.compile(rf"\b{_BORN}{_DATE}", re.I),
    ),
    (
        "National Insurance number",
        re.compile(
            r"[A-Za-z](?<![A-Za-z0-9][A-Za-z])[A-Za-z]"  # two letters starting a word, then
            rf"(?:{_NOT_PREFIX}\s|-)?\d{{2}}[\s-]?\d{{2}}[\s-]?\d{{2}}[\s-]?[A-Da-d](?![A-Za-z0-9])"
            r"|[A-Z](?<![A-Za-z0-9][A-Z])[A-Z][\s-]?\d{2}[\s-]?\d{2}[\s-]?\d{2}(?![A-Za-z0-9])"
        ),
    ),
    ("NHS number", re.compile(r"(?<![\w£$.,])\d{3}[\s-]?\d{3}[\s-]?\d{4}(?!\w)")),
    (  # UK numbers as people write them: 01234 567890, (01234) 567 890, +44 (0)1234 567890
        "phone",
        re.compile(
            r"(?<![\w+])(?:\+44\s?(?:\(0\)\s?)?|\(?0)\d{2,4}\)?[\s-]?\d{3,4}[\s-]?\d{3,4}(?!\w)"
        ),
    ),
    ("postcode", re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.I)),
    (
        "address",
        re.compile(
            # the house number first (so a search skips quickly to digits), then: capitalised
            # words (12 High Street, 3 Bryn Road); in lower case, only the surest kinds
            rf"{_NUMBER}(?:(?:{_STOP}[A-Z][\w’'-]*\s+){{1,3}}(?:{_EN_STREET})\b"
            rf"|(?:{_STOP}[a-z][\w’'-]*\s+){{1,3}}"
            r"(?:street|road|lane|avenue|terrace|crescent|gardens)\b"
            rf"|(?:{_CY_STREET})(?:[\s-]+{_CY_WORD}){{1,3}}"
            r"|(?i:heol|ffordd|stryd|l[oô]n|rhodfa|cilgant|teras)"
            r"(?:[\s-]+(?:yr|y|'r|’r|[^\W\d_][\w’'-]*)(?![\w’'-])){1,2})"
        ),
    ),
)
