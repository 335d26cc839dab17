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


def test_new_annotation_and_lock_files_follow_the_umask_so_a_team_group_can_share_them(workspace) -> None:
    """On a shared server a team sets umask 002 (README): files each annotator's process creates
    stay writable by the group, as open() would make them; umask 022 gives 0644 as before."""
    import os
    import stat

    from annotator.core.annotations.model import DocumentAnnotations
    from annotator.core.annotations.store import AnnotationStore
    from annotator.core.corpus import Corpus
    from tests.conftest import SEED_IDS

    corpus = Corpus(workspace.corpus_dir)
    for umask, expected in ((0o002, 0o664), (0o022, 0o644)):
        name = f"u{umask:03o}"
        store = AnnotationStore.of(workspace, name, corpus)
        doc_id = SEED_IDS[0]
        previous = os.umask(umask)
        try:
            lock = store.lock(doc_id)
            assert lock.acquire() is None
            info = corpus.info(doc_id)
            store.save(DocumentAnnotations(doc_id=doc_id, text_sha256=info.sha256, guidelines="2.0.0", annotator=name))
            lock.release()
        finally:
            os.umask(previous)
        assert stat.S_IMODE(store.path(doc_id).stat().st_mode) == expected
        assert stat.S_IMODE(lock.path.stat().st_mode) == expected


def test_a_lock_file_another_user_made_read_only_still_locks(tmp_path, monkeypatch) -> None:
    """The lead taking a document lock in an annotator's folder whose lock file they cannot write
    (another user's, made under umask 022): the flock is taken all the same, only the holder's
    note is not written. (Tests run as root, who may write anything: the refusal is simulated.)"""
    import os

    from annotator.core.annotations import store

    path = tmp_path / "x.lock"
    path.write_text("pid 1 on elsewhere since then")
    real_open = os.open

    def refusing(file, flags, *args):
        if flags & os.O_RDWR:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, flags, *args)

    lead = store.DocumentLock(path)
    monkeypatch.setattr(store.os, "open", refusing)
    assert lead.acquire() is None
    monkeypatch.setattr(store.os, "open", real_open)
    assert store.DocumentLock(path).acquire() == "pid 1 on elsewhere since then"  # held, the old note unchanged
    lead.release()
    assert store.DocumentLock(path).acquire() is None
