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
from qualcode.review.layers import MACHINE_KINDS, Final, Record, final_coding, record
from qualcode.review.saturation import Coverage, Saturation, coverage, saturation

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
    # nothing coded or reviewed by a person yet: the reports beside it are machine drafts
    draft: bool = False
    # saturation as a codebook fixed before coding allows: code coverage per interview and
    # the share of each code's final prevalence reached; the Guest, Namey and Chen measure
    # over the codes added during the analysis only (topics adopted, codebook versions)
    coverage: Coverage | None = None
    added: list[str] = field(default_factory=list)
    added_saturation: Saturation | None = None


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
    """'no memos', '1 memo', '2,000 memos'."""
    return f"no {noun}s" if n == 0 else f"{n:,} {noun}{'' if n == 1 else 's'}"


def _times(n: int) -> str:
    return {0: "not yet", 1: "once", 2: "twice"}.get(n, f"{n:,} times")


def _people(n: int) -> str:
    return f"{n:,} {'person' if n == 1 else 'people'}"


def _when(entries: list[str]) -> str:
    days = sorted({e[:10] for e in entries if e})
    if not days:
        return ""
    return days[0] if len(days) == 1 else f"{days[0]} to {days[-1]}"


def _commands(log: list[dict[str, Any]], commands: tuple[str, ...]) -> dict[str, str]:
    """The finished invocations of these commands in the audit log (a command commits in
    several parts, and ends with one 'end' entry): invocation -> when it started."""
    return {
        e.get("invocation") or str(e["id"]): e["started"]
        for e in log
        if e["command"] in commands and e.get("part") in ("end", None)
    }


