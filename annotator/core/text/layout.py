"""Display layout of a document: wrapped, reordered, shaped lines, and the cell map.

Paragraphs (the text between newlines) are cut into clusters and given BiDi levels once
(``Paragraph``); for a width they are wrapped at white space in logical order, then each
display line is reordered on its own and right-aligned when its paragraph is right-to-
left. Every visual cell knows the logical range it shows, and every logical offset its
cell, so the cursor, the mouse and highlights work in visual space while annotations
stay in logical offsets.

A paragraph far longer than a screen (a scraped article with no newline) is analysed a part
at a time, as far as the screen needs (``Paragraph(part=...)``, ``Layout.grow``), or let go
of as it is written (``stream_lines``). Its direction is its first part's (P2, P3 on that
part). A part ends only where analysing apart gives what analysing whole gives: at the
spaces between two strong letters of the paragraph's direction (Arabic letters in a
right-to-left paragraph, A-Z a-z in a left-to-right one), so the neutrals there resolve to
that direction either way and the next part starts strong (rules W2, N1, L1 see the same);
with no bracket left open before it (a pair across the cut would resolve by N0); and never
after an embedding, override or isolate (the rest of the paragraph is analysed whole). Wrapping goes on
from the last line still open, so lines are those of the whole paragraph
(tests/text/test_long_paragraph.py).

In 'terminal' mode lines stay in logical order, unshaped and left-aligned: a terminal
that does BiDi itself (mlterm, Konsole, VTE) reorders and shapes them.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice

from annotator.core.text.bidi import (
    REMOVED_BY_X9,
    RTL,
    base_level,
    has_mirrorable,
    mirror,
    mirrored,
    paragraph_levels,
    resettable,
    visual_runs,
)
from annotator.core.text.characters import ARABIC_LETTERS, char_class
from annotator.core.text.shaping import Clusters, Glyphs, cluster, safe

MODES = ("app", "terminal")
# Where a long paragraph may be cut into parts with the same result as analysed whole: spaces
# between two strong letters of the paragraph's direction (see the module docstring).
_AL = char_class(c for c in ARABIC_LETTERS if unicodedata.bidirectional(c) == "AL")
_RTL_CUT = re.compile(f"(?<=[{_AL}]) +(?=[{_AL}])")
_LTR_CUT = re.compile("(?<=[A-Za-z]) +(?=[A-Za-z])")
_EXPLICIT = re.compile("[\u202a-\u202e\u2066-\u2069]")  # embeddings, overrides, isolates: never cut
_BRACKETS = (("(", ")"), ("[", "]"), ("{", "}"))


def _balanced(text: str, start: int, stop: int) -> bool:
    """No bracket of ``text[start:stop]`` is left open (its pair could be after a cut)."""
    for opening, closing in _BRACKETS:
        opened = text.count(opening, start, stop)
        if opened and (
            opened != text.count(closing, start, stop)
            or text.rfind(opening, start, stop) > text.rfind(closing, start, stop)
        ):
            return False
    return True


class Paragraph:
    """One paragraph's width-independent analysis: clusters and their BiDi levels.

    With ``part`` set, a paragraph longer than that is analysed a part at a time (``more``),
    as far as the layout needs: see the module docstring for where parts may end.
    """

    __slots__ = (
        "start",
        "text",
        "clusters",
        "base",
        "levels",
        "mirrors",
        "analysed",
        "_run_ends",
        "_how",
        "_part",
        "_cuts",
    )

    def __init__(
        self,
        start: int,
        text: str,
        mode: str,
        diacritics: bool,
        direction: int | None = None,
        part: int | None = None,
    ):
        self.start = start
        self.text = text
        self._how = (mode, diacritics)
        self._part = part if part is not None and len(text) > part else None
        self.clusters = Clusters(array("i", [0]), Glyphs(""), None, array("i"))
        self.levels: bytes | None = None  # each cluster's, None when all are at the paragraph's
        self.mirrors = False  # brackets to draw mirrored at odd levels
        self.analysed = 0  # characters analysed so far (parts end at cluster starts)
        self._run_ends = array("i")
        self._cuts: list[int] = []  # where each part starts
        self.base = RTL if direction is None else direction
        if self._part is not None and direction is None:  # a long paragraph's direction: its first part's
            self.base = base_level(text[: self._part])
        self._analyse(self._next_cut(), direction if self._part is None else self.base)

    @property
    def complete(self) -> bool:
        return self.analysed == len(self.text)

    def more(self) -> None:
        """Analyse the next part of the paragraph."""
        if not self.complete:
            self._analyse(self._next_cut(), self.base)

    def finish(self) -> None:
        """Analyse the rest of the paragraph."""
        while not self.complete:
            self._analyse(len(self.text), self.base)

    def _next_cut(self) -> int:
        """Where the next part ends: the whole paragraph, or the first safe cut after ``part``
        more characters with no bracket left open before it."""
        a, text = self.analysed, self.text
        if self._part is None:
            return len(text)
        cuts = _RTL_CUT if self.base == RTL else _LTR_CUT
        at = a + self._part
        while (m := cuts.search(text, at)) is not None:
            if _EXPLICIT.search(text, a, m.end()):  # an embedding or isolate may span any cut: no more parts
                self._part = None
                return len(text)
            if _balanced(text, a, m.end()):
                return m.end()
            at = m.end()
        return len(text)

    def _analyse(self, stop: int, direction: int | None) -> None:
        a, mode = self.analysed, self._how[0]
        self._cuts.append(a)
        piece = self.text[a:stop]
        part = cluster(piece, shape=mode == "app", diacritics=self._how[1])
        if mode == "app":
            base, levels = paragraph_levels(piece, direction)
        else:
            base, levels = base_level(piece) if direction is None else direction, None
        # A cluster's level is its first character's: a base character, a bidi control
        # (a cluster of its own) or the first of marks that have no base.
        part_levels = None if levels is None else bytes(_cluster_levels(piece, part.bounds, levels, base))
        if a == 0:
            self.base, self.clusters, self.levels = base, part, part_levels
        else:
            self._append(part, part_levels)
        self.mirrors = self.mirrors or has_mirrorable(piece)
        before = len(self.clusters) - len(part)
        if self._run_ends:  # the last part ended with white space: drop the empty word after it
            self._run_ends.pop()
        self._run_ends.extend(array("i", [before + e for e in part.runs]) if before else part.runs)
        self.analysed = stop

    def _append(self, part: Clusters, levels: bytes | None) -> None:
        c, a = self.clusters, self.analysed
        before = len(c)
        c.bounds.pop()
        c.bounds.extend(array("i", [a + b for b in part.bounds]))
        c.glyphs = c.glyphs + part.glyphs
        if c.widths is not None or part.widths is not None:
            c.widths = (c.widths or [1] * before) + (part.widths or [1] * len(part))
        if self.levels is not None or levels is not None:
            self.levels = (self.levels or bytes([self.base]) * before) + (levels or bytes([self.base]) * len(part))

    def forget_before(self, offset: int) -> int:
        """Let go of the parts before the one holding ``offset`` (a streaming reader keeps only
        what it has not laid out); the paragraph then starts there. Returns how many clusters
        went: cluster indices held before are that much lower now."""
        c = next(cut for cut in reversed(self._cuts) if cut <= offset)
        k = bisect_right(self.clusters.bounds, c) - 1
        if not c or k <= 0:
            return 0
        cl = self.clusters
        cl.bounds = array("i", [b - c for b in cl.bounds[k:]])
        cl.glyphs = cl.glyphs.tail(k)
        if cl.widths is not None:
            cl.widths = cl.widths[k:]
        if self.levels is not None:
            self.levels = self.levels[k:]
        runs = self._run_ends
        self._run_ends = array("i", [e - k for e in runs[bisect_right(runs, k) :]])
        self._cuts = [cut - c for cut in self._cuts if cut >= c]
        self.start, self.text, self.analysed = self.start + c, self.text[c:], self.analysed - c
        return k

    def run_ends(self) -> array:
        """Where words and the white space between them end, alternately (word, gap, word, ...;
        a run may be empty), in clusters, as far as the paragraph is analysed. Found by a regex
        over the clusters' space flags; plain ints, so no garbage collection pass over millions
        of tuples."""
        return self._run_ends

    def wrap(self, width: int) -> list[tuple[int, int, int]]:
        """Every line of the paragraph (analysed whole first)."""
        self.finish()
        return self.wrap_from(width, 0)[0]

    def wrap_from(self, width: int, first: int) -> tuple[list[tuple[int, int, int]], int | None]:
        """Lines as (first cluster, end cluster, end of visible clusters), greedy at spaces,
        from cluster ``first`` (a line start) as far as the paragraph is analysed; and where
        the last line, still open, starts when the paragraph is not (None when it is).

        White space that does not fit at the end of a line stays on that line, hidden.
        A word wider than the line is cut between clusters. A line depends only on the text
        from its start, so wrapping again from an open line gives what wrapping whole would.
        """
        c = self.clusters
        widths = c.widths
        n = len(c)
        lines: list[tuple[int, int, int]]
        run_ends = self._run_ends
        r = bisect_right(run_ends, first)
        if widths is None and width > 0:
            lines, first = _wrap_cells(run_ends, r, first, width)
        else:
            lines, first = _wrap_widths(run_ends, r, first, width, [1] * n if widths is None else widths)
        if not self.complete:
            return lines, first
        if first < n or not lines:
            lines.append((first, n, n))
        return lines, None


def _wrap_cells(run_ends: array, r: int, first: int, width: int) -> tuple[list[tuple[int, int, int]], int]:
    """``Paragraph.wrap_from`` when every cluster is one cell: a line's width is its count of
    clusters, so the runs that fit are found by bisection, a line at a time (not a run at a
    time); the run that does not fit ends the line as in ``_wrap_widths``. Returns the lines
    and where the last, open, one starts."""
    lines: list[tuple[int, int, int]] = []
    i = first
    while (r := bisect_right(run_ends, first + width, r)) < len(run_ends):
        i, j = max(i, run_ends[r - 1]) if r else i, run_ends[r]  # the run that does not fit
        if r % 2:  # white space: what fits of it shows, the rest hangs, hidden
            lines.append((first, j, first + width))
            first = j
        elif i > first and j - i <= width:  # a word: on the next line
            lines.append((first, i, i))
            first = i
        else:  # a word wider than the line: cut between clusters
            for k in range(first + width, j, width):
                lines.append((first, k, k))
                first = k
        i = j
        r += 1
    return lines, first


def _wrap_widths(
    run_ends: array, r: int, first: int, width: int, widths: list[int]
) -> tuple[list[tuple[int, int, int]], int]:
    """``Paragraph.wrap_from`` a run at a time, clusters of any width."""
    lines: list[tuple[int, int, int]] = []
    x, i = 0, first
    gap = r % 2 == 0  # runs alternate, starting with a word
    for j in islice(run_ends, r, None):
        gap = not gap
        if i == j:
            continue
        run = sum(widths[i:j])
        if x + run <= width:
            x += run
        elif gap:  # the part of the gap that does not fit hangs, hidden, and the line ends
            visible = i
            while visible < j and x + widths[visible] <= width:
                x += widths[visible]
                visible += 1
            lines.append((first, j, visible))
            first, x = j, 0
        elif x and run <= width:
            lines.append((first, i, i))
            first, x = i, run
        else:  # a word wider than the line: cut between clusters
            for k in range(i, j):
                cells = widths[k]
                if x and x + cells > width:
                    lines.append((first, k, k))
                    first, x = k, 0
                x += cells
        i = j
    return lines, first


def _cluster_levels(text: str, bounds: Sequence[int], levels: list[int], base: int) -> list[int]:
    """Each cluster's level: its first character's, not counting characters that rule X9
    removes (embeddings, PDF, ZWJ, soft hyphen). A cluster of nothing else takes the level
    of the cluster before it (of the first other one when it leads), so it never splits a
    run of the text around it."""
    out = list(levels) if len(bounds) == len(levels) + 1 else list(map(levels.__getitem__, bounds[:-1]))
    if not REMOVED_BY_X9.search(text):
        return out
    lone: list[int] = []  # clusters of removed characters only
    for match in REMOVED_BY_X9.finditer(text):
        b = match.start()
        k = bisect_right(bounds, b) - 1
        if bounds[k] == b:  # a cluster starts with it
            kept = next((i for i in range(b + 1, bounds[k + 1]) if not REMOVED_BY_X9.match(text, i)), None)
            if kept is None:
                lone.append(k)
            else:
                out[k] = levels[kept]
    lone_set = set(lone)
    first_kept = next((k for k in range(len(out)) if k not in lone_set), None)
    for k in lone:
        out[k] = out[k - 1] if k else (base if first_kept is None else out[first_kept])
    return out


@dataclass(slots=True)
class DisplayLine:
    """One row of the reader: its logical range, and its cells in visual order, found when
    asked for (a row is drawn or stepped through a few times; a long document has many)."""

    paragraph: Paragraph
    first: int  # first cluster of the line
    end: int  # one past the last cluster (hidden trailing white space included)
    visible: int  # one past the last visible cluster
    cells: int  # width of the row's text in cells
    indent: int = 0  # blank cells before the text (right alignment)
    reordered: bool = True  # drawn in visual order ('app' mode), else in logical order

    @property
    def order(self) -> Sequence[int]:
        """The visible clusters, left to right."""
        return self.drawn()[0]

    @property
    def glyphs(self) -> str | list[str]:
        """What each cluster of ``order`` shows (shaped, mirrored)."""
        return self.drawn()[1]

    @property
    def text(self) -> str:
        """What the row shows, left to right, without the alignment padding."""
        glyphs = self.drawn()[1]
        return glyphs if isinstance(glyphs, str) else "".join(glyphs)

    def drawn(self) -> tuple[Sequence[int], str | list[str]]:
        """(order, glyphs): the visible clusters left to right and what each shows."""
        p, first, visible = self.paragraph, self.first, self.visible
        glyphs = p.clusters.glyphs
        if not self.reordered or (p.levels is None and p.base != RTL):  # logical order is visual order
            return range(first, visible), glyphs[first:visible]
        if p.levels is None:  # every cluster at the paragraph's right-to-left level: reversed
            shown = glyphs[first:visible][::-1]
            if p.mirrors:
                shown = mirrored(shown) if isinstance(shown, str) else [mirror(g) for g in shown]
            return range(visible - 1, first - 1, -1), shown
        bounds, text = p.clusters.bounds, p.text
        # White space and isolate controls that end the line (rule L1), counted from its logical
        # end: the clusters hung past the visible ones (white space the wrap let overflow) count,
        # and one that is not white space (a mark on a space) means nothing visible is trailing.
        end = self.end
        trailing = 0
        while trailing < end - first and resettable(text[bounds[end - 1 - trailing] : bounds[end - trailing]]):
            trailing += 1
        return _reordered(p, first, visible, max(0, trailing - (end - visible)))

    def visual_clusters(self):
        """(glyph, logical start, logical end, cells) for each visible cluster, left to right."""
        p = self.paragraph
        bounds, widths, base = p.clusters.bounds, p.clusters.widths, p.start
        order, glyphs = self.drawn()
        for glyph, k in zip(glyphs, order):
            yield glyph, base + bounds[k], base + bounds[k + 1], widths[k] if widths else 1

    @property
    def start(self) -> int:
        p = self.paragraph
        return p.start + p.clusters.bounds[self.first]

    @property
    def stop(self) -> int:
        """Logical end of the line (exclusive); the paragraph's newline is not included."""
        p = self.paragraph
        return p.start + p.clusters.bounds[self.end]

    @property
    def rtl(self) -> bool:
        return self.paragraph.base == RTL

    def cell_ranges(self) -> list[tuple[int, int]]:
        """The logical range (start, end) of every cell of ``text``, left to right."""
        out: list[tuple[int, int]] = []
        for _, start, end, cells in self.visual_clusters():
            out.extend([(start, end)] * cells)
        return out


