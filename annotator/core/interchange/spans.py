"""Where an imported span may begin and end: on characters of the text, never inside one.

The loader (:mod:`annotator.core.annotations.loading`) checks every file's offsets against
the length of its text, without reading texts: it is the one check of every reader. Spans
that enter the workspace by import (JSON Lines, CoNLL) come from other programs, so they
are also checked against the text itself:

- no span starts or ends on a character that continues the one before it
  (``characters.CONTINUING``: combining marks, Unicode categories Mn, Mc and Me, such as
  harakat; the joiners ZWJ and ZWNJ; emoji skin-tone modifiers; the other zero-width
  characters the tokenizer keeps with the character before them). Such a boundary cuts a
  letter from its marks, which no key of the app can do. Modifier letters (Lm: tatweel,
  ``ʿ``) and other modifier symbols (Sk: ``^``, ``˜``) stand on their own cell and may begin
  or end a span. A mark with nothing before it to sit on (at the start of the text, after
  white space or an invisible separator) starts a cluster of its own, so a span may start
  there;
- no span holds only white space and invisible separators (bidi marks, ZWSP, BOM).

The app's own edits never break these rules (selections are whole tokens or clusters).
"""

from __future__ import annotations

import unicodedata

from annotator.core.annotations.model import DocumentAnnotations
from annotator.core.text.characters import CONTINUING, INVISIBLE_SEPARATORS, WHITE_SPACE

_EMPTY = WHITE_SPACE | INVISIBLE_SEPARATORS


def span_problem(text: str, start: int, end: int) -> str | None:
    """Why the span ``start``-``end`` (inside ``text``) cannot be imported, or None."""
    for how, at in (("starts on", start), ("ends before", end)):
        if _inside_cluster(text, at):
            return (
                f"{how} {_name(text[at])}, which belongs to the character before it ({_name(text[at - 1])}): "
                "a span may not cut a character from its marks"
            )
    if all(c in _EMPTY for c in text[start:end]):
        return "holds only white space or invisible characters"
    return None


def span_problems(doc: DocumentAnnotations, text: str) -> list[str]:
    """What is wrong with the spans of ``doc`` on ``text``, one line each (entity or trigger, why)."""
    items = [(f"entity {e.id}", e.start, e.end) for e in doc.entities]
    items += [(f"event {v.id} trigger", v.start, v.end) for v in doc.events]
    problems = []
    for what, start, end in items:
        why = span_problem(text, start, end)
        if why is not None:
            problems.append(f"{what}: span {start}-{end} {why}")
    return problems


def _inside_cluster(text: str, at: int) -> bool:
    return 0 < at < len(text) and text[at] in CONTINUING and text[at - 1] not in _EMPTY


def _name(char: str) -> str:
    return f"U+{ord(char):04X} {unicodedata.name(char, 'unnamed')}"
