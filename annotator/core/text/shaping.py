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
import unicodedata
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from typing import overload

import arabic_reshaper
from rich.cells import cell_len

from annotator.core.text.characters import (
    ALEFS,
    ARABIC_LETTERS,
    BIDI_CONTROLS,
    BOM,
    BREAK_SPACES,
    FORMAT,
    JOINING_TRANSPARENT,
    LAM,
    LIGATURE_INNER,
    WIDE_TRANSPARENT,
    ZERO_WIDTH,
    ZWJ,
    char_class,
    one_of,
    wide,
    wide_bmp_class,
)

# Character kinds come from core/text/characters.py, whose zero width is Rich's (and so
# Textual's): what the layout counts must be what the widget draws, or every cell right of
# a wide character is off by one.
_BIDI_CONTROL = re.compile(f"[{char_class(BIDI_CONTROLS)}]")
_ZERO = one_of(ZERO_WIDTH)
_ZERO_JOINING = one_of(LIGATURE_INNER)  # a ZWNJ or a bidi control between lam and alef stops the ligature
_SPECIAL_APP = re.compile(f"(?P<lam>{LAM}{_ZERO_JOINING}*[{ALEFS}])|{_ZERO}+")
_SPECIAL_LOGICAL = re.compile(f"{_ZERO}+")
# The same without characters beyond U+FFFF, for the text that has none (nearly all): a plain
# class runs in re's fast loop, an alternation guarding astral ranges twice as slowly.
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_ZERO_BMP = f"[{char_class(c for c in ZERO_WIDTH if c <= chr(0xFFFF))}]"
_SPECIAL_APP_BMP = re.compile(
    f"(?P<lam>{LAM}[{char_class(c for c in LIGATURE_INNER if c <= chr(0xFFFF))}]*[{ALEFS}])|{_ZERO_BMP}+"
)
_SPECIAL_LOGICAL_BMP = re.compile(f"{_ZERO_BMP}+")
# Runs of characters that can join one another: Arabic letters, and what is transparent to
# joining or causes it (marks, format characters such as RLM and ZWJ, the soft hyphen).
_ARABIC_RUN = re.compile(f"({one_of(ZERO_WIDTH | ARABIC_LETTERS | WIDE_TRANSPARENT)}+)")
_ARABIC_RUN_BMP = re.compile(
    f"([{char_class(c for c in ZERO_WIDTH | ARABIC_LETTERS | WIDE_TRANSPARENT if c <= chr(0xFFFF))}]+)"
)
_TRANSPARENT = re.compile(one_of(JOINING_TRANSPARENT))
# Clusters that may be other than one cell: wide characters, emoji presentation (VS16)
# and zero-width bidi controls; nothing before U+1100 is wide.
_BEYOND_ARABIC = re.compile("[\u1100-\U0010ffff]")
_NOT_ONE = re.compile(f"{wide()}|[\ufe0f{char_class(BIDI_CONTROLS)}]")
_NOT_ONE_BMP = re.compile(f"[{wide_bmp_class()}\ufe0f{char_class(BIDI_CONTROLS)}]")
_NO_BASE = "\u25cc"  # dotted circle: where a mark with no letter before it is drawn
# Runs of white space a line may break at (no-break spaces are not), among cluster heads.
_GAPS = re.compile(f"([{char_class(BREAK_SPACES)}]+)")
_OTHER_BREAKS = re.compile(f"[{char_class(BREAK_SPACES - {' '})}]")

# Control pictures for C0, a visible mark for DEL and C1; tab and other separators show as a space.
_SAFE = {c: 0x2400 + c for c in range(32)}
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_SAFE.update({0x09: 0x20, 0x7F: 0x2421})
_SAFE.update({c: 0xFFFD for c in range(0x80, 0xA0)})
# Zero-width characters that are not marks (format characters) never reach the screen in
# app mode: the app has used them already (levels, joining). In terminal mode the terminal
# needs them (bidi controls, ZWNJ), except ZWJ: Rich counts a ZWJ and the character after
# it as one grapheme, so the widget and the terminal would disagree on where cells are.
_Table = dict[int, int | None]  # str.translate: what each character becomes (None: nothing)
_FORMAT: _Table = {ord(c): None for c in FORMAT}
_TERMINAL_FORMAT: _Table = {ord(ZWJ): None, ord(BOM): None}
_MARKS: _Table = {ord(c): None for c in ZERO_WIDTH}
_HIDE_MARKS: _Table = {**_FORMAT, **_MARKS}
_TERMINAL_HIDE_MARKS: _Table = {**_MARKS, **{c: c for c in _FORMAT if c not in _TERMINAL_FORMAT}}

