"""The methods appendix's figures, from the project store alone: the corpus, the codebook and its
versions, the process in the Framework Method's steps, who coded what, agreement, machine
suggestions, saturation and the limitations the data shows.

Every number here is one a command also prints (named beside it in the appendix), so a reader
can trace it. Nothing here reads the clock: the same store gives the same appendix.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from qualcode.codebook import Codebook
from qualcode.project import Project
from qualcode.review.layers import final_coding
from qualcode.review.saturation import Saturation, saturation

# Krippendorff (2004, p. 241): rely on alpha >= .800; draw tentative conclusions from .667.
ALPHA_GOOD, ALPHA_TENTATIVE = 0.800, 0.667
FEW_CODINGS = 5  # a code given fewer times than this: its findings rest on very little
FEW_PARTICIPANTS = 3  # a group this small: its comparisons say little
MAX_VALUES = 12  # attributes with more distinct values are summarised, not listed


@dataclass
class Agreement:
    label: str  # an aim's name, or "All codes"
    units: int
    alpha: float | None
    low: float | None
    high: float | None
    percent: float | None


@dataclass
class MethodsData:
    title: str
    lang: str
    corpus: dict[str, Any]
    codebook: dict[str, Any]
    process: list[dict[str, str]]
    coders: dict[str, Any]
    agreement: list[Agreement]
    agreement_note: str
    machine: dict[str, Any]
    saturation: Saturation | None
    limitations: list[str] = field(default_factory=list)


def _period(dates: list[str]) -> str:
    dates = sorted(d for d in dates if d)
    return f"{dates[0]} to {dates[-1]}" if dates else ""


def corpus(project: Project) -> dict[str, Any]:
    store = project.store
    docs = store.current_documents()
    status = store.status()
    attrs = store.participant_attributes()
    by: dict[str, Counter[str]] = {}
    for pid in {d["participant_id"] for d in docs if d["participant_id"]}:
        for name, value in attrs.get(pid, {}).items():
            by.setdefault(name, Counter())[value] += 1
    attributes = {}
    names = set(project.settings.export.names)
    for name in sorted(by):
        values = by[name]
        # the date orders the saturation figure; staff and people's names are never listed
        if name in (project.settings.methods.date, "interviewer") or names & set(values):
            continue
        attributes[name] = (
            dict(sorted(values.items()))
            if len(values) <= MAX_VALUES
            else {f"({len(values)} distinct values)": sum(values.values())}
        )
    date = project.settings.methods.date
    dates = [attrs.get(d["participant_id"] or "", {}).get(date, "") for d in docs]
    return {
        "interviews": len(docs),
        "turns": int(status.get("turns", 0)),
        "words": int(status.get("words", 0)),
        "participant_words": int(status.get("participant_words", 0)),
        "participants": len({d["participant_id"] for d in docs if d["participant_id"]}),
        "formats": dict(sorted(Counter(d["format"] for d in docs).items())),
        "attributes": attributes,
        "period": _period(dates),
    }


def _changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[str]]:
    def codes(content: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return {c["id"]: c for g in content.get("groups", []) for c in g.get("codes", [])}

    a, b = codes(old), codes(new)
    return {
        "added": sorted(set(b) - set(a)),
        "removed": sorted(set(a) - set(b)),
        "renamed": sorted(c for c in set(a) & set(b) if a[c]["name"] != b[c]["name"]),
        "redefined": sorted(
            c
            for c in set(a) & set(b)
            if (a[c]["definition"], a[c].get("include"), a[c].get("exclude"))
            != (b[c]["definition"], b[c].get("include"), b[c].get("exclude"))
        ),
    }


def codebook_summary(project: Project, codebook: Codebook) -> dict[str, Any]:
    versions = project.store.codebook_versions()
    listed = []
    for i, v in enumerate(versions):
        n = sum(len(g.get("codes", [])) for g in v["content"].get("groups", []))
        entry: dict[str, Any] = {"hash": v["hash"][:12], "first_used": v["first_used"][:10]}
        entry["codes"] = n
        if i:
            entry["changes"] = _changes(versions[i - 1]["content"], v["content"])
        listed.append(entry)
    adopted = [c.id for c in codebook.codes if c.definition.startswith("DRAFT from topic")]
    adopted += [c.id for c in codebook.codes if c.group == "emerging" and c.id not in adopted]
    return {
        "name": codebook.name,
        "version": codebook.version,
        "hash": codebook.hash[:12],
        "aims": [{"name": g.name, "codes": len(g.codes)} for g in codebook.groups],
        "codes": len(codebook.codes),
        "versions": listed,
        "adopted_from_topics": sorted(adopted),
    }


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _when(entries: list[str]) -> str:
    days = sorted({e[:10] for e in entries if e})
    if not days:
        return ""
    return days[0] if len(days) == 1 else f"{days[0]} to {days[-1]}"


def process(project: Project, coders: dict[str, Any]) -> list[dict[str, str]]:
    """The Framework Method's steps (Gale et al. 2013), each with what the project records."""
    store = project.store
    log = store.audit_log()

    def logged(*commands: str) -> list[str]:
        return [e["started"] for e in log if e["command"] in commands]

    ingests = store.runs_of("ingest")
    codes = store.runs_of("code")
    topics = store.runs_of("topics")
    trains = store.runs_of("train")
    marks = store.mark_counts()
    corpus_docs = len(store.current_documents())
    exports = logged("export matrix", "export themes", "run")
    return [
        {
            "step": "Transcription and familiarisation",
            "record": f"{corpus_docs} transcripts loaded and split into speaker turns "
            f"({_count(len(ingests), 'loading run')}); {_count(marks.get('memo', 0), 'memo')} "
            "written",
            "when": _when([at for at, _ in ingests]),
            "command": "qualcode status",
        },
        {
            "step": "Coding",
            "record": f"rule coding with the codebook ({_count(len(codes), 'run')}); "
            f"{coders['human_segments']:,} segments coded by {len(coders['coders'])} human "
            "coders",
            "when": _when([at for at, _ in codes] + logged("import codings", "review")),
            "command": "qualcode log",
        },
        {
            "step": "Developing a working analytical framework",
            "record": f"{_count(len(store.codebook_versions()), 'codebook version')} used; "
            f"{_count(len(topics), 'topic-model run')} looked for themes the codebook lacked",
            "when": _when([at for at, _ in topics] + logged("topics adopt", "codebook import")),
            "command": "qualcode codebook show; qualcode topics",
        },
        {
            "step": "Applying the analytical framework",
            "record": f"{coders['decisions']:,} review decisions on machine suggestions; "
            f"{_count(len(trains), 'training')} of the learned suggester",
            "when": _when(logged("review", "review import", "reconcile", "suggest train")),
            "command": "qualcode status",
        },
        {
            "step": "Charting data into the framework matrix",
            "record": f"framework matrices and theme tables written {_count(len(exports), 'time')}",
            "when": _when(exports),
            "command": "qualcode export matrix",
        },
        {
            "step": "Interpreting the data",
            "record": f"{_count(marks.get('key_quote', 0), 'key quote')} marked, "
            f"{_count(marks.get('memo', 0), 'memo')}",
            "when": "",
            "command": "qualcode memos; qualcode quotes",
        },
    ]


