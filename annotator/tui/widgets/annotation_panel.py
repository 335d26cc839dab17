"""The side panel: the document's entities and events (with arguments); a row jumps to it.

It is on the Line API, like the document list: the rows are kept as plain tuples and only
those on screen are drawn, so a document with a million annotations lists them as fast as
one with ten. Span texts and argument lists are cut to the panel's width by
``display_text.fit``: a text keeps its logical start (the right end of an Arabic name) and
ends with an ellipsis at its logical end (its left, for Arabic). Everything drawn is
``rich.text.Text`` or segments of plain strings, ids and labels ``printable``: data from the
files never reaches the terminal as markup or as codes.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.coordinate import Coordinate
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from annotator.core.annotations.model import DocumentAnnotations
from annotator.core.keymap import TEXTUAL_TABLE
from annotator.core.text.display_text import fit, right_aligned
from annotator.core.text.printable import printable
from annotator.tui.keys import bindings
from annotator.tui.widgets.document_list import head
from annotator.tui.widgets.rows import show_row
from annotator.tui.widgets.styles import CachedStyles

MIN_CELLS = 8  # the text and arguments columns never get narrower than this
TEXT_SHARE = 0.4  # of the room left after the id and label columns; the rest is for arguments
PADDING = 1  # cells on each side of a column
HEADINGS = ("id", "label", "text", "arguments")
FLAG = "⚑ "  # an item a migration left for review

Row = tuple[int, int, str, str, str, bool]  # start, end, id, label, arguments, needs review


class AnnotationPanel(CachedStyles, ScrollView, can_focus=True):
    """One row per entity and per event, in text order; review items are flagged."""

    COMPONENT_CLASSES = {"annotation-panel--header", "annotation-panel--cursor"}
    BINDINGS = bindings(TEXTUAL_TABLE)  # the keys the annotation list has always had (a DataTable's)

    # The scrollbar's place is kept, so a long list does not push the cut columns out of the panel.
    # The colours are a DataTable's, which this panel was.
    DEFAULT_CSS = """
    AnnotationPanel {
        scrollbar-gutter: stable;
        background: $surface;
        color: $foreground;
        & > .annotation-panel--header { text-style: bold; background: $panel; color: $foreground; }
        & > .annotation-panel--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus {
            background-tint: $foreground 5%;
            & > .annotation-panel--header { background-tint: $foreground 5%; }
            & > .annotation-panel--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
    }
    """

    class Jump(Message):
        def __init__(self, item_id: str, start: int, end: int) -> None:
            super().__init__()
            self.item_id = item_id
            self.start = start
            self.end = end

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rows: list[Row] = []
        self.text = ""
        self.mode = "app"
        self.cursor = 0
        self._widths = (len("id"), len("label"), False)  # id and label columns, whether any arguments

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def caps(self, rows: list[Row]) -> tuple[int, int]:
        """Cells for the text and the arguments columns, so that the four columns fit the
        panel (each column takes its content plus the cell padding on both sides)."""
        return self._caps(_widths(rows))

    def _caps(self, widths: tuple[int, int, bool]) -> tuple[int, int]:
        ids, labels, any_args = widths
        width = self.scrollable_content_region.width or 40
        room = width - 4 * 2 * PADDING - ids - labels
        if not any_args:  # no arguments: the text takes all but the column's heading
            return max(MIN_CELLS, room - len("arguments")), len("arguments")
        text = max(MIN_CELLS, int(room * TEXT_SHARE))
        return text, max(MIN_CELLS, room - text)

    def show(self, doc: DocumentAnnotations, text: str, mode: str = "app") -> None:
        self.rows = _rows(doc, text)
        self.text = text
        self.mode = mode
        self._widths = _widths(self.rows)
        self.cursor = max(0, min(self.cursor, len(self.rows) - 1))
        self.virtual_size = Size(self._line_width(), len(self.rows) + 1)
        self.refresh()

    def _line_width(self) -> int:
        text_cells, args_cells = self._caps(self._widths)
        return self._widths[0] + self._widths[1] + text_cells + args_cells + 4 * 2 * PADDING

    def on_resize(self, event: events.Resize) -> None:
        """A wider or narrower panel cuts the texts again (rows are drawn for the width they meet)."""
        self.virtual_size = Size(self._line_width(), len(self.rows) + 1)
        self.refresh()

    # ----- drawing -------------------------------------------------------------
    def cells(self, row: int) -> tuple[Text, Text, Text, Text]:
        """What the four columns show for ``row``, cut to their widths."""
        start, end, item_id, label, args, review = self.rows[row]
        text_cells, args_cells = self._caps(self._widths)
        flag = Text(FLAG, style="bold yellow") if review else Text("")
        return (
            flag + Text(printable(item_id)),  # an item marked for review may have any id and label
            Text(printable(label)),
            _cell(self.text[start:end], text_cells, self.mode),
            _cell(args, args_cells, self.mode),
        )

    def get_cell_at(self, coordinate: Coordinate) -> Text:
        """The cell at (row, column), as a DataTable names it."""
        return self.cells(coordinate.row)[coordinate.column]

    def render_line(self, y: int) -> Strip:
        width = self.size.width  # as a DataTable: the line under the scrollbar gutter too
        base = self.style_of()
        if y == 0:  # the header stays put
            header = base + self.style_of("annotation-panel--header")
            return self._line([Text(h) for h in HEADINGS], header, width, header)
        row = y - 1 + self.scroll_offset.y
        if row >= len(self.rows):
            return Strip.blank(width, base)
        style = base + self.style_of("annotation-panel--cursor") if row == self.cursor else base
        return self._line(list(self.cells(row)), style, width, base)

    def _line(self, cells: list[Text], style: Style, width: int, rest: Style) -> Strip:
        """The four cells in ``style``, then ``rest`` to the end of the line (as a DataTable draws)."""
        widths = (self._widths[0], self._widths[1], *self._caps(self._widths))
        if not self.rows:  # as wide as the headings, as a DataTable's
            widths = (self._widths[0], self._widths[1], len("text"), len("arguments"))
        pad = " " * PADDING
        segments: list[Segment] = []
        for cell, cells_wide in zip(cells, widths):
            room = max(0, cells_wide - cell.cell_len)
            before, after = (room, 0) if cell.justify == "right" else (0, room)
            drawn = [Segment(pad + " " * before, style)]
            drawn += [Segment(s.text, style + s.style if s.style else style) for s in cell.render(self.app.console)]
            drawn.append(Segment(" " * after + pad, style))
            segments += Segment.simplify(drawn)  # a cell is one segment where it is one style, as a DataTable's
        return Strip(segments).crop_extend(self.scroll_offset.x, self.scroll_offset.x + width, rest)

    # ----- moving --------------------------------------------------------------
    def _move_to(self, row: int) -> None:
        if not self.rows:
            return
        row = max(0, min(row, len(self.rows) - 1))
        self.cursor = row
        show_row(self, row)

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 2)

    def action_cursor_up(self) -> None:
        self._move_to(self.cursor - 1)

    def action_cursor_down(self) -> None:
        self._move_to(self.cursor + 1)

    def action_cursor_left(self) -> None:
        """Rows are selected whole: nothing to do (the key is kept from the DataTable this was)."""

    def action_cursor_right(self) -> None:
        """Rows are selected whole: nothing to do."""

    def action_page_up(self) -> None:
        self._move_to(self.cursor - self._page())

    def action_page_down(self) -> None:
        self._move_to(self.cursor + self._page())

    def action_scroll_top(self) -> None:
        self._move_to(0)

    def action_scroll_bottom(self) -> None:
        self._move_to(len(self.rows) - 1)

    def action_scroll_home(self) -> None:
        self._move_to(0)

    def action_scroll_end(self) -> None:
        self._move_to(len(self.rows) - 1)

    def action_select_cursor(self) -> None:
        if self.rows:
            start, end, item_id, *_ = self.rows[self.cursor]
            self.post_message(self.Jump(item_id, start, end))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None and offset.y > 0 and offset.y - 1 + self.scroll_offset.y < len(self.rows):
            self._move_to(offset.y - 1 + self.scroll_offset.y)
            self.action_select_cursor()


def _rows(doc: DocumentAnnotations, text: str) -> list[Row]:
    """(start, end, id, label, arguments, needs review) per entity and event, in text order.
    Arguments name their entity by label and LOGICAL text: cut and laid out as one string."""
    wanted = {a.entity for ev in doc.events for a in ev.arguments}
    names = {e.id: f"{e.label} {text[e.start : e.end]}" for e in doc.entities if e.id in wanted} if wanted else {}
    rows = [(e.start, e.end, e.id, e.label, "", bool(e.needs_review)) for e in doc.entities]
    for ev in doc.events:
        args = "; ".join(f"{a.role}: {names.get(a.entity, a.entity)}" for a in ev.arguments)
        rows.append((ev.start, ev.end, ev.id, ev.type, args, bool(ev.needs_review)))
    rows.sort()
    return rows


def _widths(rows: list[Row]) -> tuple[int, int, bool]:
    """Cells of the id and label columns (as wide as their heading at least), and whether any
    row has arguments: one pass, the few distinct labels measured once."""
    flagged = any(r[5] for r in rows)
    ids = max([len("id"), *(_cells(r[2]) for r in rows)]) + (cell_len(FLAG) if flagged else 0)
    labels = max([len("label"), *(_cells(label) for label in {r[3] for r in rows})])
    return ids, labels, any(r[4] for r in rows)


def _cells(value: str) -> int:
    """Cells ``value`` takes once printable (a plain ASCII id: its length, measured fast)."""
    return len(value) if value.isascii() and value.isprintable() else cell_len(printable(value))


def _cell(text: str, cells: int, mode: str) -> Text:
    """A logical text cut to ``cells`` keeping its start, drawn as the reader draws it and
    aligned to its reading start (right for a right-to-left text in 'app' mode)."""
    text = head(text, cells)
    return Text(fit(text, cells, mode), justify="right" if right_aligned(text, mode) else "left")