# lam + alef ligatures: (isolated, final) for each alef.
_LAM_ALEF = {
    "\u0622": ("\ufef5", "\ufef6"),
    "\u0623": ("\ufef7", "\ufef8"),
    "\u0625": ("\ufef9", "\ufefa"),
    "\u0627": ("\ufefb", "\ufefc"),
}
_LAM_JOINED_BEFORE = {"\ufee0", "\ufede"}  # medial and final lam: joined to the letter before
# Initial and medial presentation forms: a letter drawn joined to the letter after it.
_JOINS_NEXT = frozenset(
    c for c in map(chr, range(0xFB50, 0xFF00)) if unicodedata.decomposition(c).startswith(("<initial>", "<medial>"))
)
_RESHAPER = arabic_reshaper.ArabicReshaper(
    configuration={
        "delete_harakat": False,
        "shift_harakat_position": False,
        "support_ligatures": False,
        "delete_tatweel": False,
        "support_zwj": True,
    }
)


class _ReadOnce:
    """The reshaper's configuration with each answer read once: ``reshape`` asks ConfigParser
    for six options on every call, which took two thirds of its time."""

    def __init__(self, section) -> None:
        self._section = section
        self._answers: dict[str, bool] = {}

    def getboolean(self, key: str) -> bool:
        answer = self._answers.get(key)
        if answer is None:
            answer = self._answers[key] = self._section.getboolean(key)
        return answer

    def get(self, key: str, *default):
        return self._section.get(key, *default)


_RESHAPER.configuration = _ReadOnce(_RESHAPER.configuration)


class Glyphs:
    """What each cluster of a paragraph shows: one string of one character per cluster, and
    apart the few clusters showing more (a letter with its harakat) or nothing (a hidden
    bidi control). A string object per cluster would take 76 bytes; this takes two.

    An index gives a cluster's glyph; a slice the glyphs of those clusters, as a string when
    each is one character, else as a list.
    """

    __slots__ = ("chars", "other", "_keys")

    def __init__(self, chars: str, other: dict[int, str] | None = None) -> None:
        self.chars = chars
        self.other = other or {}
        self._keys = sorted(self.other)

    @classmethod
    def of(cls, glyphs: list[str]) -> Glyphs:
        other = {k: g for k, g in enumerate(glyphs) if len(g) != 1}
        return cls("".join(g if len(g) == 1 else "\ufffd" for g in glyphs), other)

    def __len__(self) -> int:
        return len(self.chars)

    def __iter__(self) -> Iterator[str]:
        if not self.other:
            return iter(self.chars)
        other = self.other
        return (other.get(k, c) for k, c in enumerate(self.chars))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Glyphs) and self.chars == other.chars and self.other == other.other

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> str | list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if not isinstance(index, slice):
            if index < 0:
                index += len(self.chars)
            return self.other.get(index, self.chars[index])
        a, b, _ = index.indices(len(self.chars))
        chars = self.chars[a:b]
        keys = self._keys
        i, j = bisect_left(keys, a), bisect_left(keys, b)
        if i == j:
            return chars
        out = list(chars)
        for k in keys[i:j]:
            out[k - a] = self.other[k]
        return out

    def __add__(self, more: Glyphs) -> Glyphs:
        n = len(self.chars)
        return Glyphs(self.chars + more.chars, {**self.other, **{n + k: g for k, g in more.other.items()}})

    def tail(self, k: int) -> Glyphs:
        """The glyphs from cluster ``k`` on."""
        return Glyphs(self.chars[k:], {i - k: g for i, g in self.other.items() if i >= k})


@dataclass(slots=True)
class Clusters:
    """One paragraph cut into clusters: offsets, glyphs, cell widths, break opportunities.

    Compact, since a paragraph may be millions of characters: offsets in an array, the
    glyphs mostly one string (``Glyphs``).
    """

    bounds: array  # cluster k covers text[bounds[k]:bounds[k+1]]
    glyphs: Glyphs  # what the cell shows (shaped in app mode, logical in terminal mode)
    widths: list[int] | None  # cells per cluster; None when every cluster is one cell
    runs: array  # where words and the white space (a line may break at) between them end, alternately

    def __len__(self) -> int:
        return len(self.glyphs)

    @property
    def cells(self) -> int:
        """How many cells the clusters take on one line."""
        return len(self.glyphs) if self.widths is None else sum(self.widths)


