"""Unicode BiDi (UAX #9): paragraph levels from ICU, line reordering (L1, L2), mirroring.

ICU's ``ubidi`` (through PyICU) resolves each paragraph once: its direction (P2, P3,
skipping isolates) and the level of every character (rules X to I, and L1 for segment
separators and the paragraph's end). Each display line is then reordered on its own:
L1 puts the white space and isolate controls that end the line back at the paragraph
level, L2 reverses runs. That is what the algorithm prescribes for wrapped text, and the
reader wraps in logical order first. Unicode's BidiCharacterTest.txt checks the result
(tests/text/test_bidi_conformance.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import icu

from annotator.core.text.characters import L1_RESETTABLE, char_class
from annotator.core.text.characters import REMOVED_BY_X9 as _REMOVED

RTL, LTR = 1, 0
_DEFAULT = {RTL: icu.Bidi.DEFAULT_RTL, LTR: icu.Bidi.DEFAULT_LTR}
_RESETTABLE = re.compile(f"[{char_class(L1_RESETTABLE)}]+")
# What rule X9 removes: no level of its own to be drawn at (characters.REMOVED_BY_X9).
REMOVED_BY_X9 = re.compile(f"[{char_class(_REMOVED)}]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_LEVEL_RUNS = re.compile(rb"(.)\1*", re.S)  # over bytes(levels): runs of one level


def resettable(chars: str) -> bool:
    """True when rule L1 puts every one of ``chars`` back at the paragraph level if they end a line."""
    return _RESETTABLE.fullmatch(chars) is not None


def paragraph_levels(text: str, direction: int | None = None) -> tuple[int, list[int] | None]:
    """(paragraph level, the level of every code point) for one paragraph.

    ``direction`` None finds the direction from the first strong character outside
    isolates (a paragraph with none is right-to-left: this is an Arabic reader). The
    levels are None when every character is at the paragraph level (most Arabic prose),
    which lets the layout reverse a line instead of reordering it.
    """
    if not text:
        return RTL if direction is None else direction, None
    engine = icu.Bidi()
    engine.setPara(icu.UnicodeString(text), _DEFAULT[RTL] if direction is None else direction)
    base = engine.getParaLevel()
    units = engine.getLevels()
    if not units or (min(units) == base == max(units)):
        return base, None
    if _ASTRAL.search(text) is None:
        return base, list(units)
    levels = []  # one level per code point: ICU counts UTF-16 units, two for a character beyond U+FFFF
    i = 0
    for char in text:
        levels.append(units[i])
        i += 2 if char > "\uffff" else 1
    return base, levels


def base_level(text: str, default: int = RTL) -> int:
    """Paragraph direction (rules P2, P3): the first strong character outside isolates."""
    if not text:
        return default
    engine = icu.Bidi()
    engine.setPara(icu.UnicodeString(text), _DEFAULT[default])
    return engine.getParaLevel() % 2


@lru_cache(maxsize=1)
def _mirrors() -> dict[str, str]:
    mirrored = icu.UnicodeSet("[:Bidi_Mirrored:]")
    return {c: m for c in mirrored if (m := icu.Char.charMirror(c)) != c}


@lru_cache(maxsize=1)
def mirrorable() -> frozenset[str]:
    """Characters with a mirrored glyph (brackets, arrows, math), drawn mirrored at odd levels (L4)."""
    return frozenset(_mirrors())


@lru_cache(maxsize=1)
def _mirrorable_class() -> re.Pattern[str]:
    return re.compile(f"[{char_class(mirrorable())}]")


def has_mirrorable(text: str) -> bool:
    """Whether ``text`` holds a character drawn mirrored at odd levels (a regex: no str a character)."""
    return _mirrorable_class().search(text) is not None


def mirror(glyph: str) -> str:
    """``glyph`` as drawn at a right-to-left level: its base character mirrored, marks kept."""
    return _mirrors().get(glyph[:1], glyph[:1]) + glyph[1:] if glyph else glyph


@lru_cache(maxsize=1)
def _mirror_table() -> dict[int, str]:
    return {ord(c): m for c, m in _mirrors().items()}


def mirrored(glyphs: str) -> str:
    """Every one of ``glyphs`` (one character each) as drawn at a right-to-left level."""
    return glyphs.translate(_mirror_table())


def visual_runs(levels: bytes, base: int, trailing: int = 0) -> list[tuple[int, int, int]]:
    """One line's runs of units at one level, as (start, end, level), left to right (rule L2);
    a run at an odd level is drawn reversed (L2 reverses it once per odd level up to its own).

    ``levels`` are the units' resolved levels; the last ``trailing`` units are white
    space or isolate controls that end the line, which rule L1 puts back at ``base``.
    Runs, not units, are reordered: a line has a handful.
    """
    n = len(levels)
    if trailing:
        levels = levels[: n - trailing] + bytes([base]) * trailing
    runs = [(m.start(), m.end(), levels[m.start()]) for m in _LEVEL_RUNS.finditer(levels)]
    highest = max((level for _, _, level in runs), default=base)
    lowest_odd = min((level for _, _, level in runs if level % 2), default=highest + 1)
    for level in range(highest, lowest_odd - 1, -1):
        i = 0
        while i < len(runs):
            if runs[i][2] >= level:
                j = i
                while j < len(runs) and runs[j][2] >= level:
                    j += 1
                runs[i:j] = runs[i:j][::-1]
                i = j
            else:
                i += 1
    return runs


def visual_order(levels: Sequence[int], base: int, trailing: int = 0) -> list[int]:
    """Indices of one line's units in left-to-right visual order (rule L2, see ``visual_runs``)."""
    return [
        i
        for start, end, level in visual_runs(bytes(levels), base, trailing)
        for i in (range(end - 1, start - 1, -1) if level % 2 else range(start, end))
    ]
