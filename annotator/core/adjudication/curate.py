"""Settling gold conflicts one at a time (the curation screen's actions; pure, no files).

``accept`` applies one option of a conflict and removes the conflict; ``reject`` removes
it and applies nothing. Either way every option of the conflict is recorded as decided
in ``extra["decided"]``, so re-running the merge does not raise it again.

Accepting:

- an entity option puts that entity into gold (``agreed_by`` = the option's
  annotators) unless it is there already. Gold options of the conflict with exactly
  the same extent (other labels) are replaced by it: removed, and event arguments
  that pointed at them point at the accepted entity. Overlapping gold options with
  another extent stay (entities may nest);
- an event option puts the event in; of the arguments its annotators gave, those that
  all of them gave and whose entity is in gold come with it, the rest become argument
  conflicts of the new event. Same-extent gold events of other types are replaced
  (their open argument conflicts go with them);
- an argument option adds that argument to the conflict's event, putting its entity
  into gold first if it is not there.

``option_text`` and ``conflict_text`` say what an option or conflict is, naming everything
that can differ between two options (label or type, extent, role, the argument's entity,
the trigger), so no two options of a conflict read alike. ``close_blocker`` is the rule for
marking a document adjudicated: no open conflict, no annotation still needing review.
"""

from __future__ import annotations

from typing import Any

from annotator.core.adjudication.merge import Draft, argument_conflicts, argument_sig, option_sig
from annotator.core.annotations.model import DocumentAnnotations
from annotator.core.errors import AnnotatorError
from annotator.core.identity import GOLD


def conflicts(gold: DocumentAnnotations) -> list[dict[str, Any]]:
    """The open conflicts of a gold document, in text order."""
    return Draft(gold).result().extra["conflicts"]


def accept(gold: DocumentAnnotations, conflict_id: str, option_index: int) -> DocumentAnnotations:
    """``gold`` with option ``option_index`` of conflict ``conflict_id`` applied and the conflict gone."""
    try:
        return _accept(Draft(gold), conflict_id, option_index)
    except (KeyError, TypeError, ValueError) as exc:
        raise AnnotatorError(
            f"conflict {conflict_id} in the gold file of {gold.doc_id} is malformed", None, repr(exc)
        ) from exc


def _accept(draft: Draft, conflict_id: str, option_index: int) -> DocumentAnnotations:
    conflict = draft.take_conflict(conflict_id)
    options = conflict["options"]
    if not 0 <= option_index < len(options):
        raise AnnotatorError(
            f"conflict {conflict_id} has no option {option_index}", None, f"it has {len(options)}, numbered from 0"
        )
    chosen = options[option_index]
    sig = option_sig(conflict, chosen)
    annotators = [str(a) for a in chosen.get("annotators", ())]
    others = [
        o
        for o in options
        if o is not chosen and "gold_id" in o and (o["start"], o["end"]) == (chosen["start"], chosen["end"])
    ]
    if conflict["kind"] == "entity":
        entity = draft.entity_by_sig(sig) or draft.add_entity(sig, annotators)
        for o in others:
            if o["gold_id"] != entity.id:
                draft.remove_entity(str(o["gold_id"]), entity.id)
    elif conflict["kind"] == "event":
        event = draft.event_by_sig(sig)
        if event is None:
            event = draft.add_event(sig, annotators)
            pending = []
            for a in chosen.get("arguments", ()):
                asig = argument_sig(sig, str(a["role"]), ("entity", int(a["start"]), int(a["end"]), str(a["label"])))
                target = draft.entity_by_sig(("entity", *asig[5:]))
                if target is not None and set(annotators) <= set(a.get("annotators", ())):
                    event = draft.add_argument(event, asig[4], target)
                else:
                    pending.append((asig, tuple(sorted(str(x) for x in a.get("annotators", ())))))
            draft.add_conflicts(argument_conflicts(draft, event, pending))
        for o in others:
            if o["gold_id"] != event.id:
                draft.remove_event(str(o["gold_id"]))
    else:
        event = draft.event(conflict.get("event"))
        if event is None:
            raise AnnotatorError(f"the event of conflict {conflict_id} ({conflict.get('event')}) is no longer in gold")
        entity_key = ("entity", *sig[5:])
        entity = draft.entity_by_sig(entity_key) or draft.add_entity(entity_key, annotators)
        draft.add_argument(event, sig[4], entity)
    draft.decided.update(option_sig(conflict, o) for o in options)
    return draft.result()


