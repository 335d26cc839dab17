"""A file that changed on disk after its document was opened is never overwritten.

The store remembers the generation it read (absent, or size, mtime and sha256) and every save
of an opened document checks, under the lock, that the file is still that one; otherwise
nothing is written and ``ChangedOnDisk`` says what changed. ``changed_on_disk`` then re-applies
the unsaved edits on the file as it is now, or keeps them in a copy no reader picks up.
"""

from __future__ import annotations

import hashlib
import os

import orjson
import pytest

from annotator.core.annotations.changed_on_disk import (
    ArgumentEdit,
    EntityEdit,
    EventEdit,
    FieldEdit,
    reapply,
    save_copy,
    unsaved_edits,
)
from annotator.core.annotations.editing import Editor
from annotator.core.annotations.generation import ChangedOnDisk
from annotator.core.annotations.loading import check
from annotator.core.annotations.model import Argument, DocumentAnnotations, Entity, Event
from annotator.core.annotations.store import AnnotationStore, Opened
from annotator.core.corpus import Corpus
from annotator.core.errors import AnnotatorError
from annotator.core.guidelines.schema import load_schema
from tests.conftest import SEED_IDS

DOC = SEED_IDS[0]
CONFLICTED = b'<<<<<<< HEAD\n{"entities": []}\n=======\n{"entities": [1]}\n>>>>>>> theirs\n'


@pytest.fixture
def store(workspace) -> AnnotationStore:
    return AnnotationStore.of(workspace, "amal")


@pytest.fixture
def schema(workspace):
    return load_schema(workspace.guidelines_dir, "2.0.0")


def open_doc(workspace, store: AnnotationStore) -> Opened:
    opened = store.open(DOC, Corpus(workspace.corpus_dir).info(DOC).sha256, "2.0.0", workspace.guidelines_dir)
    assert opened.read_only is None and opened.lock is not None
    return opened


def reopen(workspace, store: AnnotationStore, opened: Opened) -> Opened:
    return store.reload(opened, Corpus(workspace.corpus_dir).info(DOC).sha256, "2.0.0", workspace.guidelines_dir)


def doc_with(workspace, *entities: Entity, events: tuple[Event, ...] = ()) -> DocumentAnnotations:
    sha = Corpus(workspace.corpus_dir).info(DOC).sha256
    return DocumentAnnotations(DOC, sha, "2.0.0", "amal", "in_progress", entities, events)


def write_outside(store: AnnotationStore, doc: DocumentAnnotations) -> bytes:
    """Another program (or git) writes the file, without the lock."""
    data = orjson.dumps(doc.with_(created="2020-01-01T00:00:00.000+00:00").to_json(), option=orjson.OPT_INDENT_2)
    store.path(DOC).write_bytes(data)
    return data


# ---------------------------------------------------------------- the check


def test_a_write_from_outside_between_open_and_save_is_refused(workspace, store, schema):
    first = store.save(doc_with(workspace, Entity("T1", 0, 7, "ORG")))
    opened = open_doc(workspace, store)
    assert opened.doc == first
    assert opened.generation.sha256 == hashlib.sha256(store.path(DOC).read_bytes()).hexdigest()
    theirs = write_outside(store, doc_with(workspace, Entity("T1", 0, 7, "ORG"), Entity("T2", 20, 28, "GPE")))
    editor = Editor(opened.doc, schema)
    editor.add_entity(9, 13, "PER")
    generation = opened.generation
    with pytest.raises(ChangedOnDisk) as refused:
        store.save_opened(opened, editor.doc)
    assert isinstance(refused.value, AnnotatorError)
    message = str(refused.value)
    assert str(store.path(DOC)) in message and "changed on disk" in message and "nothing was saved" in message
    assert f"now: {len(theirs)} bytes, sha256 {hashlib.sha256(theirs).hexdigest()[:12]}…, modified " in message
    assert store.path(DOC).read_bytes() == theirs  # nothing written
    assert opened.generation == generation and opened.doc == first  # still what was read
    assert [p.name for p in store.path(DOC).parent.iterdir() if p.name.endswith(".tmp")] == []
    with pytest.raises(ChangedOnDisk):  # and it stays refused: no later save overwrites theirs
        store.save_opened(opened, editor.doc)
    opened.lock.release()


def test_created_or_deleted_from_outside_is_a_change_too(workspace, store, schema):
    opened = open_doc(workspace, store)  # no file yet
    assert not opened.generation.exists
    theirs = write_outside(store, doc_with(workspace, Entity("T1", 0, 7, "ORG")))
    editor = Editor(opened.doc, schema)
    editor.add_entity(9, 13, "PER")
    with pytest.raises(ChangedOnDisk, match="read: no file; now: "):
        store.save_opened(opened, editor.doc)
    assert store.path(DOC).read_bytes() == theirs
    opened = reopen(workspace, store, opened)
    store.path(DOC).unlink()
    with pytest.raises(ChangedOnDisk, match="now: no file"):
        store.save_opened(opened, Editor(opened.doc, schema).doc)
    assert not store.path(DOC).exists()
    opened.lock.release()


