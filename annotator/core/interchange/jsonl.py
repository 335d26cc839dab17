"""The interchange format: JSON Lines, one document's annotations per line, in and out.

A line reads::

    {"id": "...", "text": "...", "text_sha256": "...", "guidelines": "2.0.0", "source": "gold",
     "status": "done",
     "entities": [{"id": "T1", "start": 0, "end": 5, "label": "GPE", "text": "..."}],
     "events": [{"id": "E1", "type": "Conflict.Attack", "trigger": {"start": 10, "end": 13, "text": "..."},
                 "arguments": [{"role": "Target", "entity": "T1"}]}],
     "tokens": [{"start": 0, "end": 5, "text": "..."}], "sentences": [{"start": 0, "end": 120}]}

Offsets are code points, end exclusive, and ``text[start:end]`` equals every ``text``.
``needs_review`` and ``agreed_by`` ride along on entities and events when set. On
import ``tokens``, ``sentences`` and ``source`` are informative only; ``text`` and
``text_sha256`` may be left out but not both; ``Conflict:Attack`` is read as
``Conflict.Attack``. Reading checks every line, its entities and events by the same
rules as every annotation file (:func:`annotator.core.annotations.loading.content_problems`),
each span against the text (:mod:`annotator.core.interchange.spans`: not inside a character,
not only white space) and each name in ``agreed_by`` as an annotator name; it refuses the
whole file, one line per bad input line (``FILE:LINE: reason; reason``), before anything
is written. :func:`save_imported` then writes every document or none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from annotator.core.annotations.loading import content_problems, migrate_to
from annotator.core.annotations.model import STATUSES, DocumentAnnotations, Entity, Event, text_order
from annotator.core.corpus import Corpus, sha256_text
from annotator.core.errors import AnnotatorError
from annotator.core.guidelines.registry import Registry, registry
from annotator.core.identity import check_name
from annotator.core.interchange.spans import span_problems
from annotator.core.workspace import Workspace

if TYPE_CHECKING:
    from annotator.core.annotations.store import AnnotationStore


def build_line(
    doc: DocumentAnnotations,
    text: str,
    source: str,
    tokens: Iterable[tuple[int, int]] = (),
    sentences: Iterable[tuple[int, int]] = (),
) -> dict[str, Any]:
    """The interchange line of ``doc`` over ``text`` (which must be the document's text)."""
    entities = []
    for e in sorted(doc.entities, key=text_order):
        item: dict[str, Any] = {
            "id": e.id,
            "start": e.start,
            "end": e.end,
            "label": e.label,
            "text": text[e.start : e.end],
        }
        _extras(item, e)
        entities.append(item)
    events = []
    for v in sorted(doc.events, key=text_order):
        item = {
            "id": v.id,
            "type": v.type,
            "trigger": {"start": v.start, "end": v.end, "text": text[v.start : v.end]},
            "arguments": [{"role": a.role, "entity": a.entity} for a in v.arguments],
        }
        _extras(item, v)
        events.append(item)
    return {
        "id": doc.doc_id,
        "text": text,
        "text_sha256": sha256_text(text),
        "guidelines": doc.guidelines,
        "source": source,
        "status": doc.status,
        "entities": entities,
        "events": events,
        "tokens": [{"start": s, "end": e, "text": text[s:e]} for s, e in tokens],
        "sentences": [{"start": s, "end": e} for s, e in sentences],
    }


def _extras(item: dict[str, Any], x: Entity | Event) -> None:
    if x.needs_review:
        item["needs_review"] = x.needs_review
    if x.agreed_by:
        item["agreed_by"] = list(x.agreed_by)


def dump_line(line: dict[str, Any]) -> bytes:
    return orjson.dumps(line) + b"\n"


@dataclass(slots=True)
class Parsed:
    """Documents read from a file, checked and migrated, with where each came from."""

    docs: list[DocumentAnnotations] = field(default_factory=list)
    where: dict[str, str] = field(default_factory=dict)  # doc_id -> "FILE:LINE"
    migrated: list[str] = field(default_factory=list)  # messages


def read_jsonl(path: Path, workspace: Workspace, annotator: str) -> Parsed:
    """Every line of ``path`` checked against the corpus and guidelines, migrated to the workspace's version."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise AnnotatorError("cannot read file", str(path), exc.strerror) from exc
    corpus = Corpus.checked(workspace.corpus_dir)
    guidelines = registry(workspace.guidelines_dir)
    texts: dict[str, str] = {}
    parsed, errors = Parsed(), []
    for number, line in enumerate(raw.split(b"\n"), 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        problems: list[str] = []
        doc = _parse_line(line, corpus, texts, guidelines, annotator, problems)
        if doc is not None and doc.doc_id in parsed.where:
            problems.append(f"document {doc.doc_id} is also on {parsed.where[doc.doc_id]}")
        if problems:
            errors.append(f"{where}: {'; '.join(problems)}")
            continue
        assert doc is not None
        doc, messages = migrate_to_workspace(doc, workspace, problems)
        if problems:
            errors.append(f"{where}: {'; '.join(problems)}")
            continue
        parsed.docs.append(doc)
        parsed.where[doc.doc_id] = where
        parsed.migrated += [f"{doc.doc_id}: {m}" for m in messages]
    if errors:
        raise AnnotatorError("\n".join(errors))
    if not parsed.docs:
        raise AnnotatorError("no documents in the file", str(path))
    return parsed


def migrate_to_workspace(
    doc: DocumentAnnotations, workspace: Workspace, problems: list[str]
) -> tuple[DocumentAnnotations, list[str]]:
    """``doc`` under the workspace's guidelines version (appends to ``problems`` if impossible)."""
    try:
        return migrate_to(doc, registry(workspace.guidelines_dir), workspace.config.guidelines, "")
    except AnnotatorError as exc:
        problems.append(str(exc))
        return doc, []


def _parse_line(
    line: bytes, corpus: Corpus, texts: dict[str, str], guidelines: Registry, annotator: str, problems: list[str]
) -> DocumentAnnotations | None:
    """The line's document, checked by the loader's rules (and its ``text`` fields against the text)."""
    try:
        data = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        problems.append(f"not valid JSON ({exc})")
        return None
    if not isinstance(data, dict):
        problems.append("not a JSON object")
        return None
    doc_id, version, status = data.get("id"), data.get("guidelines"), data.get("status", "in_progress")
    if not isinstance(doc_id, str):
        problems.append("'id' must be a string (the document id)")
        return None
    if doc_id not in corpus:
        problems.append(f"no document {doc_id!r} in the corpus")
        return None
    if doc_id not in texts:
        try:
            texts[doc_id] = corpus.text(doc_id)
        except AnnotatorError as exc:
            problems.append(str(exc))
            return None
    text = texts[doc_id]
    sha = sha256_text(text)
    if "text" not in data and "text_sha256" not in data:
        problems.append("needs 'text' or 'text_sha256' to show it is about the same text")
    if "text" in data and data["text"] != text:
        problems.append(f"'text' differs from the text of document {doc_id} in the corpus")
    if "text_sha256" in data and data["text_sha256"] != sha:
        problems.append(f"'text_sha256' differs from the sha256 of document {doc_id} in the corpus")
    if not isinstance(status, str) or status not in STATUSES:
        problems.append(f"unknown status {status!r} (one of {', '.join(STATUSES)})")
    vocabulary = None
    if not isinstance(version, str):
        problems.append("'guidelines' must be a version string such as \"2.0.0\"")
    else:
        try:
            vocabulary = guidelines.vocabulary(version)
        except AnnotatorError as exc:
            problems.append(f"guidelines {version!r} cannot be used: {exc}")
    problems += [str(p) for p in content_problems(data, vocabulary, len(text))]
    problems += _text_problems(data, text)
    problems += _name_problems(data)
    if problems or vocabulary is None:
        return None
    doc = DocumentAnnotations.from_json(
        {
            "doc_id": doc_id,
            "text_sha256": sha,
            "guidelines": version,
            "annotator": annotator,
            "status": status,
            "entities": data.get("entities", []),
            "events": data.get("events", []),
        }
    )
    problems += span_problems(doc, text)
    return None if problems else doc


def _name_problems(data: dict[str, Any]) -> list[str]:
    """Each name in an entity's or event's ``agreed_by`` is an annotator's name (never gold's)."""
    problems = []
    for key, what in (("entities", "entity"), ("events", "event")):
        items = data.get(key)
        for item in items if isinstance(items, list) else []:
            names = item.get("agreed_by") if isinstance(item, dict) else None
            for name in [n for n in names if isinstance(n, str)] if isinstance(names, list) else []:
                try:
                    check_name(name, f"{what} {item.get('id')} agreed_by")  # not strings: said by the loader
                except AnnotatorError as exc:
                    problems.append(str(exc))
    return problems


def _text_problems(data: dict[str, Any], text: str) -> list[str]:
    """Each entity's and trigger's optional ``text`` is the text at its offsets."""

    def objects(value: Any) -> list[dict[str, Any]]:
        return [x for x in value if isinstance(x, dict)] if isinstance(value, list) else []

    items: list[tuple[str, Any]] = [(f"entity {e.get('id')}", e) for e in objects(data.get("entities"))]
    items += [(f"event {v.get('id')} trigger", v.get("trigger")) for v in objects(data.get("events"))]
    problems = []
    for what, item in items:
        if not isinstance(item, dict) or "text" not in item:
            continue
        start, end = item.get("start"), item.get("end")
        if not (type(start) is int and type(end) is int and 0 <= start < end <= len(text)):
            continue  # the span itself is wrong: said by the loader's rules
        if item["text"] != text[start:end]:
            problems.append(f"{what}: 'text' {item['text']!r} is not the text at {start}-{end} ({text[start:end]!r})")
    return problems


def save_imported(workspace: Workspace, annotator: str, parsed: Parsed, replace: bool = False) -> list[Path]:
    """Write every document of ``parsed`` for ``annotator``, all or nothing.

    The editing lock of every document is taken first, then refused, listing every document
    at fault: one being edited, an annotation file that already exists (unless ``replace``),
    one that cannot be read (never overwritten). Every file is then written by one
    :meth:`AnnotationStore.save_all`: a write that fails (a full disk, a folder that is not
    writable) leaves every file as it was.
    """
    from annotator.core.annotations.store import AnnotationStore, DocumentLock

    annotator = check_name(annotator, "annotator name", allow_gold=True)
    store = AnnotationStore(workspace.annotations_dir, annotator)
    errors: list[str] = []
    locks: list[DocumentLock] = []
    try:
        for doc in parsed.docs:
            where = parsed.where.get(doc.doc_id, doc.doc_id)
            lock = store.lock(doc.doc_id)
            try:
                holder = lock.acquire()
            except OSError as exc:
                raise AnnotatorError(
                    "cannot take the editing lock; nothing was imported", str(lock.path), exc.strerror or str(exc)
                ) from exc
            if holder is not None:
                errors.append(f"{where}: {doc.doc_id} is being edited ({holder}); close it first")
                continue
            locks.append(lock)
            errors += _overwrite_problems(store, doc.doc_id, where, replace)
        if errors:
            raise AnnotatorError("\n".join(errors))
        try:
            saved = store.save_all([doc.with_(annotator=annotator) for doc in parsed.docs])
        except OSError as exc:
            raise AnnotatorError(
                "cannot write the annotations; nothing was imported",
                exc.filename or str(store.directory),
                exc.strerror or str(exc),
            ) from exc
        return [store.path(doc.doc_id) for doc in saved]
    finally:
        for lock in locks:
            lock.release()


def _overwrite_problems(store: AnnotationStore, doc_id: str, where: str, replace: bool) -> list[str]:
    """Why the annotator's file for ``doc_id`` must not be written (read under its lock)."""
    path = store.path(doc_id)
    try:
        existing = store.read(doc_id)
    except AnnotatorError as exc:
        return [f"{where}: {path} cannot be read, so it is not overwritten ({exc})"]
    if existing is not None and not replace:
        return [
            f"{where}: {store.annotator} already has annotations for {doc_id} ({path}); use --replace to overwrite them"
        ]
    return []
