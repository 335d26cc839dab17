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
``Conflict.Attack``. Reading checks every line and refuses the whole file, one line
per bad input line (``FILE:LINE: reason; reason``), before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from annotator.core.annotations.model import STATUSES, Argument, DocumentAnnotations, Entity, Event
from annotator.core.corpus import Corpus, sha256_text
from annotator.core.errors import AnnotatorError
from annotator.core.guidelines.schema import Schema, load_schema, parse_semver
from annotator.core.workspace import Workspace


def build_line(doc: DocumentAnnotations, text: str, source: str,
               tokens: Iterable[tuple[int, int]] = (), sentences: Iterable[tuple[int, int]] = ()) -> dict[str, Any]:
    """The interchange line of ``doc`` over ``text`` (which must be the document's text)."""
    entities = []
    for e in sorted(doc.entities, key=lambda x: (x.start, -x.end, x.id)):
        item: dict[str, Any] = {"id": e.id, "start": e.start, "end": e.end, "label": e.label,
                                "text": text[e.start:e.end]}
        _extras(item, e)
        entities.append(item)
    events = []
    for v in sorted(doc.events, key=lambda x: (x.start, -x.end, x.id)):
        item = {"id": v.id, "type": v.type, "trigger": {"start": v.start, "end": v.end, "text": text[v.start:v.end]},
                "arguments": [{"role": a.role, "entity": a.entity} for a in v.arguments]}
        _extras(item, v)
        events.append(item)
    return {
        "id": doc.doc_id, "text": text, "text_sha256": sha256_text(text), "guidelines": doc.guidelines,
        "source": source, "status": doc.status, "entities": entities, "events": events,
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


class Schemas:
    """Guidelines versions loaded once each; a version that fails to load is remembered."""

    def __init__(self, guidelines_dir: Path):
        self.directory = guidelines_dir
        self._cache: dict[str, Schema | AnnotatorError] = {}

    def get(self, version: str) -> Schema:
        if version not in self._cache:
            try:
                self._cache[version] = load_schema(self.directory, version)
            except AnnotatorError as exc:
                self._cache[version] = exc
        found = self._cache[version]
        if isinstance(found, AnnotatorError):
            raise found
        return found


def read_jsonl(path: Path, workspace: Workspace, annotator: str) -> Parsed:
    """Every line of ``path`` checked against the corpus and guidelines, migrated to the workspace's version."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise AnnotatorError("cannot read file", str(path), exc.strerror) from exc
    corpus = Corpus(workspace.corpus_dir)
    schemas = Schemas(workspace.guidelines_dir)
    texts: dict[str, str] = {}
    parsed, errors = Parsed(), []
    for number, line in enumerate(raw.split(b"\n"), 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        problems: list[str] = []
        doc = _parse_line(line, corpus, texts, schemas, workspace, annotator, problems)
        if doc is not None and doc.doc_id in parsed.where:
            problems.append(f"document {doc.doc_id} is also on {parsed.where[doc.doc_id]}")
        if problems:
            errors.append(f"{where}: {'; '.join(problems)}")
            continue
        assert doc is not None
        doc, messages = migrate_to_workspace(doc, workspace, schemas, problems)
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


def migrate_to_workspace(doc: DocumentAnnotations, workspace: Workspace, schemas: Schemas,
                         problems: list[str]) -> tuple[DocumentAnnotations, list[str]]:
    """``doc`` under the workspace's guidelines version (appends to ``problems`` if impossible)."""
    target = workspace.config.guidelines
    if doc.guidelines == target:
        return doc, []
    if (parse_semver(doc.guidelines) or (0, 0, 0)) > (parse_semver(target) or (0, 0, 0)):
        problems.append(f"guidelines {doc.guidelines} is newer than the workspace's {target}")
        return doc, []
    from annotator.core.guidelines.migration import migrate

    try:
        schemas.get(target)
        migrated, messages = migrate(doc, workspace.guidelines_dir, target)
    except AnnotatorError as exc:
        problems.append(f"cannot migrate from guidelines {doc.guidelines} to {target}: {exc}")
        return doc, []
    return migrated, messages or [f"migrated from guidelines {doc.guidelines} to {target}"]


def _parse_line(line: bytes, corpus: Corpus, texts: dict[str, str], schemas: Schemas, workspace: Workspace,
                annotator: str, problems: list[str]) -> DocumentAnnotations | None:
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
    if status not in STATUSES:
        problems.append(f"unknown status {status!r} (one of {', '.join(STATUSES)})")
    schema = None
    if not isinstance(version, str):
        problems.append("'guidelines' must be a version string such as \"2.0.0\"")
    else:
        try:
            schema = schemas.get(version)
        except AnnotatorError as exc:
            problems.append(f"guidelines {version!r} cannot be used: {exc}")
    entities = _entities(data.get("entities", []), text, schema, problems)
    events = _events(data.get("events", []), text, schema, {e.id: e.label for e in entities}, problems)
    ids = [x.id for x in (*entities, *events)]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        problems.append(f"ids used more than once: {', '.join(repeated)}")
    if problems or schema is None:
        return None
    return DocumentAnnotations(doc_id=doc_id, text_sha256=sha, guidelines=schema.version, annotator=annotator,
                               status=status, entities=tuple(entities), events=tuple(events))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _span(item: dict[str, Any], text: str, what: str, problems: list[str]) -> tuple[int, int] | None:
    start, end = item.get("start"), item.get("end")
    if not (_is_int(start) and _is_int(end)):
        problems.append(f"{what}: 'start' and 'end' must be integers")
        return None
    if not 0 <= start < end <= len(text):
        problems.append(f"{what}: span {start}-{end} is empty, reversed or outside the text (0-{len(text)})")
        return None
    if "text" in item and item["text"] != text[start:end]:
        problems.append(f"{what}: 'text' {item['text']!r} is not the text at {start}-{end} ({text[start:end]!r})")
        return None
    return start, end


def _review(item: dict[str, Any], what: str, problems: list[str]) -> tuple[str | None, tuple[str, ...]]:
    needs, agreed = item.get("needs_review"), item.get("agreed_by", [])
    if needs is not None and not isinstance(needs, str):
        problems.append(f"{what}: 'needs_review' must be a string")
        needs = None
    if not (isinstance(agreed, list) and all(isinstance(a, str) for a in agreed)):
        problems.append(f"{what}: 'agreed_by' must be a list of names")
        agreed = []
    return needs or None, tuple(agreed)


def _entities(items: Any, text: str, schema: Schema | None, problems: list[str]) -> list[Entity]:
    if not isinstance(items, list):
        problems.append("'entities' must be a list")
        return []
    out: list[Entity] = []
    for index, item in enumerate(items):
        what = f"entity #{index + 1}"
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not isinstance(item.get("label"), str):
            problems.append(f"{what}: needs 'id' and 'label' strings")
            continue
        what = f"entity {item['id']}"
        label = item["label"]
        if schema is not None and schema.label(label) is None:
            problems.append(f"{what}: no label {label!r} in guidelines {schema.version}")
        span = _span(item, text, what, problems)
        needs, agreed = _review(item, what, problems)
        if span is None:
            continue
        if any(e.start == span[0] and e.end == span[1] and e.label == label for e in out):
            problems.append(f"{what}: the span {span[0]}-{span[1]} is already {label}")
        out.append(Entity(item["id"], span[0], span[1], label, needs, agreed))
    return out


def _events(items: Any, text: str, schema: Schema | None, labels: dict[str, str], problems: list[str]) -> list[Event]:
    if not isinstance(items, list):
        problems.append("'events' must be a list")
        return []
    out: list[Event] = []
    for index, item in enumerate(items):
        what = f"event #{index + 1}"
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not isinstance(item.get("type"), str):
            problems.append(f"{what}: needs 'id' and 'type' strings")
            continue
        what, kind = f"event {item['id']}", item["type"].replace(":", ".")
        event_type = schema.event(kind) if schema is not None else None
        if schema is not None and event_type is None:
            problems.append(f"{what}: no event type {kind!r} in guidelines {schema.version}")
        trigger = item.get("trigger")
        if not isinstance(trigger, dict):
            problems.append(f"{what}: 'trigger' must be an object with 'start' and 'end'")
            continue
        span = _span(trigger, text, f"{what} trigger", problems)
        arguments = _arguments(item.get("arguments", []), what, kind, schema if event_type else None, labels, problems)
        needs, agreed = _review(item, what, problems)
        if span is not None:
            out.append(Event(item["id"], kind, span[0], span[1], arguments, needs, agreed))
    return out


def _arguments(items: Any, what: str, kind: str, schema: Schema | None, labels: dict[str, str],
               problems: list[str]) -> tuple[Argument, ...]:
    if not isinstance(items, list):
        problems.append(f"{what}: 'arguments' must be a list")
        return ()
    out: list[Argument] = []
    for item in items:
        if not (isinstance(item, dict) and isinstance(item.get("role"), str) and isinstance(item.get("entity"), str)):
            problems.append(f"{what}: an argument needs 'role' and 'entity' strings")
            continue
        role, entity = item["role"], item["entity"]
        if entity not in labels:
            problems.append(f"{what}: argument {role} names no entity {entity!r} of this document")
        elif schema is not None and role not in schema.roles_for(kind, labels[entity]):
            event_type = schema.event(kind)
            if event_type is not None and event_type.role(role) is None:
                problems.append(f"{what}: {kind} has no role {role!r} in guidelines {schema.version}")
            else:
                problems.append(f"{what}: role {role} of {kind} does not accept {entity} ({labels[entity]})")
        argument = Argument(role, entity)
        if argument in out:
            problems.append(f"{what}: argument {role} {entity} is given twice")
        out.append(argument)
    return tuple(out)


def save_imported(workspace: Workspace, annotator: str, parsed: Parsed, replace: bool = False) -> list[Path]:
    """Write every document of ``parsed`` for ``annotator``; all or nothing as far as checks go.

    Refused, listing every document at fault: an annotation file that already exists
    (unless ``replace``), one that cannot be read (never overwritten), one locked by an
    editor. Each file is written atomically.
    """
    from annotator.core.annotations.store import AnnotationStore, DocumentLock

    store = AnnotationStore(workspace.annotations_dir, annotator)
    errors: list[str] = []
    for doc in parsed.docs:
        where = parsed.where.get(doc.doc_id, doc.doc_id)
        path = store.path(doc.doc_id)
        if not path.exists():
            continue
        try:
            store.read(doc.doc_id)
        except AnnotatorError as exc:
            errors.append(f"{where}: {path} cannot be read, so it is not overwritten ({exc})")
            continue
        if not replace:
            errors.append(f"{where}: {annotator} already has annotations for {doc.doc_id} ({path}); "
                          f"use --replace to overwrite them")
    if errors:
        raise AnnotatorError("\n".join(errors))
    locks: list[DocumentLock] = []
    try:
        for doc in parsed.docs:
            lock = DocumentLock(store.directory / ".locks" / f"{doc.doc_id}.lock")
            holder = lock.acquire()
            if holder is not None:
                errors.append(f"{parsed.where.get(doc.doc_id, doc.doc_id)}: {doc.doc_id} is being edited "
                              f"({holder}); close it first")
            else:
                locks.append(lock)
        if errors:
            raise AnnotatorError("\n".join(errors))
        return [store.path(store.save(doc.with_(annotator=annotator)).doc_id) for doc in parsed.docs]
    finally:
        for lock in locks:
            lock.release()
