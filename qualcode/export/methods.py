"""The methods appendix as Word or Markdown: prose, tables and the saturation figure.

Pure: a :class:`~qualcode.review.methods.MethodsData` in, bytes out (the exporter never touches
the store). The figure is drawn with matplotlib at print resolution and its numbers are also
given as a table, for readers who cannot see it. Headings, table headers and captions follow
``lang`` (en, cy); the prose is English.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from qualcode.export import atomic_write_bytes
from qualcode.export.words import say
from qualcode.review.methods import ALPHA_GOOD, ALPHA_TENTATIVE, MethodsData

WORDS = {
    "en": {
        "title": "Methods appendix",
        "draft_title": "Draft",
        "draft_mark": "DRAFT: nothing has been coded or reviewed by a person yet. Not for "
        "publication.",
        "draft_opening": (
            "This appendix is a draft: no person has coded or reviewed anything yet, so the "
            "reports beside it are machine drafts of unreviewed suggestions and there are no "
            "findings to describe. Review the suggestions (qualcode review) or import a "
            "coder's work (qualcode import codings), then write it again."
        ),
        "corpus": "The interviews",
        "codebook": "The codebook",
        "process": "How the analysis was done",
        "coders": "Who coded what",
        "agreement": "Agreement between coders",
        "machine": "Machine suggestions",
        "saturation": "Saturation",
        "limitations": "Limitations",
        "attribute": "attribute",
        "value": "value",
        "participants": "participants",
        "version": "version (hash)",
        "first_used": "first used",
        "codes": "codes",
        "changes": "changes from the version before",
        "step": "step",
        "record": "what the project records",
        "when": "when",
        "command": "traced by",
        "coder": "coder",
        "segments": "segments coded",
        "independent": "of them coded independently",
        "scope": "codes",
        "units": "double-coded segments",
        "interval": "95% interval",
        "percent": "% agreement",
        "judged": "judged",
        "interview": "interview",
        "date": "date",
        "new": "new codes",
        "so_far": "codes so far",
        "caption_attrs": "Participants by attribute",
        "caption_versions": "Codebook versions used",
        "caption_process": "The Framework Method's steps and what the project records for each",
        "caption_coders": "Segments coded by each person",
        "caption_agreement": "Agreement by aim and overall",
        "caption_figure": "New codes per interview, in the order the interviews were held",
        "caption_saturation": "The numbers behind the saturation figure",
        "present": "codebook codes present",
        "mean_reached": "share of each code's final prevalence reached (mean)",
        "caption_coverage_figure": (
            "Codebook codes present in each interview, and the share of each code's final "
            "prevalence reached by then, in the order the interviews were held"
        ),
        "caption_coverage": "Code coverage per interview",
        "caption_reached": "Share of each code's final prevalence reached by interview k",
        "final_prevalence": "interviews with the code",
        "caption_added_figure": (
            "New codes per interview among the codes added during the analysis"
        ),
        "caption_added": "The numbers behind the figure of added codes",
        "saturation_point": "saturation point (Guest, Namey and Chen rule)",
        "all_codes": "All codes",
        "n_a": "n/a",
        "to": "to",
        "undefined": "undefined",
        "reliable": "reliable",
        "tentative": "tentative",
        "below_tentative": "below the tentative threshold",
        "first_version": "(the first version)",
        "no_changes": "none",
    },
    "cy": {
        "title": "Atodiad dulliau",
        "draft_title": "Drafft",
        "draft_mark": "DRAFFT: nid oes neb wedi codio nac adolygu dim eto. Nid i'w gyhoeddi.",
        "draft_opening": (
            "Drafft yw'r atodiad hwn: nid oes neb wedi codio nac adolygu dim eto, felly "
            "drafftiau peiriant o awgrymiadau heb eu hadolygu yw'r adroddiadau wrth ei ochr, ac "
            "nid oes canfyddiadau i'w disgrifio. Adolygwch yr awgrymiadau (qualcode review) neu "
            "mewnforiwch waith codiwr (qualcode import codings), yna ysgrifennwch ef eto."
        ),
        "corpus": "Y cyfweliadau",
        "codebook": "Y llyfr codau",
        "process": "Sut y gwnaed y dadansoddiad",
        "coders": "Pwy a godiodd beth",
        "agreement": "Cytundeb rhwng codwyr",
        "machine": "Awgrymiadau peiriant",
        "saturation": "Dirlawnder",
        "limitations": "Cyfyngiadau",
        "attribute": "nodwedd",
        "value": "gwerth",
        "participants": "cyfranogwyr",
        "version": "fersiwn (hash)",
        "first_used": "defnyddiwyd gyntaf",
        "codes": "codau",
        "changes": "newidiadau ers y fersiwn flaenorol",
        "step": "cam",
        "record": "yr hyn y mae'r prosiect yn ei gofnodi",
        "when": "pryd",
        "command": "i'w olrhain drwy",
        "coder": "codiwr",
        "segments": "segmentau wedi'u codio",
        "independent": "o'r rheini wedi'u codio'n annibynnol",
        "scope": "codau",
        "units": "segmentau wedi'u codio ddwywaith",
        "interval": "cyfwng 95%",
        "percent": "% cytundeb",
        "judged": "barn",
        "interview": "cyfweliad",
        "date": "dyddiad",
        "new": "codau newydd",
        "so_far": "codau hyd yma",
        "caption_attrs": "Cyfranogwyr yn ôl nodwedd",
        "caption_versions": "Fersiynau'r llyfr codau a ddefnyddiwyd",
        "caption_process": "Camau'r Dull Fframwaith a'r hyn a gofnodwyd ar gyfer pob un",
        "caption_coders": "Segmentau a godiwyd gan bob person",
        "caption_agreement": "Cytundeb fesul nod ac yn gyffredinol",
        "caption_figure": "Codau newydd ym mhob cyfweliad, yn nhrefn y cyfweliadau",
        "caption_saturation": "Y rhifau y tu ôl i'r ffigur dirlawnder",
        "present": "codau'r llyfr codau sy'n bresennol",
        "mean_reached": "cyfran amlder terfynol pob cod a gyrhaeddwyd (cymedr)",
        "caption_coverage_figure": (
            "Codau'r llyfr codau sy'n bresennol ym mhob cyfweliad, a'r gyfran o amlder "
            "terfynol pob cod a gyrhaeddwyd erbyn hynny, yn nhrefn y cyfweliadau"
        ),
        "caption_coverage": "Cwmpas y codau ym mhob cyfweliad",
        "caption_reached": "Cyfran amlder terfynol pob cod a gyrhaeddwyd erbyn cyfweliad k",
        "final_prevalence": "cyfweliadau â'r cod",
        "caption_added_figure": (
            "Codau newydd ym mhob cyfweliad ymhlith y codau a ychwanegwyd yn ystod y dadansoddiad"
        ),
        "caption_added": "Y rhifau y tu ôl i ffigur y codau a ychwanegwyd",
        "saturation_point": "pwynt dirlawnder (rheol Guest, Namey a Chen)",
        "all_codes": "Pob cod",
        "n_a": "amh.",
        "to": "i",
        "undefined": "heb ei ddiffinio",
        "reliable": "dibynadwy",
        "tentative": "petrus",
        "below_tentative": "islaw'r trothwy petrus",
        "first_version": "(y fersiwn gyntaf)",
        "no_changes": "dim",
    },
}
FORMATS = ("docx", "md")
Figures = tuple[bytes | None, bytes | None]  # the coverage figure, the added codes' figure

Block = tuple[
    Any, ...
]  # ("h", text), ("p", text), ("list", items), ("table", ...), ("figure", ...)


def _w(data: MethodsData, key: str) -> str:
    return WORDS.get(data.lang, WORDS["en"])[key]


def _title(data: MethodsData) -> str:
    title = f"{_w(data, 'title')}: {data.title}"
    return f"{_w(data, 'draft_title')}: {title}" if data.draft else title


def _n(x: int) -> str:
    return f"{x:,}"


def _pct(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "0%"


def _f(x: float | None, data: MethodsData | None = None) -> str:
    if x is None:
        return _w(data, "n_a") if data is not None else "n/a"
    return f"{x:.3f}"


def _judged(alpha: float | None, data: MethodsData | None = None) -> str:
    if alpha is None:
        key = "undefined"
    elif alpha >= ALPHA_GOOD:
        key = "reliable"
    elif alpha >= ALPHA_TENTATIVE:
        key = "tentative"
    else:
        key = "below_tentative"
    return _w(data, key) if data is not None else WORDS["en"][key]


def _decided(kind: str, counts: dict[str, int], detail: bool) -> str:
    total = sum(counts.values())
    said = f"{_n(total)} {kind} suggestion{'' if total == 1 else 's'}"
    if not (detail and total):
        return said
    return (
        f"{said} ({_n(counts['accept'])} accepted, {_n(counts['reject'])} rejected, "
        f"{_n(counts['recode'])} changed to another code)"
    )


def _saw(machine: dict[str, dict[str, int]], detail: bool = False) -> str:
    """What reviewers decided, kind by kind: 'reviewers decided 240 rule suggestions, 0 model
    suggestions and 0 topic suggestions' (with ``detail``: how each kind was decided)."""
    parts = [_decided(kind, machine[kind], detail) for kind in ("rule", "model", "topic")]
    return f"reviewers decided {', '.join(parts[:-1])} and {parts[-1]}"


