"""One app session's hold on an annotator's name: a second session under a name already open is read-only.

A session (the TUI in a terminal, or a browser tab of ``annotator serve``) takes an exclusive
``flock`` on ``<workspace>/.locks/session-<annotator>.lock`` (not in the annotator's folder: a
name that only looked at the documents must not become an annotator with no files) and holds
it while it runs. Another session started under
the same name finds it taken: its store opens every document read-only, saying which session
holds the name. The kernel drops the lock with the process, however it ends. Documents keep
their own locks (:class:`~annotator.core.annotations.store.DocumentLock`): other programs
that write annotation files (``import annotations``, ``adjudicate``, ``annotations`` commands)
take only those.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from annotator.core.annotations.store import AnnotationStore, DocumentLock
from annotator.core.corpus import Corpus
from annotator.core.identity import check_name
from annotator.core.workspace import Workspace


def lock_path(workspace: Workspace, annotator: str) -> Path:
    """The lock file of ``annotator``'s sessions (``.locks/`` is in the workspace's .gitignore)."""
    return workspace.root / ".locks" / f"session-{check_name(annotator)}.lock"


@dataclass(slots=True)
class Session:
    """An annotator's store as this session may use it, and the name's lock if this session holds it."""

    store: AnnotationStore
    lock: DocumentLock | None

    @property
    def read_only(self) -> str | None:
        return self.store.read_only

    def close(self) -> None:
        if self.lock is not None:
            self.lock.release()
            self.lock = None


def open_session(workspace: Workspace, annotator: str, corpus: Corpus | None = None) -> Session:
    """The session of ``annotator``: editable if no other session holds the name, else read-only."""
    store = AnnotationStore.of(workspace, annotator, corpus)
    lock = DocumentLock(lock_path(workspace, annotator))
    try:
        holder = lock.acquire()
    except OSError:  # a read-only workspace, a file system without locks: each document's lock says why
        return Session(store, None)
    if holder is not None:
        store.read_only = f"{annotator} is open in another session ({holder}); this session is read-only"
        return Session(store, None)
    return Session(store, lock)
