"""An Input that shows Arabic as the reader does: reordered, shaped, right-aligned.

In 'app' mode (``app.bidi == "app"``) the terminal's own BiDi is off, so Textual's Input,
which draws the logical string left to right, would show Arabic backwards and unjoined.
``BidiInput`` keeps all of Input's editing (the value, the cursor and the selection stay
logical: typing inserts at the logical cursor, backspace and delete remove the logical
character before / after it) and changes only what is drawn and where the cursor is:

- the value is laid out by ``annotator.core.text.layout`` as one display line (reordered,
  shaped); a right-to-left value is right-aligned in the field, a left-to-right one
  left-aligned; a value longer than the field scrolls sideways to keep the cursor seen;
- the cursor is drawn on the cell of the character after it (``Layout.locate``, as in
  the reader); at the end of the value it is just past the value in reading order, so
  at the LEFT end of a right-to-left value;
- the selection paints the cells showing the selected logical characters (a selection
  in mixed text may look split: it is one logical range);
- the placeholder, English or Arabic, is drawn the same way (cut to the field, keeping
  its start), and the cursor of an empty field sits at the placeholder's reading start.

Keys (documented choice): in a right-to-left value the arrows follow the reading
direction, as in the reader: ← moves FORWARD (to the next character, logically +1) and
→ backward; ctrl+← / ctrl+→ likewise by word, shift selects. In a left-to-right value
they are Input's. The arrows step over whole clusters (a letter with its harakat, a
lam-alef ligature), so each press moves the cursor by one cell. Home / End go to the
logical start / end (the right / left end of a right-to-left value).

In 'terminal' mode (the terminal reorders) and for password fields it is Input, unchanged.

What is overridden, and why (the rest is Input's own code):
- ``render_line`` (public, Line API): draws the laid-out line instead of the logical string;
- ``content_width`` (public): the width of the laid-out line plus the cursor's cell, which
  Input uses for its virtual (scrollable) size;
- ``_cursor_offset`` (private property): Input's only way from the logical cursor to its
  cell, used by Input to scroll the cursor into view and to place the terminal cursor
  (``cursor_screen_offset``, for input methods); no public hook does this;
- ``_cell_offset_to_index`` (private): Input's only way from a clicked cell back to a
  logical index, used by its mouse handlers (click, drag to select);
- ``action_cursor_left`` / ``_right`` / ``_left_word`` / ``_right_word`` (public actions):
  reading-direction arrows and cluster steps.
It reads ``_cursor_visible`` (private reactive) for the blink, as Input's render does.
The suggester's completion is not drawn in 'app' mode (no field here uses one).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widgets import Input
from textual.widgets.input import Selection

from annotator.core.text.display_text import cells as cells_of
from annotator.core.text.display_text import fit, right_aligned
from annotator.core.text.layout import DisplayLine, Layout


class _Line:
    """The value laid out as one display line, with its cell map."""

    __slots__ = ("value", "layout", "line", "bounds")

    def __init__(self, value: str) -> None:
        self.value = value
        flat = value.replace("\n", " ")  # one line; same length, so offsets hold
        # Wide enough never to wrap: at most two cells per character, plus the cursor's cell.
        self.layout = Layout.of_text(flat, 2 * len(flat) + 2, "app")
        self.line: DisplayLine = self.layout.lines[0]
        self.bounds = self.line.paragraph.clusters.bounds  # cluster starts (paragraph starts at 0)

    @property
    def cells(self) -> int:
        return self.line.cells

    @property
    def rtl(self) -> bool:
        return self.line.rtl

    def virtual_width(self, width: int) -> int:
        """Cells the field scrolls over: the line and the cursor's cell after it, at least ``width``."""
        return max(width, self.cells + 1)

    def origin(self, width: int) -> int:
        """The virtual column of the line's first cell in a field ``width`` cells wide."""
        return self.virtual_width(width) - self.cells if self.rtl else 0

    def column(self, offset: int, width: int) -> int:
        """The virtual column of the cursor before logical ``offset`` (Layout.locate)."""
        _, col = self.layout.locate(offset)
        return self.origin(width) + col - self.line.indent

    def index_at(self, column: int, width: int) -> int:
        """The logical index for a click on virtual ``column``: the character shown there;
        past either end of the line, the logical start or end on that side."""
        x = column - self.origin(width)
        shown = self.layout.cell_at(0, self.line.indent + x)
        if shown is not None:
            return shown[0]
        before = x < 0
        return len(self.value) if before == self.rtl else 0

    def step(self, offset: int, forward: bool) -> int:
        """The next cluster boundary after (or before) ``offset``."""
        bounds = self.bounds
        if forward:
            i = bisect_right(bounds, offset)
            return bounds[i] if i < len(bounds) else len(self.value)
        i = bisect_left(bounds, offset) - 1
        return bounds[i] if i >= 0 else 0


