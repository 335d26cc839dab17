"""The document list on the Line API: rows are drawn on demand, so 100,000 documents open
as fast as five. Status, annotations to review and adjudication progress are filled in by
background workers (the newest read of a document wins, whichever worker posts it last)."""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from annotator.core.annotations.status import DocumentStatus
from annotator.core.corpus import DocumentInfo
from annotator.core.keymap import DOCUMENT_LIST
from annotator.core.text.display_text import fit, row_start
from annotator.core.text.printable import printable
from annotator.tui.keys import bindings
from annotator.tui.widgets.rows import show_row
from annotator.tui.widgets.styles import CachedStyles

REVIEW_STYLE = "bold #d7d75f"
STATUS_STYLE = {"done": "#5fd75f", "in_progress": "#d7d75f", "adjudicated": "#5fd75f", "unreadable": "bold #ff5f5f"}
TITLE_CHARS = 60  # at most this many cells of a title; cut by display_text.fit, which keeps its start
STATUS_WIDTH, REVIEW_WIDTH, GOLD_WIDTH, CHARS_WIDTH = 12, 9, 14, 7
COLUMNS = ("id", "status", "to review", "gold", "chars", "title")
CELL_CHARS = 4  # code points of a text looked at per cell it may take (a letter with its marks)


def head(text: str, cells: int) -> str:
    """As much of ``text`` as ``cells`` cells could show (and one more character, so that a
    longer text is still cut with an ellipsis): a row never lays out more than fits."""
    return text[: cells * CELL_CHARS + 1]


def _id_cells(info: DocumentInfo) -> int:
    """The cells a document id takes as shown: its length when it is printable ASCII (nearly
    every id, and all 100,000 are measured at start), else what ``printable`` makes of it."""
    doc_id = info.id
    return len(doc_id) if doc_id.isascii() and doc_id.isprintable() else cell_len(printable(doc_id))


class DocumentList(CachedStyles, ScrollView, can_focus=True):
    COMPONENT_CLASSES = {"document-list--header", "document-list--cursor"}
    BINDINGS = bindings(DOCUMENT_LIST)

    class Highlighted(Message):
        def __init__(self, doc_id: str) -> None:
            super().__init__()
            self.doc_id = doc_id

    def __init__(self, infos: list[DocumentInfo], mode: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.infos = infos
        self.mode = mode
        self.index = {info.id: i for i, info in enumerate(infos)}
        self.status: dict[str, str] = {}
        self.review: dict[str, int] = {}  # annotations to review (status.DocumentStatus.review)
        self.gold: dict[str, str] = {}
        self._read_at: dict[str, int] = {}  # when what is shown of each document was read
        self.cursor = 0
        self.id_width = max(8, max(map(_id_cells, infos), default=0))
        self.virtual_size = Size(0, len(infos) + 1)

    @property
    def selected(self) -> str | None:
        return self.infos[self.cursor].id if self.infos else None

    def set_mode(self, mode: str) -> None:
        """Draw the titles in another bidi mode ('app' or 'terminal')."""
        self.mode = mode
        self.refresh()

    def set_states(self, status: dict[str, DocumentStatus], gold: dict[str, str], read_at: int) -> None:
        """Show what was read of some documents at ``read_at`` (a monotonic clock); a document
        read again since by another worker keeps the newer read."""
        newer = [d for d in {*status, *gold} if self._read_at.get(d, -1) <= read_at]
        for doc_id in newer:
            self._read_at[doc_id] = read_at
            if doc_id in status:
                self.status[doc_id] = status[doc_id].state
                self.review[doc_id] = status[doc_id].review
            if doc_id in gold:
                self.gold[doc_id] = gold[doc_id]
        self.refresh()

    @property
    def shown_ids(self) -> list[str]:
        """The documents on the rows shown now."""
        top = self.scroll_offset.y
        return [info.id for info in self.infos[top : top + max(0, self.scrollable_content_region.height - 1)]]

    def select(self, doc_id: str) -> None:
        if doc_id in self.index:
            self._move_to(self.index[doc_id])

    # ----- drawing -------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:  # the header stays put
            header = self.style_of("document-list--header")
            return self._row(COLUMNS, [header] * len(COLUMNS), width)
        row = y - 1 + self.scroll_offset.y
        if row >= len(self.infos):
            return Strip.blank(width, self.style_of())
        info = self.infos[row]
        status = self.status.get(info.id, "…")
        review = self.review.get(info.id)
        gold = self.gold.get(info.id, "…")
        base = self.style_of()
        if row == self.cursor:
            base = base + self.style_of("document-list--cursor")
        styles = [
            base,
            base + Style.parse(STATUS_STYLE.get(status, "dim")),
            base + Style.parse(REVIEW_STYLE if review else "dim"),
            base + Style.parse("#d7d75f" if gold.startswith("conflicts") else STATUS_STYLE.get(gold, "dim")),
            base,
            base,
        ]
        shown_review = "…" if review is None else f"{review:,}" if review else ""
        cells = (printable(info.id), status.replace("_", " "), shown_review, gold, str(info.chars), info.title)
        return self._row(cells, styles, width)

    def _row(self, cells, styles, width: int) -> Strip:
        """One row; ``title`` is logical, cut to the room left keeping its start (the right
        end of a right-to-left title, with the ellipsis at its left) and laid out."""
        id_, status, review, gold, chars, title = cells
        left = [
            id_.ljust(self.id_width),
            status[:STATUS_WIDTH].ljust(STATUS_WIDTH),
            review[:REVIEW_WIDTH].rjust(REVIEW_WIDTH),
            gold[:GOLD_WIDTH].ljust(GOLD_WIDTH),
            chars.rjust(CHARS_WIDTH),
        ]
        segments = [Segment(start, styles[0])] if (start := row_start(self.mode)) else []
        for text, style in zip(left, styles):
            segments.append(Segment(text + "  ", style))
        used = sum(cell_len(s.text) for s in segments)
        room = max(0, width - used)
        cells = min(room, TITLE_CHARS)
        title = fit(head(title, cells), cells, self.mode)
        segments.append(Segment(" " * max(0, room - cell_len(title)) + title, styles[-1]))
        return Strip(segments).crop_extend(0, width, styles[-1])

    # ----- moving --------------------------------------------------------------
    def _move_to(self, row: int) -> None:
        if not self.infos:
            return
        row = max(0, min(row, len(self.infos) - 1))
        self.cursor = row
        show_row(self, row)
        self.post_message(self.Highlighted(self.infos[row].id))

    def action_move(self, step: int) -> None:
        self._move_to(self.cursor + step)

    def action_page(self, step: int) -> None:
        self._move_to(self.cursor + step * max(1, self.scrollable_content_region.height - 2))

    def action_move_to(self, row: int) -> None:
        self._move_to(row if row >= 0 else len(self.infos) - 1)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None and offset.y > 0:
            self._move_to(offset.y - 1 + self.scroll_offset.y)
