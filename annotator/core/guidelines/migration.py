"""Moving annotations to a later guidelines version, and saying what changed between two.

Each version's schema.toml declares how the labels of the version before it map onto
its own. ``migrate`` applies those declarations in chain: renames and merges relabel
automatically; splits and removals keep the old label and set ``needs_review``, so a
person decides (``review_queue`` lists those items).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from annotator.core.annotations.model import Argument, DocumentAnnotations, Entity, Event, text_order
from annotator.core.guidelines.registry import registry
from annotator.core.guidelines.schema import EventType, Label, Migration, Schema

Item = TypeVar("Item", Entity, Event)
Named = TypeVar("Named", Label, EventType)


def diff(a: Schema, b: Schema) -> list[str]:
    """What changed from ``a`` to ``b``, one human-readable line per change."""
    lines = [f"title: {a.title!r} → {b.title!r}"] if a.title != b.title else []
    lines += _diff_named("label", a.labels, b.labels, _common_changes)
    lines += _diff_named("event type", a.events, b.events, _event_changes)
    lines += [f"migration declared in {b.version}: {m.describe()}: {m.note}" for m in b.migrations]
    return lines


def migrate(
    doc: DocumentAnnotations, guidelines_dir: Path, target_version: str
) -> tuple[DocumentAnnotations, list[str]]:
    """``doc`` moved to ``target_version`` through every version in between, and what was done.

    Messages read like ``2.0.0: 3 DATE → TIMEX (merge)``. A document already at the
    target comes back unchanged with no messages.
    """
    return migrate_along(doc, registry(guidelines_dir).chain(doc.guidelines, target_version))


def migrate_along(doc: DocumentAnnotations, chain: Sequence[Schema]) -> tuple[DocumentAnnotations, list[str]]:
    """``doc`` moved through ``chain`` (the schemas after its version, in order, as
    :meth:`Registry.chain <annotator.core.guidelines.registry.Registry.chain>` gives them)."""
    messages: list[str] = []
    for schema in chain:
        doc, done = _step(doc, schema)
        messages += [f"{schema.version}: {line}" for line in done]
    return doc, messages


def review_queue(doc: DocumentAnnotations) -> list[Entity | Event]:
    """Entities and events a migration left for a person to settle, in text order."""
    both: tuple[Entity | Event, ...] = (*doc.entities, *doc.events)
    items = [x for x in both if x.needs_review]
    return sorted(items, key=text_order)


def _step(doc: DocumentAnnotations, schema: Schema) -> tuple[DocumentAnnotations, list[str]]:
    """Apply the migrations ``schema`` declares from its previous version."""
    entities, events = list(doc.entities), list(doc.events)
    messages: list[str] = []
    for m in schema.migrations:
        if m.kind == "entity":
            entities, done = _relabel(
                entities, m, schema.version, lambda e: e.label, lambda e, name: replace(e, label=name)
            )
        elif m.kind == "event":
            events, done = _relabel(events, m, schema.version, lambda e: e.type, lambda e, name: replace(e, type=name))
        else:
            events, done = _migrate_roles(events, m, schema.version)
        messages += done
    events, done = _flag_bad_arguments(events, entities, schema)
    messages += done
    return doc.with_(guidelines=schema.version, entities=tuple(entities), events=tuple(events)), messages


def _relabel(
    items: list[Item], m: Migration, version: str, name_of: Callable[[Item], str], renamed: Callable[[Item, str], Item]
) -> tuple[list[Item], list[str]]:
    """Entity labels or event types: renamed/merged ones change, split/removed ones are flagged."""
    counts = Counter(name_of(x) for x in items if name_of(x) in m.from_)
    out = []
    for item in items:
        name = name_of(item)
        if name in m.from_ and m.op in ("rename", "merge"):
            item = renamed(item, m.to[0])
        elif name in m.from_:
            item = _flag(item, _reason(m, name, version))
        out.append(item)
    return out, [_message(m, name, counts[name]) for name in m.from_ if counts[name]]


def _migrate_roles(events: list[Event], m: Migration, version: str) -> tuple[list[Event], list[str]]:
    """Argument roles, in every event type: renamed/merged ones change, split/removed ones flag the event."""
    counts = Counter(a.role for e in events for a in e.arguments if a.role in m.from_)
    out = []
    for event in events:
        hit = sorted({a.role for a in event.arguments if a.role in m.from_})
        if hit and m.op in ("rename", "merge"):
            arguments = tuple(Argument(m.to[0], a.entity) if a.role in m.from_ else a for a in event.arguments)
            event = replace(event, arguments=arguments)
        elif hit:
            event = _flag(event, "; ".join(_reason(m, role, version) for role in hit))
        out.append(event)
    return out, [_message(m, f"{name} argument", counts[name]) for name in m.from_ if counts[name]]


def _flag_bad_arguments(events: list[Event], entities: list[Entity], schema: Schema) -> tuple[list[Event], list[str]]:
    """Flag events with an argument whose role or entity label the new version does not accept.

    Events whose type the version does not declare were flagged by their own migration;
    arguments pointing at no entity are not a migration's business.
    """
    labels = {e.id: e.label for e in entities}
    out, flagged = [], 0
    for event in events:
        event_type = schema.event(event.type)
        bad = [
            f"{a.role} ({labels[a.entity]})"
            for a in event.arguments
            if event_type and a.entity in labels and not _accepts(event_type, a.role, labels[a.entity])
        ]
        if bad:
            reason = f"{event.type} in {schema.version} does not accept argument {', '.join(bad)}: fix"
            event = _flag(event, reason)
            flagged += 1
        out.append(event)
    message = f"{flagged} event(s) with arguments the new roles do not accept: marked for review"
    return out, [message] if flagged else []


def _accepts(event_type: EventType, role_name: str, label: str) -> bool:
    role = event_type.role(role_name)
    return role is not None and label in role.entities


def _flag(item: Item, reason: str) -> Item:
    """``item`` marked for review, keeping any reason it already had."""
    return replace(item, needs_review=f"{item.needs_review}; {reason}" if item.needs_review else reason)


def _reason(m: Migration, name: str, version: str) -> str:
    subject = f"role {name}" if m.kind == "role" else name
    if m.op == "split":
        return f"{subject} split into {', '.join(m.to)} in {version}: choose"
    return f"{subject} removed in {version}: relabel or delete"


def _message(m: Migration, name: str, count: int) -> str:
    if m.op in ("rename", "merge"):
        return f"{count} {name} → {m.to[0]} ({m.op})"
    if m.op == "split":
        return f"{count} {name} → {', '.join(m.to)} (split): kept, marked for review"
    return f"{count} {name} (remove): kept, marked for review"


def _diff_named(
    word: str, old: Sequence[Named], new: Sequence[Named], changes: Callable[[Named, Named], list[str]]
) -> list[str]:
    """Added, removed and changed items of one kind, matched by name, in declaration order."""
    before, after = {x.name: x for x in old}, {x.name: x for x in new}
    lines = [f"{word} {name} removed" for name in before if name not in after]
    lines += [
        f"{word} {x.name} added (key {x.key}, colour {x.colour}): {x.description}" for x in new if x.name not in before
    ]
    for name in (n for n in after if n in before):
        lines += [f"{word} {name}: {change}" for change in changes(before[name], after[name])]
    return lines


def _common_changes(a: Label | EventType, b: Label | EventType) -> list[str]:
    lines = []
    if a.key != b.key:
        lines.append(f"key {a.key} → {b.key}")
    if a.colour != b.colour:
        lines.append(f"colour {a.colour} → {b.colour}")
    if a.description != b.description:
        lines.append(f"description now {b.description!r}")
    added = [x for x in b.examples if x not in a.examples]
    removed = [x for x in a.examples if x not in b.examples]
    if added or removed:
        lines.append(f"examples + {', '.join(added) or '—'}; − {', '.join(removed) or '—'}")
    return lines


def _event_changes(a: EventType, b: EventType) -> list[str]:
    lines = _common_changes(a, b)
    for role in a.roles:
        new = b.role(role.name)
        if new is None:
            lines.append(f"role {role.name} removed")
        elif set(new.entities) != set(role.entities):
            added = [x for x in new.entities if x not in role.entities]
            dropped = [x for x in role.entities if x not in new.entities]
            change = [f"now accepts {', '.join(added)}"] if added else []
            change += [f"no longer {', '.join(dropped)}"] if dropped else []
            lines.append(f"role {role.name} {', '.join(change)}")
    lines += [f"role {r.name} added, accepts {' '.join(r.entities)}" for r in b.roles if a.role(r.name) is None]
    return lines
