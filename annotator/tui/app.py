"""The application and its factory, shared by the CLI, the tests and the benchmarks."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.app import App, SuspendNotSupported
from textual.content import Content
from textual.driver import Driver
from textual.notifications import SeverityLevel

from annotator.core.annotations.session import Session, open_session
from annotator.core.annotations.store import AnnotationStore
from annotator.core.corpus import Corpus
from annotator.core.errors import AnnotatorError
from annotator.core.guidelines.schema import load_schema, manual_sections
from annotator.core.identity import check_name, remember_bidi, remember_name
from annotator.core.keymap import APPLICATION
from annotator.core.terminal import ANSWER, APP, Display
from annotator.core.text.printable import printable
from annotator.core.workspace import Workspace
from annotator.tui.commands import AnnotatorCommands, open_command_palette
from annotator.tui.keys import bindings, with_label_keys
from annotator.tui.screens.documents import DocumentsScreen
from annotator.tui.screens.help import HelpScreen, bindings_table
from annotator.tui.screens.modals import AskNameScreen, DisplayCheckScreen
from annotator.tui.terminal_driver import exit_on_signals, switching_driver
from annotator.tui.widgets.document_list import DocumentList

if TYPE_CHECKING:
    from annotator.core.suggestions.lexicon import Lexicon

# The annotation screen, the reader and the corpus search are imported where they are first
# shown: the tokenizer, the navigator and the reader's tables they build as they are imported
# are not needed for the first frame, the document list.


class AnnotatorApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "annotator"
    COMMANDS = App.COMMANDS | {AnnotatorCommands}
    action_command_palette = open_command_palette  # the palette's input draws Arabic as the reader does
    BINDINGS = bindings(APPLICATION)

    def __init__(
        self, workspace: Workspace, *, display: Display, annotator: str | None = None, remember_name: bool = True
    ) -> None:
        super().__init__()
        self.workspace = workspace
        self.bidi_display = display  # how Arabic is drawn, and the terminal's BiDi switch
        self.bidi = display.mode  # the layout mode, 'app' or 'terminal'
        self.corpus = Corpus(workspace.corpus_dir)
        self.schema = load_schema(workspace.guidelines_dir, workspace.config.guidelines)
        self.manual = manual_sections(workspace.guidelines_dir, workspace.config.guidelines)
        self.annotator = annotator
        self.store = AnnotationStore.of(workspace, annotator, self.corpus) if annotator else None
        self.session: Session | None = None  # holds the annotator's name from mount to unmount
        # False for a browser tab of 'annotator serve': the user config is the server's, shared by every tab
        self.remembers_name = remember_name
        self.current: str | None = None  # the document last opened for annotation (n / p step from it)
        self.documents_screen = DocumentsScreen(self.corpus)  # the first screen, under every other
        # Each annotator's string-matching lexicon (core/suggestions), built once per session in
        # a worker thread and taught every edit; the callbacks waiting for one being built.
        self._lexicons: dict[str, Lexicon] = {}
        self._lexicon_waiting: dict[str, list[Callable[[], None]]] = {}

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver for this platform, switching the terminal's BiDi off while it draws
        (called from App.__init__: the sequences are read when the driver starts)."""
        return switching_driver(super().get_driver_class(), self._bidi_sequences)

    def _bidi_sequences(self) -> tuple[str, str]:
        return self.bidi_display.disable, self.bidi_display.restore

    # Every title and notification of every screen passes here: the one place where what
    # they say (document ids, names, paths, file contents quoted in an error) is made data.
    def format_title(self, title: str, sub_title: str) -> Content:
        """The header: titles are data (a document id, the project name), never markup or codes."""
        return super().format_title(printable(title), printable(sub_title))

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Textual's notification, with its message and title always data: no markup (a status
        of "[/]" or "[@click=app.quit]" in a file is shown as written) and no terminal codes."""
        super().notify(
            printable(message, newlines=True), title=printable(title), severity=severity, timeout=timeout, markup=False
        )

    def on_mount(self) -> None:
        self.sub_title = self.workspace.config.name
        # In 'terminal' mode a BiDi terminal reorders each row as a whole: app.tcss keeps every
        # row that holds Arabic to itself (side panels below the text, no scrollbar beside it).
        self.set_class(self.bidi == "terminal", "bidi-terminal")
        if not self.is_headless:
            exit_on_signals(self.exit)  # SIGTERM, SIGHUP: the normal way out, the terminal gets its BiDi back
        if self.annotator is not None:
            self.set_annotator(self.annotator)  # the session takes the name
        self.push_screen(self.documents_screen)
        if self.annotator is None:
            self.push_screen(AskNameScreen(check_name, remembered=self.remembers_name), self._named)
        if self.bidi_display.advice:
            self.notify(self.bidi_display.advice, title="Arabic reads backwards?", timeout=15, markup=False)
        if self.corpus.problems:  # bad index lines: their documents are left out of the list, said once here
            first, more = self.corpus.problems[0], len(self.corpus.problems) - 1
            others = f" (and {more} more: 'annotator validate' lists them)" if more else ""
            self.notify(f"{first}{others}", title="index lines skipped", severity="warning", timeout=20)

    def _named(self, name: str | None) -> None:
        if name is None:  # not reached: the name screen is dismissed only with a valid name
            return
        if self.remembers_name:
            remember_name(name)
        self.set_annotator(name)
        if self.store is not None and self.store.read_only is None:  # else set_annotator said why not
            said = "your name is remembered in the user config" if self.remembers_name else "every edit is saved"
            self.notify(f"hello {name}: {said}", timeout=4)

    def set_annotator(self, name: str) -> None:
        """Annotate as ``name`` from now on: the name is held for this session (read-only if another
        session holds it, see core/annotations/session.py)."""
        if self.session is not None:
            self.session.close()
        self.annotator = name
        self.session = open_session(self.workspace, name, self.corpus)
        self.store = self.session.store
        if self.store.read_only:
            self.notify(self.store.read_only, title="read-only", severity="warning", timeout=15)
        if self.documents_screen.is_mounted:  # else its mount reads them
            self.documents_screen.refresh_statuses()

    def on_unmount(self) -> None:
        if self.session is not None:  # the name is free for the next session at once (the kernel would at exit)
            self.session.close()

    def lexicon(self, annotator: str, ready: Callable[[], None] | None = None) -> Lexicon | None:
        """``annotator``'s lexicon if it is built; else None, and it is being built by a worker
        thread, in a process of its own for a large corpus (``ready`` is called on the app's
        thread once it is)."""
        if annotator in self._lexicons:
            return self._lexicons[annotator]
        building = annotator in self._lexicon_waiting
        self._lexicon_waiting.setdefault(annotator, [])
        if ready is not None:
            self._lexicon_waiting[annotator].append(ready)
        if not building:
            self.run_worker(partial(self._build_lexicon, annotator), thread=True, group="lexicon")
        return None

    def _build_lexicon(self, annotator: str) -> None:
        from textual.worker import get_current_worker

        from annotator.core.suggestions.building import Cancelled, build
        from annotator.core.suggestions.lexicon import Lexicon

        worker = get_current_worker()  # cancelled as the app closes: the build process is ended
        try:
            built = build(self.workspace, annotator, documents=len(self.corpus), cancelled=lambda: worker.is_cancelled)
        except Cancelled:
            return
        except (OSError, AnnotatorError) as exc:  # suggestions from the guidelines' examples only
            self.call_from_thread(self.notify, f"suggestions from annotations: {exc}", severity="warning")
            built = Lexicon()
            built.add_examples(self.workspace)
        self.call_from_thread(self._lexicon_built, annotator, built)

    def _lexicon_built(self, annotator: str, built: Lexicon) -> None:
        self._lexicons[annotator] = built
        for ready in self._lexicon_waiting.pop(annotator, []):
            ready()

    def open_document(self, doc_id: str, at: int | None = None) -> None:
        from annotator.tui.screens.annotate import AnnotateScreen

        if self.store is None:
            self.notify("who is annotating? give your name first", severity="warning")
            return
        try:
            document = self.corpus.load(doc_id)
        except AnnotatorError as exc:  # a text missing, not UTF-8, a folder: said, and the list stays
            self.notify(f"cannot open {doc_id}: {exc}", title="not opened", severity="error", timeout=15)
            return
        self.current = doc_id
        self.documents_screen.touch(doc_id)  # the list reads it again when it is shown
        screen = self.screen
        if isinstance(screen, AnnotateScreen) and screen.store is self.store:  # not the curation screen's gold
            screen.show(document, at)
        else:
            screen_class = with_label_keys(AnnotateScreen, self.schema)
            self.push_screen(
                screen_class(
                    document,
                    self.schema,
                    self.manual,
                    self.bidi,
                    at,
                    store=self.store,
                    guidelines_dir=self.workspace.guidelines_dir,
                )
            )

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
        """Back to the list, at the document that was shown (the list reads what changed as it
        is shown again: DocumentsScreen.on_screen_resume)."""
        from annotator.tui.screens.annotate import AnnotateScreen

        screen = self.screen
        if isinstance(screen, AnnotateScreen):
            self.pop_screen()  # the screen lets its document go as it is removed
            if isinstance(self.screen, DocumentsScreen):
                self.screen.select(screen.document.id)

    def action_search_corpus(self) -> None:
        from annotator.tui.screens.corpus_search import CorpusSearchScreen

        def opened(hit: tuple[str, int] | None) -> None:
            if hit is None:
                return
            self.open_document(*hit)

        self.push_screen(CorpusSearchScreen(), opened)

    def action_help(self) -> None:
        self.push_screen(HelpScreen(bindings_table(self.screen)))

    def action_display_check(self) -> None:
        """Which line reads right? Asked with the terminal switched as in app mode (as
        'annotator doctor' asks); the answer is remembered for this terminal and applied now."""
        if isinstance(self.screen, DisplayCheckScreen):
            return
        before = self.bidi_display
        self._switch_terminal(Display(APP, before.source, before.profile))

        def answered(mode: str | None) -> None:
            if mode is None:
                self._switch_terminal(before)
                return
            key = before.profile.key
            path = remember_bidi(key, mode)
            self.set_bidi_display(Display(mode, ANSWER, before.profile))
            self.notify(
                f"drawing in '{mode}' mode now; remembered for this terminal ({key}) in {path}"
                " (--bidi and ANNOTATOR_BIDI still win over it)",
                timeout=8,
                markup=False,
            )

        self.push_screen(DisplayCheckScreen(before), answered)

    def _switch_terminal(self, display: Display) -> None:
        """Give the terminal what ``display`` needs (through a suspend and resume of the driver:
        it restores what it switched, then applies the new display's sequence)."""
        if (display.disable, display.restore) != (self.bidi_display.disable, self.bidi_display.restore):
            try:
                with self.suspend():
                    self.bidi_display = display
            except SuspendNotSupported:  # headless (tests): nothing to switch
                pass
        self.bidi_display = display

    def set_bidi_display(self, display: Display) -> None:
        """Draw in another mode from now on: the terminal switched to match, every open screen
        laid out again."""
        from annotator.tui.widgets.reader_view import ReaderView

        self._switch_terminal(display)
        self.set_class(display.mode == "terminal", "bidi-terminal")  # app.tcss: panels below the text
        if display.mode != self.bidi:
            self.bidi = display.mode
            for screen in self.screen_stack:
                for node in (*screen.query(ReaderView), *screen.query(DocumentList), screen):
                    if hasattr(node, "set_mode"):
                        node.set_mode(display.mode)


def make_app(
    workspace: Workspace,
    *,
    bidi: str | None = None,
    annotator: str | None = None,
    display: Display | None = None,
    remember_name: bool = True,
) -> AnnotatorApp:
    """The one place an AnnotatorApp is built (CLI, tests, benchmarks). ``display`` as resolved
    by the CLI, else from ``bidi`` ('auto', 'app', 'terminal' or None) as ``Workspace.display``;
    ``remember_name`` False: the name asked is not written to the user config."""
    return AnnotatorApp(
        workspace, display=display or workspace.display(bidi), annotator=annotator, remember_name=remember_name
    )
