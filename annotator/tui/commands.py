"""The command palette's own commands: move between documents, edit, help, open a document."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from annotator.core.layout import visual

MAX_DOCUMENT_HITS = 50  # "Open ..." entries per query: a corpus may hold 100,000 documents


class AnnotatorCommands(Provider):
    def _commands(self):
        """The app's commands that work on the current screen (documents are searched apart)."""
        app = self.app
        yield "Next document", app.action_next_document, "open the next document"
        yield "Previous document", app.action_previous_document, "open the previous document"
        yield "Document list", app.action_show_documents, "back to the list of documents"
        yield "Help: keys", app.action_help, "every key that works here"
        yield "Search corpus", app.action_search_corpus, "search every document"
        screen = app.screen
        for name, help_text in (("undo", "undo the last edit"), ("redo", "redo"), ("done", "mark the document done or not"),
                                ("guidelines", "show or hide the guidelines panel"), ("fine", "character mode on/off"),
                                ("search", "search this document"), ("toggle_diacritics", "show or hide harakat")):
            action = getattr(screen, f"action_{name}", None)
            if action is not None:
                yield name.replace("_", " ").capitalize(), action, help_text

    def _documents(self, query: str):
        """'Open ID' for documents whose id contains the query (cheap test first, then fuzzy)."""
        app, wanted = self.app, query.lower().removeprefix("open").strip()
        found = 0
        for doc_id in app.corpus.ids:
            if wanted and wanted in doc_id.lower():
                yield f"Open {doc_id}", partial(app.open_document, doc_id), visual(app.corpus.info(doc_id).title, app.bidi)
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
            yield Hit(max(matcher.match(name), 0.5), matcher.highlight(name), callback, help=help_text)
