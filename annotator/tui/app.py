"""The application and its factory, shared by the CLI and the tests."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding

from annotator.core.corpus import Corpus
from annotator.core.workspace import Workspace
from annotator.tui.screens.documents import DocumentsScreen
from annotator.tui.screens.reader import ReaderScreen


class AnnotatorApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "annotator"
    BINDINGS = [
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("ctrl+q", "quit", "Quit", show=False),
    ]

    def __init__(self, workspace: Workspace, *, bidi: str = "app") -> None:
        super().__init__()
        self.workspace = workspace
        self.bidi = bidi
        self.corpus = Corpus(workspace.corpus_dir)
        self.current: str | None = None

    def on_mount(self) -> None:
        self.sub_title = self.workspace.config.name
        self.push_screen(DocumentsScreen(self.corpus))

    def open_document(self, doc_id: str) -> None:
        document = self.corpus.load(doc_id)
        self.current = doc_id
        if isinstance(self.screen, ReaderScreen):
            self.screen.show(document)
        else:
            self.push_screen(ReaderScreen(document, self.bidi))

    def _step_document(self, step: int) -> None:
        ids = self.corpus.ids
        if not ids or self.current is None:
            return
        index = ids.index(self.current) + step
        if 0 <= index < len(ids):
            self.open_document(ids[index])
        else:
            self.notify("no more documents" if step > 0 else "this is the first document", timeout=2)

    def action_next_document(self) -> None:
        self._step_document(1)

    def action_previous_document(self) -> None:
        self._step_document(-1)

    def action_show_documents(self) -> None:
        if isinstance(self.screen, ReaderScreen):
            self.pop_screen()
            if self.current and isinstance(self.screen, DocumentsScreen):
                self.screen.select(self.current)

    def action_help(self) -> None:
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()


def make_app(workspace: Workspace, *, bidi: str | None = None) -> AnnotatorApp:
    """The one place an AnnotatorApp is built (CLI, tests, benchmarks)."""
    return AnnotatorApp(workspace, bidi=workspace.bidi_mode(bidi))
