"""Unicode BiDi (UAX #9): paragraph levels from python-bidi, line reordering (L1, L2).

Levels are resolved once per paragraph (rules P to I, by python-bidi's Rust engine);
each display line is then reordered on its own (L1 resets trailing white space to the
paragraph level, L2 reverses runs), which is what the algorithm prescribes for wrapped
text. A paragraph with nothing that could leave the paragraph level (no opposite-
direction letter, no number, no explicit embedding) takes a shortcut with the same result.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import compress

from bidi import get_display

RTL, LTR = 1, 0
_STRONG = {"L": LTR, "R": RTL, "AL": RTL}
_EXPLICIT = {"LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"}
# Classes that can raise a level above the paragraph level, per paragraph direction.
_LEAVES_BASE = {RTL: {"L", "EN", "AN"} | _EXPLICIT, LTR: {"R", "AL", "AN"} | _EXPLICIT}
_LEVEL = re.compile(r"Level\(\s*(\d+),")
# 1 for a UTF-8 lead byte, 0 for a continuation byte: picks one level per code point.
_LEAD_BYTE = bytes(0 if 0x80 <= b < 0xC0 else 1 for b in range(256))


@lru_cache(maxsize=8192)
def bidi_class(char: str) -> str:
    return unicodedata.bidirectional(char)


def base_level(text: str, default: int = RTL) -> int:
    """Paragraph direction from the first strong character (rules P2, P3)."""
    for char in text:
        level = _STRONG.get(bidi_class(char))
        if level is not None:
            return level
    return default


def paragraph_levels(text: str, base: int) -> list[int] | None:
    """The resolved level of every code point of one paragraph, or None if all are ``base``."""
    classes = {bidi_class(c) for c in set(text)}
    if not classes & _LEAVES_BASE[base]:
        return None
    debug = get_display(text, base_dir="R" if base == RTL else "L", debug=True)
    per_byte = _LEVEL.findall(debug, debug.index("levels:"), debug.index("paragraphs:"))
    mask = text.encode("utf-8").translate(_LEAD_BYTE)
    levels = [int(level) for level in compress(per_byte, mask)]
    if len(levels) != len(text):  # python-bidi changed its debug format: fail loudly
        raise RuntimeError(f"bidi levels: got {len(levels)} for {len(text)} code points")
    return levels


def visual_order(levels: list[int], base: int, resets: list[bool]) -> list[int]:
    """Indices of one line's units in left-to-right visual order.

    ``levels`` are the units' resolved levels; ``resets[i]`` is True for white space
    and tabs, which rule L1 puts back at the paragraph level when they end the line or
    precede a tab.
    """
    n = len(levels)
    levels = list(levels)
    trailing = True
    for i in range(n - 1, -1, -1):
        if resets[i]:
            if trailing:
                levels[i] = base
        else:
            trailing = False
    highest = max(levels, default=base)
    if highest == base == min(levels, default=base):
        return list(range(n - 1, -1, -1)) if base % 2 else list(range(n))
    lowest_odd = min((lv for lv in levels if lv % 2), default=highest + 1)
    order = list(range(n))
    for level in range(highest, lowest_odd - 1, -1):
        i = 0
        while i < n:
            if levels[i] >= level:
                j = i
                while j < n and levels[j] >= level:
                    j += 1
                order[i:j] = order[i:j][::-1]
                levels[i:j] = levels[i:j][::-1]
                i = j
            else:
                i += 1
    return order