def _seen(machine: dict[str, dict[str, int]]) -> str:
    """Which suggestions reviewers were shown, as their decisions tell it."""
    kinds = [k for k in ("rule", "model", "topic") if sum(machine[k].values())]
    if not kinds:
        return "No reviewer has decided a machine suggestion yet."
    said = " and ".join(kinds) + " suggestions" + (" only" if len(kinds) == 1 else "")
    saw = _saw(machine)
    return f"Reviewers' decisions show which suggestions they were shown: {said} ({saw})."


def _trained_on(m: dict[str, Any]) -> str:
    n, seeds = m["segments"], m["seeds"]
    examples = f"{seeds} example{'' if seeds == 1 else 's'} from the codebook"
    if not n:
        return f"the {examples} alone (no human-coded segment yet)"
    return f"{_n(n)} human-coded segment{'' if n == 1 else 's'} and {examples}"


def _who_coded(data: MethodsData) -> str:
    """The "who coded what" paragraph: people's coding, independent double coding, the
    suggestions decided, and the final coding's rule with its unresolved disagreements."""
    who = data.coders
    final = who["final_codings"]
    parts = [f"{_n(n)} ({_pct(n, final)}) from {src}" for src, n in who["final_from"].items()]
    parts[:1] = [p.replace(" from ", " come from ", 1) for p in parts[:1]]
    sources = " and ".join([", ".join(parts[:-1]), parts[-1]] if len(parts) > 1 else parts)
    unresolved = who["unresolved"]
    people = (
        f"{_n(who['human_segments'])} segment{'' if who['human_segments'] == 1 else 's'} "
        f"{'was' if who['human_segments'] == 1 else 'were'} coded by people; "
        + (
            f"{_n(who['double_coded'])} of them ({who['double_share']:.0%}) "
            f"{'was' if who['double_coded'] == 1 else 'were'} coded "
            if who["double_coded"]
            else "none of them was coded "
        )
        + "independently by two or more people, blind or in separate imports (reviewing the "
        "machine's suggestions is not independent coding). "
        if who["human_segments"]
        else "No segment has been coded by a person yet. "
    )
    decided = (
        "R" + _saw(who["machine_reviewed"], detail=True)[1:] + ". "
        if who["decisions"]
        else "No reviewer has decided a machine suggestion yet. "
    )
    left = who["unreviewed"]
    return (
        people
        + decided
        + (
            f"{_n(left)} suggestion{' was' if left == 1 else 's were'} left unreviewed and "
            f"{'is' if left == 1 else 'are'} in no finding. "
            if left
            else ""
        )
        + (f"Of the {_n(final)} final codings, {sources}. " if final else "")
        + "The findings use one final coding: a segment one person coded keeps that person's "
        "codes, and codes the people who coded a segment agree on stand. "
        + (
            f"Of the segments people coded differently, {_n(who['resolved'])} "
            f"{'was' if who['resolved'] == 1 else 'were'} reconciled and {_n(unresolved)} "
            f"{'is' if unresolved == 1 else 'are'} not; "
            if who["resolved"] or unresolved
            else "No segment has been coded differently by two or more people; "
        )
        + (
            f"{'that one uses' if unresolved == 1 else 'those use'} {who['final_describe']} "
            if unresolved
            else f"any that arise will use {who['final_describe']} "
        )
        + f'(the [review] unresolved rule, "{who["final_rule"]}") until reconciled '
        "(qualcode reconcile)."
    )


