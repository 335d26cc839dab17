"""The guidelines panel: a manual section (Markdown) laid out by the reader's engine.

Textual's Markdown widget wraps a line left to right; an Arabic example already turned
into visual order would then wrap with its LAST words on the first row. Here every
paragraph, list item and heading is one logical paragraph given to
``Layout.of_text(text, width, mode)``: it is wrapped in logical order, each row
reordered and shaped, right-to-left paragraphs right-aligned. So a multi-word example
cut by the panel's edge keeps its first words on the first row, and inline Arabic inside
an English sentence reads right-to-left in place.

Only the Markdown the manuals use is read: ``#`` headings, paragraphs, ``-``/``*``/``1.``
list items (nested by indentation, continuation lines joined), fenced code, and inline
``code``, ``**bold**``, ``*italic*``. Markers are removed and their styles kept by logical
offset. Nothing from the file is read as Rich/Textual markup or reaches the terminal as a
control sequence: rows are Strips of the layout's glyphs (control characters made visible).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from annotator.core.text.display_text import cells as cells_of
from annotator.core.text.layout import Layout
from annotator.tui.widgets.styles import CachedStyles

_HEADING = re.compile(r"(#{1,6})\s+(.*?)\s*#*\s*")
_ITEM = re.compile(r"(\s*)([-*+]|\d{1,3}[.)])\s+(.*)")
_INLINE = re.compile(r"`([^`]+)`|\*\*(.+?)\*\*|(?<![\w*])\*(?![\s*])(.+?)(?<![\s*])\*(?![\w*])")
BULLET = "•"


@dataclass
class Block:
    """One paragraph of the manual as shown: plain logical text and styled ranges in it."""

    kind: str  # "heading", "para", "item", "code" or "gap" (an empty row)
    text: str = ""
    spans: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, style name)
    indent: int = 0  # cells before the marker (nested lists)
    marker: str = ""  # "•" or "1." for list items


def inline(text: str) -> tuple[str, list[tuple[int, int, str]]]:
    """``text`` without inline Markdown markers, and the styled ranges they marked."""
    out: list[str] = []
    spans: list[tuple[int, int, str]] = []
    pos = length = 0
    for match in _INLINE.finditer(text):
        out.append(text[pos : match.start()])
        length += match.start() - pos
        inner_spans: list[tuple[int, int, str]]
        if match[1] is not None:
            inner, inner_spans, kind = match[1], [], "code"
        else:
            inner, inner_spans = inline(match[2] if match[2] is not None else match[3])
            kind = "bold" if match[2] is not None else "italic"
        spans.append((length, length + len(inner), kind))
        spans.extend((length + a, length + b, k) for a, b, k in inner_spans)
        out.append(inner)
        length += len(inner)
        pos = match.end()
    out.append(text[pos:])
    return "".join(out), spans


def manual_blocks(markdown: str) -> list[Block]:
    """The blocks of a manual section, in order."""
    blocks: list[Block] = []
    parts: list[str] = []
    pending: Block | None = None

    def flush() -> None:
        nonlocal pending
        if pending is not None:
            text, spans = inline(" ".join(parts))
            pending.text, pending.spans = text, spans + pending.spans
            blocks.append(pending)
        pending = None
        parts.clear()

    def gap() -> None:
        if blocks and blocks[-1].kind != "gap":
            blocks.append(Block("gap"))

    fenced = False
    for line in markdown.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            flush()
            fenced = not fenced
            continue
        if fenced:
            blocks.append(Block("code", line, [(0, len(line), "code")]))
            continue
        if not line.strip():
            flush()
            gap()
            continue
        heading = _HEADING.fullmatch(line)
        item = _ITEM.fullmatch(line)
        if heading:
            flush()
            text, spans = inline(heading[2])
            blocks.append(Block("heading", text, [(0, len(text), "heading"), *spans]))
        elif item:
            flush()
            marker = BULLET if item[2] in "-*+" else item[2]
            pending = Block("item", indent=2 * (len(item[1].expandtabs(4)) // 2), marker=marker)
            parts.append(item[3].strip())
        else:
            if pending is None:
                pending = Block("para")
            parts.append(line.strip())
    flush()
    while blocks and blocks[-1].kind == "gap":
        blocks.pop()
    return blocks


def block_rows(block: Block, width: int, mode: str, styles: dict[str | None, Style]) -> list[list[Segment]]:
    """The rows of one block at ``width`` cells: each a list of segments exactly ``width`` wide.

    A list item's marker sits in a gutter before its text (after it, on the right, when the
    item is a right-to-left paragraph in 'app' mode), and its wrapped rows hang under the text.
    """
    base = styles[None]
    if block.kind == "gap":
        return [[Segment(" " * width, base)]]
    marker_cells = cells_of(block.marker, mode) + 1 if block.marker else 0
    gutter = min(block.indent + marker_cells, max(0, width - 1))
    room = max(1, width - gutter)
    char_styles = _char_styles(block, styles)
    rows: list[list[Segment]] = []
    for i, line in enumerate(Layout.of_text(block.text, room, mode).lines):
        body: list[Segment] = [Segment(" " * line.indent, base)] if line.indent else []
        for glyph, start, _end, _cells in line.visual_clusters():
            style = char_styles[start] if start < len(char_styles) else base
            if body and body[-1].style is style:
                body[-1] = Segment(body[-1].text + glyph, style)
            else:
                body.append(Segment(glyph, style))
        used = line.indent + line.cells
        if used < room:
            body.append(Segment(" " * (room - used), base))
        mirrored = line.rtl and mode == "app"
        mark = block.marker if i == 0 else ""
        if gutter:
            if mirrored:
                side = (" " + mark).ljust(marker_cells) + " " * block.indent
            else:
                side = " " * block.indent + (mark + " ").rjust(marker_cells) if mark else " " * gutter
            side = side[:gutter].ljust(gutter)
            body = [*body, Segment(side, base)] if mirrored else [Segment(side, base), *body]
        rows.append(body)
    return rows


def _char_styles(block: Block, styles: dict[str | None, Style]) -> list[Style]:
    """The style of every logical character of the block (spans combined in order)."""
    base = styles[None]
    out = [base] * len(block.text)
    for start, end, kind in block.spans:
        extra = styles.get(kind)
        if extra is None:
            continue
        for i in range(start, min(end, len(out))):
            out[i] = out[i] + extra
    return out


class GuidelinesView(CachedStyles, ScrollView):
    """A manual section on the Line API, laid out again when the panel's width changes."""

    COMPONENT_CLASSES = {"guidelines--heading", "guidelines--bold", "guidelines--italic", "guidelines--code"}
    DEFAULT_CSS = """
    GuidelinesView {
        scrollbar-gutter: stable;
        overflow-x: hidden;
    }
    GuidelinesView.-terminal {  /* a BiDi terminal reorders whole rows: nothing beside the text */
        scrollbar-gutter: auto;
        scrollbar-size-vertical: 0;
    }
    GuidelinesView > .guidelines--heading { text-style: bold underline; }
    GuidelinesView > .guidelines--bold { text-style: bold; }
    GuidelinesView > .guidelines--italic { text-style: italic; }
    GuidelinesView > .guidelines--code { color: $text-warning; }
    """

    def __init__(self, mode: str = "app", **kwargs) -> None:
        super().__init__(**kwargs)
        self.mode = mode
        self.set_class(mode == "terminal", "-terminal")
        self.markdown = ""
        self.blocks: list[Block] = []
        self.rows: list[list[Segment]] = []
        self._width = -1

    def show(self, markdown: str, mode: str | None = None) -> None:
        """Show ``markdown`` (a manual section) from its top, in ``mode`` if given."""
        mode = mode or self.mode
        if markdown == self.markdown and mode == self.mode and self._width >= 0:
            return
        self.mode = mode
        self.set_class(mode == "terminal", "-terminal")
        self.markdown = markdown
        self.blocks = manual_blocks(markdown)
        self._width = -1
        self._lay_out()
        self.scroll_to(y=0, animate=False)
        self.refresh()

    @property
    def text_rows(self) -> list[str]:
        """What each row shows, left to right (for tests and checks)."""
        return ["".join(segment.text for segment in row) for row in self.rows]

    def styles_changed(self) -> None:
        self._width = -1
        self.refresh()

    def _lay_out(self) -> None:
        width = self.scrollable_content_region.width
        if width <= 0 or width == self._width:
            return
        self._width = width
        styles: dict[str | None, Style] = {
            None: self.style_of(),
            **{name.removeprefix("guidelines--"): self.style_of(name) for name in self.COMPONENT_CLASSES},
        }
        rows: list[list[Segment]] = []
        for block in self.blocks:
            rows.extend(block_rows(block, width, self.mode, styles))
        self.rows = rows
        self.virtual_size = Size(width, len(rows))

    def on_resize(self, event: events.Resize) -> None:
        self._lay_out()

    def render_line(self, y: int) -> Strip:
        self._lay_out()
        width = self.scrollable_content_region.width
        row = y + self.scroll_offset.y
        if not 0 <= row < len(self.rows):
            return Strip.blank(width, self.style_of())
        return Strip(self.rows[row]).crop_extend(0, width, self.style_of())