def coders_summary(project: Project) -> dict[str, Any]:
    store = project.store
    skip = set() if project.settings.coding.interviewer_units else store.interviewer_segments()
    by_coder = {
        k: {u: cs for u, cs in v.items() if u not in skip}
        for k, v in store.coder_codings().items()
        if k != "resolved"
    }
    seen: Counter[str] = Counter()
    for segs in by_coder.values():
        seen.update(segs.keys())
    human_segments = len(seen)
    double = sum(1 for n in seen.values() if n >= 2)
    actions: Counter[tuple[str, str]] = Counter()
    final_from: Counter[str] = Counter()
    for _, _, action, kind in store.decisions_by_kind():
        if kind in ("rule", "model", "topic"):
            actions[(kind, action)] += 1
    labels = final_coding(project).codes
    decided = {(s, c): (a, k) for s, c, a, k in store.decisions_by_kind()}
    for seg, codes in labels.items():
        for code in codes:
            action, kind = decided.get((seg, code), ("", ""))
            if action == "accept" and kind in ("rule", "model"):
                final_from[f"{kind} suggestion, accepted"] += 1
            else:
                final_from["a person alone"] += 1
    machine = {
        kind: {a: actions[(kind, a)] for a in ("accept", "reject", "recode")}
        for kind in ("rule", "model", "topic")
    }
    return {
        "coders": {name: len(segs) for name, segs in sorted(by_coder.items())},
        "human_segments": human_segments,
        "double_coded": double,
        "double_share": double / human_segments if human_segments else 0.0,
        "machine_reviewed": machine,
        "unreviewed": len(store.queue_applications()),
        "decisions": sum(actions.values()),
        "final_codings": sum(final_from.values()),
        "final_from": dict(sorted(final_from.items())),
        "resolved": len(store.resolutions()),
    }


