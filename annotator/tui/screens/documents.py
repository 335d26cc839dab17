"""The document list: id, title, length; Enter opens the reader."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header

from annotator.core.corpus import Corpus


class DocumentsScreen(Screen):
    BINDINGS = [
        Binding("enter", "open", "Open", priority=True),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, corpus: Corpus) -> None:
        super().__init__()
        self.corpus = corpus

    def compose(self) -> ComposeResult:
        yield Header()
        table: DataTable = DataTable(cursor_type="row", zebra_stripes=True, id="documents")
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Documents"
        table = self.query_one(DataTable)
        table.add_columns("id", "chars", "title")
        for info in self.corpus.infos():
            # Titles are data: Text() never interprets markup in them.
            table.add_row(Text(info.id), Text(str(info.chars), justify="right"), Text(info.title, justify="right"), key=info.id)
        table.focus()

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            self.app.open_document(key)

    def select(self, doc_id: str) -> None:
        table = self.query_one(DataTable)
        table.move_cursor(row=table.get_row_index(doc_id))
