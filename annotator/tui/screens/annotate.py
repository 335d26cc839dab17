"""The annotation screen: the reader, the annotation panel, guidelines, search, status.

Keys: the screen's own from the core keymap (``keymap.ANNOTATE``), plus one per label and
event type of the guidelines schema (build the screen with ``tui.keys.with_label_keys``).
The screen opens its document through its store and holds the document's lock until it
shows another document or is removed. Every change goes through the core Editor
(undo/redo) and is saved at once through the AnnotationStore; the status line says when.

A save the store refuses because the file changed on disk (``ChangedOnDisk``) keeps the edit
in the editor, says "not saved" and asks what to do (``ChangedOnDiskScreen``): reload the
file and re-apply the unsaved edits, keep the file and save mine as a copy, or cancel; until
then every editing key asks again and nothing is saved. Leaving the document meanwhile saves
mine as a copy. What the edits are, how they are re-applied and where a copy goes is
decided in ``core.annotations.changed_on_disk``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static

from annotator.core.annotations.changed_on_disk import reapply, save_copy, unsaved_edits
from annotator.core.annotations.editing import Editor, too_many_to_edit
from annotator.core.annotations.generation import ChangedOnDisk
from annotator.core.annotations.model import DocumentAnnotations, Entity, Event
from annotator.core.annotations.span_index import SpanIndex
from annotator.core.annotations.status import to_review
from annotator.core.annotations.store import AnnotationStore, Opened
from annotator.core.corpus import Document
from annotator.core.errors import AnnotatorError
from annotator.core.keymap import ANNOTATE
from annotator.core.text.clitics import peel
from annotator.core.text.display_text import fit, row_start
from annotator.core.text.layout import visual
from annotator.core.text.printable import printable
from annotator.tui.keys import bindings
from annotator.tui.paint import SEARCH_HIT, annotation_highlights, suggestion_highlights
from annotator.tui.screens.modals import ChangedOnDiskScreen, ChooseScreen
from annotator.tui.screens.suggesting import Suggesting
from annotator.tui.widgets.annotation_panel import AnnotationPanel
from annotator.tui.widgets.bidi_input import BidiInput
from annotator.tui.widgets.guidelines_view import GuidelinesView
from annotator.tui.widgets.reader_view import Highlight, ReaderView

if TYPE_CHECKING:
    from textual import getters

    from annotator.tui.app import AnnotatorApp

REMOVE = "remove as "  # the role menu's entry for taking an argument away
NAME_CELLS = 30  # a span's text inside a message or a dialog title, cut keeping its start
NOT_SAVED = "not saved: the file changed on disk"


class AnnotateScreen(Screen):
    BINDINGS = bindings(ANNOTATE)
    if TYPE_CHECKING:
        app = getters.app(AnnotatorApp)

    def __init__(
        self,
        document: Document,
        schema,
        manual: dict[str, str],
        mode: str,
        at: int | None = None,
        *,
        store: AnnotationStore,
        guidelines_dir: Path,
    ) -> None:
        super().__init__()
        self.start_at = at
        self.store = store  # where edits are saved: the annotator's folder, or gold
        self.guidelines_dir = guidelines_dir  # older annotation files are migrated on opening
        self.mode = mode
        self.schema = schema
        self.manual = manual
        self.pending: str | None = None  # "relabel" while waiting for a label key
        self.linking: str | None = None  # event id while picking an argument
        self.hits: list[tuple[int, int]] = []
        self._status_extra = ""  # the last thing done in this document ("saved 12:01:03 · T3 GPE")
        self.refused: ChangedOnDisk | None = None  # a save refused as the file changed on disk, until settled
        self._items: tuple[DocumentAnnotations, list[Entity | Event], SpanIndex] | None = None  # what is where
        self.suggesting = Suggesting(self)  # the document's suggestions (screens/suggesting.py)
        self._set_document(document, self._open(document))

    def _open(self, document: Document) -> Opened:
        """``document``'s annotations from this screen's store, locked while the screen shows them."""
        opened = self.store.open(document.id, document.info.sha256, self.schema.version, self.guidelines_dir)
        if not document.sha_matches:
            opened.read_only = "the corpus file changed after import (sha256 differs from the index)"
        if opened.read_only is None:
            opened.read_only = too_many_to_edit(opened.doc)
        return opened

    def on_unmount(self) -> None:
        self._let_go()

    def _let_go(self) -> None:
        """Release the document (the one place a screen lets a document go); unsaved edits a
        changed file refused are saved as a copy first."""
        if self.refused is not None and unsaved_edits(self.opened.doc, self.editor.doc):
            try:
                path = save_copy(self.store.path(self.document.id), self.editor.doc)
            except OSError as exc:
                said = f"NOT SAVED: {self.document.id}: {exc}"
            else:
                said = f"{NOT_SAVED}; your version is kept in {path}"
            self.app.notify(printable(said), severity="error", timeout=15, markup=False)
        if self.opened.lock is not None:
            self.opened.lock.release()

    def _set_document(self, document: Document, opened: Opened) -> None:
        self.document = document
        self.opened = opened
        self._status_extra = ""  # what was said of another document is not said of this one
        self.refused = None
        self.editor = Editor(opened.doc, self.schema)
        self.hits = []
        self.linking = None
        self.pending = None
        self.suggesting.suggestions = []

    # ----- layout --------------------------------------------------------------
    def compose_above(self) -> ComposeResult:
        """Widgets above the reader (the curation screen shows the annotators there)."""
        return iter(())

    def compose(self) -> ComposeResult:
        yield Header()
        yield from self.compose_above()
        with Horizontal(id="main"):
            yield ReaderView(self.document.text, mode=self.mode, id="reader")
            with Vertical(id="side"):
                yield AnnotationPanel(id="panel")
                yield GuidelinesView(self.mode, id="manual")
        yield BidiInput(placeholder="search (diacritics, tatweel and alef forms ignored)", id="search")
        yield Static(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#search").display = False
        self.query_one("#manual").display = False
        self.suggesting.refresh()
        self._refresh_document()
        self.reader.focus()
        if self.start_at is not None:
            self.call_after_refresh(self.reader.move_to_offset, self.start_at)
        for message in self.opened.messages:
            self.notify(message, title="guidelines migration", timeout=8, markup=False)
        if self.opened.read_only:
            self.notify(self.opened.read_only, title="read-only", severity="warning", timeout=10, markup=False)

    @property
    def reader(self) -> ReaderView:
        return self.query_one("#reader", ReaderView)

    @property
    def doc(self):
        return self.editor.doc

    def show(self, document: Document, at: int | None = None) -> None:
        """Show ``document`` instead: the current one is let go first (so that opening the same
        document again takes its lock again)."""
        self._let_go()
        opened = self._open(document)
        self._set_document(document, opened)
        self.reader.load(document.text)
        self.suggesting.refresh()
        self._refresh_document()
        self._update_status()
        if at is not None:
            self.reader.move_to_offset(at)
        for message in opened.messages:
            self.notify(message, title="guidelines migration", timeout=8, markup=False)
        if opened.read_only:
            self.notify(opened.read_only, title="read-only", severity="warning", timeout=10, markup=False)

    def _refresh_document(self) -> None:
        self.title = self.document.id
        ro = " · READ-ONLY" if self.opened.read_only else ""
        ro += " · NOT SAVED" if self.refused else ""
        review = to_review(self.doc)
        state = self.doc.status.replace("_", " ") + (f" · {review} to review" if review else "")
        self.sub_title = f"{self.store.annotator} · {state} · guidelines {self.schema.version}{ro}"
        self._repaint()

    def _repaint(self) -> None:
        highlights = (
            []
            if self.opened.read_only and self.doc.text_sha256 != self.document.info.sha256
            else suggestion_highlights(self.suggesting.suggestions, self.schema)
            + annotation_highlights(self.doc, self.schema)
        )
        highlights += [Highlight(s, e, SEARCH_HIT) for s, e in self.hits]
        self.reader.set_highlights(highlights)
        # The list follows one frame later: the text the user is looking at repaints first.
        self.call_after_refresh(self.query_one(AnnotationPanel).show, self.doc, self.document.text, self.mode)

    def set_mode(self, mode: str) -> None:
        """Another bidi mode (the display check): the status line and the panel follow it (the
        app lays the readers out again; app.tcss places the panel for the mode)."""
        self.mode = mode
        self._repaint()
        self._update_status()

    # ----- status --------------------------------------------------------------
    def say(self, message: str) -> None:
        self._status_extra = message
        self._update_status()

    def _update_status(self) -> None:
        start, end = self.reader.cursor_span
        under = self._items_at(start)
        labels = printable(", ".join(self._kind_of(i) for i in under) or "-")  # an item for review: any label
        mode = "CHAR" if self.reader.fine else "WORD"
        token = visual(self.document.text[start:end], self.mode)
        parts: list[str | tuple[str, str]] = [
            row_start(self.mode),
            (f"{start}-{end}", "bold"),
            " ",
            (token, "bold"),
            f"  {mode}  ",
            ("on: ", "dim"),
            (labels, "bold"),
        ]
        if self.reader.selection:
            s, e = self.reader.selection
            parts += ["  sel ", (f"{s}-{e}", "bold")]
        if self.linking:
            parts += ["  ", ("pick an entity for the argument, Enter", "reverse")]
        if self.refused:
            parts += ["  ", (NOT_SAVED, "bold red")]
        parts += self.suggesting.status((start, end))
        extra = self._status_extra
        if extra:
            parts += ["  ", (printable(extra), "green")]
        self.query_one("#status", Static).update(Text.assemble(*parts))
        self._show_manual_for(under)

    def on_reader_view_cursor_moved(self, message: ReaderView.CursorMoved) -> None:
        self._update_status()

    @staticmethod
    def _kind_of(item: Entity | Event) -> str:
        return item.label if isinstance(item, Entity) else item.type

    def _items_at(self, offset: int) -> list[Entity | Event]:
        """Annotations covering ``offset``, innermost (shortest) first."""
        if self._items is None or self._items[0] is not self.doc:
            every = [*self.doc.entities, *self.doc.events]
            self._items = (self.doc, every, SpanIndex(every))
        _, every, index = self._items
        items = [every[i] for i in sorted(index.touching(offset, offset + 1))]  # ties stay in the document's order
        return sorted(items, key=lambda i: (i.end - i.start, i.start))

    # ----- saving --------------------------------------------------------------
    def _commit(self, what: str) -> None:
        """Save the editor's document now; the edit is acknowledged only once it is on disk."""
        before = self.opened.doc  # the file as last read or saved: what this save changes
        try:
            saved = self.store.save_opened(self.opened, self.editor.doc)
        except ChangedOnDisk as exc:
            self.refused = exc
            self._refresh_document()
            self.say(f"{what} is in memory only")
            self._ask_changed_on_disk()
            return
        except (OSError, AnnotatorError) as exc:
            self.notify(f"NOT SAVED: {exc}", severity="error", timeout=15, markup=False)
            return
        self.editor.doc = saved
        self.suggesting.taught(before)  # the session's lexicon learns the change; the suggestions follow
        self._refresh_document()
        self.say(f"saved {(saved.modified or '')[11:19]} · {what}")  # save() always sets modified

    def _ask_changed_on_disk(self) -> None:
        if self.refused is None or isinstance(self.app.screen, ChangedOnDiskScreen):
            return
        edits = [str(edit) for edit in unsaved_edits(self.opened.doc, self.editor.doc)]
        self.app.push_screen(
            ChangedOnDiskScreen(str(self.refused), edits, self.opened.read_only), self._settle_changed_on_disk
        )

    def _settle_changed_on_disk(self, choice: str | None) -> None:
        """The annotator's answer: reload and re-apply, keep theirs and copy mine, or not yet."""
        if choice == "reload":
            self._reload_and_reapply()
        elif choice == "copy":
            self._copy_mine()
        else:
            self.say("press any editing key to choose")

    def _reread(self) -> Opened | None:
        """The file read again (under the lock held); None, with the reason shown, if it cannot be edited."""
        again = self.store.reload(self.opened, self.document.info.sha256, self.schema.version, self.guidelines_dir)
        if again.read_only is None:
            again.read_only = too_many_to_edit(again.doc)
        self.opened = again
        if again.read_only:
            self._refresh_document()
            self.notify(
                printable(f"the file on disk is left untouched: {again.read_only}"), severity="error", markup=False
            )
            return None
        return again

    def _reload_and_reapply(self) -> None:
        edits = unsaved_edits(self.opened.doc, self.editor.doc)
        again = self._reread()
        if again is None:  # unreadable (git conflict markers): mine stays in memory, a copy is the way out
            return
        result = reapply(edits, again.doc, self.schema)
        self.refused = None
        self.editor = Editor(again.doc, self.schema)  # undo from here gives the file as reloaded
        if result.doc != again.doc:
            self.editor.replace(result.doc, f"re-applied {len(result.made)} unsaved edits")
            self._commit(f"reloaded, {len(result.made)} of {len(edits)} edits re-applied")
        else:
            self._refresh_document()
            self.say("reloaded; nothing to re-apply")
        if result.not_made:
            lines = "\n".join(printable(line) for line in result.not_made)
            self.notify(f"not re-applied:\n{lines}", title="reload", severity="warning", timeout=20, markup=False)

    def _copy_mine(self) -> None:
        try:
            path = save_copy(self.store.path(self.document.id), self.editor.doc)
        except OSError as exc:
            self.notify(printable(f"NOT SAVED: {exc}"), severity="error", timeout=15, markup=False)
            return
        self.refused = None
        self._reread()
        self.editor = Editor(self.opened.doc, self.schema)  # the file on disk (nothing, if it cannot be read)
        self._refresh_document()
        self.say("showing the file on disk")
        self.notify(printable(f"your version is saved as {path}"), title="copy", timeout=20, markup=False)

    def _edit(self, change: Callable[[], object], what: str | None = None) -> None:
        """Run one editor change and save it; ``what`` (else the change's own answer) goes
        to the status line. A refused change (AnnotatorError) is only reported."""
        if self.refused is not None:
            self._ask_changed_on_disk()
            return
        if self.opened.read_only:
            self.notify(f"read-only: {self.opened.read_only}", severity="warning", markup=False)
            return
        try:
            result = change()
        except AnnotatorError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        self._commit(what or str(result))

    # ----- actions: labelling ----------------------------------------------------
    def action_label(self, name: str) -> None:
        if self.pending == "relabel":
            self.pending = None
            target = self._items_at(self.reader.cursor_span[0])
            if not target:
                return
            item = target[0]
            kind_ok = (self.schema.label(name) is not None) == isinstance(item, Entity)
            if not kind_ok:
                self.notify("an entity takes an entity label, an event an event type", severity="warning")
                return
            if isinstance(item, Entity):
                self._edit(lambda: self.editor.relabel_entity(item.id, name), f"{item.label} → {name}")
            else:
                self._edit(lambda: self.editor.retype_event(item.id, name), f"{item.type} → {name}")
            return
        span = self.reader.target_span()
        if span is None:
            return
        start, end = span
        if self.schema.label(name) is not None:
            self._edit(lambda: f"{self.editor.add_entity(start, end, name).id} {name}")
        else:
            self._edit(lambda: f"{self.editor.add_event(start, end, name).id} {name}")
        self.reader.clear_selection()

    def action_relabel(self) -> None:
        if not self._items_at(self.reader.cursor_span[0]):
            self.notify("no annotation under the cursor")
            return
        self.pending = "relabel"
        self.say("press the key of the new label")

    def action_delete(self) -> None:
        items = self._items_at(self.reader.cursor_span[0])
        if not items:
            self.notify("no annotation under the cursor")
            return
        item = items[0]
        if isinstance(item, Entity):
            self._edit(lambda: self.editor.delete_entity(item.id), f"deleted {item.id} {item.label}")
        else:
            self._edit(lambda: self.editor.delete_event(item.id), f"deleted {item.id} {item.type}")

    def action_reviewed(self) -> None:
        items = [i for i in self._items_at(self.reader.cursor_span[0]) if i.needs_review]
        if items:
            self._edit(lambda: self.editor.mark_reviewed(items[0].id), f"{items[0].id} reviewed")

    def action_next_review(self) -> None:
        """The review queue: annotations a guidelines migration could not settle, in text order."""
        from annotator.core.guidelines.migration import review_queue

        queue = review_queue(self.doc)
        if not queue:
            self.notify("nothing needs review in this document")
            return
        cursor = self.reader.cursor_span[0]
        following = [i for i in queue if i.start > cursor] or queue
        self.reader.move_to_offset(following[0].start)
        self.say(f"{len(queue)} to review: {following[0].needs_review}")

    def action_undo(self) -> None:
        self._edit(lambda: _done(self.editor.undo(), "nothing to undo"))

    def action_redo(self) -> None:
        self._edit(lambda: _done(self.editor.redo(), "nothing to redo"))

    def action_done(self) -> None:
        status = "in_progress" if self.doc.status == "done" else "done"
        self._edit(lambda: self.editor.set_status(status), f"marked {status.replace('_', ' ')}")

    # ----- actions: selection ----------------------------------------------------
    def action_peel(self) -> None:
        """Move the start of the selection past one clitic letter (و ف ب ل ك, and a tatweel after it)."""
        start, end = self.reader.target_span() or (0, 0)
        text = self.document.text
        cut = peel(text, start, end)
        if cut is None:
            self.notify("no clitic prefix to peel here")
            return
        if not self.reader.fine:
            self.reader.set_fine(True)
        self.reader.set_selection(cut, end)
        self.say(f"peeled {visual(text[start:cut], self.mode)}")

    def action_fine(self) -> None:
        self.reader.set_fine(not self.reader.fine)
        self._update_status()

    def action_escape(self) -> None:
        if self.linking or self.pending:
            self.linking = self.pending = None
            self._update_status()
        elif self.reader.selection:
            self.reader.clear_selection()
        elif self.query_one("#search").display:
            self._close_search()
        else:
            self.app.action_show_documents()

    # ----- actions: event arguments -------------------------------------------------
    def action_link(self) -> None:
        events = [i for i in self._items_at(self.reader.cursor_span[0]) if isinstance(i, Event)]
        if not events:
            self.notify("put the cursor on an event trigger first")
            return
        self.linking = events[0].id
        self.say(f"argument for {events[0].id} {events[0].type}")

    def action_confirm(self) -> None:
        if self.query_one("#search").has_focus:
            return
        if not self.linking:
            return
        entities = [i for i in self._items_at(self.reader.cursor_span[0]) if isinstance(i, Entity)]
        if not entities:
            self.notify("no entity under the cursor")
            return
        event_id, entity = self.linking, entities[0]
        event = next(e for e in self.doc.events if e.id == event_id)
        held = [a.role for a in event.arguments if a.entity == entity.id]
        options = [r for r in self.editor.roles_for(event_id, entity.id) if r not in held]
        options += [f"{REMOVE}{role}" for role in held]
        if not options:
            self.notify(f"{event.type} has no role for a {entity.label}", severity="warning", markup=False)
            return

        def chosen(choice: str | None) -> None:
            self.linking = None
            if choice and choice.startswith(REMOVE):
                role = choice.removeprefix(REMOVE)
                self._edit(
                    lambda: self.editor.remove_argument(event_id, role, entity.id), f"removed {role} {entity.id}"
                )
            elif choice:
                self._edit(
                    lambda: self.editor.add_argument(event_id, choice, entity.id),
                    f"{choice} = {entity.id} {entity.label}",
                )
            self._update_status()

        name = fit(self.document.text[entity.start : entity.end], NAME_CELLS, self.mode)
        self.app.push_screen(ChooseScreen(f"Role of {entity.label} «{name}» in {event.type}", options), chosen)

    # ----- panels ----------------------------------------------------------------
    def action_panel(self) -> None:
        panel = self.query_one(AnnotationPanel)
        if panel.has_focus:
            self.reader.focus()
        else:
            panel.focus()

    def on_annotation_panel_jump(self, message: AnnotationPanel.Jump) -> None:
        self.reader.move_to_offset(message.start)
        self.reader.focus()

    def action_guidelines(self) -> None:
        manual = self.query_one("#manual", GuidelinesView)
        manual.display = not manual.display
        self._update_status()

    def _show_manual_for(self, items: list[Entity | Event]) -> None:
        manual = self.query_one("#manual", GuidelinesView)
        if not manual.display:
            return
        name = self._kind_of(items[0]) if items else None
        body = self.manual.get(name, "") if name else ""
        if name and body:
            text = f"## {name}\n\n{body}"
        else:
            overview = "\n".join(f"- `{x.key}` **{x.name}**: {x.description}" for x in self.schema.labels_and_events)
            text = f"## Guidelines {self.schema.version}\n\n{overview}"
        # Laid out by the reader's engine: Arabic examples wrap in reading order.
        manual.show(text, self.mode)

    # ----- search ----------------------------------------------------------------
    def action_search(self) -> None:
        box = self.query_one("#search", Input)
        box.display = True
        box.focus()

    def _close_search(self) -> None:
        box = self.query_one("#search", Input)
        box.display = False
        self.hits = []
        self._repaint()
        self.reader.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "search":
            return
        from annotator.core.text.normalize import find_all  # built on first search: keeps start-up fast

        query = event.value
        self.hits = find_all(self.document.text, query) if query.strip() else []
        self._repaint()
        if not self.hits:
            self.notify(f"not found here: {fit(query, NAME_CELLS, self.mode)}", markup=False)
            return
        cursor = self.reader.cursor_span[0]
        following = [h for h in self.hits if h[0] > cursor] or self.hits
        self.reader.move_to_offset(following[0][0])
        self.say(f"{len(self.hits)} hits · Enter for the next")

    # ----- actions: suggestions (screens/suggesting.py) ----------------------------
    def action_accept_suggestion(self) -> None:
        self.suggesting.accept_one()

    def action_accept_label(self) -> None:
        self.suggesting.accept_label()

    def action_accept_text(self) -> None:
        self.suggesting.accept_text()

    def action_reject_suggestion(self) -> None:
        self.suggesting.reject_one()

    def action_next_suggestion(self, step: int) -> None:
        self.suggesting.step(step)

    def action_toggle_diacritics(self) -> None:
        self.reader.diacritics = not self.reader.diacritics
        self.notify("diacritics shown" if self.reader.diacritics else "diacritics hidden", timeout=2)


def _done(what: str | None, otherwise: str) -> str:
    """What undo/redo did, or AnnotatorError(``otherwise``) when there was nothing to do."""
    if what is None:
        raise AnnotatorError(otherwise)
    return what