def agreement(
    project: Project, codebook: Codebook, samples: int = 1000
) -> tuple[list[Agreement], str]:
    from qualcode.errors import QualcodeError
    from qualcode.review.longform import agreement_from_codings, stored_codings

    try:
        units, coders, data = stored_codings(
            project.store, interviewer_units=project.settings.coding.interviewer_units
        )
    except QualcodeError:
        return [], "no human coding yet"
    if len(coders) < 2:
        return [], "one coder only: no agreement to report"
    out = []
    scopes = [("All codes", None)] + [(g.name, {c.id for c in g.codes}) for g in codebook.groups]
    for label, keep in scopes:
        part = {
            c: {u: (cs if keep is None else cs & keep) for u, cs in by_unit.items()}
            for c, by_unit in data.items()
        }
        try:
            _, overall = agreement_from_codings(units, coders, part, samples, 0)
        except QualcodeError:
            continue  # no code of this aim was given by anyone
        out.append(
            Agreement(
                label,
                overall.units,
                overall.alpha,
                overall.alpha_low,
                overall.alpha_high,
                overall.percent,
            )
        )
    note = (
        f"Krippendorff's alpha (nominal), every (segment, code) decision of {len(coders)} "
        f"coders ({', '.join(coders)}) pooled, 95% bootstrap interval ({samples} resamples); "
        f"judged against {ALPHA_GOOD:.3f} (reliable) and {ALPHA_TENTATIVE:.3f} (tentative "
        "conclusions only), after Krippendorff (2004)"
    )
    return out, note


def machine_summary(project: Project, codebook: Codebook) -> dict[str, Any]:
    store = project.store
    latest = store.latest_run("train")
    suggested = store.latest_run("suggest")
    if latest is None:
        return {}
    summary = latest[1]
    precision = suggested[1].get("precision", {}) if suggested else {}
    trained = set(summary.get("trained", []))
    untrusted = sorted(
        c.id for c in codebook.codes if c.id not in trained or precision.get(c.id, 1.0) < 0.5
    )
    compared = summary.get("compared") or {}
    return {
        "model": summary.get("model", ""),
        "segments": summary.get("segments", 0),
        "seeds": summary.get("seeds", 0),
        "compared": compared,
        # whose suggestions reviewers see: the latest model's verdict (older models: the
        # latest suggestion run's)
        "shown": summary.get("shown")
        or (suggested[1].get("shown", "model") if suggested else "rules"),
        "untrusted": untrusted,
        "precision": precision,
    }


CODED_SHARE = 0.5  # an interview counts for saturation once people coded this share of it