class Layout:
    """A whole document laid out for one width and mode."""

    def __init__(self, paragraphs: list[Paragraph], width: int, mode: str = "app"):
        if mode not in MODES:
            raise ValueError(f"unknown bidi mode {mode!r}")
        self.width = max(1, width)
        self.mode = mode
        self.paragraphs: list[Paragraph] = []
        self.lines: list[DisplayLine] = []
        self._starts: list[int] = []
        self._open: int | None = None  # where the open line of the last paragraph starts, if it has one
        self._wrapped = 0
        self.extend(paragraphs)

    def extend(self, paragraphs: list[Paragraph]) -> None:
        """Lay out more paragraphs after the ones already here (a long document arrives in
        parts). A paragraph analysed only in part is laid out that far: ``grow`` goes on."""
        for paragraph in paragraphs:
            if self._open is not None:
                raise ValueError("the last paragraph is not laid out to its end: grow() first")
            self.paragraphs.append(paragraph)
            self._wrap(paragraph, 0)

    @property
    def growing(self) -> bool:
        """True while the last paragraph is laid out only in part."""
        return self._open is not None

    def grow(self) -> None:
        """Lay out the next part of the last paragraph (analysing it when no layout has yet)."""
        if self._open is None:
            return
        paragraph = self.paragraphs[-1]
        if len(paragraph.clusters) == self._wrapped:
            paragraph.more()
        self._wrap(paragraph, self._open)

    def _wrap(self, paragraph: Paragraph, first: int) -> None:
        lines, self._open = paragraph.wrap_from(self.width, first)
        self._wrapped = len(paragraph.clusters)  # clusters of the last paragraph wrapped so far
        for first_cluster, end, visible in lines:
            line = self._line(paragraph, first_cluster, end, visible)
            self.lines.append(line)
            self._starts.append(line.start)

    @classmethod
    def of_text(
        cls, text: str, width: int, mode: str = "app", diacritics: bool = True, direction: int | None = None
    ) -> Layout:
        """``direction`` forces every paragraph's level (0 or 1); None finds it (rules P2, P3)."""
        return cls(paragraphs_of(text, mode, diacritics, direction), width, mode)

    def _line(self, p: Paragraph, first: int, end: int, visible: int) -> DisplayLine:
        widths = p.clusters.widths
        cells = sum(widths[first:visible]) if widths else visible - first
        app = self.mode == "app"
        indent = max(0, self.width - cells) if p.base == RTL and app else 0
        return DisplayLine(p, first, end, visible, cells, indent, app)

    def __len__(self) -> int:
        return len(self.lines)

    def row_of(self, offset: int) -> int:
        """The row showing ``offset`` (a newline belongs to the last row of its paragraph)."""
        return max(0, bisect_right(self._starts, offset) - 1)

    def cell_at(self, row: int, col: int) -> tuple[int, int] | None:
        """The logical range shown at screen cell (row, col), or None for a blank cell."""
        if not 0 <= row < len(self.lines):
            return None
        line = self.lines[row]
        x = col - line.indent
        if not 0 <= x < line.cells:
            return None
        return line.cell_ranges()[x]

    def locate(self, offset: int) -> tuple[int, int]:
        """The screen cell (row, col) of a logical offset.

        Offsets not drawn (a newline, white space hidden at a wrap, a paragraph of only
        invisible marks) go to the cell where the next character would be read: just
        after the line's last visible cluster in reading order.
        """
        row = self.row_of(offset)
        line = self.lines[row]
        following: tuple[int, int] | None = None  # (start, cell) of the first cluster drawn after offset
        x = 0
        for _, start, end, cells in line.visual_clusters():
            if start <= offset < end and cells:
                return row, line.indent + x
            if start > offset and cells and (following is None or start < following[0]):
                following = (start, x)
            x += cells
        if following is not None:  # a zero-width character (a bidi control): the next one drawn
            return row, line.indent + following[1]
        return row, self._reading_end(line)

    def _reading_end(self, line: DisplayLine) -> int:
        if line.rtl and self.mode == "app":
            return max(0, line.indent - 1) if line.cells else self.width - 1
        return min(self.width - 1, line.indent + line.cells)


