"""The reader's cursor: what it steps over, and where each key takes it. No Textual here.

The cursor stands on a unit: a token (``tokens.tokenize``), or in character mode a
cluster inside a token (``character_units``: one stop per cell's worth of text, a letter
with its harakat, a lam-alef ligature). Moves follow the text as the layout draws it
(``layout.Layout``):

- left and right go to the next unit on screen that way; past the end of a row they go on
  with the next row in reading order, entered from the side they left: in a right-to-left
  row ← reads forward, so it goes on at the right of the row below, and → goes back to the
  left of the row above;
- up and down go to the unit nearest the same column on the row above or below (rows
  with nothing to stop on are passed); page up and down go as many rows at once, at most
  to the first or last row;
- home and end go to the first and last unit of the row in reading order; the document's
  start and end to its first and last unit.

Each move returns the index of the unit the cursor goes to (the same one when there is
nowhere to go); a ``Cursor`` holds that index and, while a selection is extended, the
index where the selection started.
"""

from __future__ import annotations

import sys
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from annotator.core.text.layout import Layout, Paragraph
from annotator.core.text.tokens import token_chunks

Span = tuple[int, int]


TOKENS_PER_STEP = 50_000  # characters tokenized at a time: the cursor only needs the tokens it reaches


class Units:
    """What the cursor steps over: (start, end) spans in logical order, none overlapping.

    Kept as two arrays of offsets (no tuple per unit: a 5 MB document has half a million
    tokens), and found part by part as far as they are asked for (``more`` gives the next
    part's starts, ends and the offset it reaches): opening a long document tokenizes only
    its beginning; ``len`` and a negative index take the whole text.
    """

    __slots__ = ("starts", "ends", "_more", "_reached")

    def __init__(self, spans: Iterable[Span] = (), more: Iterator[tuple[array, array, int]] | None = None) -> None:
        self.starts = array("i")
        self.ends = array("i")
        for start, end in spans:
            self.starts.append(start)
            self.ends.append(end)
        self._more = more
        self._reached = -1 if more is not None else sys.maxsize  # text offset the units are known to

    def _upto(self, offset: int) -> None:
        """Find the units of the text up to ``offset`` (and one unit past it, when there is one)."""
        while self._more is not None and self._reached <= offset:
            step = next(self._more, None)
            if step is None:
                self._more, self._reached = None, sys.maxsize
                return
            starts, ends, self._reached = step
            self.starts.extend(starts)
            self.ends.extend(ends)

    def _upto_unit(self, index: int) -> None:
        while self._more is not None and index >= len(self.starts):
            self._upto(self._reached)

    @property
    def spans(self) -> list[Span]:
        """Every unit, as a list (tests and small documents)."""
        self._upto(sys.maxsize - 1)
        return list(zip(self.starts, self.ends))

    def __len__(self) -> int:
        self._upto(sys.maxsize - 1)
        return len(self.starts)

    def __bool__(self) -> bool:
        self._upto_unit(0)
        return len(self.starts) > 0

    def __getitem__(self, index: int) -> Span:
        if index < 0:
            self._upto(sys.maxsize - 1)
        else:
            self._upto_unit(index)
        return self.starts[index], self.ends[index]

    def at(self, offset: int) -> int:
        """The unit holding ``offset``, else the first one after it (the last one when none
        is); 0 when there are no units."""
        self._upto(offset)
        i = bisect_right(self.starts, offset) - 1
        if i >= 0 and self.ends[i] > offset:
            return i
        if i + 1 >= len(self.starts):
            self._upto(sys.maxsize - 1)  # nothing after it so far: the last unit of the text
        return min(max(0, i + 1), max(0, len(self.starts) - 1))

    def meeting(self, start: int, end: int) -> int | None:
        """The unit that overlaps ``text[start:end]``, if any (a cluster meets one at most)."""
        self._upto(end)
        i = bisect_left(self.starts, end) - 1
        return i if i >= 0 and self.ends[i] > start else None

    def starting_in(self, start: int, stop: int) -> range:
        """The units that start in ``text[start:stop]``."""
        self._upto(stop)
        return range(bisect_left(self.starts, start), bisect_left(self.starts, stop))


def token_units(text: str) -> Units:
    """The tokens of ``text``, found as far as the cursor goes."""
    return Units(more=token_chunks(text, TOKENS_PER_STEP))


