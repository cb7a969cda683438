"""``qualcode reconcile A B``: settle two coders' disagreements one at a time, side by side."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Static

from qualcode.review.reconcile import ReconcileSession
from qualcode.tui.pickers import CodePicker, TextPrompt


class ReconcileApp(App[None]):
    TITLE = "qualcode reconcile"
    CSS = """
    #status { height: 1; background: $boost; padding: 0 1; }
    #segment { padding: 1 1; border: round $primary; }
    #sides { height: auto; }
    .side { width: 1fr; padding: 0 1; border: round $secondary; height: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "choose('a')", "choose A"),
        Binding("2", "choose('b')", "choose B"),
        Binding("t", "choose('both')", "both"),
        Binding("x", "choose('neither')", "neither"),
        Binding("o", "other", "other code"),
        Binding("w", "rationale", "rationale"),
        Binding("s", "skip", "skip"),
        Binding("q", "quit", "quit"),
    ]

    def __init__(self, session: ReconcileSession) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        yield Static(id="status")
        with VerticalScroll():
            yield Static(id="segment")
        with Horizontal(id="sides"):
            yield Static(id="side_a", classes="side")
            yield Static(id="side_b", classes="side")
        yield Footer()

    def on_mount(self) -> None:
        self.draw()

    def draw(self) -> None:
        s = self.session
        item = s.current
        status = self.query_one("#status", Static)
        if item is None:
            status.update(Text(f"All {len(s.items)} disagreements handled. Press q to quit."))
            for name in ("#segment", "#side_a", "#side_b"):
                self.query_one(name, Static).update("")
            return
        text, who = s.text(item)
        note = f"  rationale: {s.rationale}" if s.rationale else ""
        status.update(
            Text(f"{s.position + 1}/{len(s.items)}  {who} turn {item.turn}  ({s.reviewer}){note}")
        )
        self.query_one("#segment", Static).update(Text(text))
        for side, name, codes, other in (
            ("#side_a", s.a, item.a, item.b),
            ("#side_b", s.b, item.b, item.a),
        ):
            body = Text(f"{name}\n", style="bold")
            for code in sorted(codes):
                body.append(f"{'  ' if code in other else '* '}{code}\n")
            if not codes:
                body.append("(no code)\n")
            self.query_one(side, Static).update(body)

    def action_choose(self, choice: str) -> None:
        if self.session.current is not None:
            self.session.choose(choice)
            self.draw()

    def action_other(self) -> None:
        if self.session.current is None:
            return

        def chosen(code: str | None) -> None:
            if code:
                self.session.choose("other", code)
                self.draw()

        self.push_screen(CodePicker(self.session.codebook, "resolve to code"), chosen)

    def action_rationale(self) -> None:
        def written(text: str | None) -> None:
            if text is not None:
                self.session.rationale = text.strip()
                self.draw()

        self.push_screen(TextPrompt("why (kept with the next choice)"), written)

    def action_skip(self) -> None:
        self.session.skip()
        self.draw()