def _reordered(p: Paragraph, first: int, visible: int, trailing: int) -> tuple[array, str | list[str]]:
    """Clusters ``first``..``visible`` of a paragraph with levels in visual order, and their
    glyphs so ordered (mirrored at odd levels): a run of clusters at a time."""
    assert p.levels is not None
    glyphs = p.clusters.glyphs
    order = array("i")
    pieces: list = []
    for a, b, level in visual_runs(p.levels[first:visible], p.base, trailing):
        a, b = a + first, b + first
        if level % 2:
            order.extend(range(b - 1, a - 1, -1))
            piece = glyphs[a:b][::-1]
            if p.mirrors:
                piece = mirrored(piece) if isinstance(piece, str) else [mirror(g) for g in piece]
        else:
            order.extend(range(a, b))
            piece = glyphs[a:b]
        pieces.append(piece)
    if all(isinstance(piece, str) for piece in pieces):
        return order, "".join(pieces)
    return order, [g for piece in pieces for g in piece]


def pieces_of(text: str) -> list[tuple[int, str]]:
    """The paragraphs of ``text`` (split at newlines) with their start offsets, not analysed."""
    out: list[tuple[int, str]] = []
    start = 0
    for piece in text.split("\n"):
        out.append((start, piece))
        start += len(piece) + 1
    return out


