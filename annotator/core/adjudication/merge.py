"""Merging several annotators' versions of one document into gold (pure: no files).

Units compared: an entity is ``(start, end, label)``; an event is its trigger
``(start, end, type)``; an argument is ``(role, entity start, entity end, entity label)``
inside an event. The strategy (``strategy.py``) gives each unit a verdict from what
each of the ``n`` annotators of the document gave at its extent (``Votes.verdicts``):
accepted units go into gold with ``agreed_by``; rejected ones (enough annotators agree on
an answer without them) are left out; open ones (ties, too few agreeing) become
*conflicts*, grouped by overlapping extent (see ``run.py`` for the file format).

The gold document remembers in ``extra["decided"]`` every unit the adjudication has
settled (merged automatically, or an option of an accepted or rejected conflict), so a
re-run never brings back what an adjudicator removed or rejected, and never duplicates.
Gold items without ``agreed_by`` were made or edited by hand: a re-run never changes
them, and a unit agreed on their exact extent is not added but raised as a conflict
(with the hand-made item shown among the options).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from annotator.core.adjudication.strategy import ACCEPTED, REJECTED, Strategy, verdict
from annotator.core.annotations.model import Argument, DocumentAnnotations, Entity, Event, free_id
from annotator.core.errors import AnnotatorError

MIN_ANNOTATORS = 2  # a document annotated by fewer is "unadjudicable"
KINDS = ("entity", "event", "argument")

Sig = tuple  # ("entity", s, e, label) | ("event", s, e, type) | ("argument", ts, te, type, role, s, e, label)
T = TypeVar("T")


def entity_sig(e: Entity) -> Sig:
    return ("entity", e.start, e.end, e.label)


def event_sig(e: Event) -> Sig:
    return ("event", e.start, e.end, e.type)


def argument_sig(event: Sig, role: str, entity: Sig) -> Sig:
    return ("argument", event[1], event[2], event[3], role, entity[1], entity[2], entity[3])


def extent_of(sig: Sig) -> tuple[int, int]:
    """Where a unit is: an entity's or trigger's span, an argument's entity's span."""
    return (sig[5], sig[6]) if sig[0] == "argument" else (sig[1], sig[2])


def frame_of(sig: Sig) -> Sig:
    """The units a unit is compared with: entities with entities, triggers with triggers,
    an argument with the arguments of the same event (trigger and type)."""
    return sig[:4] if sig[0] == "argument" else sig[:1]


def is_adjudicated(doc: DocumentAnnotations) -> bool:
    """Gold the adjudicator has finished: never touched by a merge again."""
    return doc.status == "done" or doc.extra.get("adjudicated") is True


@dataclass(slots=True)
class Votes:
    """Who said each unit, over the annotators of one document."""

    annotators: tuple[str, ...]
    entities: dict[Sig, set[str]] = field(default_factory=lambda: defaultdict(set))
    events: dict[Sig, set[str]] = field(default_factory=lambda: defaultdict(set))
    arguments: dict[Sig, set[str]] = field(default_factory=lambda: defaultdict(set))
    review: dict[Sig, str] = field(default_factory=dict)  # a needs_review reason per unit

    @property
    def n(self) -> int:
        return len(self.annotators)

    def arguments_of(self, event: Sig) -> list[Sig]:
        return sorted(s for s in self.arguments if s[1:4] == event[1:4])

    def verdicts(self, strategy: Strategy) -> dict[Sig, str]:
        """ACCEPTED, REJECTED or OPEN for every unit (entities, events and arguments alike)."""
        needed = strategy.needed(self.n)
        out: dict[Sig, str] = {}
        for said in (self.entities, self.events, self.arguments):
            frames: dict[Sig, list[Sig]] = defaultdict(list)
            for sig in said:
                frames[frame_of(sig)].append(sig)
            for units in frames.values():
                for group in span_groups(units, extent_of):
                    for unit in group:
                        answers = (self._answer(said, name, unit, group) for name in self.annotators)
                        out[unit] = verdict(unit, answers, needed)
        return out

    @staticmethod
    def _answer(said: dict[Sig, set[str]], name: str, unit: Sig, group: list[Sig]) -> frozenset[Sig]:
        """What ``name`` gave at ``unit``'s place: their units of its frame on exactly its extent,
        else those overlapping it (other boundaries), else nothing."""
        start, end = extent_of(unit)
        theirs = [u for u in group if name in said[u] and extent_of(u)[0] < end and start < extent_of(u)[1]]
        exact = frozenset(u for u in theirs if extent_of(u) == (start, end))
        return exact or frozenset(theirs)


def count_votes(sources: dict[str, DocumentAnnotations]) -> Votes:
    votes = Votes(tuple(sorted(sources)))
    for name in votes.annotators:
        doc = sources[name]
        by_id = {e.id: e for e in doc.entities}
        for e in doc.entities:
            votes.entities[entity_sig(e)].add(name)
            if e.needs_review:
                votes.review.setdefault(entity_sig(e), e.needs_review)
        for ev in doc.events:
            sig = event_sig(ev)
            votes.events[sig].add(name)
            if ev.needs_review:
                votes.review.setdefault(sig, ev.needs_review)
            for a in ev.arguments:
                if a.entity in by_id:  # a dangling argument is nobody's statement
                    votes.arguments[argument_sig(sig, a.role, entity_sig(by_id[a.entity]))].add(name)
    return votes


# --------------------------------------------------------------------------- the draft


class Draft:
    """A gold document being changed: its items, the decided units and the open conflicts."""

    def __init__(self, doc: DocumentAnnotations):
        self.doc = doc
        self.entities: list[Entity] = list(doc.entities)
        self.events: list[Event] = list(doc.events)
        self.decided: set[Sig] = _read_decided(doc)
        self.conflicts: list[dict[str, Any]] = _read_conflicts(doc)

    def next_id(self, prefix: str) -> str:
        return free_id(prefix, (*self.entities, *self.events))

    def entity(self, entity_id: str | None) -> Entity | None:
        return next((e for e in self.entities if e.id == entity_id), None)

    def event(self, event_id: str | None) -> Event | None:
        return next((e for e in self.events if e.id == event_id), None)

    def entity_by_sig(self, sig: Sig) -> Entity | None:
        return next((e for e in self.entities if entity_sig(e) == sig), None)

    def event_by_sig(self, sig: Sig) -> Event | None:
        return next((e for e in self.events if event_sig(e) == sig), None)

    def hand_made_at(self, sig: Sig) -> bool:
        """A hand-made (or hand-edited) gold item of ``sig``'s kind covers exactly its extent."""
        items: list[Entity] | list[Event] = self.entities if sig[0] == "entity" else self.events
        return any(not x.agreed_by and (x.start, x.end) == (sig[1], sig[2]) for x in items)

    def add_entity(self, sig: Sig, agreed_by: Iterable[str], needs_review: str | None = None) -> Entity:
        entity = Entity(self.next_id("T"), sig[1], sig[2], sig[3], needs_review, tuple(sorted(agreed_by)))
        self.entities.append(entity)
        self.decided.add(sig)
        return entity

    def add_event(self, sig: Sig, agreed_by: Iterable[str], needs_review: str | None = None) -> Event:
        event = Event(self.next_id("E"), sig[3], sig[1], sig[2], (), needs_review, tuple(sorted(agreed_by)))
        self.events.append(event)
        self.decided.add(sig)
        return event

    def add_argument(self, event: Event, role: str, entity: Entity) -> Event:
        changed = event
        if Argument(role, entity.id) not in event.arguments:
            changed = replace(event, arguments=(*event.arguments, Argument(role, entity.id)))
            self.events = [changed if e.id == event.id else e for e in self.events]
        self.decided.add(argument_sig(event_sig(event), role, entity_sig(entity)))
        return changed

    def has_argument(self, event: Event, sig: Sig) -> bool:
        for a in event.arguments:
            entity = self.entity(a.entity)
            if entity is not None and argument_sig(event_sig(event), a.role, entity_sig(entity)) == sig:
                return True
        return False

    def remove_entity(self, entity_id: str, replacement: str) -> None:
        """Drop an entity; arguments that pointed at it point at ``replacement``."""
        self.entities = [e for e in self.entities if e.id != entity_id]
        events = []
        for ev in self.events:
            if any(a.entity == entity_id for a in ev.arguments):
                args: list[Argument] = []
                for a in ev.arguments:
                    moved = Argument(a.role, replacement) if a.entity == entity_id else a
                    if moved not in args:
                        args.append(moved)
                ev = replace(ev, arguments=tuple(args))
            events.append(ev)
        self.events = events

    def remove_event(self, event_id: str) -> None:
        self.events = [e for e in self.events if e.id != event_id]
        self.conflicts = [c for c in self.conflicts if c.get("event") != event_id]

    def take_conflict(self, conflict_id: str) -> dict[str, Any]:
        found = next((c for c in self.conflicts if c.get("id") == conflict_id), None)
        if found is None:
            raise AnnotatorError(f"no conflict {conflict_id!r} in the gold file of {self.doc.doc_id}")
        self.conflicts = [c for c in self.conflicts if c is not found]
        return found

    def add_conflicts(self, new: list[dict[str, Any]], previous: Sequence[dict[str, Any]] = ()) -> None:
        """Give ``new`` conflicts ids: the id of the same ``previous`` conflict (identical options
        not in gold, else the most options in common), else the lowest free ``C<n>``."""
        used = {c["id"] for c in self.conflicts}
        old = [c for c in previous if isinstance(c.get("id"), str) and c["id"] not in used]
        fresh = sorted(new, key=_conflict_order)
        for similar in (lambda x, y: conflict_key(x) == conflict_key(y), _options_in_common):
            left = []
            for c in fresh:
                match = max(
                    (o for o in old if o["id"] not in used and similar(c, o)),
                    key=lambda o: _options_in_common(c, o),
                    default=None,
                )
                if match is None:
                    left.append(c)
                else:
                    c["id"] = match["id"]
                    used.add(c["id"])
            fresh = left
        n = 1
        for c in fresh:
            while f"C{n}" in used:
                n += 1
            c["id"] = f"C{n}"
            used.add(c["id"])
        self.conflicts += new

    def result(self, **changes: Any) -> DocumentAnnotations:
        extra = dict(self.doc.extra)
        extra["conflicts"] = sorted(self.conflicts, key=_conflict_order)
        extra["decided"] = [list(s) for s in sorted(self.decided)]
        extra.update(changes.pop("extra", {}))
        return self.doc.with_(entities=tuple(self.entities), events=tuple(self.events), extra=extra, **changes)


