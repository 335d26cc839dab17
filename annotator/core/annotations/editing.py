"""Editing one document's annotations, with undo and redo of every change.

Annotations are immutable snapshots (``DocumentAnnotations``), so undo is a stack of
earlier snapshots. Every change is checked against the guidelines schema: a label or
event type must exist, a role must accept the entity's label, and the same span may
not carry the same label twice (spans may nest and overlap otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from annotator.core.annotations.model import STATUSES, Argument, DocumentAnnotations, Entity, Event
from annotator.core.errors import AnnotatorError
from annotator.core.guidelines.schema import Schema

MAX_EDITED = 100_000  # entities and events: above this the app shows a document read-only (README, Known limits)


def too_many_to_edit(doc: DocumentAnnotations) -> str | None:
    """Why the app will not edit ``doc`` (every edit saves and repaints the whole document:
    seconds each above ``MAX_EDITED`` annotations), or None. The CLI reads such files."""
    count = len(doc.entities) + len(doc.events)
    if count <= MAX_EDITED:
        return None
    what = f"{len(doc.entities):,} entities" + (f" and {len(doc.events):,} events" if doc.events else "")
    return f"{what}: more than the app edits (limit {MAX_EDITED:,}); use the CLI"


@dataclass(slots=True)
class Editor:
    doc: DocumentAnnotations
    schema: Schema
    undo_stack: list[tuple[DocumentAnnotations, str]] = field(default_factory=list)
    redo_stack: list[tuple[DocumentAnnotations, str]] = field(default_factory=list)

    def _apply(self, new: DocumentAnnotations, what: str, promote: bool = True) -> str:
        if promote and new.status == "not_started":
            new = new.with_(status="in_progress")
        self.undo_stack.append((self.doc, what))
        self.redo_stack.clear()
        self.doc = new
        return what

    def replace(self, new: DocumentAnnotations, what: str) -> None:
        """A change computed elsewhere (accepting a gold conflict), undoable like any edit."""
        self._apply(new, what, promote=False)

    def undo(self) -> str | None:
        if not self.undo_stack:
            return None
        previous, what = self.undo_stack.pop()
        self.redo_stack.append((self.doc, what))
        self.doc = previous
        return f"undid: {what}"

    def redo(self) -> str | None:
        if not self.redo_stack:
            return None
        following, what = self.redo_stack.pop()
        self.undo_stack.append((self.doc, what))
        self.doc = following
        return f"redid: {what}"

    # ----- entities ------------------------------------------------------------
    def add_entity(self, start: int, end: int, label: str) -> Entity:
        if self.schema.label(label) is None:
            raise AnnotatorError(f"no label {label!r} in guidelines {self.schema.version}")
        self._check_span(start, end)
        if any(e.start == start and e.end == end and e.label == label for e in self.doc.entities):
            raise AnnotatorError(f"this span is already {label}")
        entity = Entity(self.doc.next_id("T"), start, end, label)
        self._apply(self.doc.with_(entities=(*self.doc.entities, entity)), f"add {label}")
        return entity

    def add_entities(self, spans: list[tuple[int, int, str]], what: str) -> list[Entity]:
        """Several entities as one edit (one undo): accepting every suggestion of a label. Each
        span is checked as :meth:`add_entity` checks it; any refused, none is added."""
        added: list[Entity] = []
        doc = self.doc
        for start, end, label in spans:
            if self.schema.label(label) is None:
                raise AnnotatorError(f"no label {label!r} in guidelines {self.schema.version}")
            self._check_span(start, end)
            if any(e.start == start and e.end == end and e.label == label for e in doc.entities):
                raise AnnotatorError(f"{start}-{end} is already {label}")
            entity = Entity(doc.next_id("T"), start, end, label)
            doc = doc.with_(entities=(*doc.entities, entity))
            added.append(entity)
        if added:
            self._apply(doc, what)
        return added

    def relabel_entity(self, entity_id: str, label: str) -> None:
        entity = self._entity(entity_id)
        if self.schema.label(label) is None:
            raise AnnotatorError(f"no label {label!r} in guidelines {self.schema.version}")
        if any(
            e.id != entity_id and (e.start, e.end, e.label) == (entity.start, entity.end, label)
            for e in self.doc.entities
        ):
            raise AnnotatorError(f"this span is already {label}")
        changed = Entity(entity.id, entity.start, entity.end, label)
        entities = tuple(changed if e.id == entity_id else e for e in self.doc.entities)
        events = tuple(self._drop_invalid_arguments(ev, entities) for ev in self.doc.events)
        self._apply(self.doc.with_(entities=entities, events=events), f"{entity.label} -> {label}")

    def delete_entity(self, entity_id: str) -> None:
        entity = self._entity(entity_id)
        entities = tuple(e for e in self.doc.entities if e.id != entity_id)
        events = tuple(
            ev
            if not any(a.entity == entity_id for a in ev.arguments)
            else replace(ev, arguments=tuple(a for a in ev.arguments if a.entity != entity_id))
            for ev in self.doc.events
        )
        self._apply(self.doc.with_(entities=entities, events=events), f"delete {entity.label}")

    # ----- events --------------------------------------------------------------
    def add_event(self, start: int, end: int, event_type: str) -> Event:
        if self.schema.event(event_type) is None:
            raise AnnotatorError(f"no event type {event_type!r} in guidelines {self.schema.version}")
        self._check_span(start, end)
        if any(e.start == start and e.end == end and e.type == event_type for e in self.doc.events):
            raise AnnotatorError(f"this trigger is already {event_type}")
        event = Event(self.doc.next_id("E"), event_type, start, end)
        self._apply(self.doc.with_(events=(*self.doc.events, event)), f"add {event_type}")
        return event

    def retype_event(self, event_id: str, event_type: str) -> None:
        event = self._event(event_id)
        if self.schema.event(event_type) is None:
            raise AnnotatorError(f"no event type {event_type!r} in guidelines {self.schema.version}")
        changed = self._drop_invalid_arguments(
            Event(event.id, event_type, event.start, event.end, event.arguments), self.doc.entities
        )
        self._replace_event(changed, f"{event.type} -> {event_type}")

    def delete_event(self, event_id: str) -> None:
        event = self._event(event_id)
        self._apply(
            self.doc.with_(events=tuple(e for e in self.doc.events if e.id != event_id)), f"delete {event.type}"
        )

    def roles_for(self, event_id: str, entity_id: str) -> tuple[str, ...]:
        return self.schema.roles_for(self._event(event_id).type, self._entity(entity_id).label)

    def add_argument(self, event_id: str, role: str, entity_id: str) -> None:
        event, entity = self._event(event_id), self._entity(entity_id)
        if role not in self.schema.roles_for(event.type, entity.label):
            raise AnnotatorError(f"{event.type} has no role {role!r} for a {entity.label}")
        if Argument(role, entity_id) in event.arguments:
            raise AnnotatorError(f"{entity.label} is already the {role} of this {event.type}")
        changed = replace(event, arguments=(*event.arguments, Argument(role, entity_id)))
        self._replace_event(changed, f"{role} of {event.type}")

    def remove_argument(self, event_id: str, role: str, entity_id: str) -> None:
        event = self._event(event_id)
        kept = tuple(a for a in event.arguments if a != Argument(role, entity_id))
        if len(kept) == len(event.arguments):
            raise AnnotatorError(f"no {role} argument to remove")
        self._replace_event(replace(event, arguments=kept), f"remove {role}")

    # ----- document ------------------------------------------------------------
    def set_status(self, status: str) -> None:
        if status not in STATUSES:
            raise AnnotatorError(f"unknown status {status!r}", None, f"one of {', '.join(STATUSES)}")
        if status != self.doc.status:
            self._apply(self.doc.with_(status=status), f"mark {status.replace('_', ' ')}", promote=False)

    def mark_reviewed(self, item_id: str) -> None:
        """Clear the needs-review mark a migration left on an entity or event."""
        both: tuple[Entity | Event, ...] = (*self.doc.entities, *self.doc.events)
        items = [x for x in both if x.id == item_id]
        if not items:
            raise AnnotatorError(f"no entity or event {item_id}")
        if not any(x.needs_review for x in items):
            return
        entities = tuple(replace(e, needs_review=None) if e.id == item_id else e for e in self.doc.entities)
        events = tuple(replace(e, needs_review=None) if e.id == item_id else e for e in self.doc.events)
        self._apply(self.doc.with_(entities=entities, events=events), "reviewed")

    # ----- helpers -------------------------------------------------------------
    def _check_span(self, start: int, end: int) -> None:
        if not 0 <= start < end:
            raise AnnotatorError(f"empty or reversed span {start}-{end}")

    def _entity(self, entity_id: str) -> Entity:
        entity = self.doc.entity(entity_id)
        if entity is None:
            raise AnnotatorError(f"no entity {entity_id}")
        return entity

    def _event(self, event_id: str) -> Event:
        event = next((e for e in self.doc.events if e.id == event_id), None)
        if event is None:
            raise AnnotatorError(f"no event {event_id}")
        return event

    def _replace_event(self, changed: Event, what: str) -> None:
        events = tuple(changed if e.id == changed.id else e for e in self.doc.events)
        self._apply(self.doc.with_(events=events), what)

    def _drop_invalid_arguments(self, event: Event, entities: tuple[Entity, ...]) -> Event:
        labels = {e.id: e.label for e in entities}
        kept = tuple(
            a
            for a in event.arguments
            if a.entity in labels and a.role in self.schema.roles_for(event.type, labels[a.entity])
        )
        return event if kept == event.arguments else replace(event, arguments=kept)
