"""The document list: id, status for the current annotator, counts, title; Enter opens."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from annotator.core.corpus import Corpus
from annotator.core.layout import visual

STATUS_STYLE = {"done": "#5fd75f", "in_progress": "#d7d75f", "not_started": "dim", "unreadable": "bold #ff5f5f"}
TITLE_CHARS = 60  # titles are cut in logical order, so a right-to-left title keeps its beginning


class DocumentsScreen(Screen):
    BINDINGS = [
        Binding("enter", "open", "Open", priority=True),
        Binding("c", "curate", "Curate gold"),
        Binding("g", "agreement", "Agreement"),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, corpus: Corpus) -> None:
        super().__init__()
        self.corpus = corpus

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="doc-header")
        yield DataTable(cursor_type="row", zebra_stripes=True, id="documents")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Documents"
        table = self.query_one(DataTable)
        table.add_column("id", key="id")
        table.add_column("status", key="status")
        table.add_column("gold", key="gold")
        table.add_column("chars", key="chars")
        table.add_column("title", key="title")
        for info in self.corpus.infos():
            # Titles are data: Text() never interprets markup in them.
            table.add_row(Text(info.id), Text(""), Text(""), Text(str(info.chars), justify="right"),
                          Text(visual(_short(info.title), self.app.bidi), justify="right"), key=info.id)
        self.refresh_statuses()
        table.focus()

    def refresh_statuses(self) -> None:
        store = self.app.store
        table = self.query_one(DataTable)
        statuses = store.statuses(self.corpus.ids) if store else {}
        for doc_id in self.corpus.ids:
            status = statuses.get(doc_id, "not_started")
            table.update_cell(doc_id, "status", Text(status.replace("_", " "), style=STATUS_STYLE.get(status, "")))
        from annotator.core.adjudication import progress

        gold = progress(self.app.workspace, self.corpus.ids)
        for doc_id, state in gold.items():
            style = "#5fd75f" if state == "adjudicated" else "#d7d75f" if state.startswith("conflicts") else "dim"
            table.update_cell(doc_id, "gold", Text(state, style=style))
        counts = {s: list(statuses.values()).count(s) for s in ("done", "in_progress", "not_started")}
        who = self.app.annotator or "?"
        self.query_one("#doc-header", Static).update(
            f"{len(self.corpus)} documents · {who}: {counts['done']} done, {counts['in_progress']} in progress, "
            f"{counts['not_started']} not started · gold: {list(gold.values()).count('adjudicated')} adjudicated"
        )

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            self.app.open_document(key)

    def _selected(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def action_curate(self) -> None:
        from annotator.tui.screens.curate import open_curation

        doc_id = self._selected()
        if doc_id:
            open_curation(self.app, doc_id)

    def action_agreement(self) -> None:
        from annotator.tui.screens.agreement import AgreementScreen

        self.app.push_screen(AgreementScreen())

    def select(self, doc_id: str) -> None:
        table = self.query_one(DataTable)
        table.move_cursor(row=table.get_row_index(doc_id))


def _short(title: str) -> str:
    return title if len(title) <= TITLE_CHARS else title[:TITLE_CHARS - 1].rstrip() + "…"
