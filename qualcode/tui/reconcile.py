"""``qualcode reconcile A B``: settle two coders' disagreements one at a time, side by side.

Each choice is one action; ``u`` takes the last one back and shows its disagreement again. A key
pressed before a disagreement was on screen never settles it (:mod:`qualcode.tui.painted`).
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Static

from qualcode.review.reconcile import ReconcileSession
from qualcode.tui.painted import SegmentApp
from qualcode.tui.pickers import CodePicker, TextPrompt, short


class ReconcileApp(SegmentApp):
    TITLE = "qualcode reconcile"
    CSS = """
    #status { height: 1; background: $boost; padding: 0 1; }
    #attrs, #before, #after, #definitions { color: $text-muted; padding: 0 1; }
    #segment { padding: 1 1; border: round $primary; }
    #sides { height: auto; }
    .side { width: 1fr; padding: 0 1; border: round $secondary; height: auto; }
    #outcomes { padding: 0 1; color: $accent; }
    """
    # Each key says what it stores: "neither" used to be ambiguous (it keeps the agreed codes).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "choose('a')", "keep A's"),
        Binding("2", "choose('b')", "keep B's"),
        Binding("t", "choose('both')", "all of both"),
        Binding("x", "choose('neither')", "agreed only"),
        Binding("o", "other", "agreed + other"),
        Binding("w", "rationale", "why"),
        Binding("u", "undo", "undo"),
        Binding("s", "skip", "skip"),
        Binding("q", "quit", "quit"),
    ]

    def __init__(self, session: ReconcileSession) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        yield Static(id="status")
        yield Static(id="attrs")
        with VerticalScroll():
            yield Static(id="before")
            yield Static(id="segment")
            yield Static(id="after")
        with Horizontal(id="sides"):
            yield Static(id="side_a", classes="side")
            yield Static(id="side_b", classes="side")
        yield Static(id="outcomes")
        yield Static(id="definitions")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.draw()

    def draw(self) -> None:
        s = self.session
        item = s.current
        status = self.query_one("#status", Static)
        self.painted(item.segment if item is not None else None)
        if item is None:
            status.update(Text("Done. Press q to quit."))
            for name in ("#attrs", "#before", "#after", "#side_a", "#side_b", "#definitions"):
                self.query_one(name, Static).update("")
            self.query_one("#segment", Static).update(Text(s.summary()))
            self.query_one("#outcomes", Static).update("")
            return
        text, who = s.text(item)
        note = f"  rationale: {s.rationale}" if s.rationale else ""
        status.update(
            Text(f"{s.position + 1}/{len(s.items)}  {who} turn {item.turn}  ({s.reviewer}){note}")
        )
        attrs = s.attributes.get(item.document_id, {})
        self.query_one("#attrs", Static).update(
            Text("  ".join(f"{k}: {v}" for k, v in attrs.items()))
        )
        before, after = s.context(item)
        self.query_one("#before", Static).update(Text(short(before)))
        self.query_one("#after", Static).update(Text(short(after)))
        body = Text(text)
        for start, end in s.evidence(item):  # where the rules found a disputed code
            body.stylize("bold reverse", start, end)
        self.query_one("#segment", Static).update(body)
        for side, name, codes, other in (
            ("#side_a", s.a, item.a, item.b),
            ("#side_b", s.b, item.b, item.a),
        ):
            body = Text(f"{name}\n", style="bold")
            for code in sorted(codes, key=s.name):
                body.append(f"{'  ' if code in other else '* '}{s.name(code)}\n")
            if not codes:
                body.append("(no code)\n")
            self.query_one(side, Static).update(body)
        out = s.outcomes(item)
        labels = {"a": "1", "b": "2", "both": "t", "neither": "x"}
        self.query_one("#outcomes", Static).update(
            Text(
                "  ".join(
                    f"{labels[c]} → {', '.join(codes) or 'no code'}" for c, codes in out.items()
                )
            )
        )
        self.query_one("#definitions", Static).update(Text("\n".join(s.definitions(item))))

    def _on_shown(self) -> bool:
        """Whether the key being handled was pressed with the current disagreement shown."""
        item = self.session.current
        return item is not None and self.fresh(item.segment)

    def action_choose(self, choice: str) -> None:
        if self._on_shown():
            self.session.choose(choice)
            self.draw()

    def action_other(self) -> None:
        s, item = self.session, self.session.current
        if not self._on_shown():
            return

        def chosen(code: str | None) -> None:
            if code and s.current is item:
                s.choose("other", code)
                self.draw()

        self.push_screen(CodePicker(self.session.codebook, "resolve to code"), chosen)

    def action_rationale(self) -> None:
        def written(text: str | None) -> None:
            if text is not None:
                self.session.rationale = text.strip()
                self.draw()

        self.push_screen(TextPrompt("why (kept with the next choice)"), written)

    def action_undo(self) -> None:
        """Take the last choice back: its disagreement is open again, and shown."""
        what = self.session.undo()
        self.notify(f"undone: {what}" if what else "nothing to undo")
        self.draw()

    def action_skip(self) -> None:
        self.session.skip()
        self.draw()
