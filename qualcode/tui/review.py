"""``qualcode review``: a terminal app for accepting, rejecting and changing suggestions.

All state lives in a :class:`~qualcode.review.session.ReviewSession`; the app only draws it and
maps keys to its actions, each of which is stored at once.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from qualcode.review.session import ReviewSession, Suggestion
from qualcode.tui.pickers import CodePicker, TextPrompt

ACTION_MARK = {"accept": "✓", "reject": "✗", "recode": "→"}


class ReviewApp(App[None]):
    """Review machine suggestions (or code blind) one segment at a time."""

    TITLE = "qualcode review"
    CSS = """
    #status { height: 1; background: $boost; padding: 0 1; }
    #attrs { height: auto; color: $text-muted; padding: 0 1; }
    #before, #after { color: $text-muted; padding: 0 1; }
    #segment { padding: 1 1; border: round $primary; }
    #bottom { height: auto; max-height: 16; }
    #codes { height: auto; max-height: 12; }
    #definition { padding: 0 1; color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "accept", "accept"),
        Binding("r", "reject", "reject"),
        Binding("c", "change", "change code"),
        Binding("plus,equals_sign", "add", "add code"),
        Binding("k", "key_quote", "key quote"),
        Binding("m", "memo", "memo"),
        Binding("u", "undo", "undo"),
        Binding("n,enter", "next", "next"),
        Binding("s", "skip", "skip"),
        Binding("d", "next_document", "next doc"),
        Binding("question_mark,i", "definition", "definition"),
        Binding("q", "quit", "quit"),
    ]

    def __init__(self, session: ReviewSession) -> None:
        super().__init__()
        self.session = session
        self.show_definition = False

    def compose(self) -> ComposeResult:
        yield Static(id="status")
        yield Static(id="attrs")
        with VerticalScroll():
            yield Static(id="before")
            yield Static(id="segment")
            yield Static(id="after")
        with Vertical(id="bottom"):
            yield OptionList(id="codes", markup=False)
            yield Static(id="definition")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_item()

    # drawing --------------------------------------------------------------------------------
    def selected(self) -> Suggestion | None:
        item = self.session.current
        if item is None or not item.suggestions or self.session.blind:
            return None
        index = self.query_one("#codes", OptionList).highlighted or 0
        return item.suggestions[min(index, len(item.suggestions) - 1)]

    def refresh_item(self, keep: int = 0) -> None:
        s = self.session
        item = s.current
        status = self.query_one("#status", Static)
        codes = self.query_one("#codes", OptionList)
        if item is None:
            status.update(Text(f"Queue finished: {len(s.items)} segments. Press q to quit."))
            for name in ("#attrs", "#before", "#segment", "#after", "#definition"):
                self.query_one(name, Static).update("")
            codes.clear_options()
            return
        before, text, after, participant = s.context(item)
        attrs = s.attributes.get(item.document_id, {})
        who = ", ".join(v for k, v in attrs.items() if k in ("role", "local_authority")) or ""
        key = "  ★ key quote" if item.segment in s.key_quotes else ""
        mode = "BLIND  " if s.blind else ""
        status.update(
            Text(
                f"{mode}{s.position + 1}/{len(s.items)}  {participant} {who}  turn {item.turn}"
                f"{key}  ({s.reviewer})"
            )
        )
        self.query_one("#attrs", Static).update(
            Text("  ".join(f"{k}: {v}" for k, v in attrs.items()))
        )
        self.query_one("#before", Static).update(Text(_short(before)))
        self.query_one("#after", Static).update(Text(_short(after)))
        chosen = self.selected_index(keep)
        self.draw_segment(text, chosen)
        decided, added = s.state(item)
        options = []
        if not s.blind:
            for sug in item.suggestions:
                mark = ACTION_MARK.get(decided.get(sug.app_id, ""), " ")
                score = "" if sug.score is None else f" {sug.score:.2f}"
                options.append(Option(f"{mark} {sug.code}  [{sug.kind} {sug.source}{score}]"))
        for code in added:
            options.append(Option(f"+ {code}  [added by {s.reviewer}]", disabled=True))
        codes.set_options(options)
        if options and not s.blind:
            codes.highlighted = chosen
        self.draw_definition()

    def selected_index(self, keep: int) -> int:
        item = self.session.current
        if item is None or not item.suggestions:
            return 0
        return max(0, min(keep, len(item.suggestions) - 1))

    def draw_definition(self) -> None:
        sug = self.selected()
        text = self.session.definition(sug.code) if (sug and self.show_definition) else ""
        self.query_one("#definition", Static).update(Text(text))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        item = self.session.current
        if item is None or self.session.blind or not item.suggestions:
            return
        self.draw_segment(self.session.context(item)[1], event.option_index)
        self.draw_definition()

    def draw_segment(self, text: str, index: int) -> None:
        """The segment, with the evidence of suggestion ``index`` highlighted (none when blind)."""
        item = self.session.current
        body = Text(text)
        if item is not None and item.suggestions and not self.session.blind:
            sug = item.suggestions[min(index, len(item.suggestions) - 1)]
            body.stylize("bold reverse", sug.start - item.start, sug.end - item.start)
        self.query_one("#segment", Static).update(body)

    def _keep(self) -> int:
        return self.query_one("#codes", OptionList).highlighted or 0

    # actions --------------------------------------------------------------------------------
    def action_accept(self) -> None:
        sug = self.selected()
        if sug is not None:
            self.session.accept(sug)
            self.refresh_item(self._keep() + 1)

    def action_reject(self) -> None:
        sug = self.selected()
        if sug is not None:
            self.session.reject(sug)
            self.refresh_item(self._keep() + 1)

    def action_change(self) -> None:
        sug = self.selected()
        if sug is None:
            return

        def chosen(code: str | None) -> None:
            if code and sug is not None:
                self.session.change(sug, code)
                self.refresh_item(self._keep() + 1)

        self.push_screen(CodePicker(self.session.codebook, f"change {sug.code} to"), chosen)

    def action_add(self) -> None:
        if self.session.current is None:
            return

        def chosen(code: str | None) -> None:
            if code:
                self.session.add(code)
                self.refresh_item(self._keep())

        self.push_screen(CodePicker(self.session.codebook, "add code"), chosen)

    def action_key_quote(self) -> None:
        self.session.key_quote()
        self.refresh_item(self._keep())

    def action_memo(self) -> None:
        if self.session.current is None:
            return

        def written(text: str | None) -> None:
            if text:
                self.session.memo(text)
                self.notify("memo saved")

        self.push_screen(TextPrompt("memo on this segment"), written)

    def action_undo(self) -> None:
        if self.session.undo():
            self.refresh_item()
        else:
            self.notify("nothing to undo")

    def action_next(self) -> None:
        self.session.next()
        self.refresh_item()

    def action_skip(self) -> None:
        self.session.skip()
        self.refresh_item()

    def action_next_document(self) -> None:
        self.session.next_document()
        self.refresh_item()

    def action_definition(self) -> None:
        self.show_definition = not self.show_definition
        self.draw_definition()


def _short(text: str, limit: int = 400) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def run_review(session: ReviewSession, **kwargs: Any) -> None:
    ReviewApp(session).run(**kwargs)
