"""The annotation screen's suggestions: drawn under the text, one key to accept or reject.

What is suggested, and what accepting or rejecting records, is decided in
``core.suggestions`` (``service.suggestions_for``, ``decide``, ``learn``); this controller only
asks for them, draws them (``paint.suggestion_highlights``), and turns the keys into editor
changes (accepting is an edit like any other: the schema checks it, it is saved at once,
undo takes it back) followed by the decision record. The annotator's lexicon is built once
per app session from a worker thread, in a child process for a large corpus
(``AnnotatorApp.lexicon``, ``core.suggestions.building``), and taught every edit, so a
name labelled once is suggested everywhere else at once. The curation screen (gold) shows
no suggestions: it settles what annotators said.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import TYPE_CHECKING

from annotator.core.errors import AnnotatorError
from annotator.core.identity import GOLD
from annotator.core.suggestions.model import Suggestion
from annotator.core.suggestions.service import (
    accept,
    learn,
    reject,
    same_label,
    same_text,
    suggestions_for,
    without,
)
from annotator.core.suggestions.store import DecisionStore

if TYPE_CHECKING:
    from annotator.core.annotations.model import DocumentAnnotations
    from annotator.core.corpus import Document
    from annotator.core.suggestions.lexicon import Lexicon
    from annotator.tui.screens.annotate import AnnotateScreen

IN_THREAD_FROM = 200_000  # characters: a longer document is matched in a worker thread (0.2 s and more)


class Suggesting:
    """The suggestions of the document an ``AnnotateScreen`` shows; its suggestion keys call here."""

    def __init__(self, screen: AnnotateScreen) -> None:
        self.screen = screen
        self._suggestions: list[Suggestion] = []
        self._starts: list[int] = []  # of the suggestions, for bisecting on every cursor move
        self._longest = 0  # the longest suggestion's length: how far back one can start and cover a place
        self._asked = 0  # refreshes asked for: a worker's answer counts only if none was asked since

    @property
    def suggestions(self) -> list[Suggestion]:
        """Of the shown document, sorted by start."""
        return self._suggestions

    @suggestions.setter
    def suggestions(self, found: list[Suggestion]) -> None:
        self._suggestions = found
        self._starts = [s.start for s in found]
        self._longest = max((s.end - s.start for s in found), default=0)

    # ----- what is suggested ----------------------------------------------------
    def _suggests(self) -> bool:
        return self.screen.store.annotator != GOLD

    def refresh(self) -> None:
        """Ask for the shown document's suggestions: at once if the lexicon is built, else when
        the app has built it (in the background: 100,000 annotated documents take seconds). A
        document of :data:`IN_THREAD_FROM` characters or more is matched in a worker thread
        (about a second per megabyte): what is shown meanwhile only loses what is now annotated."""
        if not self._suggests():
            self.suggestions = []
            return
        lexicon = self.screen.app.lexicon(self.screen.store.annotator, self._lexicon_ready)
        document, doc = self.screen.document, self.screen.doc
        self._asked += 1  # an answer to an earlier question is dropped
        if lexicon is None:
            self.suggestions = []
        elif len(document.text) < IN_THREAD_FROM:
            self._found(self._asked, *self._find(lexicon, document, doc))
        else:
            self.suggestions = without(self.suggestions, [(e.start, e.end) for e in doc.entities], set())
            asked = self._asked
            self.screen.run_worker(
                lambda: self._find_in_thread(asked, lexicon, document, doc), thread=True, group="suggestions"
            )

    def _find(
        self, lexicon: Lexicon, document: Document, doc: DocumentAnnotations
    ) -> tuple[list[Suggestion], str | None]:
        """Every source's suggestions for ``doc`` of ``document``, or none and why (a bad model file)."""
        try:
            found = suggestions_for(
                self.screen.app.workspace,
                self.screen.store.annotator,
                document.id,
                text=document.text,
                annotations=doc,
                lexicon=lexicon,
            )
        except (OSError, AnnotatorError) as exc:
            return [], f"no suggestions: {exc}"
        return found, None

    def _find_in_thread(self, asked: int, lexicon: Lexicon, document: Document, doc: DocumentAnnotations) -> None:
        for _ in range(3):  # the session's edits may teach the lexicon while it is read: asked again
            try:
                found, problem = self._find(lexicon, document, doc)
            except RuntimeError:
                continue
            self.screen.app.call_from_thread(self._found, asked, found, problem, True)
            return

    def _found(self, asked: int, found: list[Suggestion], problem: str | None, later: bool = False) -> None:
        """Show what was found for refresh number ``asked`` (``later``: from a worker, redrawn here)."""
        if asked != self._asked or (later and not self.screen.is_mounted):
            return
        self.suggestions = found
        if problem:  # the screen works without suggestions
            self.screen.notify(problem, severity="warning", timeout=10, markup=False)
        if later:
            self.screen._repaint()
            self.screen._update_status()

    def _lexicon_ready(self) -> None:
        if self.screen.is_mounted:
            self.refresh()
            self.screen._repaint()
            self.screen._update_status()

    def taught(self, before: DocumentAnnotations) -> None:
        """An edit was saved: the session's lexicon learns it, the suggestions follow."""
        if self._suggests() and (lexicon := self.screen.app.lexicon(self.screen.store.annotator)) is not None:
            learn(lexicon, self.screen.document.text, before, self.screen.doc)
        self.refresh()

    def at(self, span: tuple[int, int]) -> Suggestion | None:
        """The suggestion under the cursor's ``span`` (a token, or a character in fine mode): one
        overlapping it, the shortest when several do. A suggestion may start inside a token
        (للتحالف: the name after its clitic) and still be the one under it."""
        start, end = span
        first, stop = bisect_left(self._starts, start - self._longest), bisect_left(self._starts, max(end, start + 1))
        under = [s for s in self._suggestions[first:stop] if s.end > start]
        return min(under, key=lambda s: (s.end - s.start, s.start)) if under else None

    def status(self, span: tuple[int, int]) -> list[str | tuple[str, str]]:
        """The status line's part on the suggestion under the cursor."""
        chosen = self.at(span)
        if chosen is None:
            return []
        why = chosen.why or chosen.source
        return ["  ", (f"suggested {chosen.label}", "bold underline"), f" ({why}) space/⌫/+/="]

    # ----- keys -------------------------------------------------------------------
    def _chosen(self) -> Suggestion | None:
        chosen = self.at(self.screen.reader.cursor_span)
        if chosen is None:
            self.screen.notify("no suggestion under the cursor ([ and ] go to the previous and next)", timeout=3)
        return chosen

    def _accept(self, chosen: list[Suggestion], what: str) -> None:
        before = self.screen.doc
        spans = [(s.start, s.end, s.label) for s in chosen]
        if len(spans) == 1:
            self.screen._edit(lambda: f"{self.screen.editor.add_entity(*spans[0]).id} {spans[0][2]} accepted")
        else:
            self.screen._edit(lambda: self.screen.editor.add_entities(spans, what), what)
        if self.screen.doc is before or self.screen.refused is not None:  # refused, read-only or not saved
            return
        self._record(accept, chosen)

    def _record(self, verdict, chosen: list[Suggestion]) -> None:
        try:
            verdict(
                DecisionStore(self.screen.app.workspace, self.screen.store.annotator), self.screen.document.id, chosen
            )
        except (OSError, AnnotatorError) as exc:  # the annotation is saved; only the tally is missing
            self.screen.notify(f"decision not recorded: {exc}", severity="warning", timeout=10, markup=False)

    def accept_one(self) -> None:
        if (chosen := self._chosen()) is not None:
            self._accept([chosen], f"{chosen.label} accepted")

    def accept_label(self) -> None:
        if (chosen := self._chosen()) is not None:
            every = same_label(self.suggestions, chosen)
            self._accept(every, f"{len(every)} {chosen.label} suggestions accepted")

    def accept_text(self) -> None:
        if (chosen := self._chosen()) is not None:
            every = same_text(self.suggestions, chosen)
            self._accept(every, f"{len(every)} suggestions of this text accepted")

    def reject_one(self) -> None:
        chosen = self._chosen()
        if chosen is None:
            return
        if self.screen.opened.read_only:
            self.screen.notify(f"read-only: {self.screen.opened.read_only}", severity="warning", markup=False)
            return
        self._record(reject, [chosen])
        self.refresh()
        self.screen._repaint()
        self.screen.say(f"{chosen.label} suggestion rejected: not proposed here again")

    def step(self, step: int) -> None:
        start, end = self.screen.reader.cursor_span
        if step > 0:
            at = bisect_left(self._starts, max(end, start + 1))
            found = self._suggestions[at] if at < len(self._suggestions) else None
        else:  # the last one ending before the cursor (ends are not sorted: those starting before it)
            found = max(
                (s for s in self._suggestions[: bisect_left(self._starts, start)] if s.end <= start),
                key=lambda s: (s.start, s.end),
                default=None,
            )
        if found is None:
            self.screen.notify("no more suggestions" if step > 0 else "no suggestion before this one", timeout=2)
            return
        self.screen.reader.move_to_offset(found.start)
