"""The document lock: never left held by a failure, and taking it clears its document's stale temp files."""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.core.annotations.store import AnnotationStore, DocumentLock, stale_temporary_files
from annotator.core.corpus import Corpus
from annotator.core.jsonio import atomic_write_bytes
from tests.conftest import SEED_IDS

REPO = Path(__file__).resolve().parents[1]
DOC, OTHER = SEED_IDS[0], SEED_IDS[1]

TRY_LOCK = """
import sys
from pathlib import Path
from annotator.core.annotations.store import DocumentLock
print(DocumentLock(Path(sys.argv[1])).acquire() or "taken")
"""


def try_in_another_process(lock: DocumentLock) -> str:
    done = subprocess.run(
        [sys.executable, "-c", TRY_LOCK, str(lock.path)], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_full_disk_while_writing_the_holders_note_leaks_no_lock(workspace, monkeypatch):
    """Decided: the note only says who holds the lock; a lock taken on a full disk is still
    taken (the holder's editor can save once space is freed), without the note, and is released
    like any other."""
    store = AnnotationStore(workspace.annotations_dir, "amal")
    lock = store.lock(DOC)

    def full(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as patched:
        patched.setattr(os, "write", full)
        assert lock.acquire() is None
    assert lock.held
    assert store.lock(DOC).acquire() == "another process"  # another descriptor: excluded, told no name
    assert try_in_another_process(lock) == "another process"
    lock.release()
    assert try_in_another_process(lock) == "taken"  # released: nothing kept it held
    again = store.lock(DOC)
    assert again.acquire() is None
    again.release()


def test_any_other_failure_after_opening_the_lock_file_leaves_it_free(workspace, monkeypatch):
    store = AnnotationStore(workspace.annotations_dir, "amal")
    lock = store.lock(DOC)

    def broken() -> str:
        raise RuntimeError("no host name")

    with monkeypatch.context() as patched:
        patched.setattr(socket, "gethostname", broken)
        with pytest.raises(RuntimeError):
            lock.acquire()
    assert not lock.held
    assert try_in_another_process(lock) == "taken"
    with monkeypatch.context() as patched:
        patched.setattr(os, "ftruncate", lambda fd, size: (_ for _ in ()).throw(OSError(errno.EIO, "I/O error")))
        assert lock.acquire() is None  # the note, not the lock: taken
    lock.release()
    assert try_in_another_process(lock) == "taken"


def test_opening_in_a_full_workspace_still_edits_and_lets_go(workspace, monkeypatch):
    store = AnnotationStore(workspace.annotations_dir, "amal")
    sha = Corpus(workspace.corpus_dir).info(DOC).sha256
    with monkeypatch.context() as patched:
        patched.setattr(os, "write", lambda fd, data: (_ for _ in ()).throw(OSError(errno.ENOSPC, "full")))
        opened = store.open(DOC, sha, "2.0.0", workspace.guidelines_dir)
    assert opened.read_only is None and opened.lock is not None
    opened.lock.release()
    assert try_in_another_process(store.lock(DOC)) == "taken"


# ---------------------------------------------------------------- stale temporary files


def leftovers(store: AnnotationStore, doc_id: str) -> list[Path]:
    """What a writer killed mid-save leaves: a new content and a backup, as jsonio names them."""
    path = store.path(doc_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    made = [path.parent / f".{path.name}.k3j_9x0a.tmp", path.parent / f".{path.name}.old.zz01ab2c.tmp"]
    for tmp in made:
        tmp.write_bytes(b'{"half": ')
    return made


def test_a_leftover_temp_file_is_removed_when_the_document_is_opened(workspace):
    store = AnnotationStore(workspace.annotations_dir, "amal")
    store.save(store.open(DOC, Corpus(workspace.corpus_dir).info(DOC).sha256, "2.0.0", lock=False).doc)
    mine, theirs = leftovers(store, DOC), leftovers(store, OTHER)
    # Names that only look alike: another document whose id starts with this one's, and a copy.
    lookalikes = [
        store.directory / f".{DOC}.json.x.json.abcdefgh.tmp",
        store.directory / f".{DOC}.json.mine-20250101T000000.000000Z.abcdefgh.tmp",
        store.directory / f"{DOC}.json.abcdefgh.tmp",
    ]
    for path in lookalikes:
        path.write_bytes(b"")
    assert sorted(stale_temporary_files(store.path(DOC))) == sorted(mine)
    opened = store.open(DOC, Corpus(workspace.corpus_dir).info(DOC).sha256, "2.0.0", workspace.guidelines_dir)
    assert opened.lock is not None
    assert not any(p.exists() for p in mine)
    assert all(p.exists() for p in theirs + lookalikes)
    assert store.path(DOC).exists()
    opened.lock.release()


def test_temp_files_are_left_alone_while_another_holds_the_lock(workspace):
    store = AnnotationStore(workspace.annotations_dir, "amal")
    held = store.lock(DOC)
    assert held.acquire() is None
    mine = leftovers(store, DOC)  # as if the holder were writing right now
    assert store.lock(DOC).acquire() is not None
    assert all(p.exists() for p in mine)
    held.release()
    assert store.lock(DOC).acquire() is None
    assert not any(p.exists() for p in mine)


def test_every_writer_takes_the_lock_through_the_store_and_cleans_up(workspace):
    """Import and adjudication take ``store.lock``: the same clean-up happens for them."""
    store = AnnotationStore(workspace.annotations_dir, "gold")
    mine = leftovers(store, DOC)
    lock = store.lock(DOC)
    assert lock.document == store.path(DOC)
    assert lock.acquire() is None
    assert not any(p.exists() for p in mine)
    atomic_write_bytes(store.path(DOC), b"{}")  # and a write under the lock leaves nothing behind
    assert stale_temporary_files(store.path(DOC)) == []
    lock.release()
