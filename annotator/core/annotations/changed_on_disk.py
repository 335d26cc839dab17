"""When a document's file changed on disk under an editor: my unsaved edits, made again on
the file as it is now ("theirs"), or kept in a copy beside it.

:func:`unsaved_edits` is the difference between the document as last saved (or read) and
the editor's: entities and events added, removed or changed (by id; a changed span is a
removal and an addition), arguments added to or removed from an event, the status and the
file's other top-level fields (curation's conflicts, the adjudicated mark). :func:`reapply`
makes the same edits on theirs: an edit whose starting point is still on disk is made, one
already there counts as made, and one whose starting point changed on disk too is not made
but reported, as is anything that would leave the file invalid (an argument whose entity
is gone, a role the entity's new label does not take). An added entity or event whose id
theirs already uses (both sides added T5) gets the next free id, and my arguments follow it.

:func:`save_copy` writes mine beside the file as ``<doc_id>.json.mine-<UTC time>``: not
``*.json``, so no reader (store, agreement, export, adjudication) takes it for a document;
renamed to ``<doc_id>.json`` it is one again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from annotator.core.annotations.model import Argument, DocumentAnnotations, Entity, Event, free_id, text_order
from annotator.core.guidelines.schema import Schema
from annotator.core.jsonio import atomic_write_bytes, dumps


class _NotSet:
    def __repr__(self) -> str:
        return "not set"


NOT_SET: Any = _NotSet()  # the value of a top-level field that is absent


def _change(before: Any, after: Any, describe: Callable[[Any], str]) -> str:
    """'add X', 'remove X' or 'change X to Y' (Y without the id ``describe`` puts first)."""
    if before is None:
        return f"add {describe(after)}"
    if after is None:
        return f"remove {describe(before)}"
    return f"change {describe(before)} to {describe(after).partition(' ')[2]}"


@dataclass(frozen=True, slots=True)
class EntityEdit:
    before: Entity | None  # None: added
    after: Entity | None  # None: removed

    def __str__(self) -> str:
        return _change(self.before, self.after, _entity)


@dataclass(frozen=True, slots=True)
class EventEdit:
    """An event added or removed (with its arguments), or changed apart from its arguments."""

    before: Event | None
    after: Event | None

    def __str__(self) -> str:
        return _change(self.before, self.after, _event)


@dataclass(frozen=True, slots=True)
class ArgumentEdit:
    event: str
    argument: Argument
    added: bool

    def __str__(self) -> str:
        arg = f"{self.argument.role} = {self.argument.entity}"
        return f"add {arg} to {self.event}" if self.added else f"remove {arg} from {self.event}"


@dataclass(frozen=True, slots=True)
class FieldEdit:
    name: str  # "status", or a top-level key the model keeps as read
    before: Any  # NOT_SET when absent
    after: Any

    def __str__(self) -> str:
        if self.name == "status":
            return f"status {self.before} → {self.after}"
        return f"change {self.name}"


Edit = EntityEdit | EventEdit | ArgumentEdit | FieldEdit


@dataclass(frozen=True, slots=True)
class Reapplied:
    doc: DocumentAnnotations  # theirs with my edits made
    made: tuple[str, ...]
    not_made: tuple[str, ...]  # each edit that was not made, and why


def unsaved_edits(base: DocumentAnnotations, mine: DocumentAnnotations) -> list[Edit]:
    """What ``mine`` changed in ``base`` (the document as last saved)."""
    edits: list[Edit] = []
    before = {e.id: e for e in base.entities}
    after = {e.id: e for e in mine.entities}
    for b in sorted(base.entities, key=text_order):
        a = after.get(b.id)
        if a != b:
            edits.append(EntityEdit(b, None if a is None or _span(a) != _span(b) else a))
    edits += [EntityEdit(None, a) for a in sorted(mine.entities, key=text_order) if _added(a, before)]
    events_before = {e.id: e for e in base.events}
    events_after = {e.id: e for e in mine.events}
    for was in sorted(base.events, key=text_order):
        now = events_after.get(was.id)
        if now is None or _span(now) != _span(was):
            edits.append(EventEdit(was, None))
            continue
        if _core(now) != _core(was):
            edits.append(EventEdit(was, now))
        edits += [ArgumentEdit(was.id, x, True) for x in now.arguments if x not in was.arguments]
        edits += [ArgumentEdit(was.id, x, False) for x in was.arguments if x not in now.arguments]
    edits += [EventEdit(None, ev) for ev in sorted(mine.events, key=text_order) if _added(ev, events_before)]
    if base.status != mine.status:
        edits.append(FieldEdit("status", base.status, mine.status))
    for key in sorted(set(base.extra) | set(mine.extra)):
        old, new = base.extra.get(key, NOT_SET), mine.extra.get(key, NOT_SET)
        if old != new:
            edits.append(FieldEdit(key, old, new))
    return edits


def reapply(edits: list[Edit], theirs: DocumentAnnotations, schema: Schema) -> Reapplied:
    """``theirs`` with ``edits`` made where they still make sense (see the module docstring)."""
    rebase = _Rebase(theirs, schema)
    order = (
        [e for e in edits if isinstance(e, EntityEdit) and e.before is not None],
        [e for e in edits if isinstance(e, EntityEdit) and e.before is None],
        [e for e in edits if isinstance(e, EventEdit) and e.before is not None],
        [e for e in edits if isinstance(e, EventEdit) and e.before is None],
        [e for e in edits if isinstance(e, ArgumentEdit | FieldEdit)],
    )
    for group in order:
        for edit in group:
            problem = rebase.make(edit)
            if problem is None:
                rebase.made.append(str(edit))
            else:
                rebase.not_made.append(f"{edit}: {problem}")
    return rebase.result()


def copy_path(document: Path, when: datetime) -> Path:
    """Where :func:`save_copy` puts a copy of ``document`` made at ``when``."""
    return document.with_name(f"{document.name}.mine-{when.astimezone(UTC).strftime('%Y%m%dT%H%M%S.%fZ')}")


def save_copy(document: Path, doc: DocumentAnnotations) -> Path:
    """Write ``doc`` (stamped as modified now) beside ``document`` under a name no reader takes for
    a document; returns that name."""
    when = datetime.now(UTC)
    path = copy_path(document, when)
    n = 1
    while path.exists():
        n += 1
        path = path.with_name(f"{copy_path(document, when).name}-{n}")
    atomic_write_bytes(path, dumps(doc.with_(modified=when.isoformat(timespec="milliseconds")).to_json()))
    return path


# ---------------------------------------------------------------- making the edits


@dataclass
class _Rebase:
    theirs: DocumentAnnotations
    schema: Schema
    entities: dict[str, Entity] = field(init=False)
    events: dict[str, Event] = field(init=False)
    fields: dict[str, Any] = field(init=False)
    entity_ids: dict[str, str] = field(default_factory=dict)  # my id -> its id in the result
    event_ids: dict[str, str] = field(default_factory=dict)
    made: list[str] = field(default_factory=list)
    not_made: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.entities = {e.id: e for e in self.theirs.entities}
        self.events = {e.id: e for e in self.theirs.events}
        self.fields = {"status": self.theirs.status, **self.theirs.extra}

    def make(self, edit: Edit) -> str | None:
        """Make ``edit``; why not, when it cannot be made."""
        if isinstance(edit, EntityEdit):
            return self._entity(edit)
        if isinstance(edit, EventEdit):
            return self._event(edit)
        if isinstance(edit, ArgumentEdit):
            return self._argument(edit)
        return self._field(edit)

    def _entity(self, edit: EntityEdit) -> str | None:
        before, after = edit.before, edit.after
        if before is None:
            assert after is not None
            same = next((e for e in self.entities.values() if _same_entity(e, after)), None)
            if same is not None:
                self.entity_ids[after.id] = same.id
                return None
            if self.schema.label(after.label) is None:
                return f"no label {after.label} in guidelines {self.schema.version}"
            new_id = after.id if after.id not in self._ids() else free_id("T", self._items())
            self.entities[new_id] = replace(after, id=new_id)
            self.entity_ids[after.id] = new_id
            return None
        now = self.entities.get(before.id)
        if now is None:
            return None if after is None else f"{before.id} was removed on disk"
        if after is not None and now == after:
            return None
        if now != before:
            return f"{before.id} was changed on disk too"
        if after is None:
            del self.entities[before.id]
            for key, ev in self.events.items():
                self.events[key] = replace(ev, arguments=tuple(a for a in ev.arguments if a.entity != before.id))
            return None
        if any(e.id != before.id and _same_entity(e, after) for e in self.entities.values()):
            return f"the span is already {after.label} on disk"
        if self.schema.label(after.label) is None:
            return f"no label {after.label} in guidelines {self.schema.version}"
        self.entities[before.id] = after
        return None

    def _event(self, edit: EventEdit) -> str | None:
        before, after = edit.before, edit.after
        if before is None:
            assert after is not None
            if self.schema.event(after.type) is None:
                return f"no event type {after.type} in guidelines {self.schema.version}"
            same = next((e for e in self.events.values() if _same_event(e, after)), None)
            if same is None:
                new_id = after.id if after.id not in self._ids() else free_id("E", self._items())
                self.events[new_id] = replace(after, id=new_id, arguments=())
                same = self.events[new_id]
            self.event_ids[after.id] = same.id
            refused = [f"{x.role} = {x.entity} ({why})" for x in after.arguments if (why := self._add(same.id, x))]
            return f"without the arguments {', '.join(refused)}" if refused else None
        now = self.events.get(before.id)
        if now is None:
            return None if after is None else f"{before.id} was removed on disk"
        if after is not None and _core(now) == _core(after):
            return None
        if _core(now) != _core(before) or (after is None and now != before):
            return f"{before.id} was changed on disk too"
        if after is None:
            del self.events[before.id]
            return None
        if self.schema.event(after.type) is None:
            return f"no event type {after.type} in guidelines {self.schema.version}"
        self.events[before.id] = replace(after, arguments=now.arguments)
        return None

    def _argument(self, edit: ArgumentEdit) -> str | None:
        event_id = self.event_ids.get(edit.event, edit.event)
        event = self.events.get(event_id)
        if event is None:
            return f"{edit.event} is not on disk"
        if edit.added:
            return self._add(event_id, edit.argument)
        entity = self.entity_ids.get(edit.argument.entity, edit.argument.entity)
        self.events[event_id] = replace(
            event, arguments=tuple(a for a in event.arguments if a != Argument(edit.argument.role, entity))
        )
        return None

    def _add(self, event_id: str, argument: Argument) -> str | None:
        """Add ``argument`` (my entity id) to the result's event ``event_id``; why not, if it cannot be."""
        event = self.events[event_id]
        entity = self.entities.get(self.entity_ids.get(argument.entity, argument.entity))
        if entity is None:
            return f"{argument.entity} is not on disk"
        if argument.role not in self.schema.roles_for(event.type, entity.label):
            return f"{event.type} has no role {argument.role} for a {entity.label}"
        added = Argument(argument.role, entity.id)
        if added not in event.arguments:
            self.events[event_id] = replace(event, arguments=(*event.arguments, added))
        return None

    def _field(self, edit: FieldEdit) -> str | None:
        now = self.fields.get(edit.name, NOT_SET)
        if now == edit.after:
            return None
        if now != edit.before:
            return f"it is {now!r} on disk" if edit.name == "status" else "it was changed on disk too"
        if edit.after is NOT_SET:
            del self.fields[edit.name]
        else:
            self.fields[edit.name] = edit.after
        return None

    def _ids(self) -> set[str]:
        return set(self.entities) | set(self.events)

    def _items(self) -> list[Entity | Event]:
        return [*self.entities.values(), *self.events.values()]

    def result(self) -> Reapplied:
        """The document, after a last check that every argument still names an entity whose label its role takes."""
        events = []
        for event in self.events.values():
            kept = []
            for arg in event.arguments:
                entity = self.entities.get(arg.entity)
                if entity is not None and arg.role in self.schema.roles_for(event.type, entity.label):
                    kept.append(arg)
                else:
                    self.not_made.append(f"{arg.role} = {arg.entity} of {event.id} dropped: no longer fits")
            events.append(replace(event, arguments=tuple(kept)))
        fields = dict(self.fields)
        doc = self.theirs.with_(
            status=fields.pop("status"),
            entities=tuple(sorted(self.entities.values(), key=text_order)),
            events=tuple(sorted(events, key=text_order)),
            extra=fields,
        )
        return Reapplied(doc, tuple(self.made), tuple(self.not_made))


def _span(item: Entity | Event) -> tuple[int, int]:
    return (item.start, item.end)


def _core(event: Event) -> Event:
    """An event without its arguments (those are edited one by one)."""
    return replace(event, arguments=())


def _added(item: Entity | Event, before: dict[str, Any]) -> bool:
    """``item`` is new in mine: its id was not there, or was there on another span."""
    was = before.get(item.id)
    return was is None or _span(was) != _span(item)


def _same_entity(a: Entity, b: Entity) -> bool:
    return (a.start, a.end, a.label) == (b.start, b.end, b.label)


def _same_event(a: Event, b: Event) -> bool:
    return (a.start, a.end, a.type) == (b.start, b.end, b.type)


def _entity(e: Entity | None) -> str:
    assert e is not None
    return f"{e.id} {e.label} {e.start}-{e.end}"


def _event(e: Event | None) -> str:
    assert e is not None
    return f"{e.id} {e.type} {e.start}-{e.end}"
