"""Tokenization of stored text into (start, end) code point spans, end exclusive.

A token is either a word or a single punctuation/symbol character:

- words are runs of letters and digits of any script, plus tatweel (a letter, so ``لـ``
  is one token); a ``٫ ٬ . ,`` between two digits stays inside (``3.5``, ``1,000``,
  ``٢٬٠٠٠``);
- every other visible character (punctuation, quotes, symbols, ``_``) is a token
  of its own;
- zero-width characters (``characters.COMBINING``: harakat and every other combining
  mark, the joiners ZWNJ/ZWJ, other invisible format characters) belong to the token of
  the character before them, as they are drawn on its cell: ``(\u064e`` is one token.
  With no token character before them (at the start, after white space or a bidi
  control) they start one;
- whitespace (``str.isspace``: spaces, NBSP, tabs, newlines) and the invisible
  separators (bidi marks RLM/LRM/ALM, bidi embeddings and isolates, ZWSP, BOM)
  separate tokens and never belong to one, with two exceptions that keep one cell in one
  token: zero-width characters after a ZWSP, a BOM or a LINE/PARAGRAPH SEPARATOR are drawn
  on the cell before it, so they belong to no token; and a lam-alef ligature stays one
  token even with such a separator between its lam and its alef.

So a token never cuts a cluster (``shaping.cluster``, what one cell shows) in two: the
reader's character mode steps over exactly the clusters inside tokens. The text is never
changed: callers slice ``text[start:end]``.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterator
from itertools import accumulate

from annotator.core.text.characters import (
    ALEFS,
    COMBINING,
    CONTINUING,
    INVISIBLE_SEPARATORS,
    LAM,
    LIGATURE_INNER,
    char_class,
    one_of,
)

__all__ = [
    "INVISIBLE_SEPARATORS",
    "NUMBER_SEPARATORS",
    "char_class",
    "token_bounds",
    "token_chunks",
    "token_texts",
    "tokenize",
]

# Separators allowed between two digits of one number.
NUMBER_SEPARATORS = "٫٬.,"

_CONTINUING = one_of(CONTINUING)
# Letters and other numerals, but those of no width (Hangul medial jamo): these go as
# zero-width characters.
_LETTERS = rf"[^\W\d_{char_class(c for c in CONTINUING if c.isalnum())}]+"
_BMP_CONTINUING = char_class(c for c in CONTINUING if c <= "\uffff")
_ASTRAL_CONTINUING = char_class(c for c in CONTINUING if c > "\uffff")
# What a word goes on with: what stands between a lam and its alef (tried first, right
# after the lam), letters/other numerals, digit runs with inner separators, zero-width
# characters. Astral characters sit behind a cheap range guard: a class with astral ranges
# is checked range by range for every character it rejects, which halves the speed.
_WORD_GOES_ON = (
    rf"(?:(?<={LAM}){one_of(LIGATURE_INNER)}+(?=[{ALEFS}])"
    rf"|{_LETTERS}|\d+(?:[{char_class(NUMBER_SEPARATORS)}]\d+)*"
    rf"|[{_BMP_CONTINUING}]+"
    rf"|(?=[\U00010000-\U0010ffff])[{_ASTRAL_CONTINUING}]+)"
)
_TOKEN = re.compile(
    rf"(?:{_LETTERS}|\d+(?:[{char_class(NUMBER_SEPARATORS)}]\d+)*)"  # a word
    rf"{_WORD_GOES_ON}*+"
    # a word starting with zero-width characters, unless they are drawn on the cell of a
    # zero-width separator (or of zero-width characters that went with one)
    rf"|{_CONTINUING}(?<![{char_class(COMBINING)}].){_WORD_GOES_ON}*+"
    rf"|(?!{_CONTINUING})[^\s{char_class(INVISIBLE_SEPARATORS)}]{_CONTINUING}*"  # any other visible character
)


_TOKEN_SPLIT = re.compile(f"({_TOKEN.pattern})")


def token_bounds(text: str) -> tuple[list[int], list[int]]:
    """Starts and ends of the tokens of ``text``, as two lists (the fast form for whole
    corpora: ``re.split`` gives gap, token, gap, token, ..., gap and their lengths give the
    offsets, with no match object or tuple per token)."""
    ends = list(accumulate(map(len, _TOKEN_SPLIT.split(text))))
    return ends[0:-1:2], ends[1::2]


# Where a text may be cut with no token changed: after a space, before a letter or digit that
# starts a token whatever comes before it (not a zero-width one: those look back).
_SAFE_CUT = re.compile(rf" (?=[^\W{char_class(CONTINUING)}])")


def token_chunks(text: str, size: int) -> Iterator[tuple[array, array, int]]:
    """The tokens of ``text`` a part of about ``size`` characters at a time, as (starts, ends,
    end of the part): parts end after a space before a letter or digit, where no token can
    cross and no pattern looks back over the cut, so they hold exactly ``tokenize(text)``."""
    done = 0
    while done < len(text):
        cut = _SAFE_CUT.search(text, done + size)
        stop = cut.end() if cut else len(text)
        ends = array("i", accumulate(map(len, _TOKEN_SPLIT.split(text[done:stop])), initial=done))
        yield ends[1:-1:2], ends[2::2], stop
        done = stop


def tokenize(text: str) -> list[tuple[int, int]]:
    """(start, end) of every token of ``text``, in order."""
    return list(zip(*token_bounds(text)))


def token_texts(text: str) -> list[str]:
    """The text of every token of ``text``, in order (for tests and debugging)."""
    return _TOKEN.findall(text)
