"""Modal screens shared by the review and reconcile apps: a fuzzy code picker, a text prompt."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.fuzzy import Matcher
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from qualcode.codebook import Codebook


def short(text: str, limit: int = 400) -> str:
    """A context turn on one line, cut at ``limit`` characters (the apps' turns before/after)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def rank_codes(codebook: Codebook, query: str) -> list[str]:
    """Code ids best matching ``query`` (fuzzy, over id and name), best first; all when empty."""
    codes = [(c.id, f"{c.id} {c.name}") for c in codebook.codes]
    if not query.strip():
        return [c for c, _ in codes]
    matcher = Matcher(query)
    scored = [(matcher.match(text), i, code) for i, (code, text) in enumerate(codes)]
    return [code for score, _, code in sorted(scored, key=lambda s: (-s[0], s[1])) if score > 0]


class CodePicker(ModalScreen[str | None]):
    """Type to filter the codebook's codes; Enter picks the highlighted one, Escape cancels."""

    DEFAULT_CSS = """
    CodePicker { align: center middle; }
    CodePicker > Vertical { width: 80; height: 24; border: round $primary; background: $panel; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "cancel")]

    def __init__(
        self, codebook: Codebook, title: str, extra: tuple[tuple[str, str], ...] = ()
    ) -> None:
        super().__init__()
        self.codebook = codebook
        self.title_text = title
        self.extra = extra  # (id, label) choices offered first, e.g. a new draft code

    def _options(self, query: str) -> list[Option]:
        first = [Option(label, id=key) for key, label in self.extra] if not query else []
        return first + [Option(c, id=c) for c in rank_codes(self.codebook, query)]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text)
            yield Input(placeholder="type part of a code id or name", id="query")
            yield OptionList(*self._options(""), id="list")

    def on_mount(self) -> None:
        self.query_one("#list", OptionList).highlighted = 0
        self.query_one("#query", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        options = self.query_one("#list", OptionList)
        options.set_options(self._options(event.value))
        if options.option_count:
            options.highlighted = 0

    def on_input_submitted(self, event: Input.Submitted) -> None:
        options = self.query_one("#list", OptionList)
        if options.option_count and options.highlighted is not None:
            self.dismiss(str(options.get_option_at_index(options.highlighted).id))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(str(event.option.id))

    def action_cancel(self) -> None:
        self.dismiss(None)


class TextPrompt(ModalScreen[str | None]):
    """One line of text (a memo, a rationale); Enter saves, Escape cancels."""

    DEFAULT_CSS = """
    TextPrompt { align: center middle; }
    TextPrompt > Vertical { width: 80; height: 7; border: round $primary; background: $panel; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "cancel")]

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text)
            yield Input(id="text")

    def on_mount(self) -> None:
        self.query_one("#text", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