def interview_codes(project: Project) -> tuple[list[tuple[str, str, set[str]]], str]:
    """The final codes of each interview people have coded (at least CODED_SHARE of its
    segments), in the order the interviews were held (by the [methods] date attribute when
    every such interview has one, else by participant id). An interview a reviewer only
    dipped into would otherwise count as one that brought nothing new."""
    store = project.store
    asked = set() if project.settings.coding.interviewer_units else store.interviewer_segments()
    labels = {s: c for s, c in final_coding(project).codes.items() if s not in asked}
    doc_of = {s[0]: s[1] for s in store.current_segments() if s[0] not in asked}
    size = Counter(doc_of.values())
    done = Counter(doc_of[s] for s in labels if s in doc_of)
    by_doc: dict[int, set[str]] = {}
    for seg, codes in labels.items():
        doc = doc_of.get(seg)
        if doc is not None and done[doc] >= CODED_SHARE * size[doc]:
            by_doc.setdefault(doc, set()).update(codes)
    docs = {d["id"]: d for d in store.current_documents()}
    attrs = store.participant_attributes()
    date = project.settings.methods.date
    rows = []
    for doc_id, codes in by_doc.items():
        d = docs[doc_id]
        label = d["participant_id"] or d["name"]
        rows.append((label, attrs.get(d["participant_id"] or "", {}).get(date, ""), codes))
    dated = all(r[1] for r in rows)
    rows.sort(key=lambda r: (r[1], r[0]) if dated else (r[0], r[1]))
    return rows, (f"by {date}" if dated and rows else "by participant id (no dates)")


def project_saturation(project: Project) -> Saturation | None:
    rows, order = interview_codes(project)
    if not rows:
        return None
    m = project.settings.methods
    return saturation(rows, m.base, m.run, m.threshold, order)


def limitations(project: Project, codebook: Codebook, data: MethodsData) -> list[str]:
    out = []
    final: Counter[str] = Counter()
    for codes in final_coding(project).codes.values():
        final.update(codes)
    few = [c.id for c in codebook.codes if final[c.id] < FEW_CODINGS]
    if few:
        out.append(
            f"{len(few)} of {len(codebook.codes)} codes were given to fewer than {FEW_CODINGS} "
            f"segments, so what is said about them rests on very few quotes: {', '.join(few)}."
        )
    group = project.settings.export.group_by
    values = data.corpus["attributes"].get(group, {}) if group else {}
    small = [f"{v} ({n})" for v, n in values.items() if n < FEW_PARTICIPANTS]
    if small:
        out.append(f"Comparisons by {group} rest on small groups: {', '.join(small)} participants.")
    double = data.coders["double_coded"]
    if data.agreement and double < 30:
        out.append(
            f"Agreement rests on {double} double-coded segments, fewer than the 30 under "
            "which its interval is wide."
        )
    if not data.agreement:
        out.append(f"No agreement can be reported: {data.agreement_note}.")
    if data.machine and not data.machine.get("compared"):
        out.append(
            "The learned suggester was not checked on interviews it had not seen (fewer than "
            "two coded interviews), so its suggestions were not shown in place of the rules'."
        )
    if data.saturation is not None and data.saturation.point is None:
        out.append("Saturation, by the rule stated above, was not reached.")
    return out


def build_methods(
    project: Project, codebook: Codebook, lang: str = "en", samples: int = 1000
) -> MethodsData:
    coders = coders_summary(project)
    rows, note = agreement(project, codebook, samples)
    data = MethodsData(
        title=project.settings.name,
        lang=lang,
        corpus=corpus(project),
        codebook=codebook_summary(project, codebook),
        process=process(project, coders),
        coders=coders,
        agreement=rows,
        agreement_note=note,
        machine=machine_summary(project, codebook),
        saturation=project_saturation(project),
    )
    data.limitations = limitations(project, codebook, data)
    return data
