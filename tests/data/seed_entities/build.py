"""Write the reference entity annotations of the seed articles (tests/data/seed_entities/*.json).

The spans below were chosen by reading each article under guidelines 2.0.0, by hand; no tagger
and no suggestion code. Each one is written as (label, anchor): the anchor is a piece of the
article, copied exactly, with the span in [brackets]; it must occur exactly once in the text,
so every offset is found, never typed. Run from the repository root:
    .venv/bin/python tests/data/seed_entities/build.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import orjson

from annotator.core.annotations.model import DocumentAnnotations, Entity
from annotator.core.corpus import Corpus

HERE = Path(__file__).parent
REPO = HERE.parents[2]
sys.path.insert(0, str(HERE))

from spans import SPANS  # noqa: E402


def locate(text: str, anchor: str) -> tuple[int, int]:
    before, rest = anchor.split("[", 1)
    inner, after = rest.split("]", 1)
    whole = before + inner + after
    count = text.count(whole)
    if count != 1:
        raise SystemExit(f"anchor {anchor!r} occurs {count} times")
    start = text.index(whole) + len(before)
    return start, start + len(inner)


def build(doc_id: str, corpus: Corpus) -> DocumentAnnotations:
    text = corpus.text(doc_id)
    found = sorted({(*locate(text, anchor), label) for label, anchor in SPANS[doc_id]})
    if len(found) != len(SPANS[doc_id]):
        raise SystemExit(f"{doc_id}: the same span is listed twice")
    entities = tuple(Entity(f"T{n}", start, end, label) for n, (start, end, label) in enumerate(found, 1))
    return DocumentAnnotations(
        doc_id=doc_id,
        text_sha256=corpus.info(doc_id).sha256,
        guidelines="2.0.0",
        annotator="reference",
        status="done",
        entities=entities,
    )


def main() -> None:
    corpus = Corpus(REPO / "corpus")
    for doc_id in SPANS:
        doc = build(doc_id, corpus)
        data = orjson.dumps(doc.to_json(), option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2) + b"\n"
        (HERE / f"{doc_id}.json").write_bytes(data)
        print(doc_id, len(doc.entities))


if __name__ == "__main__":
    main()