def safe(text: str) -> str:
    """``text`` with control characters as visible symbols (same length: offsets hold)."""
    return text.translate(_SAFE) if _CONTROL.search(text) else text  # translating costs a dict look-up a character


def cluster(text: str, *, shape: bool, diacritics: bool = True) -> Clusters:
    """Cut a paragraph (no newline in it) into clusters; ``shape`` for app-side Arabic shaping.

    Every character starts a cluster except a zero-width one after a base character (it
    joins that cluster) and an alef after its lam. Bidi controls are clusters of their own
    (zero cells): they have their own level. Marks with no base before them (at the start,
    or after a bidi control) make a cluster drawn on a dotted circle.
    """
    drawn = safe(text)  # controls as symbols
    astral = _ASTRAL.search(drawn) is not None
    if shape:
        parts = (_ARABIC_RUN if astral else _ARABIC_RUN_BMP).split(drawn)  # odd items: runs of joining characters
        parts[1::2] = map(_shape_word, parts[1::2])
        shaped = "".join(parts)
        hide = _FORMAT if diacritics else _HIDE_MARKS
    else:
        shaped = drawn
        hide = _TERMINAL_FORMAT if diacritics else _TERMINAL_HIDE_MARKS
    n = len(text)
    glyphs: str | Glyphs
    inner: list[tuple[int, int]] = []  # ranges of characters that start no cluster, in order
    joined: list[int] = []  # characters that join the cluster before them (the first of each run)
    lam_alefs: list[int] = []
    orphans: list[int] = []  # starts of clusters of marks with no base
    special = (
        (_SPECIAL_APP if shape else _SPECIAL_LOGICAL)
        if astral
        else (_SPECIAL_APP_BMP if shape else _SPECIAL_LOGICAL_BMP)
    )
    for match in special.finditer(drawn):
        a, b = match.span()
        if match.lastgroup == "lam":
            inner.append((a + 1, b))
            lam_alefs.append(a)
            continue
        piece_start, attached = a, a > 0  # the first piece joins the character before it
        for control in _BIDI_CONTROL.finditer(drawn, a, b):
            c = control.start()
            _zero_piece(piece_start, c, attached, inner, joined, orphans)
            piece_start, attached = c + 1, False
        _zero_piece(piece_start, b, attached, inner, joined, orphans)
    if not inner and not orphans:
        bounds = _offsets(0, n + 1)
        heads, glyphs = text, shaped
    else:
        # Cluster heads are the characters between the inner ranges: a slice per range
        # (a few per paragraph) instead of a step per character.
        kept = [0, *(i for span in inner for i in span), n]
        bounds = array("i")
        for a, b in zip(kept[::2], kept[1::2]):
            bounds.extend(_offsets(a, b))
        bounds.append(n)
        heads = "".join([text[a:b] for a, b in zip(kept[::2], kept[1::2])])
        glyphs = "".join([shaped[a:b] for a, b in zip(kept[::2], kept[1::2])])
        several = {bisect_right(bounds, i) - 1: False for i in joined}  # clusters of several characters
        several.update((bisect_right(bounds, a) - 1, True) for a in lam_alefs)
        fixed: dict[int, str] = {}
        for k, lam in several.items():
            a, b = bounds[k], bounds[k + 1]
            fixed[k] = _lam_alef_glyph(drawn[a:b], shaped[a:b], diacritics) if lam else shaped[a:b].translate(hide)
        for a in orphans:
            k = bisect_right(bounds, a) - 1
            marks = drawn[a : bounds[k + 1]].translate(hide)
            fixed[k] = _NO_BASE + marks if marks.strip(_KEPT_FORMATS) else marks
        glyphs = _with(glyphs, fixed)
    widths: list[int] | None = None
    not_one = _NOT_ONE if astral else _NOT_ONE_BMP
    if orphans or (_BEYOND_ARABIC.search(drawn) or "\u061c" in drawn) and not_one.search(drawn):
        listed = list(glyphs)  # the rare path: wide characters, lone bidi controls, marks with no base
        for i in (m.start() for m in _BIDI_CONTROL.finditer(drawn)):  # a lone bidi control
            k = bisect_right(bounds, i) - 1
            if bounds[k] == i:  # it starts a cluster
                listed[k] = drawn[i].translate(hide)
        glyphs = Glyphs.of(listed)
        widths = [cell_len(g) for g in listed]
        if all(w == 1 for w in widths):
            widths = None
    runs = _run_ends(heads)
    return Clusters(bounds, glyphs if isinstance(glyphs, Glyphs) else Glyphs(glyphs), widths, runs)


