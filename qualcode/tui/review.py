"""``qualcode review``: a terminal app for accepting, rejecting and changing suggestions.

All state lives in a :class:`~qualcode.review.session.ReviewSession`; the app only draws it and
maps keys to its actions, each of which is stored at once. Each key is one action (a decision
and the segment auto-advance finishes with it included), undone whole by ``u``; a key pressed
before the segment it would act on was on screen is ignored (:mod:`qualcode.tui.painted`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from qualcode.errors import QualcodeError
from qualcode.review.session import ReviewSession, Suggestion
from qualcode.tui.painted import SegmentApp
from qualcode.tui.pickers import CodePicker, TextPrompt, short

ACTION_MARK = {"accept": "✓", "reject": "✗", "recode": "→"}
NEW_DRAFT = "__new_draft_code__"


class ReviewApp(SegmentApp):
    """Review machine suggestions (or code blind) one segment at a time."""

    TITLE = "qualcode review"
    CSS = """
    #status { height: 1; background: $boost; padding: 0 1; }
    #attrs { height: auto; color: $text-muted; padding: 0 1; }
    #before, #after { color: $text-muted; padding: 0 1; }
    #segment { padding: 1 1; border: round $primary; }
    #bottom { height: auto; max-height: 16; }
    #codes { height: auto; max-height: 12; }
    #hint { height: 1; padding: 0 1; color: $accent; }
    #definition { padding: 0 1; color: $text-muted; }
    """
    # Short labels so that the whole key bar fits 80 columns (the compact footer); the
    # moving keys (arrows, j/k, d, ?) are named on the hint line instead.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "accept", "accept"),
        Binding("r", "reject", "reject"),
        Binding("c", "change", "change"),
        Binding("x", "reject_rest", "reject rest"),
        Binding("plus,equals_sign", "add", "add"),
        Binding("asterisk", "key_quote", "key"),
        Binding("m", "memo", "memo"),
        Binding("u", "undo", "undo"),
        Binding("n,enter", "next", "next"),
        Binding("q", "quit", "quit"),
        Binding("d", "next_document", "next doc", show=False),
        Binding("question_mark,i", "definition", "define", show=False),
        Binding("j", "down", "down", show=False),
        Binding("k", "up", "up", show=False),
        Binding("s", "skip", "skip", show=False),
        Binding("space", "tick", "tick code", show=False),
        Binding("l", "learn", "learn now", show=False),
    ]

    def __init__(self, session: ReviewSession) -> None:
        super().__init__()
        self.session = session
        self.show_definition = False
        self.learning = False  # a retrain is running in the background

    def compose(self) -> ComposeResult:
        yield Static(id="status")
        yield Static(id="attrs")
        with VerticalScroll():
            yield Static(id="before")
            yield Static(id="segment")
            yield Static(id="after")
        with Vertical(id="bottom"):
            yield OptionList(id="codes", markup=False)
            yield Static(id="hint")
            yield Static(id="definition")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.refresh_item()
        self.query_one("#codes", OptionList).focus()  # arrows and j/k move at once

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Only the keys that apply: coding blind has no suggestions to accept or reject."""
        blind_only = ("tick",)
        review_only = ("accept", "reject", "change", "reject_rest", "learn")
        # not applicable: hidden from the key bar, and the key does nothing
        return action not in (review_only if self.session.blind else blind_only)

    # drawing --------------------------------------------------------------------------------
    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on the list: in blind coding, toggle the code; otherwise, next segment."""
        if self.session.blind:
            self.action_tick()
        else:
            self.action_next()

    def action_tick(self) -> None:
        s = self.session
        if not s.blind or s.current is None or not self._on_shown():
            return
        index = self._keep()
        s.cursor = index
        s.toggle(s.codebook.codes[index].id)
        self.refresh_item(index)

    def _on_shown(self) -> bool:
        """Whether the key being handled was pressed with the current segment on screen."""
        item = self.session.current
        return self.fresh(item.segment if item is not None else None)

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
        self.painted(item.segment if item is not None else None)
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
        learning = "  · learning…" if self.learning else ""
        done, total, doc_done, doc_total = s.progress()
        status.update(
            Text(
                f"{mode}{done}/{total} reviewed · document {doc_done}/{doc_total}  "
                f"{participant} {who}  turn {item.turn}{key}  ({s.reviewer}){learning}"
            )
        )
        memos = "".join(
            f"\nmemo ({who}): {text}" for who, text in s.project.store.segment_memos(item.segment)
        )
        self.query_one("#attrs", Static).update(
            Text("  ".join(f"{k}: {v}" for k, v in attrs.items()) + memos)
        )
        self.query_one("#before", Static).update(Text(short(before)))
        self.query_one("#after", Static).update(Text(short(after)))
        chosen = self.selected_index(keep)
        self.draw_segment(text, chosen)
        decided, added = s.state(item)
        options = []
        if s.blind:  # the codebook as a checklist, by aim: space or enter toggles a code
            for c in s.codebook.codes:
                tick = "[x]" if c.id in added else "[ ]"
                options.append(Option(f"{tick} {s.aim_name(c.id)}: {c.name}"))
            codes.set_options(options)
            codes.highlighted = max(0, min(keep, len(options) - 1))
            self.draw_definition()
            return
        if not s.blind:
            for sug in item.suggestions:
                mark = ACTION_MARK.get(decided.get(sug.app_id, ""), " ")
                score = "" if sug.score is None else f" {sug.score:.2f}"
                if sug.kind == "model" and sug.code in s.precision:  # how often it is right
                    score += f", est. precision {s.precision[sug.code]:.0%}"
                if sug.kind == "rule" and s.sources.get(sug.code) == "rules":
                    score += ", the model did no better here"  # which source, and why
                where = f"{s.aim_name(sug.code)}: " if s.aim_name(sug.code) else ""
                options.append(
                    Option(f"{mark} {where}{s.code_name(sug.code)}  [{sug.kind}{score}]")
                )
        for code in added:
            options.append(Option(f"+ {s.code_name(code)}  [added by {s.reviewer}]", disabled=True))
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
        code = sug.code if sug else self._blind_code()
        text = self.session.definition(code) if (code and self.show_definition) else ""
        self.query_one("#definition", Static).update(Text(text))
        hint = ""
        if sug is not None:
            name = self.session.code_name(sug.code)
            accept = "choose its code" if sug.kind == "topic" else "accept"
            hint = f"a {accept} · r reject · c change  →  {name}"
            hint += "   (↑↓ j k move · ? define · d next doc)"
        elif self.session.blind and self.session.current is not None:
            hint = "space/enter tick or untick the code · n done (no code is a decision too)"
        self.query_one("#hint", Static).update(Text(hint))

    def _blind_code(self) -> str:
        s = self.session
        if not s.blind or s.current is None:
            return ""
        return s.codebook.codes[min(self._keep(), len(s.codebook.codes) - 1)].id

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        item = self.session.current
        if self.session.blind:
            self.draw_definition()
            return
        if item is None or not item.suggestions:
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

    def decide(self, kind: str, act: Callable[[], object]) -> None:
        """One key's decision and, when it leaves nothing undecided, the segment finished by
        auto-advance: one action, undone whole."""
        s = self.session
        s.cursor = self._keep()
        with s.acting(kind):
            act()
            moved = bool(s.current is not None and not s.undecided() and s.auto_advance)
            if moved:
                s.next()
        self.after_decision(moved)

    def after_decision(self, moved: bool) -> None:
        """Highlight the next undecided suggestion, or show the next segment."""
        if moved:
            self.maybe_learn()
            self.refresh_item()
            return
        item, rest = self.session.current, self.session.undecided()
        index = item.suggestions.index(rest[0]) if (item is not None and rest) else self._keep()
        self.refresh_item(index)

    # actions --------------------------------------------------------------------------------
    def action_down(self) -> None:
        self.query_one("#codes", OptionList).action_cursor_down()

    def action_up(self) -> None:
        self.query_one("#codes", OptionList).action_cursor_up()

    def action_accept(self) -> None:
        sug = self.selected()
        if sug is None or not self._on_shown():
            return
        if sug.kind == "topic":  # a topic is not a code: the reviewer says which code applies
            self._pick(sug, f"which code does this topic's turn get? ({sug.code})")
            return
        self.decide("accept", lambda: self.session.accept(sug))

    def action_reject(self) -> None:
        sug = self.selected()
        if sug is not None and self._on_shown():
            self.decide("reject", lambda: self.session.reject(sug))

    def action_reject_rest(self) -> None:
        s = self.session
        if s.current is not None and self._on_shown() and s.undecided():
            self.decide("reject rest", s.reject_rest)

    def action_change(self) -> None:
        sug = self.selected()
        if sug is not None and self._on_shown():
            self._pick(sug, f"change {self.session.code_name(sug.code)} to")

    def _pick(self, sug: Suggestion, title: str) -> None:
        s, item = self.session, self.session.current

        def chosen(code: str | None) -> None:
            if not code or s.current is not item:  # (the picker was open on that segment)
                return
            if code != NEW_DRAFT:
                self.decide("change", lambda: s.change(sug, code))
                return
            made: list[str] = []
            self.decide("adopt topic", lambda: made.append(s.adopt_topic(sug)))
            self.notify(f"{made[0]}: a draft code in the codebook (edit its definition there)")

        extra = ((NEW_DRAFT, "+ a new draft code from this topic"),) if sug.kind == "topic" else ()
        self.push_screen(CodePicker(self.session.codebook, title, extra), chosen)

    def action_add(self) -> None:
        s, item = self.session, self.session.current
        if item is None or not self._on_shown():
            return

        def chosen(code: str | None) -> None:
            if code and s.current is item:
                s.add(code)
                self.refresh_item(self._keep())

        self.push_screen(CodePicker(self.session.codebook, "add code"), chosen)

    def action_key_quote(self) -> None:
        if self.session.current is None or not self._on_shown():
            return
        self.session.cursor = self._keep()
        self.session.key_quote()
        self.refresh_item(self._keep())

    def action_memo(self) -> None:
        s, item = self.session, self.session.current
        if item is None or not self._on_shown():
            return

        def written(text: str | None) -> None:
            if text and s.current is item:
                s.cursor = self._keep()
                s.memo(text)
                self.refresh_item(self._keep())
                self.notify("memo saved (u takes it back)")

        self.push_screen(TextPrompt("memo on this segment"), written)

    def action_undo(self) -> None:
        """Take back the reviewer's last action, whole, and show its segment again."""
        what = self.session.undo()
        if what:
            self.refresh_item(self.session.cursor)
            self.notify(f"undone: {what.replace('_', ' ')}")
        else:
            self.notify("nothing to undo")

    def action_next(self) -> None:
        if self.session.current is None or not self._on_shown():
            return
        rest = len(self.session.undecided())
        self.session.next()
        self.maybe_learn()
        if rest:
            self.notify(
                f"{rest} suggestion{'s' if rest > 1 else ''} still undecided: the segment stays "
                "in your queue (x rejects the rest)"
            )
        self.refresh_item()

    def action_skip(self) -> None:
        self.session.skip()
        self.refresh_item()

    def action_next_document(self) -> None:
        self.session.next_document()
        self.refresh_item()

    # learning while reviewing --------------------------------------------------------------
    def maybe_learn(self) -> None:
        if self.session.retrain_due():
            self.action_learn()

    def action_learn(self) -> None:
        """Retrain on every decision so far, in the background; the queue after the current
        segment is re-ranked when it is done (the reviewer never waits)."""
        if self.learning or self.session.blind:
            return
        self.learning = True
        self.run_worker(self.session.relearn_job(), thread=True, group="learn", exit_on_error=False)
        self.notify("learning from your decisions in the background…")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "learn" or event.state not in (
            WorkerState.SUCCESS,
            WorkerState.ERROR,
        ):
            return
        self.learning = False
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            message = error.message if isinstance(error, QualcodeError) else type(error).__name__
            self.notify(f"could not learn: {message}", severity="error")
        else:
            done = event.worker.result
            assert done is not None
            left = self.session.requeue(done.uncertainty)
            self.notify(
                f"model {done.train.model} learnt from {done.train.segments} segments: "
                f"{left} segments re-ranked, least certain first"
            )
        self.refresh_item(self._keep())

    def action_definition(self) -> None:
        self.show_definition = not self.show_definition
        self.draw_definition()


def run_review(session: ReviewSession, **kwargs: Any) -> None:
    ReviewApp(session).run(**kwargs)
