"""What a search looks at: documents, attribute values, a code's segments, and the groups counted.

Read once per search from the store (documents and attributes) and, with --code, from the
findings' final coding (qualcode.review.layers): never from the applications table directly.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from typing import Any

from qualcode.analysis.query import UsageError


class Scope:
    def __init__(self, project: Any, options: Any) -> None:
        store = project.store
        self.unit = project.settings.coding.unit
        self.docs = store.search_documents()
        self._attrs: dict[str, dict[str, str]] | None = None
        self._store = store
        wanted = set(self.docs)
        if options.documents:
            wanted &= {store.find_document(key).id for key in options.documents}
        for condition in options.where:
            wanted &= self._where(condition)
        self.wanted = wanted
        self.by = options.by
        self._shown: dict[int, tuple[str, str, str]] = {}  # participant, file name, group
        if options.by:
            self._check_attribute(options.by, "--by")
        self.coded: dict[int, list[tuple[int, int]]] | None = None
        self.code = ""
        if options.code:
            self.code = code_id(project, options.code)
            self.coded = _coded_spans(project, self.code)

    # filters -----------------------------------------------------------------------------------
    @property
    def attrs(self) -> dict[str, dict[str, str]]:
        """Participants' attributes, read when a filter or a grouping needs them."""
        if self._attrs is None:
            self._attrs = self._store.participant_attributes()
        return self._attrs

    def participant(self, doc_id: int) -> str:
        d = self.docs[doc_id]
        return str(d["participant_id"] or d["name"])

    def attributes(self, doc_id: int) -> dict[str, str]:
        return self.attrs.get(self.docs[doc_id]["participant_id"] or "", {})

    def _check_attribute(self, name: str, option: str) -> None:
        known = sorted({k for a in self.attrs.values() for k in a})
        if name not in known:
            from qualcode.cli.render import did_you_mean

            raise UsageError(
                f"{option} {name}: no participant has an attribute '{name}'",
                did_you_mean(name, known, "attributes: " + (", ".join(known) or "none loaded")),
            )

    def _where(self, condition: str) -> set[int]:
        name, eq, value = condition.partition("=")
        name, value = name.strip(), value.strip()
        if not eq or not name or not value:
            raise UsageError(f"--where {condition}", "give an attribute and a value: sector=police")
        self._check_attribute(name, "--where")
        values = sorted({a[name] for a in self.attrs.values() if name in a})
        if value.casefold() not in {v.casefold() for v in values}:
            raise UsageError(
                f"--where {condition}: no participant has {name} '{value}'",
                f"{name} values: {', '.join(values)}",
            )
        return {
            doc_id
            for doc_id in self.docs
            if self.attributes(doc_id).get(name, "").casefold() == value.casefold()
        }

    def wants(self, doc_id: int) -> bool:
        if doc_id not in self.wanted:
            return False
        return self.coded is None or doc_id in self.coded

    # hits --------------------------------------------------------------------------------------
    def within(self, doc_id: int, a: int, b: int) -> bool:
        """Whether document offsets (a, b) lie inside the code's segments (with --code)."""
        return self.coded is None or _inside(self.coded[doc_id], a, b)

    def shown(self, doc_id: int) -> tuple[str, str, str]:
        """What a hit in this document shows: participant, file name, --by group."""
        if doc_id not in self._shown:
            group = self.attributes(doc_id).get(self.by, "") if self.by else ""
            self._shown[doc_id] = (self.participant(doc_id), self.docs[doc_id]["name"], group)
        return self._shown[doc_id]

    def result(self, options: Any, hits: list[Any], forms: dict[str, list[str]]) -> Any:
        from qualcode.analysis.search import SearchResult

        searched = {self.participant(d) for d in self.wanted}
        filters = {
            "documents": list(options.documents),
            "where": list(options.where),
            "code": self.code,
        }
        mode = "regex" if options.regex else "forms" if forms else "words"
        return SearchResult(
            query=options.query,
            mode=mode,
            speakers=options.speakers,
            filters=filters,
            forms=forms,
            hits=hits,
            turns=len({(h.document_id, h.turn) for h in hits}),
            participants=len({h.participant for h in hits}),
            searched=len(searched),
            by=self.by,
            groups=self._groups(hits) if self.by else [],
        )

    def _groups(self, hits: list[Any]) -> list[Any]:
        from qualcode.analysis.search import GroupCount

        members: dict[str, set[str]] = defaultdict(set)
        for d in self.wanted:
            members[self.attributes(d).get(self.by, "")].add(self.participant(d))
        counts: dict[str, list[Any]] = defaultdict(lambda: [0, set(), set()])
        for h in hits:
            c = counts[h.group]
            c[0] += 1
            c[1].add((h.document_id, h.turn))
            c[2].add(h.participant)
        return [
            GroupCount(g or "(none)", counts[g][0], len(counts[g][1]), len(counts[g][2]), len(ps))
            for g, ps in sorted(members.items())
        ]


def code_id(project: Any, given: str) -> str:
    """The codebook's id for a code given by id or name; one clear error otherwise."""
    from qualcode.coding.imports import _did_you_mean, code_resolver
    from qualcode.coding.run import resolve_codebook

    codebook, path = resolve_codebook(project, None)
    found = code_resolver(codebook)(given)
    if found is None:
        raise UsageError(
            f"no code '{given}' in the codebook {path.name}{_did_you_mean(given, codebook)}",
            "give a code's id or name as the codebook has it ('qualcode codebook show')",
        )
    return str(found)


def _coded_spans(project: Any, code: str) -> dict[int, list[tuple[int, int]]]:
    """Document id -> sorted (start, end) of the segments the final coding gives ``code``."""
    from qualcode.review.layers import final_coding

    final = final_coding(project)
    coded = {s for s, codes in final.codes.items() if code in codes}
    out: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for seg, doc_id, _turn, start, end in project.store.current_segments():
        if seg in coded:
            out[doc_id].append((start, end))
    return {d: sorted(spans) for d, spans in out.items()}


def _inside(spans: list[tuple[int, int]], a: int, b: int) -> bool:
    before = bisect_right(spans, (a, b + 1))  # spans starting at or before the hit
    return any(s <= a and b <= e for s, e in spans[:before])