def _read_decided(doc: DocumentAnnotations) -> set[Sig]:
    raw = doc.extra.get("decided", [])
    if not isinstance(raw, list) or not all(isinstance(x, list) and x and x[0] in KINDS for x in raw):
        raise AnnotatorError(f"the gold file of {doc.doc_id} has a bad 'decided' list")
    return {tuple(x) for x in raw}


def _read_conflicts(doc: DocumentAnnotations) -> list[dict[str, Any]]:
    raw = doc.extra.get("conflicts", [])
    ok = isinstance(raw, list) and all(
        isinstance(c, dict)
        and isinstance(c.get("id"), str)
        and c.get("kind") in KINDS
        and isinstance(c.get("options"), list)
        and all(isinstance(o, dict) for o in c["options"])
        for c in raw
    )
    if not ok:
        raise AnnotatorError(f"the gold file of {doc.doc_id} has a bad 'conflicts' list")
    return [dict(c) for c in raw]


# --------------------------------------------------------------------------- conflicts


def option_sig(conflict: dict[str, Any], option: dict[str, Any]) -> Sig:
    """The unit an option of a conflict stands for."""
    kind = conflict["kind"]
    try:
        if kind == "entity":
            return ("entity", int(option["start"]), int(option["end"]), str(option["label"]))
        if kind == "event":
            return ("event", int(option["start"]), int(option["end"]), str(option["type"]))
        t = conflict["trigger"]
        return (
            "argument",
            int(t["start"]),
            int(t["end"]),
            str(t["type"]),
            str(option["role"]),
            int(option["start"]),
            int(option["end"]),
            str(option["label"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise AnnotatorError(f"conflict {conflict.get('id')} has a bad option", None, repr(exc)) from exc


def conflict_key(conflict: dict[str, Any]) -> tuple:
    """What makes two conflicts the same: kind, event and the options not yet in gold."""
    sigs = frozenset(option_sig(conflict, o) for o in conflict.get("options", ()) if "gold_id" not in o)
    return (conflict.get("kind"), conflict.get("event"), sigs)


def _options_in_common(a: dict[str, Any], b: dict[str, Any]) -> int:
    if (a.get("kind"), a.get("event")) != (b.get("kind"), b.get("event")):
        return 0
    return len({option_sig(a, o) for o in a["options"]} & {option_sig(b, o) for o in b["options"]})


def _conflict_order(c: dict[str, Any]) -> tuple:
    return (
        c.get("start", 0),
        c.get("end", 0),
        KINDS.index(c["kind"]),
        str(c.get("event", "")),
        _id_number(c.get("id")),
    )


def _id_number(conflict_id: Any) -> int:
    text = str(conflict_id or "")
    return int(text[1:]) if text[1:].isdigit() else 0


def span_groups(items: list[T], span: Callable[[T], tuple[int, int]]) -> list[list[T]]:
    """``items`` in connected groups of overlapping extents, in text order."""
    groups: list[list[T]] = []
    end = 0
    for item in sorted(items, key=lambda x: (span(x), x)):
        start, stop = span(item)
        if groups and start < end:
            groups[-1].append(item)
            end = max(end, stop)
        else:
            groups.append([item])
            end = stop
    return groups


def _with_extent(conflict: dict[str, Any]) -> dict[str, Any]:
    conflict["start"] = min(o["start"] for o in conflict["options"])
    conflict["end"] = max(o["end"] for o in conflict["options"])
    return conflict


def item_conflicts(draft: Draft, kind: str, candidates: list[Sig], votes: Votes) -> list[dict[str, Any]]:
    """Entity or event conflicts: candidates grouped by overlap, with the gold items they overlap."""
    name = "label" if kind == "entity" else "type"
    said = votes.entities if kind == "entity" else votes.events
    items: list[Entity] | list[Event] = draft.entities if kind == "entity" else draft.events
    out = []
    for group in span_groups(candidates, lambda s: (s[1], s[2])):
        lo, hi = group[0][1], max(s[2] for s in group)
        options = []
        for sig in group:
            option = {name: sig[3], "start": sig[1], "end": sig[2], "annotators": sorted(said[sig])}
            if kind == "event":
                option["arguments"] = [
                    {"role": a[4], "start": a[5], "end": a[6], "label": a[7], "annotators": sorted(votes.arguments[a])}
                    for a in votes.arguments_of(sig)
                ]
            options.append(option)
        for x in items:
            if x.start < hi and lo < x.end:
                sig = entity_sig(x) if isinstance(x, Entity) else event_sig(x)
                options.append(
                    {
                        name: sig[3],
                        "start": x.start,
                        "end": x.end,
                        "annotators": sorted(said.get(sig, ())),
                        "gold_id": x.id,
                    }
                )
        options.sort(key=lambda o: (o["start"], o["end"], o[name], "gold_id" in o))
        out.append(_with_extent({"kind": kind, "options": options}))
    return out


def argument_conflicts(draft: Draft, event: Event, candidates: list[tuple[Sig, tuple[str, ...]]]) -> list[dict]:
    """Argument conflicts of one gold event: candidate arguments grouped by their entity's extent."""
    out = []
    for group in span_groups(candidates, lambda c: (c[0][5], c[0][6])):
        options = []
        for sig, who in group:
            entity = draft.entity_by_sig(("entity", sig[5], sig[6], sig[7]))
            options.append(
                {
                    "role": sig[4],
                    "start": sig[5],
                    "end": sig[6],
                    "label": sig[7],
                    "annotators": sorted(who),
                    "entity": entity.id if entity else None,
                }
            )
        out.append(
            _with_extent(
                {
                    "kind": "argument",
                    "event": event.id,
                    "options": options,
                    "trigger": {"start": event.start, "end": event.end, "type": event.type},
                }
            )
        )
    return out


# --------------------------------------------------------------------------- merging


@dataclass(frozen=True, slots=True)
class MergeStats:
    agreed_entities: int  # entity units the strategy accepts
    agreed_events: int
    added: int  # units (entities, events, arguments) this merge put into gold
    conflicts: int  # open conflicts after the merge


def merge(
    gold: DocumentAnnotations, sources: dict[str, DocumentAnnotations], strategy: Strategy
) -> tuple[DocumentAnnotations, MergeStats]:
    """``gold`` with the units ``strategy`` accepts added and its open conflicts recomputed.

    ``gold`` may be blank; ``sources`` (annotator name → document, all at gold's
    guidelines version) must hold at least ``MIN_ANNOTATORS``. Finished gold comes back
    unchanged.
    """
    if len(sources) < MIN_ANNOTATORS:
        raise AnnotatorError(
            f"{gold.doc_id}: adjudication needs at least {MIN_ANNOTATORS} annotators",
            None,
            f"{len(sources)} annotated it",
        )
    votes = count_votes(sources)
    verdict = votes.verdicts(strategy)
    agreed = [sum(1 for sig in said if verdict[sig] == ACCEPTED) for said in (votes.entities, votes.events)]
    if is_adjudicated(gold):
        open_ = len(gold.extra.get("conflicts", ()) or ())
        return gold, MergeStats(agreed[0], agreed[1], 0, open_)
    draft = Draft(gold)
    previous, draft.conflicts = draft.conflicts, []
    added = 0
    candidates: dict[str, list[Sig]] = {"entity": [], "event": []}
    for kind, said, by_sig, add in (
        ("entity", votes.entities, draft.entity_by_sig, draft.add_entity),
        ("event", votes.events, draft.event_by_sig, draft.add_event),
    ):
        for sig in sorted(said):
            if sig in draft.decided:
                continue
            if by_sig(sig) is not None:  # already there (put by hand or kept): settled
                if verdict[sig] == ACCEPTED:
                    draft.decided.add(sig)
                continue
            if verdict[sig] == REJECTED:
                continue
            if verdict[sig] == ACCEPTED and not draft.hand_made_at(sig):
                add(sig, said[sig], votes.review.get(sig))
                added += 1
            else:  # open, or a hand-made item has its extent: the adjudicator decides
                candidates[kind].append(sig)
    new = item_conflicts(draft, "entity", candidates["entity"], votes)
    new += item_conflicts(draft, "event", candidates["event"], votes)
    seen: set[Sig] = set()
    for event in list(draft.events):
        sig = event_sig(event)
        if not event.agreed_by or sig in seen:
            continue  # hand-made events are the adjudicator's
        seen.add(sig)
        args: list[tuple[Sig, tuple[str, ...]]] = []
        for asig in votes.arguments_of(sig):
            who = votes.arguments[asig]
            if asig in draft.decided:
                continue
            if draft.has_argument(event, asig):
                draft.decided.add(asig)
                continue
            if verdict[asig] == REJECTED:
                continue
            entity = draft.entity_by_sig(("entity", asig[5], asig[6], asig[7]))
            if verdict[asig] == ACCEPTED and entity is not None:
                event = draft.add_argument(event, asig[4], entity)
                added += 1
            else:
                args.append((asig, tuple(sorted(who))))
        new += argument_conflicts(draft, event, args)
    draft.add_conflicts(new, previous)
    doc = draft.result(
        status="in_progress",
        extra={
            "adjudicated": False,
            "adjudication": {**strategy.to_json(), "annotators": list(votes.annotators)},
        },
    )
    return doc, MergeStats(agreed[0], agreed[1], added, len(draft.conflicts))