def test_the_same_bytes_rewritten_with_a_new_mtime_are_not_a_change(workspace, store, schema):
    """Decided: the bytes decide (sha256), not the time stamp. Overwriting a file that holds
    exactly what was read loses nothing (a touch, a checkout of the same content)."""
    store.save(doc_with(workspace, Entity("T1", 0, 7, "ORG")))
    opened = open_doc(workspace, store)
    path = store.path(DOC)
    path.write_bytes(path.read_bytes())
    os.utime(path, ns=(opened.generation.mtime_ns + 5_000_000_000,) * 2)
    editor = Editor(opened.doc, schema)
    editor.add_entity(9, 13, "PER")
    saved = store.save_opened(opened, editor.doc)
    assert store.read(DOC) == saved
    opened.lock.release()


def test_after_a_save_the_generation_is_the_one_written(workspace, store, schema):
    opened = open_doc(workspace, store)
    editor = Editor(opened.doc, schema)
    for start, end in ((0, 7), (9, 13), (20, 28)):
        editor.add_entity(start, end, "ORG")
        editor.doc = store.save_opened(opened, editor.doc)  # each save checks the previous one's file
        raw = store.path(DOC).read_bytes()
        assert opened.generation.sha256 == hashlib.sha256(raw).hexdigest() and opened.generation.size == len(raw)
        assert opened.doc == editor.doc == store.read(DOC)
    assert opened.doc.created is not None and opened.doc.created <= (opened.doc.modified or "")
    opened.lock.release()


def test_a_document_not_open_for_editing_is_not_saved(workspace, store, schema):
    opened = open_doc(workspace, store)
    peek = store.open(DOC, opened.doc.text_sha256, "2.0.0", workspace.guidelines_dir)  # locked: read-only
    with pytest.raises(AnnotatorError, match="not open for editing"):
        store.save_opened(peek, peek.doc)
    opened.lock.release()
    with pytest.raises(AnnotatorError, match="not open for editing"):
        store.save_opened(opened, opened.doc)  # its lock was let go
    assert not store.path(DOC).exists()


def test_git_conflict_markers_are_refused_and_never_overwritten(workspace, store, schema):
    store.save(doc_with(workspace, Entity("T1", 0, 7, "ORG")))
    opened = open_doc(workspace, store)
    store.path(DOC).write_bytes(CONFLICTED)
    editor = Editor(opened.doc, schema)
    editor.add_entity(9, 13, "PER")
    with pytest.raises(ChangedOnDisk):
        store.save_opened(opened, editor.doc)
    lock = opened.lock
    again = reopen(workspace, store, opened)
    assert again.read_only is not None and "not valid JSON" in again.read_only and "untouched" in again.read_only
    assert again.lock is None and not lock.held  # nothing will be saved: the lock is let go
    with pytest.raises(AnnotatorError):
        store.save_opened(again, editor.doc)
    copy = save_copy(store.path(DOC), editor.doc)  # the way out: mine beside theirs
    assert store.path(DOC).read_bytes() == CONFLICTED
    assert {(e.start, e.end) for e in check(copy.read_bytes(), str(copy)).document().entities} == {(0, 7), (9, 13)}


# ---------------------------------------------------------------- the unsaved edits, re-applied


def test_my_added_entity_and_theirs_are_both_kept_and_ids_renumbered(workspace, store, schema):
    store.save(doc_with(workspace, Entity("T1", 0, 7, "ORG")))
    opened = open_doc(workspace, store)
    editor = Editor(opened.doc, schema)
    place = editor.add_entity(20, 28, "GPE")  # T2 in mine
    attack = editor.add_event(9, 13, "Conflict.Attack")
    editor.add_argument(attack.id, "Place", place.id)
    editor.add_argument(attack.id, "Attacker", "T1")
    write_outside(store, doc_with(workspace, Entity("T1", 0, 7, "ORG"), Entity("T2", 30, 35, "PER")))  # T2 theirs
    with pytest.raises(ChangedOnDisk):
        store.save_opened(opened, editor.doc)
    edits = unsaved_edits(opened.doc, editor.doc)
    assert [str(e) for e in edits] == ["add T2 GPE 20-28", "add E1 Conflict.Attack 9-13"]
    again = reopen(workspace, store, opened)
    result = reapply(edits, again.doc, schema)
    assert result.not_made == ()
    entities = {e.id: (e.start, e.end, e.label) for e in result.doc.entities}
    assert entities == {"T1": (0, 7, "ORG"), "T2": (30, 35, "PER"), "T3": (20, 28, "GPE")}
    [event] = result.doc.events
    assert set(event.arguments) == {Argument("Place", "T3"), Argument("Attacker", "T1")}  # followed the new id
    saved = store.save_opened(again, result.doc)
    assert store.read(DOC) == saved
    again.lock.release()