def blocks(data: MethodsData, figure: Figures = (None, None)) -> list[Block]:
    """The appendix's content in order, for any writer."""
    c, cb, who = data.corpus, data.codebook, data.coders
    out: list[Block] = [("title", _title(data))]
    if data.draft:
        out.append(("p", _w(data, "draft_opening")))
    formats = ", ".join(f"{n} {fmt}" for fmt, n in c["formats"].items())
    period = f", held {c['period']}" if c["period"] else ""
    out += [
        ("h", _w(data, "corpus")),
        (
            "p",
            f"The analysis covers {_n(c['interviews'])} interview transcripts ({formats}) with "
            f"{_n(c['participants'])} participants{period}: {_n(c['turns'])} speaker turns and "
            f"{_n(c['words'])} words, {_n(c['participant_words'])} of them spoken by "
            "participants (qualcode status).",
        ),
    ]
    rows = [[a, v, _n(n)] for a, values in c["attributes"].items() for v, n in values.items()]
    if rows:
        out.append(
            ("table", _w(data, "caption_attrs"),
             [_w(data, "attribute"), _w(data, "value"), _w(data, "participants")], rows)
        )  # fmt: skip
    aims = "; ".join(f"{a['name']} ({a['codes']})" for a in cb["aims"])
    adopted = cb["adopted_from_topics"]
    out += [
        ("h", _w(data, "codebook")),
        (
            "p",
            f"Coding used the codebook '{cb['name']}'"
            f"{' version ' + cb['version'] if cb['version'] else ''} (content hash {cb['hash']}): "
            f"{cb['codes']} codes under {len(cb['aims'])} aims: {aims}. "
            + (
                f"{len(adopted)} codes were adopted from topic-model suggestions of themes the "
                f"codebook lacked: {', '.join(adopted)}."
                if adopted
                else "No code was adopted from topic-model suggestions."
            )
            + " (qualcode codebook show)",
        ),
    ]
    if cb["versions"]:
        rows = []
        for v in cb["versions"]:
            ch = v.get("changes")
            said = (
                "; ".join(f"{k}: {', '.join(ids)}" for k, ids in ch.items() if ids)
                or _w(data, "no_changes")
                if ch is not None
                else _w(data, "first_version")
            )
            rows.append([v["hash"], v["first_used"], str(v["codes"]), said])
        out.append(
            ("table", _w(data, "caption_versions"),
             [_w(data, "version"), _w(data, "first_used"), _w(data, "codes"),
              _w(data, "changes")], rows)
        )  # fmt: skip
    out += [
        ("h", _w(data, "process")),
        (
            "p",
            "The analysis followed the Framework Method (Gale et al. 2013). The table gives, for "
            "each of its steps, what the project's store records and when; every command that "
            "changed the project is in its audit log (qualcode log).",
        ),
        ("table", _w(data, "caption_process"),
         [_w(data, "step"), _w(data, "record"), _w(data, "when"), _w(data, "command")],
         [[p["step"], p["record"], p["when"] or "-", p["command"]] for p in data.process]),
    ]  # fmt: skip
    out += [("h", _w(data, "coders")), ("p", _who_coded(data))]
    if who["coders"]:
        out.append(
            ("table", _w(data, "caption_coders"),
             [_w(data, "coder"), _w(data, "segments"), _w(data, "independent")],
             [[name, _n(n), _n(who["independent"].get(name, 0))]
              for name, n in who["coders"].items()])
        )  # fmt: skip
    out.append(("h", _w(data, "agreement")))
    if data.agreement:
        out.append(("p", data.agreement_note + "."))
        out.append(
            ("table", _w(data, "caption_agreement"),
             [_w(data, "scope"), _w(data, "units"), "alpha", _w(data, "interval"),
              _w(data, "percent"), _w(data, "judged")],
             [[_w(data, "all_codes") if a.label == "All codes" else a.label, _n(a.units),
               _f(a.alpha, data),
               _w(data, "n_a") if a.low is None
               else f"{_f(a.low)} {_w(data, 'to')} {_f(a.high)}",
               _w(data, "n_a") if a.percent is None else f"{a.percent:.1%}",
               _judged(a.alpha, data)]
              for a in data.agreement])
        )  # fmt: skip
    else:
        out.append(("p", f"No agreement is reported: {data.agreement_note}."))
    m = data.machine
    out.append(("h", _w(data, "machine")))
    if m:
        compared = m.get("compared") or {}
        verdict = (
            f"On interviews it had not seen (folds grouped by interview) it reached macro-F1 "
            f"{compared['model']:.2f} against {compared['rules']:.2f} for the rules alone, so "
            + ("its suggestions were to replace the rules'" if m["shown"] == "model"
               else "the rules' suggestions stood")
            if compared
            else "It could not be checked on interviews it had not seen, so the rules' "
            "suggestions stood"
        )  # fmt: skip
        out.append(
            (
                "p",
                f"Rules in the codebook suggested codes; a learned suggester (model {m['model']}) "
                f"was trained on {_trained_on(m)}. {verdict} (qualcode suggest eval). "
                + (m["sources_note"] + " " if m.get("sources_note") else "")
                + f"{_seen(who['machine_reviewed'])} "
                "No suggestion became a coding without a person accepting it. "
                + (
                    f"It was not trusted for {len(m['untrusted'])} codes (too few examples, or "
                    f"an estimated precision under 50%): {', '.join(m['untrusted'])}."
                    if m["untrusted"]
                    else ""
                ),
            )
        )
    else:
        out.append(
            ("p", "Only the codebook's rules suggested codes; no model was trained. "
             + _seen(who["machine_reviewed"]))
        )  # fmt: skip
    out += _saturation_blocks(data, figure)
    out.append(("h", _w(data, "limitations")))
    out.append(("list", data.limitations or ["None that the project's records show."]))
    return out


