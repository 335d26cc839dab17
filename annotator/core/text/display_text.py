"""Short texts (titles, names, span texts, placeholders) fitted to a number of cells.

The policy for cutting a text that does not fit: keep its logical START, and put an
ellipsis at its logical END. A right-to-left text starts at the right, so it keeps its
right end and the ellipsis is drawn at its left; a left-to-right text keeps its left end.
The cut is made in logical order, between clusters (a letter keeps its harakat, lam-alef
stays whole), and the shortened text is then laid out by the same engine as the reader
(``annotator.core.text.layout``): reordered and shaped in 'app' mode, logical in 'terminal' mode.
"""

from __future__ import annotations

from functools import lru_cache

from annotator.core.text.bidi import RTL, base_level
from annotator.core.text.characters import LRM, RLM, ZWJ
from annotator.core.text.layout import visual
from annotator.core.text.shaping import Clusters, cluster, joins_next

ELLIPSIS = "\u2026"


def row_start(mode: str) -> str:
    """What a row of chrome (status line, list row) starts with so that a terminal doing BiDi
    per row ('terminal' mode) lays it out left to right, as drawn, whatever Arabic it holds:
    a LEFT-TO-RIGHT MARK (zero cells) there, nothing in 'app' mode."""
    return LRM if mode == "terminal" else ""


def cells(text: str, mode: str = "app") -> int:
    """How many cells ``text`` takes on one display line (newlines count as spaces)."""
    return _clusters(text.replace("\n", " "), mode).cells


def _clusters(line: str, mode: str) -> Clusters:
    """The clusters of one line as the layout cuts them in ``mode`` (no BiDi analysis needed)."""
    return cluster(line, shape=mode == "app")


def right_aligned(text: str, mode: str = "app") -> bool:
    """Whether the app draws ``text`` right-aligned: a right-to-left paragraph in 'app' mode
    (the direction of its first strong character, right-to-left when it has none)."""
    return mode == "app" and base_level(text.replace("\n", " ")) == RTL


@lru_cache(maxsize=8192)
def fit(text: str, width: int, mode: str = "app") -> str:
    """``text`` as one display line of at most ``width`` cells, drawn left to right.

    A text that fits is returned whole (as ``layout.visual`` gives it). A longer one keeps
    as many clusters from its logical start as leave a cell for the ellipsis, which ends
    it logically (so: at the left of a right-to-left text). The cut text keeps the
    paragraph direction of the whole text.
    """
    if width <= 0:
        return ""
    flat = text.replace("\n", " ")
    clusters = _clusters(flat, mode)
    if clusters.cells <= width:
        return visual(flat, mode)
    widths = clusters.widths or [1] * len(clusters)
    used = kept = 0
    for w in widths:  # clusters from the logical start, one cell left for the ellipsis
        if used + w > width - 1:
            break
        used += w
        kept += 1
    cut = clusters.bounds[kept]
    head = flat[:cut].rstrip()
    if not head:
        return ELLIPSIS
    joiner = ""
    if mode == "app" and len(head) == cut and joins_next(clusters.glyphs[kept - 1]):
        joiner = ZWJ  # cut inside an Arabic word: its last letter keeps the form the shaper gave it
    base = base_level(flat)
    mark = ""
    if base_level(head) != base:  # the kept part alone would read in the other direction
        mark = RLM if base == RTL else LRM
    return visual(mark + head + joiner + ELLIPSIS, mode)
