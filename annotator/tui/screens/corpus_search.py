"""Search the whole corpus (diacritics, tatweel and alef forms ignored); Enter opens a hit.

The search (``core.search``) runs in a worker thread and posts its hits to the screen as
they are found, so the screen keeps answering keys (Escape, typing another query) while
it reads a large corpus; a new query cancels the search before it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label
from textual.worker import Worker, get_current_worker

from annotator.core.errors import AnnotatorError
from annotator.core.keymap import CORPUS_SEARCH
from annotator.core.search import MAX_HITS, search_corpus
from annotator.core.text.display_text import fit
from annotator.core.text.layout import visual
from annotator.core.text.printable import printable
from annotator.tui.keys import bindings
from annotator.tui.widgets.bidi_input import BidiInput

if TYPE_CHECKING:
    from textual import getters

    from annotator.tui.app import AnnotatorApp

QUERY_CELLS = 40  # the query repeated above the hits, cut keeping its start
ROWS_PER_POST = 200  # hits sent to the screen at a time


class CorpusSearchScreen(ModalScreen[tuple[str, int] | None]):
    BINDINGS = bindings(CORPUS_SEARCH)
    if TYPE_CHECKING:
        app = getters.app(AnnotatorApp)

    class Found(Message):
        """Rows of hits from the search ``worker``; ``done`` with the last of them."""

        def __init__(self, worker: Worker, rows: list[tuple[str, int, str]], done: bool, unreadable: int = 0) -> None:
            super().__init__()
            self.worker = worker
            self.rows = rows  # (doc_id, start, context laid out for the screen)
            self.done = done
            self.unreadable = unreadable  # with ``done``: documents whose text could not be read

    searching: Worker | None = None
    query_text = ""
    count = 0

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label("Search every document (Enter on a hit opens it there)")
            yield BidiInput(placeholder="e.g. الاناضول finds الأناضول", id="corpus-query")
            yield DataTable(cursor_type="row", id="corpus-hits")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("document", "offset", "context")
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(DataTable).clear()
        self.query_text, self.count = event.value, 0
        if not event.value.strip():
            if self.searching is not None:
                self.searching.cancel()
            self.searching = None
            return
        self._say(f"searching for «{fit(event.value, QUERY_CELLS, self.app.bidi)}»...")
        self.searching = self._search(event.value, self.app.bidi)

    @work(thread=True, exclusive=True, group="corpus-search")
    def _search(self, query: str, mode: str) -> None:
        worker = get_current_worker()
        rows: list[tuple[str, int, str]] = []
        unreadable: list[AnnotatorError] = []
        for hits in search_corpus(self.app.corpus, query, unreadable=unreadable):
            if worker.is_cancelled:
                return
            rows += [(hit.doc_id, hit.start, visual(hit.context, mode)) for hit in hits]
            if len(rows) >= ROWS_PER_POST:
                self.post_message(self.Found(worker, rows, done=False))
                rows = []
        if not worker.is_cancelled:
            self.post_message(self.Found(worker, rows, done=True, unreadable=len(unreadable)))

    def on_corpus_search_screen_found(self, message: Found) -> None:
        if message.worker is not self.searching:  # from a search a newer query cancelled
            return
        table = self.query_one(DataTable)
        for doc_id, start, context in message.rows:
            table.add_row(
                Text(printable(doc_id)),
                Text(str(start), justify="right"),
                Text(context, justify="right"),
                key=f"{doc_id}:{start}",
            )
        self.count += len(message.rows)
        query = fit(self.query_text, QUERY_CELLS, self.app.bidi)
        if not message.done:
            self._say(f"{self.count} hits for «{query}» so far, searching...")
            return
        more = f" (first {MAX_HITS})" if self.count >= MAX_HITS else ""
        skipped = f"; {message.unreadable} document(s) could not be read" if message.unreadable else ""
        self._say(f"{self.count} hits for «{query}»{more}{skipped}")
        if self.count:
            table.focus()

    def _say(self, what: str) -> None:
        self.query_one(Label).update(Text(what))  # the query is data: no markup

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        doc_id, _, start = str(event.row_key.value).rpartition(":")
        self.dismiss((doc_id, int(start)))

    def action_cancel(self) -> None:
        self.dismiss(None)
