"""The command palette: its own commands (move between documents, edit, help, open a
document) and the palette screen itself, whose input draws Arabic as the reader does."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import CommandInput, CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher

from annotator.core.text.display_text import fit
from annotator.core.text.printable import printable
from annotator.tui.widgets.bidi_input import BidiInput

if TYPE_CHECKING:
    from annotator.tui.app import AnnotatorApp

MAX_DOCUMENT_HITS = 50  # "Open ..." entries per query: a corpus may hold 100,000 documents
HELP_CELLS = 60  # a document's title under its "Open ..." entry, cut keeping its start


class BidiCommandInput(CommandInput, BidiInput):
    """The palette's input drawn through the core layout in 'app' mode (BidiInput's methods:
    CommandInput adds only CSS). CommandInput comes first because Textual takes CSS types
    from the first base only: the palette's AUTO_FOCUS = "CommandInput" and its styles match."""


class BidiCommandPalette(CommandPalette):
    """Textual's command palette with a BidiInput: the palette's own compose, with its one
    CommandInput swapped for a BidiCommandInput (same placeholder and options)."""

    def compose(self):
        for widget in super().compose():
            if type(widget) is CommandInput:
                widget = BidiCommandInput(placeholder=widget.placeholder, select_on_focus=False)
            yield widget


def open_command_palette(app) -> None:
    """App.action_command_palette with the BidiCommandPalette: assign it as the app's
    ``action_command_palette`` so ctrl+p opens this palette."""
    if app.use_command_palette and not CommandPalette.is_open(app):
        app.push_screen(BidiCommandPalette(id="--command-palette"))


def _highlight(matcher: Matcher, candidate: str) -> Content:
    """``Matcher.highlight`` without reading ``candidate`` as markup or sending its controls
    (a document id is data): it is matched and shown as ``printable`` makes it."""
    candidate = printable(candidate)
    content = Content(candidate)
    score, offsets = matcher.fuzzy_search.match(matcher.query, candidate)
    if score:
        for offset in offsets:
            if not candidate[offset].isspace():
                content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class AnnotatorCommands(Provider):
    if TYPE_CHECKING:

        @property
        def app(self) -> AnnotatorApp: ...  # the app this provider is registered with (its COMMANDS)

    def _commands(self):
        """The app's commands that work on the current screen (documents are searched apart)."""
        app = self.app
        yield "Next document", app.action_next_document, "open the next document"
        yield "Previous document", app.action_previous_document, "open the previous document"
        yield "Document list", app.action_show_documents, "back to the list of documents"
        yield "Help: keys", app.action_help, "every key that works here"
        yield "Search corpus", app.action_search_corpus, "search every document"
        screen = app.screen
        for name, help_text in (
            ("undo", "undo the last edit"),
            ("redo", "redo"),
            ("done", "mark the document done or not"),
            ("guidelines", "show or hide the guidelines panel"),
            ("fine", "character mode on/off"),
            ("search", "search this document"),
            ("toggle_diacritics", "show or hide harakat"),
        ):
            action = getattr(screen, f"action_{name}", None)
            if action is not None:
                yield name.replace("_", " ").capitalize(), action, help_text

    def _documents(self, query: str):
        """'Open ID' for documents whose id contains the query (cheap test first, then fuzzy)."""
        app, wanted = self.app, query.lower().removeprefix("open").strip()
        found = 0
        for doc_id in app.corpus.ids:
            if wanted and wanted in doc_id.lower():
                title = Content(fit(app.corpus.info(doc_id).title, HELP_CELLS, app.bidi))  # data, not markup
                yield f"Open {doc_id}", partial(app.open_document, doc_id), title
                found += 1
                if found == MAX_DOCUMENT_HITS:
                    return

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
        for name, callback, help_text in self._documents(query):
            yield Hit(max(matcher.match(name), 0.5), _highlight(matcher, name), callback, help=help_text)
