"""Curation: each annotator's version above, gold below; settle conflicts into gold.

The gold reader is a full annotation screen (the usual keys edit gold directly); the
annotators' readers above follow its cursor. ``j``/``k`` step from conflict to
conflict, ``o`` lists the conflict's options to accept one (or reject them all), ``A``
marks the document adjudicated. Every change is saved to annotations/gold at once.
What curation starts from (the strategy of the first merge, the gold store, the versions
shown) is decided by ``core.adjudication.prepare``.
"""

from __future__ import annotations

from textual.app import ComposeResult

from annotator.core.adjudication.curate import (
    accept,
    close_blocker,
    conflict_text,
    conflicts,
    mark_adjudicated,
    option_text,
    reject,
)
from annotator.core.annotations.model import DocumentAnnotations
from annotator.core.keymap import CURATE
from annotator.tui.keys import bindings, with_label_keys
from annotator.tui.screens.annotate import AnnotateScreen
from annotator.tui.screens.modals import ChooseScreen
from annotator.tui.widgets.compare_stack import CompareStack
from annotator.tui.widgets.reader_view import ReaderView

REJECT = "reject every option"


class CurateScreen(AnnotateScreen):
    BINDINGS = bindings(CURATE)

    def __init__(self, *args, versions: dict[str, DocumentAnnotations], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.versions = versions

    def compose_above(self) -> ComposeResult:
        yield CompareStack(
            self.document.text, self.versions, self.schema, self.mode, self._conflict_extents(), id="annotators"
        )

    def _conflict_extents(self) -> list[tuple[int, int]]:
        return [(c["start"], c["end"]) for c in conflicts(self.editor.doc)]

    def _refresh_document(self) -> None:
        super()._refresh_document()
        open_ = conflicts(self.doc)
        state = "adjudicated" if self.doc.extra.get("adjudicated") else f"{len(open_)} conflicts"
        self.sub_title = f"{self.store.annotator} · {state} · guidelines {self.schema.version}" + (
            " · READ-ONLY" if self.opened.read_only else ""
        )
        if self.is_mounted and self.query("#annotators"):
            self.query_one(CompareStack).paint(marks=self._conflict_extents())

    def on_reader_view_cursor_moved(self, message: ReaderView.CursorMoved) -> None:
        if message.reader.id == "reader":
            super().on_reader_view_cursor_moved(message)
            self.query_one(CompareStack).follow(message.start)

    def _current_conflict(self) -> dict | None:
        cursor = self.reader.cursor_span[0]
        here = [c for c in conflicts(self.doc) if c["start"] <= cursor < c["end"]]
        return here[0] if here else None

    def action_conflict(self, step: int) -> None:
        open_ = conflicts(self.doc)
        if not open_:
            self.notify("no open conflicts: press A to mark the document adjudicated")
            return
        cursor = self.reader.cursor_span[0]
        if step > 0:
            target = next((c for c in open_ if c["start"] > cursor), open_[0])
        else:
            target = next((c for c in reversed(open_) if c["start"] < cursor), open_[-1])
        self.reader.move_to_offset(target["start"])
        options = "; ".join(option_text(target, o) for o in target["options"])
        self.say(f"{conflict_text(target)}: {options}")

    def action_options(self) -> None:
        conflict = self._current_conflict()
        if conflict is None:
            self.notify("no conflict under the cursor (j / k to step to one)")
            return
        labels = [option_text(conflict, o) for o in conflict["options"]] + [REJECT]

        def chosen(answer: str | None) -> None:
            if answer is None:
                return
            if answer == REJECT:
                self._settle(lambda doc: reject(doc, conflict["id"]), f"{conflict['id']} rejected")
            else:
                index = labels.index(answer)
                self._settle(lambda doc: accept(doc, conflict["id"], index), f"{conflict['id']}: {answer}")

        self.app.push_screen(ChooseScreen(f"Conflict {conflict_text(conflict)}", labels), chosen)

    def _settle(self, change, what: str) -> None:
        self._edit(lambda: self.editor.replace(change(self.editor.doc), what), what)

    def action_document(self, step: int) -> None:
        """Curate the next (or previous) document (this screen, removed, lets its gold go)."""
        following = self.app.corpus.neighbour(self.document.id, step)
        if following is None:
            self.notify("no more documents" if step > 0 else "this is the first document", timeout=2)
            return
        self.app.pop_screen()
        open_curation(self.app, following)

    def action_adjudicated(self) -> None:
        blocker = close_blocker(self.doc)
        if blocker is not None:
            keys = "j / k, o" if conflicts(self.doc) else "g, y"
            self.notify(f"not yet: {blocker} ({keys})", severity="warning", markup=False)
            return
        self._settle(mark_adjudicated, "marked adjudicated")


def open_curation(app, doc_id: str) -> None:
    """Open the curation screen for ``doc_id``, or say why it cannot be curated."""
    from annotator.core.adjudication.prepare import CURATION_STRATEGY, TooFewAnnotators, prepare_curation
    from annotator.core.errors import AnnotatorError

    try:
        start = prepare_curation(app.workspace, app.corpus, doc_id)
        document = app.corpus.load(doc_id)  # a text missing or not UTF-8: said, like any other reason
    except TooFewAnnotators as exc:
        app.notify(str(exc), severity="warning", markup=False)
        return
    except AnnotatorError as exc:
        app.notify(str(exc), severity="error", markup=False)
        return
    if start.merged is not None:
        app.notify(
            f"merged by {CURATION_STRATEGY.describe()}: {start.merged.agreed_entities} entities agreed, "
            f"{start.merged.conflicts} conflicts"
        )
    screen_class = with_label_keys(CurateScreen, app.schema)
    app.push_screen(
        screen_class(
            document,
            app.schema,
            app.manual,
            app.bidi,
            store=start.gold,
            guidelines_dir=app.workspace.guidelines_dir,
            versions=start.versions,
        )
    )
