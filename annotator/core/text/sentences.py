"""Sentence splitting of stored text into (start, end) code point spans, end exclusive.

A sentence ends after a run of terminators ``. ! ? ؟`` (``..``, ``?!``) plus any
closing quotes or brackets glued to it, when white space or the end of the text
follows. A line break (as ``str.splitlines`` sees them) always ends a sentence:
articles hold one paragraph per line and headlines carry no final punctuation.
``، ؛ :`` never end a sentence, and ``3.5`` is not split since no white space follows
its dot. Abbreviations are not recognised (``د. محمد`` is split after ``د.``).

Spans are stripped of white space and invisible separators (RLM, LRM, ALM, ...) and
never empty. This does not use pyarabic's ``sentence_tokenize`` (it splits at commas
and colons and stops after 32 splits)."""

from __future__ import annotations

import re

from annotator.core.text.characters import INVISIBLE_SEPARATORS, char_class

TERMINATORS = ".!?؟"
# Quotes and closing brackets that stay with the sentence when glued to its terminator.
# Arabic text often swaps the curly quotes and guillemets, so both directions count.
CLOSERS = "”“»«\"'’‘″)]}"
# Line boundaries as str.splitlines sees them: each one ends a sentence.
LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"

_BLANK = rf"\s{char_class(INVISIBLE_SEPARATORS)}"
_END = re.compile(
    rf"[{char_class(TERMINATORS)}]+[{char_class(CLOSERS)}]*(?=[{_BLANK}]|\Z)"
    rf"|[{char_class(LINE_BREAKS)}]"
)
# The stripped content of a stretch of text: first to last visible character.
_CONTENT = re.compile(rf"[^{_BLANK}](?:.*[^{_BLANK}])?", re.DOTALL)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of every sentence of ``text``, in order."""
    spans: list[tuple[int, int]] = []
    start = 0
    for end in [m.end() for m in _END.finditer(text)] + [len(text)]:
        content = _CONTENT.search(text, start, end)
        if content:
            spans.append(content.span())
        start = end
    return spans
