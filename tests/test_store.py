"""The annotation store (files, timestamps, unreadable files, migration on open, the lock) and identity."""

from __future__ import annotations

import difflib
import json
import os
import signal
import subprocess
import sys
import tomllib
from datetime import datetime
from pathlib import Path

import pytest

from annotator.core.annotations.editing import Editor
from annotator.core.annotations.model import Argument, DocumentAnnotations, Entity, Event
from annotator.core.annotations.status import DocumentStatus
from annotator.core.annotations.store import AnnotationStore
from annotator.core.corpus import Corpus
from annotator.core.errors import AnnotatorError
from annotator.core.guidelines.schema import load_schema
from annotator.core.identity import check_name, remember_name, remembered_name, resolve_name, user_config_path
from tests.conftest import SEED_IDS, document_1_0_0

REPO = Path(__file__).resolve().parents[1]
DOC = SEED_IDS[0]
OTHER = SEED_IDS[1]


def sha_of(workspace, doc_id: str = DOC) -> str:
    return Corpus(workspace.corpus_dir).info(doc_id).sha256


def store_of(workspace, annotator: str = "amal") -> AnnotationStore:
    return AnnotationStore(workspace.annotations_dir, annotator)


def open_doc(workspace, store: AnnotationStore | None = None, doc_id: str = DOC, **kw):
    store = store or store_of(workspace)
    return store.open(doc_id, sha_of(workspace, doc_id), workspace.config.guidelines, workspace.guidelines_dir, **kw)


def edited(workspace, opened) -> Editor:
    """An editor on ``opened`` with two entities, an event and an argument."""
    editor = Editor(opened.doc, load_schema(workspace.guidelines_dir, workspace.config.guidelines))
    editor.add_entity(0, 7, "ORG")
    place = editor.add_entity(20, 28, "GPE")
    attack = editor.add_event(9, 13, "Conflict.Attack")
    editor.add_argument(attack.id, "Place", place.id)
    return editor


def parse_time(stamp: str) -> datetime:
    parsed = datetime.fromisoformat(stamp)
    assert parsed.tzinfo is not None, stamp
    return parsed


# ---------------------------------------------------------------- saving and reading


def test_save_and_read_round_trip(workspace):
    store = store_of(workspace)
    opened = open_doc(workspace, store)
    assert opened.read_only is None and opened.messages == [] and opened.lock is not None
    assert opened.doc.entities == () and opened.doc.status == "not_started"
    editor = edited(workspace, opened)
    saved = store.save(editor.doc)
    assert store.read(DOC) == saved
    assert saved.entities == editor.doc.entities and saved.events == editor.doc.events
    assert saved.annotator == "amal" and saved.status == "in_progress" and saved.guidelines == "2.0.0"
    assert store.path(DOC) == workspace.annotations_dir / "amal" / f"{DOC}.json"
    assert store.annotated_ids() == [DOC]


def test_unknown_keys_and_review_marks_survive_a_round_trip(workspace):
    store = store_of(workspace)
    doc = DocumentAnnotations(
        DOC,
        sha_of(workspace),
        "2.0.0",
        "amal",
        "in_progress",
        entities=(Entity("T1", 0, 3, "ORG", needs_review="why", agreed_by=("a", "b")),),
        events=(Event("E1", "Conflict.Attack", 4, 6, (Argument("Target", "T1"),), needs_review="fix"),),
        extra={"comment": "kept", "x-tool": {"n": 1}},
    )
    saved = store.save(doc)
    assert store.read(DOC) == saved
    data = json.loads(store.path(DOC).read_text(encoding="utf-8"))
    assert data["comment"] == "kept" and data["x-tool"] == {"n": 1}
    assert data["entities"][0]["needs_review"] == "why" and data["events"][0]["needs_review"] == "fix"


