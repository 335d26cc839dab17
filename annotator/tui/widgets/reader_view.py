"""The reader: a document laid out right-to-left on the Line API, with a cursor.

Layout comes from ``annotator.core.text.layout`` (wrapping, BiDi reordering, shaping and the
cell map), and where each key takes the cursor from ``annotator.core.text.navigation``. This
widget draws rows, holds the cursor and selection as reactive state, and maps keys and
clicks to navigation calls. Rows are built on demand in ``render_line`` and kept in an LRU
cache under a key made of everything a row is drawn from (row, width, mode, diacritics,
document, version of the highlights, the part of the cursor and selection on that row,
styles): nothing is ever invalidated, a cursor move simply asks for other keys on the two
rows it touches, and a frame costs the same for a short and a very long document.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from annotator.core.annotations.span_index import SpanIndex
from annotator.core.keymap import READER
from annotator.core.text.layout import DisplayLine, Layout, Paragraph, pieces_of
from annotator.core.text.navigation import Cursor, Navigator, Span, Units, character_units, token_units
from annotator.tui.keys import bindings
from annotator.tui.widgets.styles import CachedStyles

LAYOUT_CHUNK = 30_000  # characters laid out per step: about 30 ms, so keys stay answered meanwhile
MAX_LAYERS = 8  # a cell is painted with at most its top 8 highlights (the innermost); more would not show
_QUIET_CURSOR = Style(bold=True, underline=True)


@dataclass(frozen=True, slots=True)
class Highlight:
    """A logical range painted with a style; later ones are painted over earlier ones."""

    start: int
    end: int
    style: Style


def _on_row(span: Span | None, start: int, stop: int) -> Span | None:
    """The part of ``span`` on a row showing ``text[start:stop]``."""
    if span is None or span[0] >= stop or span[1] <= start:
        return None
    return max(span[0], start), min(span[1], stop)


class ReaderView(CachedStyles, ScrollView, can_focus=True):
    """Shows one document and moves a cursor through it, by token or by character, in visual order."""

    COMPONENT_CLASSES = {"reader--text", "reader--cursor", "reader--selection"}
    BINDINGS = bindings(READER)

    diacritics: reactive[bool] = reactive(True)
    caret: reactive[Cursor] = reactive(Cursor(), repaint=False, init=False)  # the cursor's unit, the selection's anchor

    class CursorMoved(Message):
        """The cursor is on another unit, or the selection changed: ``start``/``end`` are the
        cursor's logical offsets."""

        def __init__(self, reader: ReaderView, start: int, end: int) -> None:
            super().__init__()
            self.reader = reader
            self.start = start
            self.end = end

        @property
        def control(self) -> ReaderView:
            return self.reader

    def __init__(self, text: str = "", *, mode: str = "app", quiet_cursor: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.mode = mode
        self.quiet_cursor = quiet_cursor  # underline the cursor only, so label colours stay visible
        self._text = text
        self._tokens = token_units(text)
        self._units: Units = self._tokens  # what the cursor steps over: tokens, or characters in fine mode
        self.fine = False
        self._paragraphs: dict[bool, list[Paragraph]] = {}  # analysed so far, per diacritics setting
        self._pieces = pieces_of(text)
        self._document = 0  # which text this is: load() counts up
        self._generation = 0
        self._stream: Iterator[Paragraph] | None = None
        self.text_layout: Layout | None = None
        self._dragging = False
        self.highlights: list[Highlight] = []
        self._highlight_index = SpanIndex([])
        self._highlights_version = 0
        self._cache: LRUCache[tuple, Strip] = LRUCache(1024)

    # ----- content -------------------------------------------------------------
    @property
    def text(self) -> str:
        return self._text

    @property
    def tokens(self) -> list[Span]:
        """What the cursor steps over: the tokens, or the characters in fine mode."""
        return self._units.spans

    def load(self, text: str) -> None:
        """Show another document, cursor on its first token."""
        self._text = text
        self.fine = False
        self._tokens = self._units = token_units(text)
        self._paragraphs.clear()
        self._pieces = pieces_of(text)
        self._document += 1
        self.highlights = []
        self._highlight_index = SpanIndex([])
        self._highlights_version += 1
        self.set_reactive(ReaderView.caret, Cursor())
        self._relayout()
        self.scroll_to(0, 0, animate=False)
        self._announce()

    def set_fine(self, fine: bool) -> None:
        """Fine mode: the cursor and selection move by character, one stop per cluster of the
        layout (a letter with its marks, a lam-alef)."""
        if fine == self.fine:
            return
        places = self._places()
        self.fine = fine
        self._units = self._character_units() if fine else self._tokens
        self._put_back(*places)

    def _character_units(self) -> Units:
        return character_units(self._tokens.spans, self._analysed())

    def _places(self) -> tuple[int, int | None]:
        """Where the cursor's unit and the anchor's unit start, as offsets."""
        caret = self.caret
        start = self.cursor_span[0]
        anchor = self._units[caret.anchor][0] if caret.anchor is not None and self._units else None
        return start, anchor

    def _put_back(self, start: int, anchor: int | None) -> None:
        """The cursor (and anchor) on the units now at these offsets (the units changed)."""
        units = self._units
        self.set_reactive(ReaderView.caret, Cursor(units.at(start), None if anchor is None else units.at(anchor)))
        self.refresh()
        self._announce()

    def set_mode(self, mode: str) -> None:
        """Lay the text out again in another bidi mode ('app' or 'terminal')."""
        if mode == self.mode:
            return
        places = self._places()
        self.mode = mode
        self._paragraphs.clear()
        self._relayout()
        if self.fine:  # a lam-alef is one cluster in app mode, two in terminal mode
            self._units = self._character_units()
            self._put_back(*places)

    def set_highlights(self, highlights: list[Highlight]) -> None:
        self.highlights = highlights
        self._highlight_index = SpanIndex(highlights)
        self._highlights_version += 1
        self.refresh()

    def watch_diacritics(self) -> None:
        self._relayout()

    def _analysed(self) -> Iterator[Paragraph]:
        """The document's paragraphs, analysed once per diacritics setting and kept: analysis
        that a relayout interrupted goes on where it stopped."""
        key = self.diacritics
        done = self._paragraphs.setdefault(key, [])
        i = 0
        while True:
            if i == len(done):
                if i == len(self._pieces):
                    return
                start, piece = self._pieces[i]
                done.append(Paragraph(start, piece, self.mode, key, part=LAYOUT_CHUNK))
            yield done[i]
            i += 1

    def _relayout(self) -> None:
        """Lay the document out for the current width: at once up to LAYOUT_CHUNK characters,
        the rest of a long document in later chunks, so its first frame comes at once."""
        if not self.is_mounted:
            return
        width = max(1, self.scrollable_content_region.width or self.size.width)
        self._generation += 1
        self.text_layout = Layout([], width, self.mode)
        self._stream = self._analysed()
        self._lay_out_more(self._generation)
        self.refresh()

    @property
    def laid_out(self) -> bool:
        """True once every paragraph of the document is laid out."""
        return self._stream is None and (self.text_layout is None or not self.text_layout.growing)

    def _lay_out_more(self, generation: int) -> None:
        layout = self.text_layout
        if generation != self._generation or self.laid_out or layout is None:
            return  # a newer layout (width, diacritics, document) took over
        if layout.growing:  # a long paragraph, a part at a time
            layout.grow()
        elif self._stream is not None:
            batch: list[Paragraph] = []
            size = 0
            for paragraph in self._stream:
                batch.append(paragraph)
                size += paragraph.analysed + 1
                if size >= LAYOUT_CHUNK or not paragraph.complete:
                    break
            else:
                self._stream = None
            layout.extend(batch)
        self.virtual_size = Size(layout.width, len(layout))
        self.refresh()
        if not self.laid_out:
            self.set_timer(0.001, partial(self._lay_out_more, generation))

    def on_mount(self) -> None:
        self._relayout()
        self._announce()

    def on_resize(self, event: events.Resize) -> None:
        width = max(1, self.scrollable_content_region.width)
        if self.text_layout is None or self.text_layout.width != width:
            self._relayout()
            self.scroll_cursor_visible()

    # ----- painting ------------------------------------------------------------
    def _row_styles(self) -> tuple[Style, Style, Style, Style]:
        """(widget, text, cursor, selection) styles."""
        cursor = _QUIET_CURSOR if self.quiet_cursor else self.style_of("reader--cursor")
        return self.style_of(), self.style_of("reader--text"), cursor, self.style_of("reader--selection")

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        styles = self._row_styles()
        return self._row(y + scroll_y, styles).crop_extend(scroll_x, scroll_x + width, styles[0])

    def _row(self, row: int, styles: tuple[Style, Style, Style, Style]) -> Strip:
        layout = self.text_layout
        if layout is None or row >= len(layout):
            return Strip.blank(0)  # not kept: the row may come with the next part of a long document
        line = layout.lines[row]
        start, stop = line.start, line.stop
        cursor = _on_row(self.cursor_span if self._units else None, start, stop)
        selected = _on_row(self.selection, start, stop)
        key = (
            row,
            layout.width,
            layout.mode,
            self.diacritics,
            self._document,
            self._highlights_version,
            cursor,
            selected,
            styles,
        )
        strip = self._cache.get(key)
        if strip is None:
            strip = self._cache[key] = self._draw(line, cursor, selected, styles)
        return strip

    def _draw(
        self, line: DisplayLine, cursor: Span | None, selected: Span | None, styles: tuple[Style, Style, Style, Style]
    ) -> Strip:
        """One row: its clusters left to right, each painted with the highlights on its first
        character (its top ``MAX_LAYERS``), and the selection and cursor where they meet it."""
        _, base, cursor_style, selection_style = styles
        c0, c1 = cursor or (-1, -1)
        s0, s1 = selected or (-1, -1)
        clusters = list(line.visual_clusters())
        painted = self._paint(sorted({start for _, start, _, _ in clusters}), base)
        segments = [Segment(" " * line.indent, base)] if line.indent else []
        text, style = "", None
        for glyph, start, end, _cells in clusters:
            cell_style = painted.get(start, base)
            if start < s1 and end > s0:
                cell_style = cell_style + selection_style
            if start < c1 and end > c0:
                cell_style = cell_style + cursor_style
            if cell_style is style:
                text += glyph
            else:
                if text:
                    segments.append(Segment(text, style))
                text, style = glyph, cell_style
        if text:
            segments.append(Segment(text, style))
        return Strip(segments, line.indent + line.cells)

    def _paint(self, offsets: list[int], base: Style) -> dict[int, Style]:
        """The text style plus the highlights on each of ``offsets`` (sorted), painted in order;
        the highlights are taken last painted first, and a cell stops at ``MAX_LAYERS`` of them."""
        if not offsets:
            return {}
        index = self._highlight_index
        layers: list[list[Style]] = [[] for _ in offsets]
        open_cells = len(offsets)
        for i in index.touching(offsets[0], offsets[-1] + 1):
            h = self.highlights[i]
            for k in range(bisect_left(offsets, h.start), bisect_right(offsets, h.end - 1)):
                cell = layers[k]
                if len(cell) < MAX_LAYERS:
                    cell.append(h.style)
                    if len(cell) == MAX_LAYERS:
                        open_cells -= 1
            if not open_cells:
                break
        painted: dict[int, Style] = {}
        for offset, cell in zip(offsets, layers):
            style = base
            for layer in reversed(cell):
                style = style + layer
            painted[offset] = style
        return painted

    def _refresh_rows(self, span: Span | None) -> None:
        """Draw again the rows showing ``text[start:end]``."""
        if self.text_layout is None or span is None:
            return
        first = self.text_layout.row_of(span[0])
        last = self.text_layout.row_of(max(span[0], span[1] - 1))
        self.refresh_lines(first, last - first + 1)

    # ----- cursor and selection -------------------------------------------------
    @property
    def cursor(self) -> int:
        """Index of the unit under the cursor (into ``tokens``)."""
        return self.caret.index

    @property
    def cursor_span(self) -> Span:
        return self._units[self.caret.index] if self._units else (0, 0)

    @property
    def selection(self) -> Span | None:
        """The selected logical range (from anchor to cursor, whole units), if any."""
        return self.caret.selection(self._units)

    def target_span(self) -> Span | None:
        """What a label key applies to: the selection, else the unit under the cursor."""
        return self.selection or (self.cursor_span if self._units else None)

    def token_at(self, offset: int) -> int:
        """Index of the unit containing ``offset``, or the nearest one after it."""
        return self._units.at(offset)

    def move_to_offset(self, offset: int) -> None:
        """The cursor on the unit at ``offset`` (a selection keeps its anchor)."""
        if self._units:
            self.caret = Cursor(self._units.at(offset), self.caret.anchor)

    def set_selection(self, start: int, end: int) -> None:
        """Select the units covering text[start:end] (used after peeling a clitic, or by tests)."""
        self.caret = Cursor.selecting(self._units, start, end)

    def clear_selection(self) -> None:
        if self.caret.anchor is not None:
            self.caret = self.caret.moved_to(self.caret.index)

    def watch_caret(self, old: Cursor, new: Cursor) -> None:
        for caret in (old, new):
            self._refresh_rows(caret.selection(self._units) or caret.span(self._units))
        self._announce()

    def _announce(self) -> None:
        if self._units:
            start, end = self.cursor_span
            self.post_message(self.CursorMoved(self, start, end))
        self.scroll_cursor_visible()

    def scroll_cursor_visible(self) -> None:
        if self.text_layout is None or not self._units:
            return
        row = self.text_layout.row_of(self.cursor_span[0])  # the row is all it needs: no cell map
        height = self.scrollable_content_region.height
        if row < self.scroll_y:
            self.scroll_to(y=row, animate=False)
        elif height and row >= self.scroll_y + height:
            self.scroll_to(y=row - height + 1, animate=False)

    # ----- keys ---------------------------------------------------------------
    def _go(self, move: Callable[[Navigator, int], int], extend: bool = False) -> None:
        """Move the cursor where ``move`` says, dropping the selection or (``extend``) growing it."""
        if self.text_layout is None or not self._units:
            return
        caret = self.caret
        index = move(Navigator(self.text_layout, self._units), caret.index)
        moved = caret.extended_to(index) if extend else caret.moved_to(index)
        if moved == caret:  # nowhere to go: still bring the cursor into view
            self.scroll_cursor_visible()
        self.caret = moved  # a move scrolls as it is announced (watch_caret)

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def action_move_left(self) -> None:
        self._go(Navigator.left)

    def action_move_right(self) -> None:
        self._go(Navigator.right)

    def action_move_up(self) -> None:
        self._go(Navigator.up)

    def action_move_down(self) -> None:
        self._go(Navigator.down)

    def action_page_up(self) -> None:
        self._go(lambda navigator, index: navigator.up(index, self._page()))

    def action_page_down(self) -> None:
        self._go(lambda navigator, index: navigator.down(index, self._page()))

    def action_line_start(self) -> None:
        self._go(Navigator.line_start)

    def action_line_end(self) -> None:
        self._go(Navigator.line_end)

    def action_doc_start(self) -> None:
        self._go(lambda navigator, index: navigator.document_start())

    def action_doc_end(self) -> None:
        self._go(lambda navigator, index: navigator.document_end())

    def action_extend_left(self) -> None:
        self._go(Navigator.left, extend=True)

    def action_extend_right(self) -> None:
        self._go(Navigator.right, extend=True)

    # ----- mouse --------------------------------------------------------------
    def _offset_at(self, event: events.MouseEvent) -> int | None:
        if self.text_layout is None:
            return None
        offset = event.get_content_offset(self)
        if offset is None:
            return None
        span = self.text_layout.cell_at(offset.y + self.scroll_offset.y, offset.x + self.scroll_offset.x)
        return span[0] if span else None

    def on_mouse_down(self, event: events.MouseDown) -> None:
        self.focus()
        offset = self._offset_at(event)
        if offset is None or event.button != 1 or not self._units:
            return
        self.caret = self.caret.moved_to(self._units.at(offset))
        self._dragging = True
        self.capture_mouse()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if not self._dragging:
            return
        offset = self._offset_at(event)
        if offset is None:
            return
        index = self._units.at(offset)
        if index != self.caret.index:
            self.caret = self.caret.extended_to(index)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._dragging:
            self._dragging = False
            self.release_mouse()