def character_units(tokens: Sequence[Span], paragraphs: Iterable[Paragraph]) -> Units:
    """Character mode: every cluster of the layout that meets a token, cut to that token.

    Tokens never cut a cluster in two (``tokens``), so this is one unit per cluster; the cut
    only leaves out what no token holds: white space a mark is drawn on (the mark is the
    unit), a ZWSP or BOM a cluster ends with. ``paragraphs`` are the document's, in order,
    with the clusters of the mode it is drawn in (a lam-alef is one cluster in 'app' mode,
    two in 'terminal' mode).
    """
    spans: list[Span] = []
    t = 0
    for paragraph in paragraphs:
        paragraph.finish()  # one analysed in part so far
        base, bounds = paragraph.start, paragraph.clusters.bounds
        stop = base + len(paragraph.text)
        while t < len(tokens) and tokens[t][0] < stop:
            start, end = tokens[t]
            k = bisect_right(bounds, start - base) - 1
            while base + bounds[k] < end:
                spans.append((max(start, base + bounds[k]), min(end, base + bounds[k + 1])))
                k += 1
            t += 1
    return Units(spans)


@dataclass(frozen=True, slots=True)
class Cursor:
    """The unit the cursor is on, and the unit where a selection started (None: no selection)."""

    index: int = 0
    anchor: int | None = None

    def moved_to(self, index: int) -> Cursor:
        """The cursor on ``index``, the selection dropped."""
        return Cursor(index)

    def extended_to(self, index: int) -> Cursor:
        """The cursor on ``index``, selecting from where the selection started (or from here)."""
        return Cursor(index, self.index if self.anchor is None else self.anchor)

    @classmethod
    def selecting(cls, units: Units, start: int, end: int) -> Cursor:
        """A selection of the units covering ``text[start:end]``, the cursor on the last one."""
        return cls(units.at(max(start, end - 1)), units.at(start))

    def span(self, units: Units) -> Span | None:
        """The unit under the cursor."""
        return units[self.index] if units else None

    def selection(self, units: Units) -> Span | None:
        """The selected text: from the anchor's unit to the cursor's, whole units."""
        if self.anchor is None or not units:
            return None
        a, b = units[self.anchor], units[self.index]
        return min(a[0], b[0]), max(a[1], b[1])


class Navigator:
    """The moves over one layout and its units (units must not be empty)."""

    def __init__(self, layout: Layout, units: Units) -> None:
        self.layout = layout
        self.units = units

    def row_units(self, row: int) -> list[tuple[int, int]]:
        """(leftmost cell, unit index) of the units shown on ``row``, left to right."""
        line = self.layout.lines[row]
        leftmost: dict[int, int] = {}
        x = line.indent
        for _, start, end, cells in line.visual_clusters():
            index = self.units.meeting(start, end)
            if index is not None:
                leftmost.setdefault(index, x)
            x += cells
        return sorted((col, index) for index, col in leftmost.items())

    def cell(self, index: int) -> tuple[int, int]:
        """(row, column) where the unit ``index`` starts on screen."""
        return self.layout.locate(self.units[index][0])

    def left(self, index: int) -> int:
        return self._horizontal(index, -1)

    def right(self, index: int) -> int:
        return self._horizontal(index, 1)

    def _horizontal(self, index: int, direction: int) -> int:
        row, _ = self.cell(index)
        on_row = [unit for _, unit in self.row_units(row)]
        if index in on_row and 0 <= on_row.index(index) + direction < len(on_row):
            return on_row[on_row.index(index) + direction]
        rtl = self.layout.lines[row].rtl and self.layout.mode == "app"
        step = -direction if rtl else direction
        target = row + step
        while 0 <= target < len(self.layout):
            # Entering a row from the side we left: its far edge in the direction of travel
            # (a unit cut across two rows, the one we leave, is passed).
            candidates = [unit for _, unit in self.row_units(target) if unit != index]
            if candidates:
                return candidates[-1 if direction < 0 else 0]
            target += step
        return index

    def up(self, index: int, rows: int = 1) -> int:
        return self._vertical(index, -rows)

    def down(self, index: int, rows: int = 1) -> int:
        return self._vertical(index, rows)

    def _vertical(self, index: int, rows: int) -> int:
        row, col = self.cell(index)
        last = len(self.layout) - 1
        target = row + rows
        if 0 <= target <= last:  # that row, else the next one on that way with something on it
            tried = range(target, last + 1) if rows > 0 else range(target, -1, -1)
        else:  # a page past the first or last row: the last row that way with something on it
            tried = range(min(max(target, 0), last), row, -1 if rows > 0 else 1)
        for r in tried:
            candidates = [(c, unit) for c, unit in self.row_units(r) if unit != index]
            if candidates:
                return min(candidates, key=lambda c: (abs(c[0] - col), c[1]))[1]
        return index

    def line_start(self, index: int) -> int:
        return self._line_edge(index, reading_end=False)

    def line_end(self, index: int) -> int:
        return self._line_edge(index, reading_end=True)

    def _line_edge(self, index: int, reading_end: bool) -> int:
        row, _ = self.cell(index)
        line = self.layout.lines[row]
        inside = self.units.starting_in(line.start, line.stop)
        if not inside:
            return index
        return inside[-1] if reading_end else inside[0]

    def document_start(self) -> int:
        return 0

    def document_end(self) -> int:
        return len(self.units) - 1