def paragraphs_of(
    text: str, mode: str = "app", diacritics: bool = True, direction: int | None = None
) -> list[Paragraph]:
    """Split ``text`` at newlines into analysed paragraphs (width-independent, reusable)."""
    return [Paragraph(start, piece, mode, diacritics, direction) for start, piece in pieces_of(text)]


def stream_lines(
    text: str, width: int, mode: str = "app", diacritics: bool = True, part: int = 100_000
) -> Iterator[DisplayLine]:
    """Every display line of ``text`` in order, as a ``Layout`` would give them, laid out a
    part at a time and let go of once given: memory stays that of a part whatever the size
    (``annotator render``). A line's glyphs and text stay; its offsets hold only until the
    next line is asked for."""
    layout = Layout([], width, mode)
    for start, piece in pieces_of(text):
        paragraph = Paragraph(start, piece, mode, diacritics, part=part)
        first: int | None = 0
        while first is not None:
            lines, first = paragraph.wrap_from(layout.width, first)
            for line in lines:
                yield layout._line(paragraph, *line)
            if first is not None:
                first -= paragraph.forget_before(paragraph.clusters.bounds[first])
                paragraph.more()


@lru_cache(maxsize=4096)
def visual(text: str, mode: str = "app") -> str:
    """A short text (a title, a token, a table cell) as one display line, for widgets that
    draw strings left to right: reordered and shaped in 'app' mode, logical otherwise;
    control characters always shown as symbols, as in the reader."""
    if mode != "app" or not text:
        return safe(text)
    lines = Layout.of_text(text.replace("\n", " "), max(1, len(text) * 2), mode).lines
    return lines[0].text if lines else ""
