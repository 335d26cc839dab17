"""The character table against sources it was not built from: Unicode's own properties
(Python's unicodedata), Rich's width of each character measured one by one, pyarabic's
list of Arabic diacritics, UAX #9's list of explicit bidi controls."""

from __future__ import annotations

import sys
import unicodedata

from pyarabic import araby
from rich.cells import cell_len

from annotator.core.text.characters import (
    ARABIC_MARKS,
    BIDI_CONTROLS,
    COMBINING,
    CONTINUING,
    FORMAT,
    INVISIBLE_SEPARATORS,
    WHITE_SPACE,
    ZERO_WIDTH,
    ZWJ,
    ZWNJ,
)

EVERY = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]


def test_zero_width_is_what_rich_measures_character_by_character() -> None:
    measured = {c for c in EVERY if ord(c) >= 0xA0 and cell_len(c) == 0}
    assert ZERO_WIDTH == measured


def test_every_combining_mark_of_unicode_is_drawn_on_the_cell_before_it() -> None:
    marks = {c for c in EVERY if unicodedata.category(c)[0] == "M"}
    assert len(marks) > 2000
    assert marks <= COMBINING and marks <= CONTINUING
    assert {ZWJ, ZWNJ, "\u2060"} <= CONTINUING  # joiners and other format characters go with their cell too


def test_bidi_controls_are_those_of_uax9() -> None:
    explicit = {
        c
        for c in EVERY
        if unicodedata.bidirectional(c) in {"LRE", "RLE", "PDF", "LRO", "RLO", "LRI", "RLI", "FSI", "PDI"}
    }
    assert BIDI_CONTROLS == explicit | {"\u200e", "\u200f", "\u061c"}  # and the marks LRM, RLM, ALM
    assert BIDI_CONTROLS <= ZERO_WIDTH and BIDI_CONTROLS.isdisjoint(COMBINING)


def test_separators_are_white_space_or_invisible_and_never_continue_a_token() -> None:
    assert WHITE_SPACE == {c for c in EVERY if c.isspace()}
    assert CONTINUING.isdisjoint(INVISIBLE_SEPARATORS | WHITE_SPACE)
    assert COMBINING - CONTINUING == {"\u200b", "\ufeff", "\u2028", "\u2029"}  # ZWSP, BOM, LS, PS


def test_format_characters_are_invisible_format_characters() -> None:
    assert all(unicodedata.category(c) == "Cf" for c in FORMAT) and FORMAT <= ZERO_WIDTH


def test_arabic_marks_hold_every_pyarabic_diacritic_and_only_arabic_marks() -> None:
    assert set(araby.DIACRITICS) <= ARABIC_MARKS
    assert "\u08f0" in ARABIC_MARKS  # ARABIC OPEN FATHATAN, which pyarabic does not list
    named = [c for c in ARABIC_MARKS if unicodedata.name(c, "")]
    assert all(unicodedata.name(c).startswith("ARABIC") for c in named)
    assert all(unicodedata.category(c) == "Mn" for c in named)
    assert len(named) >= len(ARABIC_MARKS) - 1  # U+0897 came after this Python's Unicode
