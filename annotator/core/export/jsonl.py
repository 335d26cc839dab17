"""The interchange JSON Lines (``annotator.core.interchange.jsonl``) as an export: one document a line."""

from __future__ import annotations

from annotator.core.annotations.model import DocumentAnnotations
from annotator.core.export.tagging import doc_tokens
from annotator.core.interchange.jsonl import build_line, dump_line
from annotator.core.text.sentences import split_sentences

EXTENSION = "jsonl"


def render(doc: DocumentAnnotations, text: str, source: str, tokens: str = "word") -> tuple[bytes, int, int]:
    """The line's bytes, and its token and sentence counts."""
    spans = doc_tokens(text, doc, tokens, events=True)
    sentences = split_sentences(text)
    return dump_line(build_line(doc, text, source, spans, sentences)), len(spans), len(sentences)
