"""The editor: entities, events and arguments checked against the guidelines, with undo and redo."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.core.annotations.editing import Editor
from annotator.core.annotations.model import Argument, DocumentAnnotations, Entity, Event
from annotator.core.annotations.store import AnnotationStore
from annotator.core.errors import AnnotatorError
from annotator.core.guidelines.schema import load_schema

GUIDELINES = Path(__file__).resolve().parents[1] / "guidelines"
SCHEMA = load_schema(GUIDELINES, "2.0.0")


def blank(**changes) -> DocumentAnnotations:
    doc = DocumentAnnotations("000_cc412d3027dac405", "0" * 64, "2.0.0", "amal")
    return doc.with_(**changes) if changes else doc


@pytest.fixture
def editor() -> Editor:
    return Editor(blank(), SCHEMA)


def refused(match: str):
    return pytest.raises(AnnotatorError, match=match)


def assert_unchanged_by_refusal(editor: Editor, action) -> None:
    doc, undo, redo = editor.doc, list(editor.undo_stack), list(editor.redo_stack)
    with pytest.raises(AnnotatorError):
        action()
    assert editor.doc is doc and editor.undo_stack == undo and editor.redo_stack == redo


# ---------------------------------------------------------------- entities


def test_add_entity(editor):
    entity = editor.add_entity(3, 9, "PER")
    assert entity == Entity("T1", 3, 9, "PER")
    assert editor.doc.entities == (entity,)
    assert editor.doc.status == "in_progress"  # the first edit starts the document
    assert editor.add_entity(10, 12, "GPE").id == "T2"


def test_add_entity_refusals(editor):
    editor.add_entity(3, 9, "PER")
    assert_unchanged_by_refusal(editor, lambda: editor.add_entity(3, 9, "PER"))
    with refused("already PER"):
        editor.add_entity(3, 9, "PER")
    with refused("no label 'DATE'"):
        editor.add_entity(0, 2, "DATE")  # a 1.0.0 label
    with refused("no label"):
        editor.add_entity(0, 2, "Conflict.Attack")  # an event type is not an entity label
    for start, end in ((5, 5), (6, 2), (-1, 3)):
        with refused("empty or reversed"):
            editor.add_entity(start, end, "PER")
    assert len(editor.doc.entities) == 1


def test_same_span_other_label_nesting_and_overlap_are_allowed(editor):
    outer = editor.add_entity(0, 20, "ORG")
    same_span = editor.add_entity(0, 20, "GPE")
    nested = editor.add_entity(5, 10, "PER")
    overlapping = editor.add_entity(15, 30, "LOC")
    assert len({outer.id, same_span.id, nested.id, overlapping.id}) == 4
    assert len(editor.doc.entities) == 4


def test_relabel_entity(editor):
    entity = editor.add_entity(0, 5, "ORG")
    editor.relabel_entity(entity.id, "MEDIA")
    assert editor.doc.entity(entity.id) == Entity(entity.id, 0, 5, "MEDIA")
    with refused("no label"):
        editor.relabel_entity(entity.id, "NOPE")
    with refused("no entity T9"):
        editor.relabel_entity("T9", "PER")
    editor.add_entity(0, 5, "ORG")
    assert_unchanged_by_refusal(editor, lambda: editor.relabel_entity(entity.id, "ORG"))  # would duplicate


def test_relabel_settles_a_review_mark(editor):
    editor.doc = editor.doc.with_(entities=(Entity("T1", 0, 5, "ORG", needs_review="ORG split: choose"),))
    editor.relabel_entity("T1", "MEDIA")
    assert editor.doc.entity("T1").needs_review is None


def test_relabel_drops_arguments_the_new_label_cannot_fill(editor):
    place = editor.add_entity(20, 28, "GPE")
    attacker = editor.add_entity(0, 5, "ORG")
    attack = editor.add_event(9, 13, "Conflict.Attack")
    editor.add_argument(attack.id, "Place", place.id)
    editor.add_argument(attack.id, "Attacker", attacker.id)
    editor.relabel_entity(place.id, "PER")  # Place does not accept PER
    (event,) = editor.doc.events
    assert event.arguments == (Argument("Attacker", attacker.id),)
    editor.undo()
    assert editor.doc.events[0].arguments == (Argument("Place", place.id), Argument("Attacker", attacker.id))


def test_delete_entity_removes_the_arguments_pointing_to_it(editor):
    place = editor.add_entity(20, 28, "GPE")
    attacker = editor.add_entity(0, 5, "ORG")
    attack = editor.add_event(9, 13, "Conflict.Attack")
    die = editor.add_event(30, 34, "Life.Die")
    editor.add_argument(attack.id, "Place", place.id)
    editor.add_argument(attack.id, "Attacker", attacker.id)
    editor.add_argument(die.id, "Place", place.id)
    editor.delete_entity(place.id)
    assert editor.doc.entity(place.id) is None
    by_id = {e.id: e for e in editor.doc.events}
    assert by_id[attack.id].arguments == (Argument("Attacker", attacker.id),)
    assert by_id[die.id].arguments == ()
    assert all(a.entity != place.id for e in editor.doc.events for a in e.arguments)
    with refused("no entity"):
        editor.delete_entity(place.id)
    editor.undo()
    assert editor.doc.entity(place.id) == place
    assert Argument("Place", place.id) in {e.id: e for e in editor.doc.events}[attack.id].arguments


def test_argument_edits_keep_an_events_review_mark_and_agreement(editor):
    entities = (Entity("T1", 0, 5, "GPE"), Entity("T2", 6, 9, "ORG"))
    flagged = Event(
        "E1",
        "Conflict.Attack",
        10,
        14,
        (Argument("Place", "T1"),),
        needs_review="argument does not fit: fix",
        agreed_by=("amal", "bilal"),
    )
    editor.doc = editor.doc.with_(entities=entities, events=(flagged,))
    editor.add_argument("E1", "Attacker", "T2")
    editor.remove_argument("E1", "Attacker", "T2")
    editor.delete_entity("T1")
    (event,) = editor.doc.events
    assert event.arguments == ()
    assert event.needs_review == flagged.needs_review and event.agreed_by == flagged.agreed_by


# ---------------------------------------------------------------- events and arguments


def test_add_retype_and_delete_events(editor):
    attack = editor.add_event(9, 13, "Conflict.Attack")
    assert attack == Event("E1", "Conflict.Attack", 9, 13)
    assert editor.add_entity(0, 2, "PER").id == "T1"
    with refused("already Conflict.Attack"):
        editor.add_event(9, 13, "Conflict.Attack")
    with refused("no event type"):
        editor.add_event(0, 3, "PER")
    with refused("empty or reversed"):
        editor.add_event(4, 4, "Life.Die")
    editor.add_event(9, 13, "Life.Die")  # another type on the same trigger is fine
    editor.retype_event(attack.id, "Life.Injure")
    assert {e.id: e.type for e in editor.doc.events}[attack.id] == "Life.Injure"
    with refused("no event type"):
        editor.retype_event(attack.id, "Conflict.Demonstrate")
    editor.delete_event(attack.id)
    assert [e.type for e in editor.doc.events] == ["Life.Die"]
    with refused("no event E1"):
        editor.delete_event(attack.id)


def test_role_must_accept_the_label(editor):
    gpe = editor.add_entity(20, 28, "GPE")
    per = editor.add_entity(0, 5, "PER")
    attack = editor.add_event(9, 13, "Conflict.Attack")
    assert "Place" in editor.roles_for(attack.id, gpe.id)
    assert "Place" not in editor.roles_for(attack.id, per.id)
    assert set(editor.roles_for(attack.id, per.id)) == {"Attacker", "Target"}
    editor.add_argument(attack.id, "Place", gpe.id)
    assert_unchanged_by_refusal(editor, lambda: editor.add_argument(attack.id, "Place", per.id))
    with refused("no role 'Place' for a PER"):
        editor.add_argument(attack.id, "Place", per.id)
    with refused("no role 'Weapon'"):
        editor.add_argument(attack.id, "Weapon", gpe.id)
    with refused("already the Place"):
        editor.add_argument(attack.id, "Place", gpe.id)
    with refused("no entity T9"):
        editor.add_argument(attack.id, "Place", "T9")
    with refused("no event E9"):
        editor.add_argument("E9", "Place", gpe.id)
    editor.add_argument(attack.id, "Target", per.id)
    editor.add_argument(attack.id, "Target", gpe.id)  # one entity may fill two roles
    assert editor.doc.events[0].arguments == (
        Argument("Place", gpe.id),
        Argument("Target", per.id),
        Argument("Target", gpe.id),
    )
    editor.remove_argument(attack.id, "Target", per.id)
    assert Argument("Target", per.id) not in editor.doc.events[0].arguments
    with refused("no Target argument"):
        editor.remove_argument(attack.id, "Target", per.id)


def test_retype_drops_arguments_the_new_type_does_not_have(editor):
    per = editor.add_entity(0, 5, "PER")
    wea = editor.add_entity(6, 9, "WEA")
    event = editor.add_event(10, 14, "Conflict.Attack")
    editor.add_argument(event.id, "Target", per.id)
    editor.add_argument(event.id, "Instrument", wea.id)
    editor.retype_event(event.id, "Life.Die")  # Life.Die has Instrument, not Target
    assert editor.doc.events[0].arguments == (Argument("Instrument", wea.id),)


# ---------------------------------------------------------------- undo and redo


def test_undo_and_redo_every_kind_of_edit(editor):
    snapshots = [editor.doc]

    def step(action) -> None:
        action()
        snapshots.append(editor.doc)

    editor.doc = editor.doc.with_(entities=(Entity("T9", 40, 44, "ORG", needs_review="split: choose"),))
    snapshots = [editor.doc]
    step(lambda: editor.add_entity(0, 5, "PER"))  # T1
    step(lambda: editor.add_entity(20, 28, "GPE"))  # T2
    step(lambda: editor.relabel_entity("T1", "ORG"))
    step(lambda: editor.add_event(9, 13, "Conflict.Attack"))  # E1
    step(lambda: editor.add_argument("E1", "Place", "T2"))
    step(lambda: editor.add_argument("E1", "Attacker", "T1"))
    step(lambda: editor.remove_argument("E1", "Attacker", "T1"))
    step(lambda: editor.retype_event("E1", "Life.Die"))
    step(lambda: editor.mark_reviewed("T9"))
    step(lambda: editor.set_status("done"))
    step(lambda: editor.delete_entity("T2"))
    step(lambda: editor.delete_event("E1"))
    assert len(snapshots) == 13
    assert all(a != b for a, b in zip(snapshots, snapshots[1:]))  # every step changed something
    assert len(editor.undo_stack) == 12

    for expected in reversed(snapshots[:-1]):
        message = editor.undo()
        assert message and message.startswith("undid: ")
        assert editor.doc == expected
    assert editor.undo() is None and editor.doc == snapshots[0]
    for expected in snapshots[1:]:
        message = editor.redo()
        assert message and message.startswith("redid: ")
        assert editor.doc == expected
    assert editor.redo() is None and editor.doc == snapshots[-1]


def test_undo_messages_name_the_edit(editor):
    editor.add_entity(0, 5, "PER")
    editor.relabel_entity("T1", "ORG")
    assert editor.undo() == "undid: PER -> ORG"
    assert editor.redo() == "redid: PER -> ORG"
    assert editor.undo() == "undid: PER -> ORG"
    assert editor.undo() == "undid: add PER"


def test_a_new_edit_clears_redo(editor):
    editor.add_entity(0, 5, "PER")
    editor.add_entity(6, 9, "GPE")
    editor.undo()
    assert len(editor.redo_stack) == 1
    editor.add_entity(10, 12, "LOC")
    assert editor.redo_stack == [] and editor.redo() is None
    assert [e.label for e in editor.doc.entities] == ["PER", "LOC"]
    editor.undo()
    editor.undo()
    assert editor.doc.entities == () and editor.doc.status == "not_started"


def test_a_refused_edit_keeps_redo(editor):
    editor.add_entity(0, 5, "PER")
    editor.undo()
    with refused("no label"):
        editor.add_entity(0, 5, "NOPE")
    assert editor.redo() == "redid: add PER"


# ---------------------------------------------------------------- status and review


def test_status_changes(editor):
    assert editor.doc.status == "not_started"
    editor.set_status("not_started")  # no change, nothing to undo
    assert editor.undo_stack == []
    editor.add_entity(0, 5, "PER")
    assert editor.doc.status == "in_progress"
    editor.set_status("done")
    assert editor.doc.status == "done"
    editor.add_entity(6, 9, "GPE")
    assert editor.doc.status == "done"  # editing a finished document does not reopen it
    editor.set_status("done")
    assert len(editor.undo_stack) == 3
    editor.set_status("in_progress")
    assert editor.doc.status == "in_progress"
    editor.set_status("not_started")
    assert editor.doc.status == "not_started"  # may be set back explicitly
    assert_unchanged_by_refusal(editor, lambda: editor.set_status("finished"))
    editor.undo()
    assert editor.doc.status == "in_progress"
    editor.undo()
    assert editor.doc.status == "done"


def test_mark_reviewed_clears_only_the_mark(editor):
    entity = Entity("T1", 0, 5, "ORG", needs_review="split: choose", agreed_by=("amal", "bilal"))
    event = Event("E2", "Conflict.Attack", 9, 13, (Argument("Target", "T1"),), needs_review="fix")
    editor.doc = editor.doc.with_(entities=(entity,), events=(event,), status="in_progress")
    editor.mark_reviewed("T1")
    assert editor.doc.entity("T1") == Entity("T1", 0, 5, "ORG", agreed_by=("amal", "bilal"))
    assert editor.doc.events == (event,)
    editor.mark_reviewed("E2")
    assert editor.doc.events == (Event("E2", "Conflict.Attack", 9, 13, (Argument("Target", "T1"),)),)
    assert len(editor.undo_stack) == 2
    editor.mark_reviewed("T1")  # nothing left to review: no edit
    assert len(editor.undo_stack) == 2
    with refused("no entity or event T7"):
        editor.mark_reviewed("T7")


def test_edits_survive_the_store(tmp_path):
    store = AnnotationStore(tmp_path / "annotations", "amal")
    editor = Editor(blank(), SCHEMA)
    gpe = editor.add_entity(20, 28, "GPE")
    attack = editor.add_event(9, 13, "Conflict.Attack")
    editor.add_argument(attack.id, "Place", gpe.id)
    editor.doc = store.save(editor.doc)
    assert store.read(blank().doc_id) == editor.doc
    editor.undo()
    saved = store.save(editor.doc)
    assert saved.events[0].arguments == () and store.read(saved.doc_id) == saved
