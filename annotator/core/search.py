"""Searching every document of a corpus (diacritics, tatweel and alef forms ignored).

Hits come document by document, in corpus order, so that a caller (the corpus search
screen's worker thread) can show them as they come and stop between documents.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from annotator.core.corpus import Corpus
from annotator.core.errors import AnnotatorError

CONTEXT = 30  # characters of text on each side of a hit
MAX_HITS = 2000  # a search stops after this many hits


@dataclass(frozen=True, slots=True)
class Hit:
    doc_id: str
    start: int  # code point offsets into the stored text, end exclusive
    end: int
    context: str  # the hit with CONTEXT characters around it, line breaks as spaces


def search_corpus(
    corpus: Corpus, query: str, limit: int = MAX_HITS, unreadable: list[AnnotatorError] | None = None
) -> Iterator[list[Hit]]:
    """The hits of ``query`` in each document (an empty list for a document without any),
    at most ``limit`` in all; nothing for a blank query. A document whose text cannot be
    read (missing, not UTF-8) has no hits; why is appended to ``unreadable``."""
    from annotator.core.text.normalize import find_all  # its tables are built on first use: start-up stays fast

    if not query.strip():
        return
    left = limit
    for doc_id in corpus.ids:
        try:
            text = corpus.text(doc_id)
        except AnnotatorError as exc:
            if unreadable is not None:
                unreadable.append(exc)
            yield []
            continue
        spans = find_all(text, query)[:left]
        yield [
            Hit(doc_id, start, end, text[max(0, start - CONTEXT) : end + CONTEXT].replace("\n", " "))
            for start, end in spans
        ]
        left -= len(spans)
        if left <= 0:
            return
