"""Clusters as a terminal draws them, and Arabic contextual shaping.

A cluster is what one terminal cell (two for wide characters) shows: a base character
with the zero-width characters after it (harakat, ZWJ, bidi marks...), or a lam and
the alef after it, which Arabic writes as one ligature. Shaping picks each letter's
presentation form (isolated, initial, medial, final) with arabic-reshaper, configured
to keep one output character per input character so every cell keeps its offsets.
Control characters become visible symbols: corpus text is data, never terminal codes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from bisect import bisect_right
from functools import lru_cache

import arabic_reshaper
from rich._unicode_data import load as _load_cell_table

_CELL_TABLE = _load_cell_table("auto").widths


def _ranges(width: int, exclude: frozenset[int] = frozenset(), low: int = 0, high: int = 0x10FFFF) -> str:
    """A regex character class body for the characters of one cell width in rich's table,
    between ``low`` and ``high``, without ``exclude``."""
    parts = []
    for start, end, w in _CELL_TABLE:
        start, end = max(start, low), min(end, high)
        if w != width or start > end:
            continue
        run_start = None
        for code in range(start, end + 2) if any(start <= x <= end for x in exclude) else (start, end + 1):
            inside = code <= end and code not in exclude
            if inside and run_start is None:
                run_start = code
            elif not inside and run_start is not None:
                last = code - 1
                parts.append(re.escape(chr(run_start)) + ("-" + re.escape(chr(last)) if last > run_start else ""))
                run_start = None
    return "".join(parts)


def _class(width: int, exclude: frozenset[int] = frozenset(), extra: str = "") -> str:
    """One character of the class, fast: Python's re tests a class with characters beyond the
    BMP range by range for every character it rejects, so those sit behind a cheap guard."""
    bmp = _ranges(width, exclude, high=0xFFFF)
    astral = _ranges(width, exclude, low=0x10000)
    return f"(?:[{extra}{bmp}]|(?=[\U00010000-\U0010ffff])[{astral}])"


_CONTROLS = frozenset([*range(0, 32), *range(0x7F, 0xA0)])
_ZWNJ = "\u200c"
_ZERO = _class(0, _CONTROLS)
_ZERO_JOINING = _class(0, _CONTROLS | {ord(_ZWNJ)})  # a ZWNJ between lam and alef stops the ligature
_WIDE = re.compile(_class(2))
_LAM, _ALEFS = "\u0644", "\u0622\u0623\u0625\u0627"
_SPECIAL_APP = re.compile(f"(?P<lam>{_LAM}{_ZERO_JOINING}*[{_ALEFS}])|{_ZERO}+")
_SPECIAL_LOGICAL = re.compile(f"{_ZERO}+")
# Runs of characters that can join one another (Arabic letters, marks, tatweel, ZWJ, ZWNJ).
_ARABIC_LETTERS = "\u0610-\u061a\u0620-\u065f\u066e-\u06d3\u06d5-\u06ff\u0750-\u077f\u08a0-\u08ff"
_ARABIC_RUN = re.compile(f"({_class(0, _CONTROLS, extra=_ARABIC_LETTERS)}+)")
_BEYOND_ARABIC = re.compile("[\u1100-\U0010ffff]")  # no wide character comes before U+1100
_NO_BASE = "\u25cc"  # dotted circle: where a mark with no letter before it is drawn

# Control pictures for C0, a visible mark for DEL and C1; tab and other separators show as a space.
_SAFE = {c: 0x2400 + c for c in range(32)}
_SAFE.update({0x09: 0x20, 0x7F: 0x2421})
_SAFE.update({c: 0xFFFD for c in range(0x80, 0xA0)})
# Zero-width characters that are not marks (format characters) never reach the screen.
_FORMAT = {ord(c): None for c in "\u061c\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
           "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"}
_HIDE_MARKS = {**_FORMAT, **{c: None for s, e, w in _CELL_TABLE if w == 0 and e >= 0x20 for c in range(s, e + 1) if c >= 0xA0}}

# lam + alef ligatures: (isolated, final) for each alef.
_LAM_ALEF = {"\u0622": ("\ufef5", "\ufef6"), "\u0623": ("\ufef7", "\ufef8"),
             "\u0625": ("\ufef9", "\ufefa"), "\u0627": ("\ufefb", "\ufefc")}
_LAM_JOINED_BEFORE = {"\ufee0", "\ufede"}  # medial and final lam: joined to the letter before
_RESHAPER = arabic_reshaper.ArabicReshaper(
    configuration={"delete_harakat": False, "shift_harakat_position": False, "support_ligatures": False,
                   "delete_tatweel": False, "support_zwj": True}
)
BREAK_SPACES = frozenset(" \t\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009\u200a\u205f\u3000")


@dataclass(slots=True)
class Clusters:
    """One paragraph cut into clusters: offsets, glyphs, cell widths, break opportunities."""

    bounds: list[int]  # cluster k covers text[bounds[k]:bounds[k+1]]
    glyphs: list[str]  # what the cell shows (shaped in app mode, logical in terminal mode)
    widths: list[int] | None  # cells per cluster; None when every cluster is one cell
    spaces: list[bool]  # True where a line may break (white space other than no-break)

    def __len__(self) -> int:
        return len(self.glyphs)


def safe(text: str) -> str:
    """``text`` with control characters as visible symbols (same length: offsets hold)."""
    return text.translate(_SAFE)


def cluster(text: str, *, shape: bool, diacritics: bool = True) -> Clusters:
    """Cut a paragraph (no newline in it) into clusters; ``shape`` for app-side Arabic shaping."""
    safe = text.translate(_SAFE)
    if shape:
        parts = _ARABIC_RUN.split(safe)  # odd items are runs of joining characters
        parts[1::2] = map(_shape_word, parts[1::2])
        shaped = "".join(parts)
    else:
        shaped = safe
    hide = _HIDE_MARKS if not diacritics else _FORMAT
    # Every character starts a cluster except zero-width ones (they join the character
    # before them, or after them at the start) and an alef joined to its lam.
    inside: set[int] = set()
    lam_alefs: set[int] = set()
    for match in (_SPECIAL_APP if shape else _SPECIAL_LOGICAL).finditer(safe):
        a, b = match.span()
        if b - a == len(text) and match.lastgroup != "lam":  # only marks: one cluster with no letter
            marks = safe.translate(hide)
            return Clusters([0, len(text)], [_NO_BASE + marks if marks else ""], None if marks else [0], [False])
        if match.lastgroup == "lam":
            inside.update(range(a + 1, b))
            lam_alefs.add(a)
        elif a == 0:
            inside.update(range(1, b + 1))
        else:
            inside.update(range(a, b))
    n = len(text)
    starts = [i for i in range(n) if i not in inside] if inside else list(range(n))
    bounds = [*starts, n]
    spaces = [text[i] in BREAK_SPACES for i in starts]
    glyphs = [shaped[i] for i in starts] if inside else list(shaped)
    for k in sorted({bisect_right(starts, i) - 1 for i in inside}):  # clusters of several characters
        a, b = starts[k], bounds[k + 1]
        glyphs[k] = _lam_alef_glyph(safe[a:b], shaped[a:b], hide) if not lam_alefs.isdisjoint(range(a, b)) else shaped[a:b].translate(hide)
    widths = None
    if _BEYOND_ARABIC.search(safe) and _WIDE.search(safe):
        widths = [2 if _WIDE.search(g) else 1 for g in glyphs]
    return Clusters(bounds, glyphs, widths, spaces)


@lru_cache(maxsize=65536)
def _shape_word(word: str) -> str:
    """Shape one run of joining characters. Joining never crosses anything else, so runs
    (mostly words, which repeat a lot) are shaped and cached on their own."""
    return _RESHAPER.reshape(word)


def _lam_alef_glyph(piece: str, shaped: str, hide: dict) -> str:
    lam_at = piece.index(_LAM)
    alef_at = next(i for i in range(lam_at + 1, len(piece)) if piece[i] in _ALEFS)
    isolated, final = _LAM_ALEF[piece[alef_at]]
    glyph = final if shaped[lam_at] in _LAM_JOINED_BEFORE else isolated
    marks = (piece[:lam_at] + piece[lam_at + 1:alef_at] + piece[alef_at + 1:]).translate(hide)
    return glyph + marks
