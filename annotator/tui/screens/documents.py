"""The document list: id, status for the current annotator, gold progress, length, title.

Rows are drawn on demand; statuses are read by a background worker, so a corpus of
100,000 documents opens at once and fills in its statuses as they are read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from annotator.core.corpus import Corpus
from annotator.core.keymap import DOCUMENTS
from annotator.tui.keys import bindings
from annotator.tui.widgets.document_list import DocumentList

if TYPE_CHECKING:
    from textual import getters

    from annotator.tui.app import AnnotatorApp

BATCH = 2000  # statuses read per update of the list


class DocumentsScreen(Screen):
    BINDINGS = bindings(DOCUMENTS)
    if TYPE_CHECKING:
        app = getters.app(AnnotatorApp)

    def __init__(self, corpus: Corpus) -> None:
        super().__init__()
        self.corpus = corpus

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="doc-header")
        advice = self.app.bidi_display.advice
        if advice:  # what to do if Arabic reads backwards (inside tmux): plain, in its own line
            yield Static(Text(advice), id="advice")
        yield DocumentList(self.corpus.infos(), self.app.bidi, id="documents")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Documents"
        self.query_one(DocumentList).focus()
        self.refresh_statuses()

    @property
    def documents(self) -> DocumentList:
        return self.query_one(DocumentList)

    def refresh_statuses(self, doc_ids: list[str] | None = None) -> None:
        """Read statuses again (all documents, or just ``doc_ids``) in the background."""
        self._read_statuses(doc_ids or self.corpus.ids)

    @work(thread=True, exclusive=True, group="statuses")
    def _read_statuses(self, doc_ids: list[str]) -> None:
        from annotator.core.adjudication.run import progress

        store, workspace = self.app.store, self.app.workspace
        for i in range(0, len(doc_ids), BATCH):
            batch = doc_ids[i : i + BATCH]
            status = store.statuses(batch) if store else {}
            gold = progress(workspace, batch, self.corpus)
            self.app.call_from_thread(self._show_states, status, gold)

    def _show_states(self, status: dict[str, str], gold: dict[str, str]) -> None:
        documents = self.documents
        documents.set_states(status, gold)
        counts = {s: 0 for s in ("done", "in_progress", "not_started")}
        for state in documents.status.values():
            if state in counts:
                counts[state] += 1
        adjudicated = sum(1 for g in documents.gold.values() if g == "adjudicated")
        who = self.app.annotator or "?"
        read = len(documents.status)
        pending = f" (reading {read:,}/{len(self.corpus):,})" if read < len(self.corpus) else ""
        bad = len(self.corpus.problems)  # lines of the index left out: their documents are not listed
        skipped = f" · {bad:,} bad index line(s) skipped" if bad else ""
        self.query_one("#doc-header", Static).update(
            Text(
                f"{len(self.corpus):,} documents · {who}: {counts['done']:,} done, "
                f"{counts['in_progress']:,} in progress, {counts['not_started']:,} not started · "
                f"gold: {adjudicated:,} adjudicated{pending}{skipped}"
            )
        )

    def _selected(self) -> str | None:
        return self.documents.selected

    def action_open(self) -> None:
        doc_id = self._selected()
        if doc_id:
            self.app.open_document(doc_id)

    def action_curate(self) -> None:
        from annotator.tui.screens.curate import open_curation

        doc_id = self._selected()
        if doc_id:
            open_curation(self.app, doc_id)

    def action_agreement(self) -> None:
        from annotator.tui.screens.agreement import AgreementScreen

        self.app.push_screen(AgreementScreen())

    def select(self, doc_id: str) -> None:
        self.documents.select(doc_id)
