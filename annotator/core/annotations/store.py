"""Standoff annotation files that never lose an acknowledged edit.

``annotations/<annotator>/<doc_id>.json`` holds one document's annotations (orjson,
sorted keys, indented). Every save is a temporary file in the same folder, fsync, an
atomic rename and an fsync of the folder. A file that cannot be read is never
overwritten: the document opens read-only with the reason. A per-document lock
(``flock``, released by the kernel even if the process is killed) keeps a second
process from editing the same annotator's document; it opens read-only and is told who
holds the lock.
"""

from __future__ import annotations

import fcntl
import os
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from annotator.core.annotations.loading import check, migrate_to, read_bytes
from annotator.core.annotations.model import DocumentAnnotations
from annotator.core.corpus import Corpus, DocumentInfo, check_doc_id
from annotator.core.errors import AnnotatorError
from annotator.core.guidelines.registry import Registry, registry
from annotator.core.jsonio import atomic_write_bytes, atomic_write_many, dumps
from annotator.core.workspace import Workspace


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(slots=True)
class Opened:
    """A document's annotations as opened for one annotator."""

    doc: DocumentAnnotations
    read_only: str | None = None  # why edits are refused (unreadable file, lock, changed text)
    messages: list[str] = field(default_factory=list)  # migrations done on opening
    lock: DocumentLock | None = None


class DocumentLock:
    """An exclusive flock on ``.locks/<doc_id>.lock``; the file names the holder."""

    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> str | None:
        """Take the lock; on failure return who holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 4096).decode("utf-8", "replace").strip() or "another process"
            os.close(fd)
            return holder
        except OSError:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} on {socket.gethostname()} since {now()}".encode())
        self._fd = fd
        return None

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None


class AnnotationStore:
    """The annotation files of one annotator (or ``gold``) in a workspace.

    Files are read through :mod:`annotator.core.annotations.loading`, checked against
    the guidelines version they declare and the corpus's text of their document: a store
    made with :meth:`of` knows both; one made on a bare folder checks names only against
    the ``guidelines_dir`` given to :meth:`open`, and offsets only for order.
    """

    def __init__(
        self, annotations_dir: Path, annotator: str, *, guidelines_dir: Path | None = None, corpus: Corpus | None = None
    ):
        self.annotator = annotator
        self.directory = annotations_dir / annotator
        self.guidelines = registry(guidelines_dir) if guidelines_dir is not None else None
        self.corpus = corpus

    @classmethod
    def of(cls, workspace: Workspace, annotator: str, corpus: Corpus | None = None) -> AnnotationStore:
        """The store of ``annotator`` in ``workspace``, checking files against its guidelines and corpus."""
        return cls(
            workspace.annotations_dir,
            annotator,
            guidelines_dir=workspace.guidelines_dir,
            corpus=corpus if corpus is not None else Corpus(workspace.corpus_dir),
        )

    def path(self, doc_id: str) -> Path:
        return self.directory / f"{check_doc_id(doc_id)}.json"

    def lock(self, doc_id: str) -> DocumentLock:
        """The editing lock of ``doc_id`` (not taken): the one every writer of the file asks for."""
        return DocumentLock(self.directory / ".locks" / f"{check_doc_id(doc_id)}.lock")

    def read(self, doc_id: str) -> DocumentAnnotations | None:
        """The stored annotations as the file declares them (not migrated), None if there is no
        file; AnnotatorError (file, place in it, reason) if it cannot be read or is not valid."""
        return self._read(doc_id, self.guidelines)

    def _read(self, doc_id: str, guidelines: Registry | None) -> DocumentAnnotations | None:
        path = self.path(doc_id)
        raw = read_bytes(path)
        if raw is None:
            return None
        return check(raw, str(path), doc_id=doc_id, guidelines=guidelines, text=self._text(doc_id)).document()

    def _text(self, doc_id: str) -> DocumentInfo | None:
        return self.corpus.info(doc_id) if self.corpus is not None and doc_id in self.corpus else None

    def open(
        self, doc_id: str, text_sha256: str, guidelines: str, guidelines_dir: Path | None = None, *, lock: bool = True
    ) -> Opened:
        """Open for editing: migrate to ``guidelines`` if older; read-only when it must not be written."""
        blank = DocumentAnnotations(
            doc_id=doc_id, text_sha256=text_sha256, guidelines=guidelines, annotator=self.annotator
        )
        known = self.guidelines or (registry(guidelines_dir) if guidelines_dir is not None else None)
        try:
            doc = self._read(doc_id, known)
        except AnnotatorError as exc:
            return Opened(blank, read_only=f"{exc} - the file is left untouched")
        if doc is None:
            doc = blank
        opened = Opened(doc)
        if doc.text_sha256 != text_sha256:
            opened.read_only = (
                "the document text changed since these annotations were made "
                "(sha256 differs); highlights are not shown and nothing is saved"
            )
            opened.doc = blank
            return opened
        if doc.guidelines != guidelines and known is not None:
            try:
                opened.doc, opened.messages = migrate_to(doc, known, guidelines, str(self.path(doc_id)))
            except AnnotatorError as exc:
                opened.read_only = str(exc)
                return opened
        if lock:
            opened.lock = self.lock(doc_id)
            try:
                holder = opened.lock.acquire()
            except OSError as exc:  # a read-only workspace, a file system without locks
                opened.read_only = f"cannot take the lock {opened.lock.path} ({exc.strerror or exc}); opened read-only"
                opened.lock = None
                return opened
            if holder is not None:
                opened.read_only = f"locked by {holder}; opened read-only"
                opened.lock = None
        return opened

    def save(self, doc: DocumentAnnotations) -> DocumentAnnotations:
        """Write atomically; returns the document with its timestamps set as saved."""
        doc = self._stamped(doc)
        atomic_write_bytes(self.path(doc.doc_id), dumps(doc.to_json()))
        return doc

    def save_all(self, docs: list[DocumentAnnotations]) -> list[DocumentAnnotations]:
        """Write several documents all or nothing (jsonio.atomic_write_many): a full disk
        part-way leaves every file as it was."""
        stamped = [self._stamped(doc) for doc in docs]
        atomic_write_many([(self.path(doc.doc_id), dumps(doc.to_json())) for doc in stamped])
        return stamped

    def _stamped(self, doc: DocumentAnnotations) -> DocumentAnnotations:
        """``doc`` with its timestamps as saved now (creation time kept from the file)."""
        stamp = now()
        created = doc.created
        if created is None:  # a first save, or an undo back to before it: keep the file's creation time
            try:
                existing = self.read(doc.doc_id)
            except AnnotatorError:
                existing = None
            created = existing.created if existing is not None else None
        return doc.with_(created=created or stamp, modified=stamp, annotator=self.annotator)

    def statuses(self, doc_ids: list[str]) -> dict[str, str]:
        """Status per document for the document list: 'not_started' without a file, 'unreadable' for a
        file that ``open`` would refuse (any check of :mod:`annotator.core.annotations.loading`)."""
        out: dict[str, str] = {}
        for doc_id in doc_ids:
            try:
                doc = self.read(doc_id)
            except AnnotatorError:
                out[doc_id] = "unreadable"
                continue
            out[doc_id] = "not_started" if doc is None else doc.status
        return out

    def annotated_ids(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        return sorted(p.stem for p in self.directory.glob("*.json"))
