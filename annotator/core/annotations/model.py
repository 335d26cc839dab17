"""The annotations of one document by one annotator (or gold): entities and events.

Offsets are code points into the stored document text, end exclusive. This module is
pure data: storage lives in ``store.py``, editing with undo in ``editing.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

STATUSES = ("not_started", "in_progress", "done")
FORMAT = 1  # the "format" of the annotation files to_json writes (the loader refuses any other)


@dataclass(frozen=True, slots=True)
class Entity:
    id: str
    start: int
    end: int
    label: str
    needs_review: str | None = None  # why a migration could not settle it
    agreed_by: tuple[str, ...] = ()  # gold only: annotators who said the same

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "start": self.start, "end": self.end, "label": self.label}
        return _with_marks(out, self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Entity:
        return cls(
            id=str(data["id"]),
            start=int(data["start"]),
            end=int(data["end"]),
            label=str(data["label"]),
            needs_review=data.get("needs_review"),
            agreed_by=tuple(data.get("agreed_by", ())),
        )


@dataclass(frozen=True, slots=True)
class Argument:
    role: str
    entity: str  # an Entity id in the same document

    def to_json(self) -> dict[str, Any]:
        return {"role": self.role, "entity": self.entity}


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    type: str  # e.g. "Conflict.Attack"
    start: int  # trigger span
    end: int
    arguments: tuple[Argument, ...] = ()
    needs_review: str | None = None
    agreed_by: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "trigger": {"start": self.start, "end": self.end},
            "arguments": [a.to_json() for a in self.arguments],
        }
        return _with_marks(out, self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Event:
        trigger = data["trigger"]
        return cls(
            id=str(data["id"]),
            type=str(data["type"]).replace(":", "."),
            start=int(trigger["start"]),
            end=int(trigger["end"]),
            arguments=tuple(Argument(str(a["role"]), str(a["entity"])) for a in data.get("arguments", ())),
            needs_review=data.get("needs_review"),
            agreed_by=tuple(data.get("agreed_by", ())),
        )


@dataclass(frozen=True, slots=True)
class DocumentAnnotations:
    """Everything one annotator said about one document (immutable; edits make new ones)."""

    doc_id: str
    text_sha256: str
    guidelines: str
    annotator: str
    status: str = "not_started"
    entities: tuple[Entity, ...] = ()
    events: tuple[Event, ...] = ()
    created: str | None = None
    modified: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # keys we do not know, kept as read

    def with_(self, **changes: Any) -> DocumentAnnotations:
        return replace(self, **changes)

    def entity(self, entity_id: str) -> Entity | None:
        return next((e for e in self.entities if e.id == entity_id), None)

    def next_id(self, prefix: str) -> str:
        return free_id(prefix, (*self.entities, *self.events))

    def to_json(self) -> dict[str, Any]:
        out = dict(self.extra)
        out.update(
            {
                "format": FORMAT,
                "doc_id": self.doc_id,
                "text_sha256": self.text_sha256,
                "guidelines": self.guidelines,
                "annotator": self.annotator,
                "status": self.status,
                "entities": [e.to_json() for e in sorted(self.entities, key=text_order)],
                "events": [e.to_json() for e in sorted(self.events, key=text_order)],
                "created": self.created,
                "modified": self.modified,
            }
        )
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DocumentAnnotations:
        known = {
            "format",
            "doc_id",
            "text_sha256",
            "guidelines",
            "annotator",
            "status",
            "entities",
            "events",
            "created",
            "modified",
        }
        return cls(
            doc_id=str(data["doc_id"]),
            text_sha256=str(data["text_sha256"]),
            guidelines=str(data["guidelines"]),
            annotator=str(data["annotator"]),
            status=str(data.get("status", "in_progress")),
            entities=tuple(Entity.from_json(e) for e in data.get("entities", ())),
            events=tuple(Event.from_json(e) for e in data.get("events", ())),
            created=data.get("created"),
            modified=data.get("modified"),
            extra={k: v for k, v in data.items() if k not in known},
        )


def counts_as_annotated(doc: DocumentAnnotations | dict[str, Any]) -> bool:
    """Whether an annotator's file counts as their annotation of the document, everywhere
    (agreement, adjudication, export): yes unless it is an untouched ``not_started`` file with
    no entity and no event. A file marked done (or in progress) with nothing in it counts: the
    annotator found nothing. Takes the document or its file's JSON object as read."""
    if isinstance(doc, DocumentAnnotations):
        status, marked = doc.status, bool(doc.entities or doc.events)
    else:
        status, marked = doc.get("status", "in_progress"), bool(doc.get("entities") or doc.get("events"))
    return status != "not_started" or marked


def _with_marks(out: dict[str, Any], item: Entity | Event) -> dict[str, Any]:
    """Add the optional review and adjudication marks (absent when empty, to keep files small)."""
    if item.needs_review:
        out["needs_review"] = item.needs_review
    if item.agreed_by:
        out["agreed_by"] = list(item.agreed_by)
    return out


def text_order(item: Entity | Event) -> tuple[int, int, str]:
    """Sort key of the files' order: by start, the longer span first, then by id."""
    return (item.start, -item.end, item.id)


def free_id(prefix: str, items: Iterable[Entity | Event]) -> str:
    """``prefix`` and the smallest number from 1 that no id among ``items`` has taken (T1, E2, ...)."""
    used = {x.id for x in items}
    n = 1
    while f"{prefix}{n}" in used:
        n += 1
    return f"{prefix}{n}"
