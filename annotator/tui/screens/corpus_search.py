"""Search the whole corpus (diacritics, tatweel and alef forms ignored); Enter opens a hit."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label

from annotator.core.text.display_text import fit
from annotator.core.text.layout import visual
from annotator.tui.widgets.bidi_input import BidiInput

CONTEXT = 30
MAX_HITS = 2000
QUERY_CELLS = 40  # the query repeated above the hits, cut keeping its start


class CorpusSearchScreen(ModalScreen[tuple[str, int] | None]):
    BINDINGS = [Binding("escape", "cancel", "Close search")]

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
        table = self.query_one(DataTable)
        table.clear()
        query = event.value
        if not query.strip():
            return
        from annotator.core.text.normalize import find_all  # built on first search: keeps start-up fast

        corpus, mode = self.app.corpus, self.app.bidi
        count = 0
        for doc_id in corpus.ids:
            text = corpus.text(doc_id)
            for start, end in find_all(text, query):
                snippet = text[max(0, start - CONTEXT):end + CONTEXT].replace("\n", " ")
                table.add_row(Text(doc_id), Text(str(start), justify="right"),
                              Text(visual(snippet, mode), justify="right"), key=f"{doc_id}:{start}")
                count += 1
                if count >= MAX_HITS:
                    break
            if count >= MAX_HITS:
                break
        more = " (first 2000)" if count >= MAX_HITS else ""
        self.query_one(Label).update(Text(f"{count} hits for «{fit(query, QUERY_CELLS, mode)}»{more}"))  # data: no markup
        if count:
            table.focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        doc_id, _, start = str(event.row_key.value).rpartition(":")
        self.dismiss((doc_id, int(start)))

    def action_cancel(self) -> None:
        self.dismiss(None)