def _saturation_blocks(data: MethodsData, figures: Figures) -> list[Block]:
    """Saturation as a codebook fixed before coding allows: code coverage per interview and
    the share of each code's final prevalence reached by interview k; Guest, Namey and Chen's
    new-code measure only over the codes added during the analysis, with its caveat."""
    out: list[Block] = [("h", _w(data, "saturation"))]
    cov = data.coverage
    if cov is None or not cov.interviews:
        return [*out, ("p", "Saturation cannot be assessed: no interview has been coded yet.")]
    n, total = len(cov.interviews), len(cov.codes)
    order = data.saturation.order if data.saturation is not None else ""
    mean = cov.mean_reached()
    half = cov.milestones()[1] if len(cov.milestones()) > 1 else n
    whole = sum(1 for c in cov.codes if cov.final[c] and cov.reached[c][half - 1] >= 1.0)
    out.append(
        (
            "p",
            f"The codebook's {total} codes were defined before coding, so a count of codes "
            "first seen in each interview, as in Guest, Namey and Chen (2020), would find most "
            "of them early whatever the interviews said "
            f"({cov.present[0]} of {total} in the first interview here): it says little about "
            "saturation and is not reported as a finding. Instead, the table and figure give "
            "how many of the codebook's codes each interview carries, and how much of each "
            "code's final prevalence (the interviews that carry it in the end) had been "
            f"reached by each interview. By interview {half} of {n} the codes had reached "
            f"{mean[half - 1]:.0%} of their final prevalence on average, and "
            + (f"{whole} of {total} codes all of it. " if whole else "no code all of it. ")
            + f"Interviews are ordered {order}; only interviews people "
            "coded (at least half of their segments) count (qualcode saturation).",
        )
    )
    if figures[0] is not None:
        out.append(("figure", _w(data, "caption_coverage_figure"), figures[0]))
    marks = cov.milestones()
    out.append(
        ("table", _w(data, "caption_reached"),
         [_w(data, "codes"), _w(data, "final_prevalence"),
          *(f"k={k}" for k in marks)],
         [[c, say(data.lang, "n_of", n=cov.final[c], total=n),
           *(f"{cov.reached[c][k - 1]:.0%}" if cov.final[c] else "-" for k in marks)]
          for c in cov.codes])
    )  # fmt: skip
    out.append(
        ("table", _w(data, "caption_coverage"),
         [_w(data, "interview"), _w(data, "date"), _w(data, "present"), _w(data, "mean_reached")],
         [[f"{i + 1}. {cov.interviews[i]}", cov.dates[i] or "-",
           say(data.lang, "n_of", n=cov.present[i], total=total), f"{mean[i]:.0%}"]
          for i in range(n)])
    )  # fmt: skip
    out += _added_blocks(data, figures[1])
    return out


