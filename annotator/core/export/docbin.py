"""spaCy's DocBin (``.spacy`` files): what ``spacy train`` reads, one file per split.

Each document becomes a ``Doc`` whose text is the stored text, character for character: the
export's tokens (word or clitic) with the white space between them as spaCy keeps it (one
space after a token; any other run of white space, or an invisible separator, is a token of
its own), sentence starts, ``doc.ents`` the outer entities (spaCy's NER learns one layer),
``doc.spans["sc"]`` every entity, nested ones too (the key of spaCy's span categorizer), and
with ``--events`` ``doc.spans["triggers"]``. Labels are the guidelines' names.

spaCy is an optional extra (``pip install 'annotator[spacy]'``), imported here only, when a
spaCy export is asked for.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

from annotator.core.errors import AnnotatorError
from annotator.core.export.tagging import Span, Tagged

EXTENSION = "spacy"
SPANS_KEY = "sc"
TRIGGERS_KEY = "triggers"
ATTRS = ("ORTH", "ENT_IOB", "ENT_TYPE", "SENT_START")  # what the export sets (spaces are always kept)


@cache
def spacy_tokens() -> Any:
    """``spacy.tokens`` (Doc, Span, DocBin), or one error line saying how to install spaCy."""
    try:
        return importlib.import_module("spacy.tokens")
    except ImportError:
        raise AnnotatorError(
            "--format spacy needs spaCy, which is not installed", None, "pip install 'annotator[spacy]'"
        ) from None


@cache
def _vocab() -> Any:
    return importlib.import_module("spacy.vocab").Vocab()


def words_and_spaces(text: str, offsets: list[tuple[int, int]]) -> tuple[list[str], list[bool], list[int]]:
    """spaCy's words and spaces for ``text`` (joined they give the text back exactly), and where
    each export token went among the words."""
    words: list[str] = []
    spaces: list[bool] = []
    where: list[int] = []

    def gap(blank: str) -> None:
        if blank[:1] == " " and words and not spaces[-1]:
            spaces[-1] = True
            blank = blank[1:]
        if blank:
            words.append(blank)
            spaces.append(False)

    at = 0
    for start, end in offsets:
        gap(text[at:start])
        where.append(len(words))
        words.append(text[start:end])
        spaces.append(False)
        at = end
    gap(text[at:])
    return words, spaces, where


def render(tagged: Tagged, text: str) -> bytes:
    """One document as a DocBin of its own (``DocBin.merge`` puts a split's documents together)."""
    tokens = spacy_tokens()
    words, spaces, where = words_and_spaces(text, tagged.offsets)
    starts = {where[a] for a, _ in tagged.sentences} | {0}
    doc = tokens.Doc(_vocab(), words=words, spaces=spaces, sent_starts=[i in starts for i in range(len(words))])

    def spans(items: list[Span]) -> list[Any]:
        return [tokens.Span(doc, where[a], where[b - 1] + 1, label=label) for a, b, label in sorted(set(items))]

    doc.ents = spans(tagged.outer)
    doc.spans[SPANS_KEY] = spans(tagged.entities)
    if tagged.triggers is not None:
        doc.spans[TRIGGERS_KEY] = spans(tagged.trigger_spans)
    return tokens.DocBin(attrs=ATTRS, store_user_data=False, docs=[doc]).to_bytes()


class Collector:
    """A split's documents gathered into one DocBin."""

    def __init__(self) -> None:
        self.bin = spacy_tokens().DocBin(attrs=ATTRS, store_user_data=False)

    def add(self, data: bytes) -> None:
        self.bin.merge(spacy_tokens().DocBin(attrs=ATTRS, store_user_data=False).from_bytes(data))

    def to_bytes(self) -> bytes:
        data: bytes = self.bin.to_bytes()
        return data
