"""A model's predictions imported as suggestions: ``import annotations FILE --as-suggestions --source NAME``.

The file is read by the interchange readers (:mod:`annotator.core.interchange`: JSON Lines or
CoNLL), so the files that import as annotations import as suggestions too, checked the same way
(documents known, the text or its sha256 matching, spans on the text, labels of the guidelines
the line names, migrated to the workspace's). On top: every entity's label must be an entity
label of the workspace's guidelines, and a JSON Lines entity may carry ``score``, a number in
[0, 1] (CoNLL has none). Events are not suggestions: they are counted and left out. Every
problem is one line (``FILE:LINE: reason``) and nothing is written; otherwise each document's
file of the source is written, all or nothing (replacing what the source had for it). Nothing
is written under ``annotations/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from annotator.core.errors import AnnotatorError
from annotator.core.guidelines.registry import registry
from annotator.core.interchange.jsonl import Parsed
from annotator.core.suggestions.store import ModelDocument, check_source, write_models
from annotator.core.workspace import Workspace


@dataclass(frozen=True, slots=True)
class Imported:
    source: str
    documents: int
    suggestions: int
    events_left_out: int
    migrated: tuple[str, ...]


def import_suggestions(
    workspace: Workspace,
    path: Path,
    source: str,
    fmt: str = "jsonl",
    *,
    doc_ids: list[str] | None = None,
    guidelines: str | None = None,
) -> Imported:
    """Read ``path`` (``fmt``: jsonl or conll) and write its entities as ``source``'s suggestions."""
    source = check_source(source)
    errors: list[str] = []
    scores: dict[str, dict[str, float]] = {}
    if fmt == "conll":
        from annotator.core.interchange.conll import read_conll

        parsed = _read(lambda: read_conll(path, workspace, source, doc_ids=doc_ids, guidelines=guidelines), errors)
    else:
        from annotator.core.interchange.jsonl import read_jsonl

        scores = _scores(path, errors)
        parsed = _read(lambda: read_jsonl(path, workspace, source), errors)
    if parsed is None or errors:
        raise AnnotatorError("\n".join(errors))
    labels = registry(workspace.guidelines_dir).vocabulary(workspace.config.guidelines).labels
    docs, events = [], 0
    for doc in parsed.docs:
        where = parsed.where.get(doc.doc_id, doc.doc_id)
        for e in doc.entities:
            if e.label not in labels:
                errors.append(f"{where}: entity {e.id}: no entity label {e.label!r} in the workspace's guidelines")
        mine = scores.get(doc.doc_id, {})
        spans = sorted({(e.start, e.end, e.label, mine.get(e.id)) for e in doc.entities}, key=lambda s: s[:3])
        docs.append(ModelDocument(doc.doc_id, doc.text_sha256, tuple(spans)))
        events += len(doc.events)
    if errors:
        raise AnnotatorError("\n".join(errors))
    write_models(workspace.root, source, docs)
    return Imported(source, len(docs), sum(len(d.spans) for d in docs), events, tuple(parsed.migrated))


def _read(reader: Any, errors: list[str]) -> Parsed | None:
    try:
        parsed: Parsed = reader()
    except AnnotatorError as exc:
        errors.append(str(exc))
        return None
    return parsed


def _scores(path: Path, errors: list[str]) -> dict[str, dict[str, float]]:
    """doc_id -> entity id -> score, from the lines of a JSON Lines file; a score that is not a
    number in [0, 1] is an error line. What else is wrong with a line the reader says."""
    try:
        raw = path.read_bytes()
    except OSError:
        return {}  # the reader says it
    out: dict[str, dict[str, float]] = {}
    for number, line in enumerate(raw.split(b"\n"), 1):
        try:
            data = orjson.loads(line) if line.strip() else None
        except orjson.JSONDecodeError:
            continue
        doc_id = data.get("id") if isinstance(data, dict) else None
        entities = data.get("entities") if isinstance(data, dict) else None
        if not isinstance(doc_id, str) or not isinstance(entities, list):
            continue
        for e in entities:
            if not isinstance(e, dict) or "score" not in e:
                continue
            score = e["score"]
            if isinstance(score, (int, float)) and not isinstance(score, bool) and 0 <= score <= 1:
                out.setdefault(doc_id, {})[str(e.get("id"))] = float(score)
            else:
                why = f"'score' must be a number in [0, 1], got {score!r}"
                errors.append(f"{path}:{number}: entity {e.get('id')}: {why}")
    return out