class BidiInput(Input):
    """Input drawn through the core layout in 'app' mode; see the module's docstring."""

    _laid_out: _Line | None = None

    # ----- mode ----------------------------------------------------------------
    @property
    def drawn_by_app(self) -> bool:
        """True when this field draws its own BiDi (the app's 'app' mode; not for passwords)."""
        if self.password:
            return False
        try:
            return getattr(self.app, "bidi", "terminal") == "app"
        except RuntimeError:  # no app yet (NoActiveAppError)
            return False

    def laid_out(self) -> _Line:
        """The value as one display line (cached per value)."""
        if self._laid_out is None or self._laid_out.value != self.value:
            self._laid_out = _Line(self.value)
        return self._laid_out

    @property
    def _field_width(self) -> int:
        return max(1, self.scrollable_content_region.width)

    def _placeholder_line(self) -> tuple[str, bool]:
        """The placeholder as drawn (cut to the field keeping its start) and its alignment."""
        return fit(self.placeholder, self._field_width, "app"), right_aligned(self.placeholder, "app")

    # ----- where things are -------------------------------------------------------
    @property
    def content_width(self) -> int:
        if not self.drawn_by_app:
            return super().content_width
        if not self.value:
            return cells_of(self._placeholder_line()[0], "terminal") if self.placeholder else 1
        return self.laid_out().cells + 1  # one more cell for the cursor at the reading end

    @property
    def _cursor_offset(self) -> int:
        if not self.drawn_by_app:
            return super()._cursor_offset
        if not self.value:
            return self._field_width - 1 if self.placeholder and self._placeholder_line()[1] else 0
        return self.laid_out().column(self.cursor_position, self._field_width)

    def _cell_offset_to_index(self, offset: int) -> int:
        if not self.drawn_by_app:
            return super()._cell_offset_to_index(offset)
        if not self.value:
            return 0
        return self.laid_out().index_at(offset + self.scroll_offset.x, self._field_width)

    @property
    def cursor_cell(self) -> int:
        """The cursor's column inside the field as drawn now (scrolling taken into account)."""
        return self._cursor_offset - self._scroll_x()

    def _scroll_x(self) -> int:
        if not self.drawn_by_app or not self.value:
            return self.scroll_offset.x
        width = self._field_width
        line = self.laid_out()
        return max(0, min(self.scroll_offset.x, line.virtual_width(width) - width))

    # ----- drawing ---------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        if not self.drawn_by_app:
            return super().render_line(y)
        width = self._field_width
        if y != 0:
            return Strip.blank(self.size.width, self.rich_style)
        show_cursor = self.has_focus and self._cursor_visible
        cursor_style = self.get_component_rich_style("input--cursor")
        if not self.value:
            segments = self._placeholder_segments(width, show_cursor, cursor_style)
            strip = Strip(segments).crop_extend(0, width, None)
        else:
            segments = self._value_segments(width, show_cursor, cursor_style)
            scroll_x = self._scroll_x()
            strip = Strip(segments).crop_extend(scroll_x, scroll_x + width, None)
        return strip.apply_style(self.rich_style)

    def _placeholder_segments(self, width: int, show_cursor: bool, cursor_style: Style) -> list[Segment]:
        style = self.get_component_rich_style("input--placeholder")
        text, rtl = self._placeholder_line()
        pad = max(0, width - cells_of(text, "terminal"))
        if not text:
            text, pad, rtl = " ", max(0, width - 1), False  # nothing to show: the cursor alone, at the left
            style = Style()
        segments = [Segment(" " * pad)] if rtl and pad else []
        segments.append(Segment(text, style))
        if not rtl and pad:
            segments.append(Segment(" " * pad))
        strip = Strip(segments)
        if show_cursor:  # on the placeholder's first cell in reading order
            col = width - 1 if rtl else 0
            strip = Strip.join(
                [strip.crop(0, col), strip.crop(col, col + 1).apply_style(cursor_style), strip.crop(col + 1, width)]
            )
        return list(strip)

    def _value_segments(self, width: int, show_cursor: bool, cursor_style: Style) -> list[Segment]:
        line = self.laid_out()
        origin = line.origin(width)
        total = line.virtual_width(width)
        start, end = sorted(self.selection)
        selected = self.has_focus and start != end
        selection_style = self.get_component_rich_style("input--selection")
        cursor = line.column(self.cursor_position, width) if show_cursor else -1
        segments: list[Segment] = [Segment(" " * origin)] if origin else []
        x = origin
        for glyph, a, b, cells in line.line.visual_clusters():
            style = selection_style if selected and a < end and start < b else None
            if cells and x <= cursor < x + cells:
                style = (style + cursor_style) if style else cursor_style
            segments.append(Segment(glyph, style))
            x += cells
        if total > x:
            segments.append(Segment(" " * (total - x)))
        if 0 <= cursor < origin or cursor >= x:  # the cursor past the value's reading end: a blank cell
            strip = Strip(segments)
            segments = list(
                Strip.join(
                    [
                        strip.crop(0, cursor),
                        strip.crop(cursor, cursor + 1).apply_style(cursor_style),
                        strip.crop(cursor + 1, total),
                    ]
                )
            )
        return segments

    # ----- keys --------------------------------------------------------------------
    def _reversed(self) -> bool:
        """Whether the arrows are swapped: a right-to-left value drawn by the app."""
        return self.drawn_by_app and bool(self.value) and self.laid_out().rtl

    def _move(self, forward: bool, select: bool) -> None:
        """One cluster forward or backward in logical order (Input's rules for a selection)."""
        line = self.laid_out()
        start, end = self.selection
        if select:
            self.selection = Selection(start, line.step(end, forward))
        elif start != end:
            self.cursor_position = max(start, end) if forward else min(start, end)
        else:
            self.cursor_position = line.step(end, forward)

    def action_cursor_left(self, select: bool = False) -> None:
        if not self.drawn_by_app:
            return super().action_cursor_left(select)
        self._move(self._reversed(), select)

    def action_cursor_right(self, select: bool = False) -> None:
        if not self.drawn_by_app:
            return super().action_cursor_right(select)
        self._move(not self._reversed(), select)

    def action_cursor_left_word(self, select: bool = False) -> None:
        if self._reversed():
            return super().action_cursor_right_word(select)
        return super().action_cursor_left_word(select)

    def action_cursor_right_word(self, select: bool = False) -> None:
        if self._reversed():
            return super().action_cursor_left_word(select)
        return super().action_cursor_right_word(select)
