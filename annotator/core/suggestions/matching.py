"""String matching: every occurrence in a text of a name the lexicon holds, as suggestions.

A text is cut into tokens (``text/tokens.py``) and each token normalized on its own
(``text/normalize.py``: diacritics, tatweel, alef and hamza forms), as the lexicon's entries
were (:func:`annotator.core.suggestions.lexicon.entry_key`). At each token the longest entry
starting there wins (greedy, left to right, matches never overlap), tried on the token as
written and then through its clitic prefixes: one or two of و ف ب ل ك peeled with
``text/clitics.peel`` (``بالبوكمال``, ``وبالبوكمال``; a haraka or a tatweel after the letter goes
with it: ``لـ``), and ل + ال written لل (``للبوكمال`` is ل + ``البوكمال`` with its alef elided: the
span starts at the second ل). A form as written is preferred to a peeled one of the same length,
so a name that starts with one of those letters (``بغداد``) is never cut. Offsets are code
points into the text, the clitics left outside the span; the span ends where its last token
ends (its harakat inside).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyarabic.araby import ALEF, LAM

from annotator.core.text.clitics import peel
from annotator.core.text.normalize import normalize
from annotator.core.text.tokens import token_bounds

if TYPE_CHECKING:
    from annotator.core.suggestions.lexicon import Lexicon
    from annotator.core.suggestions.model import Suggestion

MAX_PEELED = 2  # clitic letters taken off a word's front: و + ب in وبالبوكمال


def match(text: str, lexicon: Lexicon) -> list[Suggestion]:
    """The suggestions of ``lexicon`` in ``text``, in text order (see the module docstring)."""
    starts, ends = token_bounds(text)
    words = [(s, e, n) for s, e in zip(starts, ends) if (n := normalize(text[s:e]).text)]
    norms = [n for _, _, n in words]
    found: list[Suggestion] = []
    i = 0
    while i < len(words):
        best: tuple[int, int, tuple[str, ...]] | None = None  # tokens, start, key
        for start, first in _forms(text, words[i][0], words[i][1], norms[i]):
            longest = min(lexicon.longest(first), len(words) - i)
            for k in range(longest, 0 if best is None else best[0], -1):
                key = (first, *norms[i + 1 : i + k])
                if key in lexicon:
                    best = (k, start, key)
                    break
        if best is None:
            i += 1
            continue
        k, start, key = best
        end = words[i + k - 1][1]
        found.append(lexicon.suggestion(key, start, end, text[start:end]))
        i += k
    return found


def _forms(text: str, start: int, end: int, norm: str) -> list[tuple[int, str]]:
    """(where the name would start, its first token normalized) for the token ``text[start:end]``:
    as written, then with one and two clitic letters peeled, and each ``لل`` read as ل + ال."""
    forms = [(start, norm)]
    at, rest = start, norm
    for _ in range(MAX_PEELED):
        if rest.startswith(LAM + LAM) and (cut := peel(text, at, end)) is not None:
            forms.append((cut, ALEF + normalize(text[cut:end]).text))
        cut = peel(text, at, end)
        if cut is None:
            break
        at, rest = cut, normalize(text[cut:end]).text
        if not rest:
            break
        forms.append((at, rest))
    return forms
