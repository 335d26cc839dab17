"""Normalization for search and matching, with a map back to the original offsets.

Each character is normalized on its own, in this order:

1. NFKC (presentation forms: ``ﻻ`` becomes ``لا``, ``ﷺ`` becomes ``صلى الله عليه وسلم``;
   NBSP becomes a space; the space NFKC puts under an isolated haraka form such as
   U+FE70 is dropped);
2. casefold (Latin, and any other cased script);
3. removal of Arabic diacritics (``characters.ARABIC_MARKS``: every combining mark of
   the Arabic blocks: harakat, tanween, shadda, sukun, U+0670 superscript alef, combining
   hamza and madda, Quranic marks, open tanween such as U+08F0), tatweel, the word
   joiners ZWNJ/ZWJ and the invisible separators (RLM, LRM, ALM, ...);
4. ``إ أ آ ٱ`` to ``ا``, ``ى`` to ``ي``, and (optionally, on by default) ``ة`` to ``ه``.

Hamza on waw and yeh (``ؤ ئ``) and bare hamza ``ء`` are kept (pyarabic's
``normalize_hamza`` would turn them all into ``ء``). The stored text is never changed:
``Normalized.origin`` maps every normalized position to the original one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from pyarabic import araby

from annotator.core.text.characters import (
    ARABIC_MARKS,
    COMBINING,
    INVISIBLE_SEPARATORS,
    TATWEEL,
    WORD_JOINERS,
    char_class,
)

_REMOVED = ARABIC_MARKS | {TATWEEL} | WORD_JOINERS | INVISIBLE_SEPARATORS
_LETTERS = {
    araby.ALEF_HAMZA_BELOW: araby.ALEF,
    araby.ALEF_HAMZA_ABOVE: araby.ALEF,
    araby.ALEF_MADDA: araby.ALEF,
    araby.ALEF_WASLA: araby.ALEF,
    araby.ALEF_MAKSURA: araby.YEH,
}
_TEH_MARBUTA = {araby.TEH_MARBUTA: araby.HEH}
# Planes 0-2 hold every character NFKC or casefold changes (planes 3-16 hold none).
_CHANGING_PLANES = range(0x30000)
# Blocks whose unchanged characters get explicit identity entries: str.translate is
# about half again as fast when the lookup of a frequent character does not miss.
_FREQUENT = (range(0x250), range(0x600, 0x700), range(0x750, 0x780), range(0x2000, 0x2070))


def _normalize_char(char: str, letters: dict[str, str]) -> str:
    """The normalized form of one character (empty, one or several characters)."""
    out = unicodedata.normalize("NFKC", char)
    if out[:1] == " " and out[1:2] in COMBINING:
        out = out[1:]  # the space NFKC puts under an isolated mark (U+FE70 is " ً")
    return "".join(letters.get(c, c) for c in out.casefold() if c not in _REMOVED)


_CANDIDATES = (
    _REMOVED
    | _LETTERS.keys()
    | _TEH_MARBUTA.keys()
    | {c for c in map(chr, _CHANGING_PLANES) if not unicodedata.is_normalized("NFKC", c) or c.casefold() != c}
)


def _table(letters: dict[str, str]) -> dict[int, str | int]:
    """A ``str.translate`` table: what each changed or frequent character becomes."""
    table: dict[int, str | int] = {point: point for block in _FREQUENT for point in block}
    for char in _CANDIDATES:
        out = _normalize_char(char, letters)
        if out != char:
            table[ord(char)] = out
    return table


_TABLES = {
    True: _table(_LETTERS | _TEH_MARBUTA),
    False: _table(_LETTERS),
}
# Characters whose normalized form is not exactly one character: only these shift
# normalized offsets against the original ones (ة to ه does not, so one list serves).
_WIDTHS = {chr(point): len(out) for point, out in _TABLES[True].items() if isinstance(out, str) and len(out) != 1}
_REMOVED_ALL = [c for c, width in _WIDTHS.items() if width == 0]
_BMP_WIDE = [c for c, width in _WIDTHS.items() if width > 1 and c <= "\uffff"]
_ASTRAL_WIDE = [c for c, width in _WIDTHS.items() if width > 1 and c > "\uffff"]
# Astral characters sit behind a cheap range guard: a class with astral ranges is
# checked range by range for every character it rejects.
_SHIFTING = re.compile(
    rf"[{char_class(_REMOVED_ALL)}]+"
    rf"|(?P<wide>[{char_class(_BMP_WIDE)}]"
    rf"|(?=[\U00010000-\U0010ffff])[{char_class(_ASTRAL_WIDE)}])"
)


@dataclass(frozen=True, slots=True)
class Normalized:
    """A normalized text and where each of its characters came from.

    ``origin[i]`` is the original offset of normalized position ``i``; it has
    ``len(text) + 1`` entries, the last one being ``len(source)``. All characters one
    original character expands to (``ﻻ`` to ``لا``) map to that character.
    """

    text: str
    origin: list[int]
    source: str
    teh_marbuta: bool

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """The original span that produced normalized ``text[start:end]``.

        Removed characters inside the span stay inside; diacritics, tatweel and joiners
        right after its last character are included (``قتيلا`` covers ``قتيلاً``), the
        invisible separators (RLM, ...) there are not. A span cutting into an expanded
        character covers the whole character.
        """
        if start >= end:
            return self.origin[start], self.origin[start]
        last = self.origin[end - 1]
        stop = max(self.origin[end], last + 1)
        while stop > last + 1 and self.source[stop - 1] in INVISIBLE_SEPARATORS:
            stop -= 1
        return self.origin[start], stop


def normalize(text: str, *, teh_marbuta: bool = True) -> Normalized:
    """Normalize ``text`` for search (see the module docstring), keeping the offset map."""
    origin: list[int] = []
    done = 0
    for m in _SHIFTING.finditer(text):
        start = m.start()
        origin.extend(range(done, start))
        if wide := m.group("wide"):
            origin.extend([start] * _WIDTHS[wide])
        done = m.end()
    origin.extend(range(done, len(text) + 1))
    return Normalized(text.translate(_TABLES[teh_marbuta]), origin, text, teh_marbuta)


def find_all(text: str | Normalized, query: str) -> list[tuple[int, int]]:
    """Original spans of all non-overlapping matches of ``query`` in ``text``, in order.

    Both sides are normalized (a ``Normalized`` text is used as is, and the query is
    normalized with its ``teh_marbuta`` setting). A query that normalizes to nothing
    matches nothing.
    """
    haystack = text if isinstance(text, Normalized) else normalize(text)
    needle = normalize(query, teh_marbuta=haystack.teh_marbuta).text
    spans: list[tuple[int, int]] = []
    if not needle:
        return spans
    at = haystack.text.find(needle)
    while at >= 0:
        spans.append(haystack.to_original(at, at + len(needle)))
        at = haystack.text.find(needle, at + len(needle))
    return spans