def test_edits_whose_start_changed_on_disk_are_reported_not_made(workspace, store, schema):
    base = doc_with(
        workspace,
        Entity("T1", 0, 7, "ORG"),
        Entity("T2", 9, 13, "PER"),
        Entity("T3", 20, 28, "GPE"),
        events=(Event("E1", "Conflict.Attack", 30, 35, (Argument("Place", "T3"),)),),
    )
    editor = Editor(base, schema)
    editor.delete_entity("T1")  # theirs relabels T1: not removed
    editor.relabel_entity("T2", "ORG")  # theirs removes T2: not relabelled
    editor.remove_argument("E1", "Place", "T3")  # theirs leaves E1 alone: removed
    editor.set_status("done")  # theirs leaves the status: made
    mine = editor.doc.with_(extra={"note": "mine"})
    edits = unsaved_edits(base, mine)
    assert {type(e) for e in edits} == {EntityEdit, ArgumentEdit, FieldEdit}
    theirs = base.with_(entities=(Entity("T1", 0, 7, "GPE"), Entity("T3", 20, 28, "GPE")), extra={"note": "theirs"})
    result = reapply(edits, theirs, schema)
    assert sorted(result.not_made) == [
        "change T2 PER 9-13 to ORG 9-13: T2 was removed on disk",
        "change note: it was changed on disk too",
        "remove T1 ORG 0-7: T1 was changed on disk too",
    ]
    assert {e.id: e.label for e in result.doc.entities} == {"T1": "GPE", "T3": "GPE"}
    assert result.doc.events[0].arguments == () and result.doc.status == "done"
    assert result.doc.extra == {"note": "theirs"}


def test_an_edit_already_on_disk_is_not_made_twice(workspace, schema):
    base = doc_with(workspace, Entity("T1", 0, 7, "ORG"))
    editor = Editor(base, schema)
    editor.add_entity(9, 13, "PER")
    attack = editor.add_event(20, 24, "Conflict.Attack")
    editor.add_argument(attack.id, "Attacker", "T1")
    theirs = editor.doc  # the same edits made elsewhere (e.g. pulled from a colleague's identical work)
    result = reapply(unsaved_edits(base, editor.doc), theirs, schema)
    assert result.doc == theirs and result.not_made == ()


def test_an_argument_whose_entity_is_gone_on_disk_is_reported(workspace, schema):
    base = doc_with(workspace, Entity("T1", 0, 7, "ORG"), events=(Event("E1", "Conflict.Attack", 9, 13),))
    editor = Editor(base, schema)
    editor.add_argument("E1", "Attacker", "T1")
    theirs = base.with_(entities=())
    result = reapply(unsaved_edits(base, editor.doc), theirs, schema)
    assert result.not_made == ("add Attacker = T1 to E1: T1 is not on disk",)
    assert result.doc.events[0].arguments == ()
    assert isinstance(unsaved_edits(base, base.with_(events=())).pop(), EventEdit)


# ---------------------------------------------------------------- the copy


def test_the_copy_is_beside_the_file_and_no_reader_takes_it_for_a_document(workspace, store):
    from annotator.core.agreement.input import load_tables

    store.save(doc_with(workspace, Entity("T1", 0, 7, "ORG")))
    mine = doc_with(workspace, Entity("T1", 0, 7, "ORG"), Entity("T2", 9, 13, "PER"), Entity("T3", 20, 28, "GPE"))
    copy = save_copy(store.path(DOC), mine)
    again = save_copy(store.path(DOC), mine)
    assert copy != again and copy.parent == again.parent == store.path(DOC).parent
    assert copy.name.startswith(f"{DOC}.json.mine-") and not copy.name.endswith(".json")
    assert store.annotated_ids() == [DOC] and store.read(DOC).entities == (Entity("T1", 0, 7, "ORG"),)
    data = load_tables(workspace)
    assert data.files == 1 and data.spans.height == 1  # the file, not the copies
    # Renamed to <doc_id>.json it is a document again: the copy is a whole, valid file.
    checked = check(copy.read_bytes(), str(copy), doc_id=DOC, guidelines=store.guidelines, text=store.corpus.info(DOC))
    assert len(checked.document().entities) == 3


def test_a_save_that_raises_after_its_rename_is_still_the_files_generation(workspace, store, schema, monkeypatch):
    """A write that reached the file and then failed (a folder's fsync, as jsonio may report it)
    leaves this save's bytes in the file: the next save must not take them for someone else's."""
    import annotator.core.annotations.store as store_module

    opened = open_doc(workspace, store)
    editor = Editor(opened.doc, schema)
    editor.add_entity(0, 7, "ORG")
    real_write = store_module.atomic_write_bytes

    def written_then_failed(path, data) -> None:
        real_write(path, data)
        raise OSError(5, "Input/output error")

    with monkeypatch.context() as patched:
        patched.setattr(store_module, "atomic_write_bytes", written_then_failed)
        with pytest.raises(OSError):
            store.save_opened(opened, editor.doc)
    assert store.read(DOC).entities == editor.doc.entities
    editor.add_entity(9, 13, "PER")
    store.save_opened(opened, editor.doc)  # not refused as changed on disk
    assert len(store.read(DOC).entities) == 2
    opened.lock.release()
