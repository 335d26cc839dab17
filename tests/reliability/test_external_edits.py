"""Scenario 4: another program changes a document's file while it is open for editing.

Through the store, as the app calls it: a document is opened (lock) and saved once, the file
is changed behind the editor's back (another program adds an entity or changes the status,
``git`` writes conflict markers, the file is deleted or emptied, or rewritten with the same
bytes), then the editor's next edit is saved. The save must be refused (``ChangedOnDisk``)
whenever the bytes changed, write nothing, and keep the edit in memory; re-applied on the
file as it is now (``changed_on_disk.reapply``) it saves with both changes, or, when the
file cannot be read, it is kept as a copy beside it. The same bytes rewritten is no change.

The real app in a pseudo-terminal: a label key after another program added an entity, or
after conflict markers were written, says "Not saved" and leaves the file as the other
program wrote it; choosing "reload" keeps both changes (or, on conflict markers, still
writes nothing).
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

import orjson

from annotator.core.annotations.changed_on_disk import reapply, save_copy, unsaved_edits
from annotator.core.annotations.editing import Editor
from annotator.core.annotations.loading import check
from annotator.core.annotations.store import AnnotationStore
from annotator.core.corpus import Corpus
from annotator.core.errors import AnnotatorError
from annotator.core.guidelines.schema import load_schema
from annotator.core.workspace import Workspace, init_workspace
from tests.reliability.editor_child import scripted_edit
from tests.reliability.harness import Table, cli_env, fingerprint, scenario
from tests.test_terminal_pty import Session, first_frame

ROUNDS = 25
APP_ROUNDS = 3
TITLE = "External edits while a document is open"


def their_span(n: int) -> tuple[int, int, str]:
    """The entity another program adds in round ``n``: a span no other round uses."""
    return 1000 + 7 * n, 1005 + 7 * n, "FAC"


def _their_entity(raw: bytes, n: int) -> bytes:
    data = orjson.loads(raw)
    start, end, label = their_span(n)
    data["entities"].append({"id": f"T{900 + n}", "start": start, "end": end, "label": label})
    return orjson.dumps(data, option=orjson.OPT_INDENT_2)  # another program's formatting


def _their_status(raw: bytes, n: int) -> bytes:
    data = orjson.loads(raw)
    data["status"] = "done" if data["status"] != "done" else "in_progress"
    return orjson.dumps(data)


def _conflict_markers(raw: bytes, n: int) -> bytes:
    theirs = raw.replace(b'"status": "in_progress"', b'"status": "done"')
    return b"<<<<<<< HEAD\n" + raw + b"=======\n" + theirs + b">>>>>>> origin/main\n"


# name -> (what the other program writes: None deletes the file; is the result readable)
CHANGES: dict[str, tuple[Callable[[bytes, int], bytes | None], bool]] = {
    "another program adds an entity": (_their_entity, True),
    "another program changes the status": (_their_status, True),
    "git writes conflict markers": (_conflict_markers, False),
    "the file is deleted": (lambda raw, n: None, True),
    "the file is emptied": (lambda raw, n: b"", False),
    "the same bytes are written again": (lambda raw, n: raw, True),
}


def test_external_edits_through_the_store(tmp_path):
    with scenario("external", TITLE) as s:
        root = tmp_path / "ws"
        init_workspace(root, example=True)
        ws = Workspace.open(root)
        corpus = Corpus(ws.corpus_dir)
        store = AnnotationStore.of(ws, "amal", corpus)
        schema = load_schema(ws.guidelines_dir, ws.config.guidelines)
        rng = random.Random(4)
        table = Table("Each change, through the store", ("change", "rounds", "as it must be", "failed"))
        for name in CHANGES:
            good = 0
            for round_number in range(ROUNDS):
                doc_id = corpus.ids[round_number % len(corpus)]
                problem = _one_round(store, corpus, ws.config.guidelines, schema, rng, doc_id, name, round_number)
                if problem:
                    s.fail(f"{name}, round {round_number} ({doc_id}): {problem}")
                else:
                    good += 1
            table.rows.append((name, str(ROUNDS), str(good), str(ROUNDS - good)))
            s.count("external changes tried through the store", ROUNDS)
        s.tables.append(table)
        s.did.append(
            f"through the store: a document opened (lock) and saved, its file changed by another program in one of "
            f"{len(CHANGES)} ways, then the editor's next edit saved; {ROUNDS} rounds of each, random edits"
        )
        s.check(
            "every save after the file changed was refused with nothing written and the edit kept in memory; "
            "re-applied on the file as it is it saved with both changes, or (file unreadable) it was kept as a "
            "copy; the same bytes rewritten did not block the save",
            not any(f.startswith(tuple(CHANGES)) for f in s.failures),
        )
        s.assert_clean()


def _one_round(store, corpus, guidelines, schema, rng, doc_id, name, n) -> str | None:
    change, readable = CHANGES[name]
    sha = corpus.info(doc_id).sha256
    path = store.path(doc_id)
    opened = store.open(doc_id, sha, guidelines)
    if opened.read_only:
        return f"would not open: {opened.read_only}"
    try:
        editor = Editor(opened.doc, schema)
        while not scripted_edit(editor, schema, rng, corpus.info(doc_id).chars):
            pass
        editor.doc = store.save_opened(opened, editor.doc)
        while not scripted_edit(editor, schema, rng, corpus.info(doc_id).chars):
            pass
        mine = fingerprint(editor.doc)
        theirs = change(path.read_bytes(), n)
        if theirs is None:
            path.unlink()
        else:
            path.write_bytes(theirs)  # as an editor or git writes: in place
        if name == "the same bytes are written again":
            store.save_opened(opened, editor.doc)
            return None
        try:
            store.save_opened(opened, editor.doc)
            return "saved over the other program's change"
        except AnnotatorError:
            pass
        now = path.read_bytes() if path.exists() else None
        if now != theirs:
            return "the refused save changed the file"
        if fingerprint(editor.doc) != mine:
            return "the refused edit is no longer in memory"
        if not readable:
            copy = save_copy(path, editor.doc)
            check(copy.read_bytes(), str(copy), doc_id=doc_id)
            copy.unlink()
            path.unlink()  # the next round starts from a readable file
            return None
        again = store.reload(opened, sha, guidelines)
        made = reapply(unsaved_edits(opened.doc, editor.doc), again.doc, schema)
        opened = again
        store.save_opened(opened, made.doc)
        stored = store.read(doc_id)
        if theirs is not None and stored is not None and _their_part(name, theirs, stored, n):
            return f"the other program's change is gone after re-applying ({made.not_made})"
        return None
    except AnnotatorError as exc:
        return f"{type(exc).__name__}: {exc}"
    finally:
        if opened.lock is not None:
            opened.lock.release()


def _their_part(name: str, theirs: bytes, stored, n: int) -> bool:
    """True when what the other program changed is missing from ``stored``."""
    data = orjson.loads(theirs)
    if name == "another program adds an entity":
        return their_span(n) not in {(e.start, e.end, e.label) for e in stored.entities}
    if name == "another program changes the status":
        return stored.status != data["status"]
    return False


# ----- the real app --------------------------------------------------------------------------
FORWARD = b"\x1b[D"


def test_external_edits_under_the_app(tmp_path):
    with scenario("external", TITLE) as s:
        root = tmp_path / "app"
        init_workspace(root, example=True)
        ws = Workspace.open(root)
        corpus = Corpus(ws.corpus_dir)
        store = AnnotationStore.of(ws, "amal", corpus)
        env = cli_env(tmp_path)
        runs = 0
        for name in ("another program adds an entity", "git writes conflict markers"):
            for round_number in range(APP_ROUNDS):
                runs += 1
                problem = _app_round(root, env, store, corpus.ids[runs % len(corpus)], name, runs)
                if problem:
                    s.fail(f"app, {name}, round {round_number}: {problem}")
        s.counts["app runs with an external change"] = runs
        s.did.append(
            f"the real app in a pseudo-terminal, {runs} runs: a label key (saved), another program adds an entity "
            "or writes git conflict markers, another label key, then 'reload' chosen in the dialog"
        )
        s.check(
            "the app: the save after the external change said 'Not saved' and left the file as the other program "
            "wrote it; 'reload' kept both changes (conflict markers: still wrote nothing)",
            not any(f.startswith("app,") for f in s.failures),
        )
        s.assert_clean()


def _app_round(root: Path, env: dict[str, str], store, doc_id: str, name: str, n: int) -> str | None:
    session = Session([sys.executable, "-m", "annotator", "--annotator", "amal"], root, env)
    path = store.path(doc_id)
    try:
        if not session.read_until(first_frame, 30):
            return "no first frame"
        time.sleep(0.5)
        session.send(b"\x1b[B" * store.corpus.ids.index(doc_id))
        time.sleep(0.3)
        mark = len(session.out)
        session.send(b"\r")
        if not session.read_until(lambda out: b"guidelines 2.0.0" in out[mark:], 15):
            return "the document did not open"
        session.send(FORWARD * (40 + 4 * n))  # tokens no earlier run labelled
        mark = len(session.out)
        session.send(FORWARD + b"1")
        if not session.read_until(lambda out: b"PER" in out[mark:], 5) or b"already" in session.out[mark:]:
            return "the first label was not saved"
        theirs = CHANGES[name][0](path.read_bytes(), n)
        path.write_bytes(theirs)
        mark = len(session.out)
        session.send(FORWARD + b"2")
        if not session.read_until(lambda out: b"Not saved" in out[mark:], 5):
            return f"no 'Not saved' after the external change: {session.out[mark:][-300:]!r}"
        if path.read_bytes() != theirs:
            return "the file was written over the other program's change"
        session.send(b"\r")  # the first choice: reload and re-apply
        time.sleep(1.5)
        now = path.read_bytes()
        if not CHANGES[name][1]:
            return None if now == theirs else "the unreadable file was overwritten after 'reload'"
        try:
            doc = store.read(doc_id)
        except AnnotatorError as exc:
            return f"the file does not pass the loader after 'reload': {exc}"
        spans = {(e.start, e.end, e.label) for e in doc.entities} if doc else set()
        if their_span(n) not in spans:
            return "the other program's entity is gone after 'reload'"
        if not any(label == "ORG" for _, _, label in spans):
            return "my edit is not in the file after 'reload'"
        return None
    finally:
        session.close()
        os.close(session.master)
        if path.exists() and not CHANGES[name][1]:
            path.unlink()  # the next run starts from a readable file
