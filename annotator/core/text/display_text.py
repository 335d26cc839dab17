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
from annotator.core.text.layout import paragraphs_of, visual

ELLIPSIS = "\u2026"
_LRM, _RLM, _ZWJ = "\u200e", "\u200f", "\u200d"
# Letters that join the letter after them (dual-joining): a word cut after one of them keeps
# its joining form (a ZWJ before the ellipsis), so the eye sees the word goes on.
_DUAL_JOINING = frozenset(
    "\u0626\u0628\u062a\u062b\u062c\u062d\u062e\u0633\u0634\u0635\u0636\u0637\u0638\u0639\u063a"
    "\u0640\u0641\u0642\u0643\u0644\u0645\u0646\u0647\u064a\u0649\u067e\u0686\u06a4\u06a9\u06af\u06cc"
)
_ARABIC_LETTER = frozenset(chr(c) for c in range(0x0620, 0x064B)) | frozenset(chr(c) for c in range(0x066E, 0x06D4))


def row_start(mode: str) -> str:
    """What a row of chrome (status line, list row) starts with so that a terminal doing BiDi
    per row ('terminal' mode) lays it out left to right, as drawn, whatever Arabic it holds:
    a LEFT-TO-RIGHT MARK (zero cells) there, nothing in 'app' mode."""
    return _LRM if mode == "terminal" else ""


def cells(text: str, mode: str = "app") -> int:
    """How many cells ``text`` takes on one display line (newlines count as spaces)."""
    clusters = paragraphs_of(text.replace("\n", " "), mode)[0].clusters
    return sum(clusters.widths) if clusters.widths is not None else len(clusters)


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
    clusters = paragraphs_of(flat, mode)[0].clusters
    widths = clusters.widths or [1] * len(clusters)
    if sum(widths) <= width:
        return visual(flat, mode)
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
    if (mode == "app" and len(head) == cut and head[-1] in _DUAL_JOINING
            and cut < len(flat) and flat[cut] in _ARABIC_LETTER):
        joiner = _ZWJ  # cut inside an Arabic word: its last letter keeps joining
    base = base_level(flat)
    mark = ""
    if base_level(head) != base:  # the kept part alone would read in the other direction
        mark = _RLM if base == RTL else _LRM
    return visual(mark + head + joiner + ELLIPSIS, mode)
