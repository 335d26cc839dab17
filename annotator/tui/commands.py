"""The command palette's own commands: open a document, move, save state, help."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class AnnotatorCommands(Provider):
    def _commands(self):
        app = self.app
        yield "Next document", app.action_next_document, "open the next document"
        yield "Previous document", app.action_previous_document, "open the previous document"
        yield "Document list", app.action_show_documents, "back to the list of documents"
        yield "Help: keys", app.action_help, "every key that works here"
        screen = app.screen
        for name, help_text in (("undo", "undo the last edit"), ("redo", "redo"), ("done", "mark the document done or not"),
                                ("guidelines", "show or hide the guidelines panel"), ("fine", "character mode on/off"),
                                ("search", "search this document"), ("toggle_diacritics", "show or hide harakat")):
            action = getattr(screen, f"action_{name}", None)
            if action is not None:
                yield name.replace("_", " ").capitalize(), action, help_text
        for doc_id in app.corpus.ids:
            yield f"Open {doc_id}", partial(app.open_document, doc_id), app.corpus.info(doc_id).title

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