def test_file_is_sorted_indented_json_with_small_diffs(workspace):
    store = store_of(workspace)
    editor = edited(workspace, open_doc(workspace, store))
    store.save(editor.doc)
    raw = store.path(DOC).read_text(encoding="utf-8")
    data = json.loads(raw)
    assert raw == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert data["format"] == 1 and data["doc_id"] == DOC
    # Entities and events in text order, whatever order they were made in.
    editor.add_entity(1, 3, "PER")
    before = raw.splitlines()
    store.save(editor.doc)
    after = store.path(DOC).read_text(encoding="utf-8").splitlines()
    starts = [e["start"] for e in json.loads("\n".join(after))["entities"]]
    assert starts == sorted(starts)
    changed = [
        line
        for line in difflib.unified_diff(before, after, lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    # One new entity is a handful of added lines plus the modified stamp: a readable git diff.
    assert len(changed) <= 10, changed
    assert sum(1 for line in changed if line.startswith("-")) == 1  # only the old "modified" line goes


def test_timestamps_set_on_save_and_created_kept(workspace):
    store = store_of(workspace)
    opened = open_doc(workspace, store)
    editor = Editor(opened.doc, load_schema(workspace.guidelines_dir, "2.0.0"))
    assert opened.doc.created is None and opened.doc.modified is None
    editor.add_entity(0, 7, "ORG")
    first = store.save(editor.doc)
    assert first.created and first.modified
    assert parse_time(first.created) == parse_time(first.modified)
    editor.doc = first
    editor.add_entity(9, 13, "PER")
    second = store.save(editor.doc)
    editor.doc = second
    assert second.created == first.created
    assert parse_time(second.modified) >= parse_time(first.modified)
    # Undo back to before the first save: the snapshot has no timestamps, the file keeps its creation time.
    editor.undo()
    editor.undo()
    assert editor.doc.created is None
    third = store.save(editor.doc)
    assert third.created == first.created and third.entities == ()
    assert store.read(DOC) == third


def test_save_sets_the_stores_annotator(workspace):
    store = store_of(workspace, "amal")
    doc = DocumentAnnotations(DOC, sha_of(workspace), "2.0.0", "someone-else")
    assert store.save(doc).annotator == "amal"
    assert store.read(DOC).annotator == "amal"


# ---------------------------------------------------------------- files that must not be written


def _valid(workspace, **changes) -> bytes:
    data = DocumentAnnotations(
        DOC, sha_of(workspace), "2.0.0", "amal", "in_progress", entities=(Entity("T1", 0, 7, "ORG"),)
    ).to_json()
    data.update(changes)
    return json.dumps(data, indent=2).encode()


UNREADABLE = {
    "bad json": lambda ws: b'{"doc_id": "x", ',
    "empty": lambda ws: b"",
    "not utf-8": lambda ws: b"\xff\xfe{\x00}",
    "a list": lambda ws: b"[1, 2, 3]\n",
    "a string": lambda ws: b'"hello"\n',
    "no doc_id": lambda ws: json.dumps({"text_sha256": sha_of(ws), "guidelines": "2.0.0"}).encode(),
    "entity without end": lambda ws: _valid(ws, entities=[{"id": "T1", "start": 0, "label": "ORG"}]),
    "start not a number": lambda ws: _valid(ws, entities=[{"id": "T1", "start": "x", "end": 3, "label": "ORG"}]),
    "entities not a list of tables": lambda ws: _valid(ws, entities=[1, 2]),
    "event without trigger": lambda ws: _valid(ws, events=[{"id": "E1", "type": "Conflict.Attack"}]),
    "unknown status": lambda ws: _valid(ws, status="finished"),
    "another document": lambda ws: _valid(ws, doc_id=OTHER),
}


@pytest.mark.parametrize("kind", sorted(UNREADABLE))
def test_unreadable_file_opens_read_only_and_is_never_overwritten(workspace, kind):
    store = store_of(workspace)
    path = store.path(DOC)
    path.parent.mkdir(parents=True)
    content = UNREADABLE[kind](workspace)
    path.write_bytes(content)
    with pytest.raises(AnnotatorError) as raised:
        store.read(DOC)
    assert str(path) in str(raised.value)
    for _ in range(3):
        opened = open_doc(workspace, store)
        assert opened.read_only is not None
        assert str(path) in opened.read_only and "untouched" in opened.read_only
        assert opened.doc.entities == () and opened.doc.events == ()
        assert opened.lock is None  # nothing will be saved, so nothing is locked
        assert path.read_bytes() == content
    assert store.statuses([DOC]) == {DOC: DocumentStatus("unreadable")}
    assert store.annotated_ids() == [DOC]
    assert path.read_bytes() == content
    # Opening takes the lock before it reads and lets it go on finding the file unreadable: it is
    # free again, and nothing was written beside the file.
    assert sorted(p.name for p in path.parent.iterdir() if p.name != ".locks") == [path.name]
    assert store.lock(DOC).acquire() is None


def test_unreadable_reason_says_what_is_wrong(workspace):
    store = store_of(workspace)
    store.path(DOC).parent.mkdir(parents=True)
    store.path(DOC).write_bytes(b"{oops")
    assert "not valid JSON" in open_doc(workspace, store).read_only
    store.path(DOC).write_bytes(b"[]")
    assert "bad structure" in open_doc(workspace, store).read_only
    store.path(DOC).write_bytes(_valid(workspace, status="finished"))
    assert "unknown status 'finished'" in open_doc(workspace, store).read_only


def test_changed_text_opens_read_only_without_annotations(workspace):
    store = store_of(workspace)
    doc = DocumentAnnotations(
        DOC, "0" * 64, "2.0.0", "amal", "in_progress", entities=(Entity("T1", 0, 7, "ORG"), Entity("T2", 9, 13, "PER"))
    )
    store.save(doc)
    content = store.path(DOC).read_bytes()
    opened = open_doc(workspace, store)
    assert opened.read_only is not None and "sha256" in opened.read_only
    assert opened.doc.entities == () and opened.doc.events == ()
    assert opened.doc.text_sha256 == sha_of(workspace)
    assert store.path(DOC).read_bytes() == content
    assert store.read(DOC).entities == doc.entities  # still there for whoever fixes the text


# ---------------------------------------------------------------- migration on open


def _doc_1_0_0(workspace) -> DocumentAnnotations:
    return document_1_0_0(DOC, sha_of(workspace))


def test_1_0_0_file_is_migrated_on_open(workspace):
    store = store_of(workspace)
    store.save(_doc_1_0_0(workspace))
    content = store.path(DOC).read_bytes()
    opened = open_doc(workspace, store)
    assert opened.read_only is None
    assert opened.messages == [
        "2.0.0: 1 DATE → TIMEX (merge)",
        "2.0.0: 1 TIME → TIMEX (merge)",
        "2.0.0: 2 ORG → ORG, MEDIA (split): kept, marked for review",
    ]
    doc = opened.doc
    assert doc.guidelines == "2.0.0"
    by_id = {e.id: e for e in doc.entities}
    assert by_id["T1"].label == by_id["T2"].label == "TIMEX"
    assert by_id["T1"].needs_review is None and by_id["T2"].needs_review is None
    for org in ("T3", "T6"):
        assert by_id[org].label == "ORG" and by_id[org].needs_review and "MEDIA" in by_id[org].needs_review
    assert by_id["T4"].needs_review is None and by_id["T5"].needs_review is None
    assert store.path(DOC).read_bytes() == content  # opening does not write; the next save does
    # The editor works in 2.0.0 terms; the first save stores the migrated document.
    editor = Editor(doc, load_schema(workspace.guidelines_dir, "2.0.0"))
    editor.mark_reviewed("T3")
    saved = store.save(editor.doc)
    opened.lock.release()
    data = json.loads(store.path(DOC).read_text(encoding="utf-8"))
    assert data["guidelines"] == "2.0.0"
    assert [e["label"] for e in data["entities"]].count("DATE") == 0
    assert [e["id"] for e in data["entities"] if e.get("needs_review")] == ["T6"]
    again = open_doc(workspace, store)
    assert again.messages == [] and again.doc == saved


def test_file_that_cannot_be_migrated_is_read_only(workspace):
    store = store_of(workspace)
    store.save(_doc_1_0_0(workspace).with_(guidelines="0.9.0"))
    content = store.path(DOC).read_bytes()
    opened = open_doc(workspace, store)
    assert opened.read_only is not None and "cannot migrate" in opened.read_only
    assert store.path(DOC).read_bytes() == content


# ---------------------------------------------------------------- the lock

PROBE = """
import sys, time
from pathlib import Path
from annotator.core.annotations.store import AnnotationStore

annotations, annotator, doc_id, sha, guidelines, hold = sys.argv[1:]
opened = AnnotationStore(Path(annotations), annotator).open(doc_id, sha, guidelines)
print("read-only" if opened.read_only else "editing", opened.read_only or "", flush=True)
if hold == "hold":
    time.sleep(120)
"""


def _probe(workspace, hold: bool = False, annotator: str = "amal") -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            PROBE,
            str(workspace.annotations_dir),
            annotator,
            DOC,
            sha_of(workspace),
            "2.0.0",
            "hold" if hold else "probe",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )


def _first_line(proc: subprocess.Popen) -> str:
    line = proc.stdout.readline()
    assert line, proc.stderr.read()
    return line.strip()


def test_second_process_opens_read_only_and_is_told_the_holder(workspace):
    store = store_of(workspace)
    opened = open_doc(workspace, store)
    assert opened.read_only is None and opened.lock is not None
    store.save(edited(workspace, opened).doc)
    content = store.path(DOC).read_bytes()
    proc = _probe(workspace)
    line = _first_line(proc)
    assert proc.wait(timeout=30) == 0
    assert line.startswith("read-only locked by ")
    assert f"pid {os.getpid()} " in line
    assert store.path(DOC).read_bytes() == content
    # Another annotator's copy of the same document is a different lock.
    other = _probe(workspace, annotator="bilal")
    assert _first_line(other) == "editing"
    assert other.wait(timeout=30) == 0
    # Released: the next process may edit.
    opened.lock.release()
    proc = _probe(workspace)
    assert _first_line(proc) == "editing"
    assert proc.wait(timeout=30) == 0


def test_second_open_in_the_same_process_is_read_only_too(workspace):
    store = store_of(workspace)
    first = open_doc(workspace, store)
    second = open_doc(workspace, store)
    assert first.read_only is None
    assert second.read_only is not None and f"pid {os.getpid()} " in second.read_only and second.lock is None
    first.lock.release()
    third = open_doc(workspace, store)
    assert third.read_only is None
    third.lock.release()


def test_lock_is_released_when_the_holder_is_killed(workspace):
    holder = _probe(workspace, hold=True)
    try:
        assert _first_line(holder) == "editing"
        store = store_of(workspace)
        blocked = open_doc(workspace, store)
        assert blocked.read_only is not None and blocked.lock is None
        assert f"pid {holder.pid} " in blocked.read_only
        os.kill(holder.pid, signal.SIGKILL)
        assert holder.wait(timeout=30) == -signal.SIGKILL
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    opened = open_doc(workspace, store)
    assert opened.read_only is None and opened.lock is not None
    assert f"pid {os.getpid()} " in opened.lock.path.read_text(encoding="utf-8")
    opened.lock.release()


def test_open_without_lock_takes_no_lock(workspace):
    store = store_of(workspace)
    held = open_doc(workspace, store)
    peek = open_doc(workspace, store, lock=False)
    assert peek.read_only is None and peek.lock is None
    held.lock.release()


# ---------------------------------------------------------------- statuses


def test_statuses(workspace):
    store = store_of(workspace)
    ids = SEED_IDS[:5]
    sha = {doc_id: sha_of(workspace, doc_id) for doc_id in ids}
    assert store.statuses(ids) == {doc_id: DocumentStatus("not_started") for doc_id in ids}
    store.save(DocumentAnnotations(ids[1], sha[ids[1]], "2.0.0", "amal", "in_progress"))
    store.save(DocumentAnnotations(ids[2], sha[ids[2]], "2.0.0", "amal", "done"))
    store.path(ids[3]).write_bytes(b"{ not json")
    store.path(ids[4]).write_bytes(b'{"status": "done"}')  # JSON, but not an annotation file
    assert {doc_id: s.state for doc_id, s in store.statuses(ids).items()} == {
        ids[0]: "not_started",
        ids[1]: "in_progress",
        ids[2]: "done",
        ids[3]: "unreadable",
        ids[4]: "unreadable",
    }
    # Through the editor: a first edit makes a document in progress, then it can be marked done.
    opened = open_doc(workspace, store, doc_id=ids[0])
    editor = Editor(opened.doc, load_schema(workspace.guidelines_dir, "2.0.0"))
    editor.add_entity(0, 5, "PER")
    store.save(editor.doc)
    assert store.statuses([ids[0]]) == {ids[0]: DocumentStatus("in_progress")}
    editor.set_status("done")
    store.save(editor.doc)
    assert store.statuses([ids[0]]) == {ids[0]: DocumentStatus("done")}
    assert store.annotated_ids() == sorted(ids[:5])


def test_other_annotators_and_gold_are_separate(workspace):
    amal, gold = store_of(workspace, "amal"), store_of(workspace, "gold")
    amal.save(DocumentAnnotations(DOC, sha_of(workspace), "2.0.0", "amal", "done"))
    assert gold.statuses([DOC]) == {DOC: DocumentStatus("not_started")} and gold.read(DOC) is None
    assert amal.statuses([DOC]) == {DOC: DocumentStatus("done")}


# ---------------------------------------------------------------- identity


@pytest.mark.parametrize(
    "name", ["", " ", "a b", "a/b", "../x", ".", "..", "x" * 65, "amal\n", "\namal", "أمل", "amal!", "a\\b", "a:b"]
)
def test_check_name_rejects_bad_names(name):
    with pytest.raises(AnnotatorError, match="bad annotator name"):
        check_name(name)


@pytest.mark.parametrize("name", ["amal", "Bilal_2", "a.b-c", "x" * 64, "7"])
def test_check_name_accepts_good_names(name):
    assert check_name(name) == name


@pytest.mark.parametrize("name", ["gold", "Gold", "GOLD"])
def test_gold_is_reserved(name):
    with pytest.raises(AnnotatorError, match="reserved"):
        check_name(name)
    assert check_name("gold", allow_gold=True) == "gold"


@pytest.fixture
def user_config(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("ANNOTATOR", raising=False)
    path = user_config_path()
    assert path == tmp_path / "config" / "annotator" / "user.toml"
    return path


def test_resolve_name_precedence(user_config, monkeypatch):
    assert resolve_name(None) is None
    remember_name("from-config")
    assert resolve_name(None) == "from-config"
    monkeypatch.setenv("ANNOTATOR", "from-env")
    assert resolve_name(None) == "from-env"
    assert resolve_name("from-flag") == "from-flag"
    monkeypatch.setenv("ANNOTATOR", "")  # empty is unset
    assert resolve_name("") == "from-config"


def test_resolve_name_names_the_source_of_a_bad_name(user_config, monkeypatch):
    with pytest.raises(AnnotatorError, match="--annotator"):
        resolve_name("gold")
    monkeypatch.setenv("ANNOTATOR", "a b")
    with pytest.raises(AnnotatorError, match="ANNOTATOR"):
        resolve_name(None)
    monkeypatch.delenv("ANNOTATOR")
    user_config.parent.mkdir(parents=True)
    user_config.write_text('annotator = "gold"\n', encoding="utf-8")
    with pytest.raises(AnnotatorError, match="user.toml"):
        resolve_name(None)
    user_config.write_text("annotator = [unclosed\n", encoding="utf-8")
    with pytest.raises(AnnotatorError, match="cannot read the user config"):
        resolve_name(None)


def test_remember_name_writes_the_user_config(user_config):
    assert not user_config.exists()
    assert remember_name("amal") == user_config
    assert tomllib.loads(user_config.read_text(encoding="utf-8")) == {"annotator": "amal"}
    assert remembered_name() == "amal"
    remember_name("bilal")
    assert remembered_name() == "bilal"
    assert [p.name for p in user_config.parent.iterdir()] == ["user.toml"]  # no temporary files left
    with pytest.raises(AnnotatorError):
        remember_name("gold")
    with pytest.raises(AnnotatorError):
        remember_name('x"\nevil = "1')
    assert tomllib.loads(user_config.read_text(encoding="utf-8")) == {"annotator": "bilal"}