def _run_ends(heads: str) -> array:
    """Where words and the white space between them end, alternately, over cluster heads.
    Gaps of one space (nearly all) are found by str.split, two objects fewer a word than
    the regex split."""
    if "  " in heads or _OTHER_BREAKS.search(heads):
        return array("i", accumulate(map(len, _GAPS.split(heads))))
    words = heads.split(" ")
    lengths = [1] * (2 * len(words) - 1)  # word, space, word, ...
    lengths[::2] = map(len, words)
    return array("i", accumulate(lengths))


def _with(glyphs: str, fixed: dict[int, str]) -> Glyphs:
    """``glyphs`` with the clusters ``fixed`` says drawn otherwise."""
    pieces: list[str] = []
    done = 0
    for k in sorted(fixed):
        glyph = fixed[k]
        pieces += (glyphs[done:k], glyph if len(glyph) == 1 else "\ufffd")
        done = k + 1
    pieces.append(glyphs[done:])
    return Glyphs("".join(pieces), {k: g for k, g in fixed.items() if len(g) != 1})


_KEPT_FORMATS = "".join(sorted(FORMAT))


def _zero_piece(
    a: int, b: int, attached: bool, inner: list[tuple[int, int]], joined: list[int], orphans: list[int]
) -> None:
    """Characters ``a``..``b`` of a run of zero-width ones: part of the cluster before them
    when ``attached``, else a cluster of their own."""
    if a >= b:
        return
    if attached:
        inner.append((a, b))
        joined.append(a)
    else:
        if b - a > 1:
            inner.append((a + 1, b))
            joined.append(a + 1)
        orphans.append(a)


_IOTA = array("i", range(1 << 16))  # offsets 0..65535, sliced for paragraphs (and parts) within them


def _offsets(a: int, b: int) -> array:
    """array("i", range(a, b)), copied from ``_IOTA`` when it reaches that far."""
    return _IOTA[a:b] if b <= len(_IOTA) else array("i", range(a, b))


def joins_next(glyph: str) -> bool:
    """Whether a shaped cluster (a glyph of ``cluster(text, shape=True)``) is drawn joined to
    the letter after it: its letter took an initial or medial form."""
    return glyph[:1] in _JOINS_NEXT


@lru_cache(maxsize=65536)
def _shape_word(word: str) -> str:
    """Shape one run of joining characters, one output character per input character.

    Joining never crosses anything else, so runs (mostly words, which repeat a lot) are
    shaped and cached on their own. Characters transparent to joining (marks, RLM, the
    soft hyphen...) are set aside so that the letters around them join, as Unicode's
    joining rules say; the reshaper drops ZWJ after using it, so it is put back.
    """
    letters = _TRANSPARENT.sub("", word)
    shaped = _RESHAPER.reshape(letters)
    joiners = letters.count(ZWJ)
    if len(shaped) != len(letters) - joiners:  # not one glyph per letter: draw the word unshaped
        return word
    out = []
    it = iter(shaped)
    for char in word:
        if char == ZWJ or _TRANSPARENT.match(char):
            out.append(char)
        else:
            out.append(next(it))
    return "".join(out)


@lru_cache(maxsize=4096)
def _lam_alef_glyph(piece: str, shaped: str, diacritics: bool) -> str:
    """The glyph of a lam-alef cluster (the lam's shaped form says whether it joins the letter
    before), with its marks unless hidden; the same few come back again and again."""
    hide = _FORMAT if diacritics else _HIDE_MARKS
    lam_at = piece.index(LAM)
    alef_at = next(i for i in range(lam_at + 1, len(piece)) if piece[i] in ALEFS)
    isolated, final = _LAM_ALEF[piece[alef_at]]
    glyph = final if shaped[lam_at] in _LAM_JOINED_BEFORE else isolated
    marks = (piece[:lam_at] + piece[lam_at + 1 : alef_at] + piece[alef_at + 1 :]).translate(hide)
    return glyph + marks