def process(
    project: Project, coders: dict[str, Any], reports_now: str = ""
) -> list[dict[str, str]]:
    """The Framework Method's steps (Gale et al. 2013), each with what the project records.
    ``reports_now``: when the command writing this appendix has just written the reports too
    (``qualcode run``, not yet in the log as finished), when it started."""
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
    # one command writes several tables (and commits in several parts): count commands
    exports = _commands(log, ("export matrix", "export themes", "run"))
    if reports_now:
        exports["now"] = reports_now
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
            + (
                f"{_count(coders['human_segments'], 'segment')} coded by "
                f"{_people(len(coders['coders']))}, "
                f"{f'{n:,}' if (n := coders['double_coded']) else 'none'} of them "
                "independently by two or more"
                if coders["human_segments"]
                else "no segment coded or reviewed by a person yet"
            ),
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
            "record": f"{_count(coders['decisions'], 'review decision')} on machine suggestions; "
            f"{_count(len(trains), 'training')} of the learned suggester",
            "when": _when(logged("review", "review import", "reconcile", "suggest train")),
            "command": "qualcode status",
        },
        {
            "step": "Charting data into the framework matrix",
            "record": f"framework matrices and theme tables written {_times(len(exports))}"
            + (
                " (machine drafts only: nothing reviewed yet)"
                if not coders["final_codings"] and exports
                else ""
            ),
            "when": _when(list(exports.values())),
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


def independent_codings(project: Project, rec: Record) -> dict[str, dict[str, set[str]]]:
    """person -> segment -> codes of the segments each person coded independently (blind or
    imported) and finished; interviewer turns only with [coding] interviewer_units. What
    agreement compares: a reviewer's judgements on the machine's suggestions are not a
    second, independent coding (``qualcode.review.layers``)."""
    store = project.store
    skip = set() if project.settings.coding.interviewer_units else store.interviewer_segments()
    out = {}
    for person, layer in sorted(rec.layers.items()):
        mine = {s: cs for s, cs in layer.finished().items() if s in layer.independent}
        mine = {s: cs for s, cs in mine.items() if s not in skip}
        if mine:
            out[person] = mine
    return out


def decided_suggestions(project: Project) -> dict[str, dict[str, int]]:
    """kind (rule, model, topic) -> action (accept, reject, recode) -> how many of that kind's
    suggestions people decided (live decisions): what reviewers were actually shown."""
    out = {kind: {"accept": 0, "reject": 0, "recode": 0} for kind in MACHINE_KINDS}
    for row in project.store.record_decisions():
        action, kind, app = row[4], row[5], row[7]
        if app is not None and kind in out and action in out[kind]:
            out[kind][action] += 1
    return out


def coders_summary(
    project: Project, rec: Record | None = None, final: Final | None = None
) -> dict[str, Any]:
    store = project.store
    rec = rec or record(project)
    final = final or final_coding(project, rec)
    skip = set() if project.settings.coding.interviewer_units else store.interviewer_segments()
    by_coder = {
        k: {u: cs for u, cs in v.items() if u not in skip}
        for k, v in rec.by_person().items()
        if k in rec.layers  # not the reconciled coding: nobody's own
    }
    independent = independent_codings(project, rec)
    seen: Counter[str] = Counter()
    for segs in by_coder.values():
        seen.update(segs.keys())
    human_segments = len(seen)
    double = len(rec.double_coded() - skip)  # blind or imported, never reviews of suggestions
    final_from: Counter[str] = Counter()
    decided = {(s, c): (a, k) for s, c, a, k in store.decisions_by_kind()}
    for seg, codes in final.codes.items():
        for code in codes:
            action, kind = decided.get((seg, code), ("", ""))
            if action == "accept" and kind in ("rule", "model"):
                final_from[f"accepted {kind} suggestions"] += 1
            else:
                final_from["people's own coding"] += 1
    machine = decided_suggestions(project)
    return {
        "coders": {name: len(segs) for name, segs in sorted(by_coder.items())},
        "independent": {name: len(independent.get(name, {})) for name in sorted(by_coder)},
        "human_segments": human_segments,
        "double_coded": double,
        "double_share": double / human_segments if human_segments else 0.0,
        "machine_reviewed": machine,
        "unreviewed": len(store.queue_applications()),
        "decisions": sum(sum(counts.values()) for counts in machine.values()),
        "final_codings": sum(final_from.values()),
        "final_from": dict(sorted(final_from.items())),
        "resolved": len(store.resolutions()),
        "unresolved": len(final.unresolved),
        "final_rule": final.rule,
        "final_describe": final.describe(),
        "final_note": final.note(),
    }


def agreement(
    project: Project, codebook: Codebook, samples: int = 1000, rec: Record | None = None
) -> tuple[list[Agreement], str]:
    """Agreement between the people who coded independently (blind or imported), over the
    segments each coded that way; reviewers' decisions on suggestions are left out."""
    from qualcode.errors import QualcodeError
    from qualcode.review.longform import agreement_from_codings

    rec = rec or record(project)
    data = independent_codings(project, rec)
    reviewers = sorted(p for p in rec.people() if p not in data)
    coders = sorted(data)
    units = sorted({u for by_unit in data.values() for u in by_unit})
    if not units:
        return [], "no independent coding yet (blind coding or imported codings)" + (
            f"; {', '.join(reviewers)} only reviewed the machine's suggestions, which is "
            "not independent coding"
            if reviewers
            else ""
        )
    if len(coders) < 2:
        return [], f"one independent coder only ({coders[0]}): no agreement to report"
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
    left_out = (
        f"; {', '.join(reviewers)} only reviewed the machine's suggestions, which is not "
        f"independent coding, and {'is' if len(reviewers) == 1 else 'are'} left out"
        if reviewers
        else ""
    )
    note = (
        f"Krippendorff's alpha (nominal) between the {len(coders)} people who coded "
        f"independently, by blind coding or in separate imports ({', '.join(coders)}), over "
        f"every (segment, code) decision pooled, with a 95% bootstrap interval ({samples} "
        f"resamples){left_out}. It is judged against {ALPHA_GOOD:.3f} (reliable) and "
        f"{ALPHA_TENTATIVE:.3f} (tentative conclusions only), after Krippendorff (2004) "
        f"(qualcode agreement {' '.join(coders)})"
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
    decided = decided_suggestions(project)
    return {
        "model": summary.get("model", ""),
        "segments": summary.get("segments", 0),
        "seeds": summary.get("seeds", 0),
        "compared": compared,
        # the latest model's verdict on whose suggestions to show (older models: the latest
        # suggestion run's); what reviewers actually saw is in "decided"
        "shown": summary.get("shown")
        or (suggested[1].get("shown", "model") if suggested else "rules"),
        "decided": {kind: sum(counts.values()) for kind, counts in decided.items()},
        "untrusted": untrusted,
        "precision": precision,
        # code -> whose suggestions reviewers saw for it: model, rules or none (coding/sources)
        "sources": dict(summary.get("sources") or {}),
        "states": dict(summary.get("states") or {}),
        "sources_note": _sources_note(summary, project),
    }


def _sources_note(summary: dict[str, Any], project: Project) -> str:
    return describe_sources(dict(summary.get("sources") or {}), project.settings.suggest.min_f1)


def describe_sources(by_code: dict[str, str], floor: float) -> str:
    """One sentence: which codes' suggestions reviewers were shown from which source. Each
    source is named whole ("the rules' suggestions", never "the rules' for 22 codes"), and a
    source every code had is said once ("for every code"), not as a list of every code id."""
    from qualcode.coding.sources import MODEL, NONE, RULES

    if not by_code:
        return ""
    what = {
        MODEL: "the model's suggestions",
        RULES: "the rules' suggestions",
        NONE: "no suggestion",
    }
    named = {s: sorted(c for c, v in by_code.items() if v == s) for s in what}
    parts = []
    for state, words in what.items():
        codes = named[state]
        if len(codes) == len(by_code):
            parts.append(f"{words} for every code")
        elif codes:
            n = "1 code" if len(codes) == 1 else f"{len(codes)} codes"
            parts.append(f"{words} for {n} ({', '.join(codes)})")
    return (
        "Code by code, reviewers were shown "
        + "; ".join(parts)
        + f": the model only where its F1 on interviews it had not seen reached {floor:.2f}, "
        "the rules' F1 for that code and clearly more than suggesting the code everywhere."
    )


CODED_SHARE = 0.5  # an interview counts for saturation once people coded this share of it


def interview_codes(
    project: Project, final: Final | None = None
) -> tuple[list[tuple[str, str, set[str]]], str]:
    """The final codes of each interview people have coded (at least CODED_SHARE of its
    segments), in the order the interviews were held (by the [methods] date attribute when
    every such interview has one, else by participant id). An interview a reviewer only
    dipped into would otherwise count as one that brought nothing new."""
    store = project.store
    asked = set() if project.settings.coding.interviewer_units else store.interviewer_segments()
    final = final or final_coding(project)
    labels = {s: c for s, c in final.codes.items() if s not in asked}
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


def project_saturation(
    project: Project, final: Final | None = None, only: set[str] | None = None
) -> Saturation | None:
    """Guest, Namey and Chen's measure over the coded interviews (``only``: counting these
    codes alone)."""
    rows, order = interview_codes(project, final)
    if only is not None:
        rows = [(label, date, codes & only) for label, date, codes in rows]
    if not rows:
        return None
    m = project.settings.methods
    return saturation(rows, m.base, m.run, m.threshold, order)


def added_codes(summary: dict[str, Any], codebook: Codebook) -> list[str]:
    """The codes added during the analysis: adopted from topic suggestions, or added by a later
    codebook version (and still in the codebook)."""
    added = set(summary["adopted_from_topics"])
    for version in summary["versions"][1:]:
        added.update((version.get("changes") or {}).get("added", []))
    return sorted(added & {c.id for c in codebook.codes})


def project_coverage(
    project: Project, codebook: Codebook, final: Final | None = None
) -> Coverage | None:
    rows, _ = interview_codes(project, final)
    return coverage(rows, [c.id for c in codebook.codes]) if rows else None


def agreement_limitations(rows: list[Agreement]) -> list[str]:
    """Agreement too low to rely on, after Krippendorff (2004, p. 241): below 0.667 no
    conclusion rests on the coding; from 0.667 to 0.800 tentative conclusions only."""

    def scope(a: Agreement) -> str:
        return "over all codes" if a.label == "All codes" else f"for the aim '{a.label}'"

    low = [a for a in rows if a.alpha is not None and a.alpha < ALPHA_TENTATIVE]
    tentative = [a for a in rows if a.alpha is not None and ALPHA_TENTATIVE <= a.alpha < ALPHA_GOOD]
    out = []
    if low:
        said = "; ".join(f"alpha {a.alpha:.3f} {scope(a)}" for a in low)
        out.append(
            f"Agreement between the independent coders was below {ALPHA_TENTATIVE:.3f}, the "
            f"least Krippendorff (2004) accepts even for tentative conclusions: {said}. "
            "Findings resting on these codes are not shown to be reliable; reconcile, refine "
            "the definitions and code a new sample blind before relying on them."
        )
    if tentative:
        said = "; ".join(f"alpha {a.alpha:.3f} {scope(a)}" for a in tentative)
        out.append(
            f"Agreement between {ALPHA_TENTATIVE:.3f} and {ALPHA_GOOD:.3f} supports tentative "
            f"conclusions only (Krippendorff 2004): {said}."
        )
    return out


def limitations(
    project: Project, codebook: Codebook, data: MethodsData, final: Final | None = None
) -> list[str]:
    out = []
    final = final or final_coding(project)
    counted: Counter[str] = Counter()
    for codes in final.codes.values():
        counted.update(codes)
    few = [c.id for c in codebook.codes if counted[c.id] < FEW_CODINGS]
    if not final.codes:
        out.append(
            "No segment has been coded or reviewed by a person yet: there are no findings, "
            "and the reports beside this appendix are machine drafts."
        )
    elif few:
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
    if data.agreement and double == 0:  # "rests on 0 segments" reads as a count of nothing
        out.append(
            "No segment was coded independently by two or more people, so agreement between "
            "coders could not be measured."
        )
    elif data.agreement and double < 30:
        out.append(
            f"Agreement rests on {double} independently double-coded "
            f"segment{'' if double == 1 else 's'}, fewer than the 30 under which its interval "
            "is wide."
        )
    out += agreement_limitations(data.agreement)
    if not data.agreement:
        out.append(f"No agreement can be reported: {data.agreement_note}.")
    if final.unresolved:
        out.append(final.note())
    if data.machine and not data.machine.get("compared"):
        out.append(
            "The learned suggester was not checked on interviews it had not seen (fewer than "
            "two coded interviews), so its suggestions were not shown in place of the rules'."
        )
    if data.added_saturation is not None and data.added_saturation.point is None:
        out.append(
            "Saturation of the codes added during the analysis, by the rule stated above, was "
            "not reached."
        )
    return out


def build_methods(
    project: Project,
    codebook: Codebook,
    lang: str = "en",
    samples: int = 1000,
    reports_now: str = "",
) -> MethodsData:
    """``reports_now``: the time the calling command wrote the reports, when it did
    (``qualcode run``)."""
    rec = record(project)  # the record read once; every figure below stands on it
    final = final_coding(project, rec)
    coders = coders_summary(project, rec, final)
    rows, note = agreement(project, codebook, samples, rec)
    from qualcode.export.words import both

    welsh_title = project.settings.export.welsh().get("title", "") if lang != "en" else ""
    data = MethodsData(
        title=both(lang, project.settings.name, welsh_title),  # [export.cy] title, as reports
        lang=lang,
        corpus=corpus(project),
        codebook=codebook_summary(project, codebook),
        process=process(project, coders, reports_now),
        coders=coders,
        agreement=rows,
        agreement_note=note,
        machine=machine_summary(project, codebook),
        saturation=project_saturation(project, final),
        draft=not any(s in final.complete for s in final.codes),
        coverage=project_coverage(project, codebook, final),
    )
    data.added = added_codes(data.codebook, codebook)
    if data.added:
        data.added_saturation = project_saturation(project, final, set(data.added))
    data.limitations = limitations(project, codebook, data, final)
    return data
