"""Arabic clitic prefixes: the one-letter proclitics a span may be peeled of.

و ف ب ل ك attach to the word after them (``والبوكمال``, ``بالبوكمال``, ``لـ"الحرس الثوري"``);
an annotated name starts after them. ``peel`` gives where a span starts once one such
letter (with its harakat, and a tatweel after it) is taken off its front.
"""

from __future__ import annotations

from pyarabic import araby

from annotator.core.text.characters import COMBINING, TATWEEL

PREFIXES = frozenset((araby.WAW, araby.FEH, araby.BEH, araby.LAM, araby.KAF))


def peel(text: str, start: int, end: int) -> int | None:
    """The start of ``text[start:end]`` without its first clitic letter, or None when the
    span does not start with one or would be left empty."""
    if end - start < 2 or text[start] not in PREFIXES:
        return None
    cut = start + 1
    while cut < end and text[cut] in COMBINING:
        cut += 1
    if cut < end and text[cut] == TATWEEL:
        cut += 1
    return cut if cut < end else None