def reject(gold: DocumentAnnotations, conflict_id: str) -> DocumentAnnotations:
    """``gold`` without conflict ``conflict_id``; none of its options is applied."""
    draft = Draft(gold)
    conflict = draft.take_conflict(conflict_id)
    draft.decided.update(option_sig(conflict, o) for o in conflict["options"] if "gold_id" not in o)
    return draft.result()


def close_blocker(gold: DocumentAnnotations) -> str | None:
    """Why ``gold`` cannot be marked adjudicated yet, or None when it can: every conflict the
    strategy left open is settled and no annotation still needs review after a migration."""
    open_ = len(conflicts(gold))
    if open_:
        return f"{open_} open conflict{'s' if open_ != 1 else ''} to settle"
    review = sum(1 for e in gold.entities if e.needs_review) + sum(1 for e in gold.events if e.needs_review)
    if review:
        return f"{review} annotation{'s' if review != 1 else ''} still to review after a guidelines migration"
    return None


def mark_adjudicated(gold: DocumentAnnotations) -> DocumentAnnotations:
    """Gold the adjudicator is done with: status done, ``adjudicated`` true; merges leave it alone.
    Refused (AnnotatorError) while ``close_blocker`` names something left to do."""
    blocker = close_blocker(gold)
    if blocker is not None:
        raise AnnotatorError(f"{gold.doc_id} cannot be marked adjudicated yet", None, blocker)
    return gold.with_(status="done", extra={**gold.extra, "adjudicated": True})


def option_text(conflict: dict[str, Any], option: dict[str, Any]) -> str:
    """One line saying what accepting ``option`` of ``conflict`` puts into gold, and who said it;
    two options of one conflict never read alike.

    Entity ``ORG 0-7 (a, b)``, one in gold ``ORG 0-7 (gold T1; a, b)``; event
    ``Conflict.Attack 0-5 with Attacker ORG 8-12 (a)``; argument
    ``Attacker = ORG 8-12 [T3] in Conflict.Attack 0-5 (a)`` (``[new entity]`` when that
    entity is not in gold yet).
    """
    kind = conflict.get("kind")
    where = f"{option.get('start')}-{option.get('end')}"
    if kind == "entity":
        what = f"{option.get('label')} {where}"
    elif kind == "event":
        args = [
            f"{a.get('role')} {a.get('label')} {a.get('start')}-{a.get('end')}" for a in option.get("arguments", ())
        ]
        what = f"{option.get('type')} {where}" + (f" with {', '.join(args)}" if args else "")
    else:
        t = conflict.get("trigger") or {}
        entity = f"[{option['entity']}]" if option.get("entity") else "[new entity]"
        event = f"{t.get('type')} {t.get('start')}-{t.get('end')}"
        what = f"{option.get('role')} = {option.get('label')} {where} {entity} in {event}"
    who = ", ".join(str(a) for a in option.get("annotators") or ()) or "nobody"
    if option.get("gold_id"):
        who = f"{GOLD} {option['gold_id']}" + (f"; {who}" if option.get("annotators") else "")
    return f"{what} ({who})"


def conflict_text(conflict: dict[str, Any]) -> str:
    """The conflict's id, kind and place (for an argument conflict: its event's trigger)."""
    head = f"{conflict.get('id')} {conflict.get('kind')} {conflict.get('start')}-{conflict.get('end')}"
    if conflict.get("kind") == "argument":
        t = conflict.get("trigger") or {}
        head += f" of {t.get('type')} {t.get('start')}-{t.get('end')}"
    return head
