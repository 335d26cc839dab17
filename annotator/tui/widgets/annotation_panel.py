"""The side panel: the document's entities and events (with arguments); a row jumps to it.

Span texts and argument lists are cut to the panel's width by ``display_text.fit``: a
text keeps its logical start (the right end of an Arabic name) and ends with an ellipsis
at its logical end (its left, for Arabic). Everything drawn is ``rich.text.Text``, ids and
labels ``printable``: data from the files never reaches the terminal as markup or as codes.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import DataTable

from annotator.core.annotations.model import DocumentAnnotations
from annotator.core.text.display_text import fit, right_aligned
from annotator.core.text.printable import printable

MIN_CELLS = 8  # the text and arguments columns never get narrower than this
TEXT_SHARE = 0.4  # of the room left after the id and label columns; the rest is for arguments


class AnnotationPanel(DataTable):
    """One row per entity and per event, in text order; review items are flagged."""

    # The scrollbar's place is kept, so a long list does not push the cut columns out of the panel.
    DEFAULT_CSS = """
    AnnotationPanel { scrollbar-gutter: stable; }
    """

    class Jump(Message):
        def __init__(self, item_id: str, start: int, end: int) -> None:
            super().__init__()
            self.item_id = item_id
            self.start = start
            self.end = end

    _shown: tuple[DocumentAnnotations, str, str] | None = None
    _caps: tuple[int, int] | None = None

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.add_columns("id", "label", "text", "arguments")

    def caps(self, rows: list[tuple]) -> tuple[int, int]:
        """Cells for the text and the arguments columns, so that the four columns fit the
        panel (each column takes its content plus the cell padding on both sides)."""
        ids = max([len("id"), *(cell_len(printable(r[2])) + (2 if r[5] else 0) for r in rows)])  # a column is as
        labels = max([len("label"), *(cell_len(printable(r[3])) for r in rows)])  # wide as its heading at least
        width = self.scrollable_content_region.width or 40
        room = width - 4 * 2 * self.cell_padding - ids - labels
        if not any(r[4] for r in rows):  # no arguments: the text takes all but the column's heading
            return max(MIN_CELLS, room - len("arguments")), len("arguments")
        text = max(MIN_CELLS, int(room * TEXT_SHARE))
        return text, max(MIN_CELLS, room - text)

    def show(self, doc: DocumentAnnotations, text: str, mode: str = "app") -> None:
        self._shown = (doc, text, mode)
        self.clear()
        self._spans: dict[str, tuple[int, int]] = {}
        rows = _rows(doc, text)
        text_cells, args_cells = self._caps = self.caps(rows)
        for start, end, item_id, label, args, review in rows:
            flag = Text("⚑ ", style="bold yellow") if review else Text("")
            self.add_row(
                flag + Text(printable(item_id)),  # an item marked for review may have any id and label
                Text(printable(label)),
                _cell(text[start:end], text_cells, mode),
                _cell(args, args_cells, mode),
                key=item_id,
            )
            self._spans[item_id] = (start, end)

    def on_resize(self, event: events.Resize) -> None:
        """A wider or narrower panel cuts the texts again."""
        if self._shown is not None and self.caps(_rows(*self._shown[:2])) != self._caps:
            self.show(*self._shown)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        item_id = event.row_key.value
        if item_id in self._spans:
            self.post_message(self.Jump(item_id, *self._spans[item_id]))


def _rows(doc: DocumentAnnotations, text: str) -> list[tuple[int, int, str, str, str, bool]]:
    """(start, end, id, label, arguments, needs review) per entity and event, in text order.
    Arguments name their entity by label and LOGICAL text: cut and laid out as one string."""
    names = {e.id: f"{e.label} {text[e.start : e.end]}" for e in doc.entities}
    rows = [(e.start, e.end, e.id, e.label, "", bool(e.needs_review)) for e in doc.entities]
    for ev in doc.events:
        args = "; ".join(f"{a.role}: {names.get(a.entity, a.entity)}" for a in ev.arguments)
        rows.append((ev.start, ev.end, ev.id, ev.type, args, bool(ev.needs_review)))
    return sorted(rows)


def _cell(text: str, cells: int, mode: str) -> Text:
    """A logical text cut to ``cells`` keeping its start, drawn as the reader draws it and
    aligned to its reading start (right for a right-to-left text in 'app' mode)."""
    return Text(fit(text, cells, mode), justify="right" if right_aligned(text, mode) else "left")
