"""Tokenization of stored text into (start, end) code point spans, end exclusive.

A token is either a word or a single punctuation/symbol character:

- words are runs of letters, digits and combining marks of any script, plus tatweel
  (a letter, so ``لـ`` is one token) and the in-word joiners ZWNJ/ZWJ; a ``٫ ٬ . ,``
  between two digits stays inside (``3.5``, ``1,000``, ``٢٬٠٠٠``);
- every other visible character (punctuation, quotes, symbols, ``_``) is a token
  of its own;
- whitespace (``str.isspace``: spaces, NBSP, tabs, newlines) and the invisible
  separators (bidi marks RLM/LRM/ALM, bidi embeddings and isolates, ZWSP, BOM)
  separate tokens and never belong to one.

The text is never changed: callers slice ``text[start:end]``.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import accumulate
from collections.abc import Iterable

# Invisible format characters that separate tokens like white space does.
INVISIBLE_SEPARATORS = frozenset(
    "\u200e\u200f\u061c"  # LRM, RLM, ALM
    "\u202a\u202b\u202c\u202d\u202e"  # LRE, RLE, PDF, LRO, RLO
    "\u2066\u2067\u2068\u2069"  # LRI, RLI, FSI, PDI
    "\u200b\ufeff"  # zero width space, byte order mark
)
# Invisible format characters that belong to the word around them.
WORD_JOINERS = frozenset("\u200c\u200d")  # ZWNJ, ZWJ
# Separators allowed between two digits of one number.
NUMBER_SEPARATORS = "٫٬.,"

# Planes 0-2 and 14 hold every combining mark (planes 3-13, 15, 16 hold none).
_MARK_PLANES = (range(0x30000), range(0xE0000, 0xF0000))


def char_class(chars: Iterable[str]) -> str:
    """The body of a regex character class matching exactly ``chars`` (as escaped ranges)."""
    points = sorted({ord(c) for c in chars})
    parts: list[str] = []
    i = 0
    while i < len(points):
        j = i
        while j + 1 < len(points) and points[j + 1] == points[j] + 1:
            j += 1
        first, last = _escape(points[i]), _escape(points[j])
        parts.append(first if i == j else f"{first}-{last}")
        i = j + 1
    return "".join(parts)


def _escape(point: int) -> str:
    return f"\\u{point:04x}" if point <= 0xFFFF else f"\\U{point:08x}"


# Every combining mark (Unicode category M*), e.g. harakat, shadda, U+0670.
_MARKS = [c for plane in _MARK_PLANES for c in map(chr, plane) if unicodedata.category(c)[0] == "M"]
_BMP_MARKS = [c for c in _MARKS if c <= "\uffff"]
_ASTRAL_MARKS = [c for c in _MARKS if c > "\uffff"]
# A word: letters/other numerals, digit runs with inner separators, marks, joiners.
# Astral marks sit behind a cheap range guard: a class with astral ranges is checked
# range by range for every character it rejects, which halves the speed.
_WORD = (
    rf"(?:[^\W\d_]+|\d+(?:[{char_class(NUMBER_SEPARATORS)}]\d+)*"
    rf"|[{char_class([*_BMP_MARKS, *WORD_JOINERS])}]+"
    rf"|(?=[\U00010000-\U0010ffff])[{char_class(_ASTRAL_MARKS)}]+)++"
)
_TOKEN = re.compile(rf"{_WORD}|[^\s{char_class(INVISIBLE_SEPARATORS)}]")


_TOKEN_SPLIT = re.compile(f"({_TOKEN.pattern})")


def token_bounds(text: str) -> tuple[list[int], list[int]]:
    """Starts and ends of the tokens of ``text``, as two lists (the fast form for whole
    corpora: ``re.split`` gives gap, token, gap, token, ..., gap and their lengths give the
    offsets, with no match object or tuple per token)."""
    ends = list(accumulate(map(len, _TOKEN_SPLIT.split(text))))
    return ends[0:-1:2], ends[1::2]


def tokenize(text: str) -> list[tuple[int, int]]:
    """(start, end) of every token of ``text``, in order."""
    return list(zip(*token_bounds(text)))


def token_texts(text: str) -> list[str]:
    """The text of every token of ``text``, in order (for tests and debugging)."""
    return _TOKEN.findall(text)
