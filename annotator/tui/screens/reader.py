"""The reader screen: one document in the ReaderView, a status line, next/previous."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from annotator.core.corpus import Document
from annotator.tui.widgets.reader_view import ReaderView


class ReaderScreen(Screen):
    BINDINGS = [
        Binding("n", "app.next_document", "Next doc"),
        Binding("p", "app.previous_document", "Prev doc"),
        Binding("escape", "app.show_documents", "Documents"),
        Binding("D", "toggle_diacritics", "Diacritics"),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, document: Document, mode: str) -> None:
        super().__init__()
        self.document = document
        self.mode = mode

    def compose(self) -> ComposeResult:
        yield Header()
        yield ReaderView(self.document.text, mode=self.mode, id="reader")
        yield Static(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self._set_title()
        self.query_one(ReaderView).focus()

    def _set_title(self) -> None:
        self.title = self.document.id
        self.sub_title = f"{self.document.info.chars} chars · bidi {self.mode}"

    @property
    def reader(self) -> ReaderView:
        return self.query_one(ReaderView)

    def show(self, document: Document) -> None:
        self.document = document
        self._set_title()
        self.reader.load(document.text)

    def on_reader_view_cursor_moved(self, message: ReaderView.CursorMoved) -> None:
        token = self.document.text[message.start:message.end]
        status = Text.assemble(
            (f"{self.document.id}", "bold"), "  offset ", (f"{message.start}-{message.end}", "bold"),
            "  token ", (token.translate(_VISIBLE), ""),
        )
        self.query_one("#status", Static).update(status)

    def action_toggle_diacritics(self) -> None:
        self.reader.diacritics = not self.reader.diacritics
        self.notify("diacritics shown" if self.reader.diacritics else "diacritics hidden", timeout=2)


# The status line shows tokens as data: control characters become visible symbols.
_VISIBLE = {c: 0x2400 + c for c in range(32)} | {0x7F: 0x2421}