def _added_blocks(data: MethodsData, figure: bytes | None) -> list[Block]:
    """Guest, Namey and Chen's measure over the codes added during the analysis, if any."""
    s = data.added_saturation
    if not data.added or s is None:
        return [
            (
                "p",
                "No code was added during the analysis (by adopting a topic or in a later "
                "codebook version), so there is no inductive code whose saturation Guest, Namey "
                "and Chen's measure could assess.",
            )
        ]
    out: list[Block] = [
        (
            "p",
            f"{len(data.added)} code{'' if len(data.added) == 1 else 's'} "
            f"{'was' if len(data.added) == 1 else 'were'} added during the analysis "
            f"({', '.join(data.added)}). Over these codes alone: {s.sentence()} Caveat: the "
            "measure counts codes first seen in each interview, so it describes when the added "
            "codes stopped appearing for the first time, in interviews coded with a codebook "
            "that already held them; codes added late could not be seen in interviews coded "
            "before they existed unless those were coded again.",
        )
    ]
    if figure is not None:
        out.append(("figure", _w(data, "caption_added_figure"), figure))
    out.append(
        ("table", _w(data, "caption_added"),
         [_w(data, "interview"), _w(data, "date"), _w(data, "codes"), _w(data, "new"),
          _w(data, "so_far")],
         [[f"{i + 1}. {s.interviews[i]}", s.dates[i] or "-", str(s.codes[i]),
           str(s.new[i]), str(s.cumulative[i])] for i in range(len(s.interviews))])
    )  # fmt: skip
    return out


