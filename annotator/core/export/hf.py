"""Hugging Face token classification JSON Lines: one sentence a line.

``{"id": "DOC:N", "doc_id": "DOC", "tokens": [...], "ner_tags": ["O", "B-GPE", ...]}`` with
string tags (plus ``trigger_tags`` with ``--events``); ``labels.json`` beside the data lists
the tags in a stable order (``tagging.label_list``). ``datasets.load_dataset("json", ...)``
reads it.
"""

from __future__ import annotations

import orjson

from annotator.core.export.tagging import Tagged

EXTENSION = "jsonl"


def render(tagged: Tagged) -> bytes:
    lines = []
    tags = tagged.columns[0]
    for k, (a, b) in enumerate(tagged.sentences):
        row = {
            "id": f"{tagged.doc_id}:{k}",
            "doc_id": tagged.doc_id,
            "tokens": tagged.words[a:b],
            "ner_tags": tags[a:b],
        }
        if tagged.triggers is not None:
            row["trigger_tags"] = tagged.triggers[a:b]
        lines.append(orjson.dumps(row))
    return b"\n".join(lines) + b"\n" if lines else b""
