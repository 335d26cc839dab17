"""Character classes: the one place that says what kind of character each one is.

Tokens, clusters and shaping, search normalization, the reader's character mode and cut
titles all treat characters by kind; they take the kinds from here, so that a combining
mark, say, is the same thing to all of them.

Width comes from Rich's cell table (``rich.cells.load_cell_table``), the one Textual
draws with: a character of zero cells has no cell of its own. Apart from the bidi
controls (each a cluster of its own: it has its own BiDi level) such a character is
drawn on the cell of the character before it and belongs to that character's cluster,
and to its token: that is what COMBINING means here (harakat and every other mark, ZWJ,
ZWNJ and the other invisible format characters).
"""

from __future__ import annotations

from collections.abc import Iterable

from pyarabic import araby
from rich.cells import load_cell_table

_CELLS = load_cell_table("auto").widths  # (first, last, cells) ranges

# C0, DEL and C1: corpus text is data, so these are shown as symbols (shaping.safe), never sent.
CONTROLS = frozenset(map(chr, [*range(0x20), *range(0x7F, 0xA0)]))

ZWSP, ZWNJ, ZWJ, BOM = "\u200b", "\u200c", "\u200d", "\ufeff"
LRM, RLM, ALM = "\u200e", "\u200f", "\u061c"
TATWEEL, LAM = araby.TATWEEL, araby.LAM
# The alefs a lam before them makes one ligature with.
ALEFS = "".join(sorted((araby.ALEF, araby.ALEF_MADDA, araby.ALEF_HAMZA_ABOVE, araby.ALEF_HAMZA_BELOW)))

# Explicit bidi controls: ALM, LRM, RLM; embeddings, overrides and PDF; isolates and PDI.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# No cell of their own.
ZERO_WIDTH = frozenset(chr(c) for first, last, cells in _CELLS if cells == 0 for c in range(first, last + 1)) - CONTROLS
# Drawn on the cell of the character before them, in its cluster.
COMBINING = ZERO_WIDTH - BIDI_CONTROLS
WORD_JOINERS = frozenset(ZWNJ + ZWJ)
# Invisible characters that separate tokens as white space does.
INVISIBLE_SEPARATORS = BIDI_CONTROLS | {ZWSP, BOM}
WHITE_SPACE = frozenset(c for c in map(chr, range(0x3001)) if c.isspace())  # str.isspace, regex \s
# Zero-width characters that continue the token of the character before them: all but the
# separators among them (ZWSP, BOM, LINE and PARAGRAPH SEPARATOR).
CONTINUING = COMBINING - INVISIBLE_SEPARATORS - WHITE_SPACE
# Invisible format characters: the app uses them (levels, joining) and draws nothing for them.
FORMAT = BIDI_CONTROLS | {ZWSP, ZWNJ, ZWJ, BOM} | frozenset("\u2060\u2061\u2062\u2063\u2064")
# What may stand between a lam and its alef in one ligature: a ZWNJ or a bidi control breaks it.
LIGATURE_INNER = COMBINING - {ZWNJ}
# White space a line may break at (no-break spaces are not).
BREAK_SPACES = frozenset(" \t\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009\u200a\u205f\u3000")