def _png(fig: Any) -> bytes:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})  # no timestamp: same bytes
    plt.close(fig)
    return buf.getvalue()


def _axes(data: MethodsData, n: int, ylabel: str) -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    fig, ax = plt.subplots(figsize=(6.3, 3.0), dpi=300)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts: whole numbers only
    ax.set_xlim(0.4, n + 0.6)
    ax.set_xlabel(_w(data, "interview"))
    ax.set_ylabel(ylabel)
    ax.spines["top"].set_visible(False)
    return fig, ax


def _legend(ax: Any, handles: list[Any]) -> None:
    """The legend above the plot, clear of the bars."""
    ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(handles),
              fontsize=7, frameon=False)  # fmt: skip


def saturation_figures(data: MethodsData) -> Figures:
    """The coverage figure (codebook codes per interview as bars, the mean share of final
    prevalence reached as a line) and, when codes were added during the analysis, their new
    codes per interview with the saturation point: 300 dpi PNGs, each with a legend."""
    cov = data.coverage
    if cov is None or not cov.interviews:
        return None, None
    from matplotlib.ticker import PercentFormatter

    x = list(range(1, len(cov.interviews) + 1))
    fig, ax = _axes(data, len(x), _w(data, "present"))
    bars = ax.bar(x, cov.present, color="#4a7ab5", label=_w(data, "present"))
    ax.set_ylim(0, max(len(cov.codes), 1))
    ax2 = ax.twinx()
    (line,) = ax2.plot(x, cov.mean_reached(), color="#333333", linewidth=1.2,
                       label=_w(data, "mean_reached"))  # fmt: skip
    ax2.set_ylim(0, 1.05)
    ax2.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax2.spines["top"].set_visible(False)
    _legend(ax, [bars, line])
    first = _png(fig)
    s = data.added_saturation
    if not data.added or s is None or not s.interviews:
        return first, None
    fig, ax = _axes(data, len(s.interviews), _w(data, "new"))
    x = list(range(1, len(s.interviews) + 1))
    handles = [ax.bar(x, s.new, color="#4a7ab5", label=_w(data, "new"))]
    ax2 = ax.twinx()
    handles += ax2.plot(x, s.cumulative, color="#333333", linewidth=1.2,
                        label=_w(data, "so_far"))  # fmt: skip
    ax2.set_ylabel(_w(data, "so_far"))
    ax2.set_ylim(0, max(max(s.cumulative), 1) * 1.1)
    from matplotlib.ticker import MaxNLocator

    ax2.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax2.spines["top"].set_visible(False)
    if s.point is not None:  # named in the legend: no unexplained line
        handles.append(ax.axvline(s.point + 0.5, color="#c00000", linestyle="--", linewidth=1,
                                  label=_w(data, "saturation_point")))  # fmt: skip
    _legend(ax, handles)
    return first, _png(fig)


