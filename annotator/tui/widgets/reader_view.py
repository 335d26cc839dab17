"""The reader: a document laid out right-to-left on the Line API, with a token cursor.

Layout comes from ``annotator.core.text.layout`` (wrapping, BiDi reordering, shaping and the
cell map). This widget only paints rows, caches them, and turns keys and clicks into
logical offsets. Rows are built on demand in ``render_line`` and kept in an LRU cache
keyed by row and a version that changes with anything drawn (cursor, highlights), so a
frame costs the same for a short and a very long document.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from functools import partial
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from annotator.core.keymap import READER
from annotator.core.text.layout import Layout, Paragraph, pieces_of
from annotator.core.text.tokens import tokenize
from annotator.tui.keys import bindings
from annotator.tui.widgets.styles import CachedStyles

_MARK = re.compile(r"[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0300-\u036f\u200c\u200d]")


LAYOUT_CHUNK = 30_000  # characters laid out per step: about 30 ms, so keys stay answered meanwhile


def characters(text: str) -> list[tuple[int, int]]:
    """Fine-mode units: every non-space character, with the marks that follow it."""
    units: list[tuple[int, int]] = []
    for start, end in tokenize(text):
        i = start
        while i < end:
            j = i + 1
            while j < end and _MARK.match(text, j):
                j += 1
            units.append((i, j))
            i = j
    return units


@dataclass(frozen=True, slots=True)
class Highlight:
    """A logical range painted with a style; later ones are painted over earlier ones."""

    start: int
    end: int
    style: Style


class ReaderView(CachedStyles, ScrollView, can_focus=True):
    """Shows one document and moves a token cursor through it in visual order."""

    COMPONENT_CLASSES = {"reader--text", "reader--cursor", "reader--selection"}
    BINDINGS = bindings(READER)

    diacritics: reactive[bool] = reactive(True)

    class CursorMoved(Message):
        """The cursor is on another token: ``start``/``end`` are its logical offsets."""

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
        self.tokens: list[tuple[int, int]] = []
        self._token_starts: list[int] = []
        self._set_units(tokenize(text))
        self._paragraphs: dict[bool, list[Paragraph]] = {}  # analysed so far, per diacritics setting
        self._pieces = pieces_of(text)
        self._generation = 0
        self._stream: Iterator[Paragraph] | None = None
        self.text_layout: Layout | None = None
        self.cursor = 0  # index into self.tokens
        self.anchor: int | None = None  # token index where a selection started
        self.fine = False  # move by character instead of by token
        self._dragging = False
        self.highlights: list[Highlight] = []
        self._version = 0
        self._cache: LRUCache[tuple, Strip] = LRUCache(1024)

    # ----- content -------------------------------------------------------------
    @property
    def text(self) -> str:
        return self._text

    def load(self, text: str) -> None:
        """Show another document, cursor on its first token."""
        self._text = text
        self.fine = False
        self._set_units(tokenize(text))
        self._paragraphs.clear()
        self._pieces = pieces_of(text)
        self.cursor = 0
        self.anchor = None
        self.highlights = []
        self._relayout()
        self.scroll_to(0, 0, animate=False)
        self._cursor_changed()

    def _set_units(self, units: list[tuple[int, int]]) -> None:
        """What the cursor steps over: tokens, or characters in fine mode."""
        self.tokens = units
        self._token_starts = [s for s, _ in units]

    def set_fine(self, fine: bool) -> None:
        """Fine mode: the cursor and selection move by character (marks stay with their letter)."""
        if fine == self.fine:
            return
        start, end = self.cursor_span
        anchor = self.tokens[self.anchor][0] if self.anchor is not None else None
        self.fine = fine
        self._set_units(characters(self._text) if fine else tokenize(self._text))
        self.cursor = self.token_at(start)
        if anchor is not None:
            self.anchor = self.token_at(anchor)
        self.repaint()
        self._cursor_changed()

    # ----- selection -----------------------------------------------------------
    @property
    def selection(self) -> tuple[int, int] | None:
        """The selected logical range (from anchor to cursor, whole units), if any."""
        if self.anchor is None or not self.tokens:
            return None
        a, b = self.tokens[self.anchor], self.tokens[self.cursor]
        return min(a[0], b[0]), max(a[1], b[1])

    def target_span(self) -> tuple[int, int] | None:
        """What a label key applies to: the selection, else the unit under the cursor."""
        return self.selection or (self.cursor_span if self.tokens else None)

    def set_selection(self, start: int, end: int) -> None:
        """Select the units covering text[start:end] (used after peeling a clitic, or by tests)."""
        self.anchor = self.token_at(start)
        self.cursor = self.token_at(max(start, end - 1))
        self.repaint()
        self._cursor_changed()

    def clear_selection(self) -> None:
        if self.anchor is not None:
            self.anchor = None
            self.repaint()
            self._cursor_changed()

    def _extend(self, move) -> None:
        if self.anchor is None:
            self.anchor = self.cursor
        move()
        self.repaint()

    def action_extend_left(self) -> None:
        self._extend(lambda: self._step_horizontal(-1))

    def action_extend_right(self) -> None:
        self._extend(lambda: self._step_horizontal(1))

    def set_mode(self, mode: str) -> None:
        """Lay the text out again in another bidi mode ('app' or 'terminal')."""
        if mode != self.mode:
            self.mode = mode
            self._paragraphs.clear()
            self._relayout()

    def set_highlights(self, highlights: list[Highlight]) -> None:
        self.highlights = highlights
        self.repaint()

    def repaint(self) -> None:
        self._version += 1
        self._cache.clear()
        self.refresh()

    def styles_changed(self) -> None:
        self._cache.clear()

    def _row_styles(self) -> tuple[Style, Style, Style, Style]:
        """(widget, text, cursor, selection) styles."""
        cursor = Style(bold=True, underline=True) if self.quiet_cursor else self.style_of("reader--cursor")
        return self.style_of(), self.style_of("reader--text"), cursor, self.style_of("reader--selection")

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
                done.append(Paragraph(start, piece, self.mode, key))
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
        self.repaint()

    @property
    def laid_out(self) -> bool:
        """True once every paragraph of the document is laid out."""
        return self._stream is None

    def _lay_out_more(self, generation: int) -> None:
        if generation != self._generation or self._stream is None or self.text_layout is None:
            return  # a newer layout (width, diacritics, document) took over
        batch: list[Paragraph] = []
        size = 0
        for paragraph in self._stream:
            batch.append(paragraph)
            size += len(paragraph.text) + 1
            if size >= LAYOUT_CHUNK:
                break
        else:
            self._stream = None
        self.text_layout.extend(batch)
        self.virtual_size = Size(self.text_layout.width, len(self.text_layout))
        self.refresh()
        if self._stream is not None:
            self.set_timer(0.001, partial(self._lay_out_more, generation))

    def on_mount(self) -> None:
        self._relayout()
        self._cursor_changed()

    def on_resize(self, event: events.Resize) -> None:
        width = max(1, self.scrollable_content_region.width)
        if self.text_layout is None or self.text_layout.width != width:
            self._relayout()
            self.scroll_cursor_visible()

    # ----- painting ------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        row = y + scroll_y
        width = self.scrollable_content_region.width
        key = (row, width, self._version)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._render_row(row)
            self._cache[key] = strip
        return strip.crop_extend(scroll_x, scroll_x + width, self._row_styles()[0])

    def _render_row(self, row: int) -> Strip:
        if self.text_layout is None or row >= len(self.text_layout):
            return Strip.blank(0)
        line = self.text_layout.lines[row]
        _, base, cursor_style, selection_style = self._row_styles()
        cursor = self.tokens[self.cursor] if self.tokens else (-1, -1)
        selected = self.selection or (-1, -1)
        spans = self._highlights_between(line.start, line.stop + 1)
        segments = [Segment(" " * line.indent, base)] if line.indent else []
        text, style = "", None
        for glyph, start, end, _cells in line.visual_clusters():
            cell_style = base
            for h in spans:
                if h.start <= start < h.end:
                    cell_style = cell_style + h.style
            if selected[0] <= start < selected[1]:
                cell_style = cell_style + selection_style
            if cursor[0] <= start < cursor[1]:
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

    def _highlights_between(self, start: int, stop: int) -> list[Highlight]:
        return [h for h in self.highlights if h.start < stop and h.end > start]

    # ----- cursor --------------------------------------------------------------
    @property
    def cursor_span(self) -> tuple[int, int]:
        return self.tokens[self.cursor] if self.tokens else (0, 0)

    def token_at(self, offset: int) -> int:
        """Index of the token containing ``offset``, or the nearest one after it."""
        i = bisect_right(self._token_starts, offset) - 1
        if i >= 0 and self.tokens[i][1] > offset:
            return i
        return min(max(0, i + 1), max(0, len(self.tokens) - 1))

    def move_to_offset(self, offset: int) -> None:
        if self.tokens:
            self.set_cursor(self.token_at(offset))

    def set_cursor(self, index: int) -> None:
        if not self.tokens:
            return
        index = max(0, min(index, len(self.tokens) - 1))
        if index != self.cursor:
            old = self.tokens[self.cursor]
            self.cursor = index
            self.repaint_range(*old)
            self.repaint_range(*self.tokens[index])
        self._cursor_changed()

    def repaint_range(self, start: int, end: int) -> None:
        """Repaint only the rows showing text[start:end] (a cursor move touches two rows)."""
        if self.text_layout is None:
            return
        first = self.text_layout.row_of(start)
        last = self.text_layout.row_of(max(start, end - 1))
        width = self.scrollable_content_region.width
        for row in range(first, last + 1):
            self._cache.discard((row, width, self._version))
        self.refresh_lines(first, last - first + 1)

    def _cursor_changed(self) -> None:
        if self.tokens:
            start, end = self.tokens[self.cursor]
            self.post_message(self.CursorMoved(self, start, end))
        self.scroll_cursor_visible()

    def scroll_cursor_visible(self) -> None:
        if self.text_layout is None or not self.tokens:
            return
        row, _ = self.text_layout.locate(self.tokens[self.cursor][0])
        height = self.scrollable_content_region.height
        if row < self.scroll_y:
            self.scroll_to(y=row, animate=False)
        elif height and row >= self.scroll_y + height:
            self.scroll_to(y=row - height + 1, animate=False)

    def _row_tokens(self, row: int) -> list[tuple[int, int]]:
        """(leftmost cell, token index) of the tokens shown on ``row``, left to right."""
        assert self.text_layout is not None
        line = self.text_layout.lines[row]
        leftmost: dict[int, int] = {}
        for col, (start, _) in enumerate(line.cell_ranges()):
            index = bisect_right(self._token_starts, start) - 1
            if index >= 0 and start < self.tokens[index][1]:
                leftmost.setdefault(index, line.indent + col)
        return sorted((col, index) for index, col in leftmost.items())

    def _step_horizontal(self, direction: int) -> None:
        """Move one token left (-1) or right (+1) on screen, continuing on the next row in
        reading order at the edge: left of an RTL row is the next row, right is the previous."""
        if self.text_layout is None or not self.tokens:
            return
        row, _ = self.text_layout.locate(self.tokens[self.cursor][0])
        on_row = self._row_tokens(row)
        position = next((i for i, (_, t) in enumerate(on_row) if t == self.cursor), None)
        if position is not None and 0 <= position + direction < len(on_row):
            self.set_cursor(on_row[position + direction][1])
            return
        rtl = self.text_layout.lines[row].rtl and self.text_layout.mode == "app"
        step = (1 if direction < 0 else -1) if rtl else direction
        target_row = row + step
        while 0 <= target_row < len(self.text_layout):
            candidates = self._row_tokens(target_row)
            if candidates:
                # Entering a row from the side we left: its far edge in the direction of travel.
                self.set_cursor(candidates[-1 if direction < 0 else 0][1])
                return
            target_row += step

    def _step_vertical(self, rows: int) -> None:
        if self.text_layout is None or not self.tokens:
            return
        row, col = self.text_layout.locate(self.tokens[self.cursor][0])
        target = row + rows
        step = 1 if rows > 0 else -1
        while 0 <= target < len(self.text_layout):
            candidates = self._row_tokens(target)
            if candidates:
                self.set_cursor(min(candidates, key=lambda c: (abs(c[0] - col), c[1]))[1])
                return
            target += step

    def action_move_left(self) -> None:
        self.clear_selection()
        self._step_horizontal(-1)

    def action_move_right(self) -> None:
        self.clear_selection()
        self._step_horizontal(1)

    def action_move_up(self) -> None:
        self.clear_selection()
        self._step_vertical(-1)

    def action_move_down(self) -> None:
        self.clear_selection()
        self._step_vertical(1)

    def action_page_up(self) -> None:
        self.clear_selection()
        self._step_vertical(-max(1, self.scrollable_content_region.height - 1))

    def action_page_down(self) -> None:
        self.clear_selection()
        self._step_vertical(max(1, self.scrollable_content_region.height - 1))

    def _line_edge(self, reading_end: bool) -> None:
        if self.text_layout is None or not self.tokens:
            return
        row, _ = self.text_layout.locate(self.tokens[self.cursor][0])
        line = self.text_layout.lines[row]
        first = bisect_left(self._token_starts, line.start)
        last = bisect_left(self._token_starts, line.stop) - 1
        if first <= last:
            self.set_cursor(last if reading_end else first)

    def action_line_start(self) -> None:
        self.clear_selection()
        self._line_edge(False)

    def action_line_end(self) -> None:
        self.clear_selection()
        self._line_edge(True)

    def action_doc_start(self) -> None:
        self.clear_selection()
        self.set_cursor(0)

    def action_doc_end(self) -> None:
        self.clear_selection()
        self.set_cursor(len(self.tokens) - 1)

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
        if offset is None or event.button != 1:
            return
        self.anchor = None
        self.move_to_offset(offset)
        self._dragging = True
        self.capture_mouse()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if not self._dragging:
            return
        offset = self._offset_at(event)
        if offset is None:
            return
        index = self.token_at(offset)
        if index != self.cursor:
            if self.anchor is None:
                self.anchor = self.cursor
            self.cursor = index
            self.repaint()
            self._cursor_changed()

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._dragging:
            self._dragging = False
            self.release_mouse()
