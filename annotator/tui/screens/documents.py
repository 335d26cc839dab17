"""The document list: id, status and annotations to review for the current annotator, gold
progress, length, title.

Rows are drawn on demand; statuses are read by a background worker, so a corpus of
100,000 documents opens at once and fills in its statuses as they are read. The list then
shows what is on disk: on every return to it (from annotation, curation, agreement, ...) and
every CHECK_EVERY seconds while it is shown, a worker reads again what
``core.annotations.freshness`` says may have changed (the documents opened meanwhile, files
other processes or ``git pull`` changed), never every file.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Header, Static
from textual.worker import get_current_worker

from annotator.core.annotations.freshness import Freshness
from annotator.core.annotations.status import DocumentStatus
from annotator.core.corpus import Corpus
from annotator.core.identity import GOLD
from annotator.core.keymap import DOCUMENTS
from annotator.tui.keys import bindings
from annotator.tui.widgets.document_list import DocumentList

if TYPE_CHECKING:
    from textual import getters

    from annotator.tui.app import AnnotatorApp

BATCH = 2000  # statuses read per update of the list
CHECK_EVERY = 2.0  # seconds between looks at the disk while the list is shown


class DocumentsScreen(Screen):
    BINDINGS = bindings(DOCUMENTS)
    if TYPE_CHECKING:
        app = getters.app(AnnotatorApp)

    def __init__(self, corpus: Corpus) -> None:
        super().__init__()
        self.corpus = corpus
        self.freshness: Freshness | None = None  # set by each full read: the store's folder and gold
        self._timer: Timer | None = None
        self._looking = False  # a look at the disk is running
        self._look_again = False  # and another was asked for meanwhile

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
        self._timer = self.set_interval(CHECK_EVERY, self.look, pause=not self.is_current)
        # After the first frame: the worker reading the statuses would hold the interpreter
        # (the GIL) while the list is drawn for the first time.
        self.call_after_refresh(self.refresh_statuses)

    def on_screen_resume(self) -> None:
        """Back to the list (or shown first): what changed while it was away is read now."""
        if self._timer is not None:
            self._timer.resume()
            self.look()

    def on_screen_suspend(self) -> None:
        if self._timer is not None:
            self._timer.pause()

    @property
    def documents(self) -> DocumentList:
        return self.query_one(DocumentList)

    def touch(self, doc_id: str) -> None:
        """``doc_id`` was opened: read it again when the list is shown."""
        if self.freshness is not None:
            self.freshness.touch(doc_id)

    def refresh_statuses(self) -> None:
        """Read every status again in the background (at the start, and for another annotator)."""
        store, workspace = self.app.store, self.app.workspace
        folders = [workspace.annotator_dir(GOLD)] + ([store.directory] if store is not None else [])
        self.freshness = Freshness(folders)
        self._read_all(self.freshness)

    def look(self) -> None:
        """Read again, in the background, what may have changed on disk since the last look."""
        if self.freshness is None:
            return
        if self._looking:
            self._look_again = True
            return
        self._looking = True
        self._look(self.freshness, self.documents.shown_ids)

    @work(thread=True, exclusive=True, group="statuses")
    def _read_all(self, freshness: Freshness) -> None:
        freshness.begin()
        doc_ids = self.corpus.ids
        for i in range(0, len(doc_ids), BATCH):
            if get_current_worker().is_cancelled:  # another full read took over
                return
            self._read(doc_ids[i : i + BATCH])

    @work(thread=True, group="look")
    def _look(self, freshness: Freshness, visible: list[str]) -> None:
        try:
            doc_ids = [doc_id for doc_id in freshness.stale(visible) if doc_id in self.corpus]
            for i in range(0, len(doc_ids), BATCH):
                self._read(doc_ids[i : i + BATCH])
        finally:
            self.app.call_from_thread(self._looked)

    def _looked(self) -> None:
        self._looking = False
        if self._look_again:
            self._look_again = False
            self.look()

    def _read(self, batch: list[str]) -> None:
        """Read one batch (in a worker thread) and show it."""
        from annotator.core.adjudication.run import progress

        store, workspace = self.app.store, self.app.workspace
        read_at = time.monotonic_ns()
        status = store.statuses(batch, self.app.schema.version) if store else {}
        gold = progress(workspace, batch, self.corpus)
        self.app.call_from_thread(self._show_states, status, gold, read_at)

    def _show_states(self, status: dict[str, DocumentStatus], gold: dict[str, str], read_at: int) -> None:
        documents = self.documents
        documents.set_states(status, gold, read_at)
        counts = {s: 0 for s in ("done", "in_progress", "not_started")}
        for state in documents.status.values():
            if state in counts:
                counts[state] += 1
        to_review = [n for n in documents.review.values() if n]
        review = f", {sum(to_review):,} to review in {len(to_review):,} document(s)" if to_review else ""
        adjudicated = sum(1 for g in documents.gold.values() if g == "adjudicated")
        who = self.app.annotator or "?"
        read = len(documents.status)
        pending = f" (reading {read:,}/{len(self.corpus):,})" if read < len(self.corpus) else ""
        bad = len(self.corpus.problems)  # lines of the index left out: their documents are not listed
        skipped = f" · {bad:,} bad index line(s) skipped" if bad else ""
        self.query_one("#doc-header", Static).update(
            Text(
                f"{len(self.corpus):,} documents · {who}: {counts['done']:,} done, "
                f"{counts['in_progress']:,} in progress, {counts['not_started']:,} not started{review} · "
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
            self.touch(doc_id)
            open_curation(self.app, doc_id)

    def action_agreement(self) -> None:
        from annotator.tui.screens.agreement import AgreementScreen

        self.app.push_screen(AgreementScreen())

    def select(self, doc_id: str) -> None:
        self.documents.select(doc_id)