_ARABIC_BLOCKS = (
    range(0x0600, 0x0700),
    range(0x0750, 0x0780),
    range(0x0870, 0x0900),
    range(0xFB50, 0xFE00),
    range(0xFE70, 0xFF00),
)
# Runs of these are what the shaper joins: Arabic letters, and the marks among them.
ARABIC_LETTERS = frozenset(
    chr(c)
    for r in (
        range(0x0610, 0x061B),
        range(0x0620, 0x0660),
        range(0x066E, 0x06D4),
        range(0x06D5, 0x0700),
        range(0x0750, 0x0780),
        range(0x08A0, 0x0900),
    )
    for c in r
)
# Arabic diacritics: pyarabic's (harakat, tanween, shadda, sukun, superscript alef, Quranic
# marks) and every other combining mark of the Arabic blocks (open tanween U+08F0...).
ARABIC_MARKS = frozenset(araby.DIACRITICS) | frozenset(
    c for c in COMBINING - FORMAT if any(ord(c) in block for block in _ARABIC_BLOCKS)
)
# Transparent to joining (ArabicShaping.txt: type T, and unlisted Mn, Me, Cf): letters on
# both sides of them join. All zero-width characters but the joiners (ZWJ causes joining,
# ZWNJ stops it), and three that take a cell: soft hyphen, Syriac abbreviation mark, Adlam
# nasalization mark.
WIDE_TRANSPARENT = frozenset("\u00ad\u070f\U0001e94b")
JOINING_TRANSPARENT = (ZERO_WIDTH - WORD_JOINERS) | WIDE_TRANSPARENT


# UAX #9 classes the line reordering needs. What rule X9 removes: embeddings, overrides, PDF
# and boundary neutrals (controls, soft hyphen, ZWSP/ZWNJ/ZWJ, word joiner, BOM...): they have
# no level of their own to be drawn at. What rule L1 resets when it ends a line: white space
# (WS), segment separators (S), isolate controls, and what X9 removes.
REMOVED_BY_X9 = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\xad\u180e\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff"
) | frozenset(
    map(chr, [*range(0x00, 0x09), *range(0x0E, 0x1C), *range(0x7F, 0x85), *range(0x86, 0xA0), *range(0x206A, 0x2070)])
)
L1_RESETTABLE = (
    REMOVED_BY_X9
    | frozenset("\t\x0b\x0c\x1f \x85\u1680\u2028\u205f\u3000\u2066\u2067\u2068\u2069")
    | frozenset(map(chr, range(0x2000, 0x200B)))
)


def char_class(chars: Iterable[str]) -> str:
    """The body of a regex character class matching exactly ``chars`` (as escaped ranges)."""
    points = sorted({ord(c) for c in chars})
    return "".join(_class_range(first, last) for first, last in _runs(points))


def one_of(chars: Iterable[str]) -> str:
    """A regex matching one of ``chars``, fast: Python's re tests a class holding characters
    beyond the BMP range by range for every character it rejects, so those sit behind a
    cheap guard."""
    chars = set(chars)
    return _guarded(char_class(c for c in chars if c <= "\uffff"), char_class(c for c in chars if c > "\uffff"))


def wide() -> str:
    """A regex matching one character two cells wide (Rich's table: CJK, most emoji...)."""
    bmp, astral = [], []
    for first, last, cells in _CELLS:
        if cells == 2:
            if first <= 0xFFFF:
                bmp.append(_class_range(first, min(last, 0xFFFF)))
            if last > 0xFFFF:
                astral.append(_class_range(max(first, 0x10000), last))
    return _guarded("".join(bmp), "".join(astral))


def wide_bmp_class() -> str:
    """The body of a regex character class of the characters up to U+FFFF two cells wide
    (for text with nothing beyond U+FFFF: a plain class runs in re's fast loop)."""
    return "".join(
        _class_range(first, min(last, 0xFFFF)) for first, last, cells in _CELLS if cells == 2 and first <= 0xFFFF
    )


def _guarded(bmp: str, astral: str) -> str:
    parts = [f"[{bmp}]"] if bmp else []
    if astral:
        parts.append(f"(?=[\\U00010000-\\U0010ffff])[{astral}]")
    return f"(?:{'|'.join(parts)})" if parts else "(?!)"


def _runs(points: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for p in points:
        if runs and runs[-1][1] == p - 1:
            runs[-1] = (runs[-1][0], p)
        else:
            runs.append((p, p))
    return runs


def _class_range(first: int, last: int) -> str:
    return _escape(first) if first == last else f"{_escape(first)}-{_escape(last)}"


def _escape(point: int) -> str:
    return f"\\u{point:04x}" if point <= 0xFFFF else f"\\U{point:08x}"