def _md(data: MethodsData, content: list[Block], figure_names: list[str]) -> bytes:
    lines: list[str] = []
    tables = figures = 0
    for block in content:
        kind = block[0]
        if kind == "title":
            lines += [f"# {block[1]}", ""]
            if data.draft:
                lines += [f"**{_w(data, 'draft_mark')}**", ""]
        elif kind == "h":
            lines += [f"## {block[1]}", ""]
        elif kind == "p":
            lines += [block[1], ""]
        elif kind == "list":
            lines += [f"- {item}" for item in block[1]] + [""]
        elif kind == "figure":
            name = figure_names[figures]
            figures += 1
            lines += [f"![{block[1]}]({name})", "", f"*{block[1]}*", ""]
        elif kind == "table":
            tables += 1
            _, caption, headers, rows = block
            label = "Tabl" if data.lang == "cy" else "Table"
            lines += [f"*{label} {tables}. {caption}*", ""]
            lines.append("| " + " | ".join(headers) + " |")
            lines.append("|" + "---|" * len(headers))
            for row in rows:
                lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |")
            lines.append("")
    return "\n".join(lines).encode("utf-8")


CHAR_CM = 0.19  # a character of 10.5-point Calibri, counted generously
POINTS = 10.5  # the appendix's body size


def _widths(headers: list[str], rows: list[list[str]], usable: float) -> list[float]:
    """Column widths: each column first gets room for its longest word (so no code id breaks
    inside), then what is left goes in proportion to what the columns hold (long text gets the
    room). When the longest words alone do not fit, in proportion to those."""
    from qualcode.export.report import BOLD_CM_PER_POINT, CELL_PADDING_CM

    least, want = [], []
    for j, header in enumerate(headers):
        cells = [len(str(r[j])) for r in rows] or [0]
        body = max([len(w) for r in rows for w in str(r[j]).split()] or [0])
        head = max([len(w) for w in header.split()] or [0]) * BOLD_CM_PER_POINT * POINTS
        least.append(max(body * CHAR_CM, head) + CELL_PADDING_CM)
        want.append(max(min(60, sum(cells) / len(cells)), 4))
    if sum(least) >= usable:
        return [usable * n / sum(least) for n in least]
    left = usable - sum(least)
    return [m + left * w / sum(want) for m, w in zip(least, want, strict=True)]


def _docx(data: MethodsData, content: list[Block]) -> bytes:
    from docx.shared import Cm

    from qualcode.export.report import _caption, _footer, _table, docx_bytes, new_document

    doc = new_document(_title(data), landscape=False, margin=2.0, points=POINTS)
    _footer(doc.sections[0], data.title, data.lang)
    if data.draft:  # on every page, as the machine drafts of the reports say it
        from docx.shared import RGBColor

        mark = doc.sections[0].header.paragraphs[0].add_run(_w(data, "draft_mark"))
        mark.bold = True
        mark.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    usable = 21.0 - 4.0
    tables = figures = 0
    for block in content:
        kind = block[0]
        if kind == "title":
            doc.add_heading(block[1], level=0)
        elif kind == "h":
            doc.add_heading(block[1], level=1)
        elif kind == "p":
            doc.add_paragraph(block[1])
        elif kind == "list":
            for item in block[1]:
                doc.add_paragraph(item, style="List Bullet")
        elif kind == "figure":
            figures += 1
            doc.add_picture(io.BytesIO(block[2]), width=Cm(usable))
            _caption(doc, figures, block[1], kind="figure", lang=data.lang)
        elif kind == "table":
            tables += 1
            _, caption, headers, rows = block
            _caption(doc, tables, caption, lang=data.lang)
            _table(doc, headers, rows, _widths(headers, rows, usable))
    return docx_bytes(doc)


def write_methods(data: MethodsData, fmt: str, path: Path) -> list[Path]:
    """Write the appendix (and, for Markdown, the figures beside it); returns the files."""
    figures = saturation_figures(data)
    content = blocks(data, figures)
    if fmt == "docx":
        atomic_write_bytes(path, _docx(data, content))
        return [path]
    written = [path]
    names = [f"{path.stem}-saturation.png", f"{path.stem}-added-codes.png"]
    drawn = [(name, png) for name, png in zip(names, figures, strict=True) if png is not None]
    for name, png in drawn:
        atomic_write_bytes(path.with_name(name), png)
        written.append(path.with_name(name))
    atomic_write_bytes(path, _md(data, content, [name for name, _ in drawn]))
    return written
