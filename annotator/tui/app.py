"""The application and its factory, shared by the CLI, the tests and the benchmarks."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding

from annotator.core.corpus import Corpus
from annotator.core.guidelines import load_schema, manual_sections
from annotator.core.identity import check_name, remember_name
from annotator.core.store import AnnotationStore, Opened
from annotator.core.workspace import Workspace
from annotator.tui.commands import AnnotatorCommands
from annotator.tui.screens.annotate import AnnotateScreen
from annotator.tui.screens.corpus_search import CorpusSearchScreen
from annotator.tui.screens.documents import DocumentsScreen
from annotator.tui.screens.help import HelpScreen, bindings_table
from annotator.tui.screens.modals import AskNameScreen


class AnnotatorApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "annotator"
    COMMANDS = App.COMMANDS | {AnnotatorCommands}
    BINDINGS = [
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("ctrl+q", "quit", "Quit", show=False),
        Binding("ctrl+f", "search_corpus", "Search corpus"),
    ]

    def __init__(self, workspace: Workspace, *, bidi: str = "app", annotator: str | None = None) -> None:
        super().__init__()
        self.workspace = workspace
        self.bidi = bidi
        self.corpus = Corpus(workspace.corpus_dir)
        self.schema = load_schema(workspace.guidelines_dir, workspace.config.guidelines)
        self.manual = manual_sections(workspace.guidelines_dir, workspace.config.guidelines)
        self.annotator = annotator
        self.store: AnnotationStore | None = AnnotationStore(workspace.annotations_dir, annotator) if annotator else None
        self.current: str | None = None
        self.opened: Opened | None = None

    def on_mount(self) -> None:
        self.sub_title = self.workspace.config.name
        self.push_screen(DocumentsScreen(self.corpus))
        if self.annotator is None:
            self.push_screen(AskNameScreen(check_name), self._named)

    def _named(self, name: str) -> None:
        remember_name(name)
        self.set_annotator(name)
        self.notify(f"hello {name}: your name is remembered in the user config", timeout=4)

    def set_annotator(self, name: str) -> None:
        self.annotator = name
        self.store = AnnotationStore(self.workspace.annotations_dir, name)
        if isinstance(self.screen, DocumentsScreen):
            self.screen.refresh_statuses()

    def open_document(self, doc_id: str, at: int | None = None) -> None:
        if self.store is None:
            self.notify("who is annotating? give your name first", severity="warning")
            return
        document = self.corpus.load(doc_id)
        if self.opened and self.opened.lock:
            self.opened.lock.release()
        opened = self.store.open(doc_id, document.info.sha256, self.schema.version, self.workspace.guidelines_dir)
        if not document.sha_matches:
            opened.read_only = "the corpus file changed after import (sha256 differs from the index)"
        self.current, self.opened = doc_id, opened
        if isinstance(self.screen, AnnotateScreen):
            self.screen.show(document, opened, at)
        else:
            self.push_screen(AnnotateScreen(document, opened, self.schema, self.manual, self.bidi, at, store=self.store))

    def _step_document(self, step: int) -> None:
        if self.current is None:
            return
        following = self.corpus.neighbour(self.current, step)
        if following is None:
            self.notify("no more documents" if step > 0 else "this is the first document", timeout=2)
        else:
            self.open_document(following)

    def action_next_document(self) -> None:
        self._step_document(1)

    def action_previous_document(self) -> None:
        self._step_document(-1)

    def action_show_documents(self) -> None:
        if isinstance(self.screen, AnnotateScreen):
            if self.screen.opened.lock:
                self.screen.opened.lock.release()
            self.pop_screen()
            if isinstance(self.screen, DocumentsScreen):
                self.screen.refresh_statuses([self.current] if self.current else None)
                if self.current:
                    self.screen.select(self.current)

    def action_search_corpus(self) -> None:
        def opened(hit: tuple[str, int] | None) -> None:
            if hit is None:
                return
            self.open_document(*hit)

        self.push_screen(CorpusSearchScreen(), opened)

    def action_help(self) -> None:
        self.push_screen(HelpScreen(bindings_table(self.screen)))


def make_app(workspace: Workspace, *, bidi: str | None = None, annotator: str | None = None) -> AnnotatorApp:
    """The one place an AnnotatorApp is built (CLI, tests, benchmarks)."""
    return AnnotatorApp(workspace, bidi=workspace.bidi_mode(bidi), annotator=annotator)
