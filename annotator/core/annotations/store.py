"""Standoff annotation files that never lose an acknowledged edit.

``annotations/<annotator>/<doc_id>.json`` holds one document's annotations (orjson,
sorted keys, indented). Every save is a temporary file in the same folder, fsync, an
atomic rename and an fsync of the folder. A file that cannot be read is never
overwritten: the document opens read-only with the reason. A per-document lock
(``flock``, released by the kernel even if the process is killed) keeps a second
process from editing the same annotator's document; it opens read-only and is told who
holds the lock.

Opening takes the lock before it reads, so what an editor holds is the file as it was
under the lock. ``Opened.generation`` is that file (absent, or size, mtime and sha256:
``generation.py``); :meth:`AnnotationStore.save_opened` checks, under the lock, that the
file on disk is still that one and otherwise writes nothing and raises ``ChangedOnDisk``
(another program, ``git pull``, a hand edit changed it). Every writer of an annotation file
holds its document's lock, so temporary files of that document found when the lock is
taken were left by a writer that died: taking the lock removes them.
"""

from __future__ import annotations

import fcntl
import os
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from annotator.core.annotations.generation import ABSENT, ChangedOnDisk, Generation
from annotator.core.annotations.loading import check, migrate_to, read_bytes
from annotator.core.annotations.model import DocumentAnnotations
from annotator.core.annotations.status import NOT_STARTED, UNREADABLE, DocumentStatus, status_of
from annotator.core.corpus import Corpus, DocumentInfo, check_doc_id
from annotator.core.errors import AnnotatorError
from annotator.core.guidelines.registry import Registry, registry
from annotator.core.jsonio import atomic_write_bytes, atomic_write_many, dumps, temp_target
from annotator.core.workspace import Workspace


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(slots=True)
class Opened:
    """A document's annotations as opened for one annotator.

    ``doc`` and ``generation`` are the file as last read or saved (:meth:`AnnotationStore.save_opened`
    keeps them so): what an editor's unsaved edits are measured from.
    """

    doc: DocumentAnnotations
    generation: Generation = ABSENT  # the file ``doc`` was read from (meaningful when editable)
    read_only: str | None = None  # why edits are refused (unreadable file, lock, changed text)
    messages: list[str] = field(default_factory=list)  # migrations done on opening
    lock: DocumentLock | None = None


class DocumentLock:
    """An exclusive flock on ``.locks/<doc_id>.lock``; the file names the holder.

    ``document``: the annotation file the lock guards; taking the lock removes the temporary
    files a writer of that file left behind when it died (see :func:`stale_temporary_files`).
    """

    def __init__(self, path: Path, document: Path | None = None):
        self.path = path
        self.document = document
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> str | None:
        """Take the lock; on failure return who holds it.

        Whatever fails after the lock file is opened closes it again (so the lock is free),
        except writing the holder's note: a lock taken on a full disk is still taken, and
        others are told "another process" instead of who holds it.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)  # less the umask: a team's 002 shares it
        except PermissionError:  # another user's lock file: a flock needs no write access, only the note does
            fd = os.open(self.path, os.O_RDONLY)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(fd, 4096).decode("utf-8", "replace").strip() or "another process"
                os.close(fd)
                return holder
            note = f"pid {os.getpid()} on {socket.gethostname()} since {now()}".encode()
            try:
                os.ftruncate(fd, 0)
                os.write(fd, note)
            except OSError:  # the note only says who holds the lock; the flock is the lock
                pass
            if self.document is not None:
                _remove_stale(self.document)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return None

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None


def stale_temporary_files(document: Path) -> list[Path]:
    """The temporary files ``jsonio`` writes beside ``document`` (``.<name>.XXXXXXXX.tmp`` for a
    new content, ``.<name>.old.XXXXXXXX.tmp`` for a backup): stale once its lock is held, since
    every writer of the file holds it. Temporary files of other files never match."""
    try:
        names = os.listdir(document.parent)
    except FileNotFoundError:
        return []
    prefix = f".{document.name}."  # a cheap test first: the folder may hold 100,000 files
    return [document.parent / n for n in names if n.startswith(prefix) and temp_target(n) == document.name]


def _remove_stale(document: Path) -> None:
    for stale in stale_temporary_files(document):
        try:
            stale.unlink(missing_ok=True)
        except OSError:  # housekeeping: a folder that cannot be written keeps them, the lock is still taken
            pass


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
        # Why every document of this store opens read-only (another session holds the name:
        # core/annotations/session.py), or None.
        self.read_only: str | None = None

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
        return DocumentLock(self.directory / ".locks" / f"{check_doc_id(doc_id)}.lock", self.path(doc_id))

    def read(self, doc_id: str) -> DocumentAnnotations | None:
        """The stored annotations as the file declares them (not migrated), None if there is no
        file; AnnotatorError (file, place in it, reason) if it cannot be read or is not valid."""
        return self._read(doc_id, self.guidelines)

    def _read(self, doc_id: str, guidelines: Registry | None) -> DocumentAnnotations | None:
        path = self.path(doc_id)
        return self._checked(doc_id, read_bytes(path), guidelines)

    def _checked(self, doc_id: str, raw: bytes | None, guidelines: Registry | None) -> DocumentAnnotations | None:
        if raw is None:
            return None
        path = str(self.path(doc_id))
        return check(raw, path, doc_id=doc_id, guidelines=guidelines, text=self._text(doc_id)).document()

    def _text(self, doc_id: str) -> DocumentInfo | None:
        return self.corpus.info(doc_id) if self.corpus is not None and doc_id in self.corpus else None

    def open(
        self, doc_id: str, text_sha256: str, guidelines: str, guidelines_dir: Path | None = None, *, lock: bool = True
    ) -> Opened:
        """Open for editing: migrate to ``guidelines`` if older; read-only when it must not be written.

        The lock is taken before the file is read (read first, and another process's save in
        between would be overwritten by this one's next save); it is held only by a document
        opened for editing."""
        taken: DocumentLock | None = None
        refused: str | None = self.read_only
        if lock and refused is None:
            taken = self.lock(doc_id)
            try:
                holder = taken.acquire()
            except OSError as exc:  # a read-only workspace, a file system without locks
                refused = f"cannot take the lock {taken.path} ({exc.strerror or exc}); opened read-only"
                taken = None
            else:
                if holder is not None:
                    refused = f"locked by {holder}; opened read-only"
                    taken = None
        try:
            opened = self._opened(doc_id, text_sha256, guidelines, guidelines_dir)
        except BaseException:
            if taken is not None:
                taken.release()
            raise
        if opened.read_only is None and refused is not None:
            opened.read_only = refused
        if opened.read_only is None:
            opened.lock = taken
        elif taken is not None:  # nothing will be saved, so nothing stays locked
            taken.release()
        return opened

    def reload(self, opened: Opened, text_sha256: str, guidelines: str, guidelines_dir: Path | None = None) -> Opened:
        """The document read again under the lock ``opened`` holds (which passes to the answer;
        released if the file can no longer be edited: unreadable, another text, ...), or opened
        again if it holds none."""
        if opened.lock is None:
            return self.open(opened.doc.doc_id, text_sha256, guidelines, guidelines_dir)
        again = self._opened(opened.doc.doc_id, text_sha256, guidelines, guidelines_dir)
        if again.read_only is None:
            again.lock = opened.lock
        else:
            opened.lock.release()
        opened.lock = None
        return again

    def _opened(self, doc_id: str, text_sha256: str, guidelines: str, guidelines_dir: Path | None) -> Opened:
        """The file read, checked and migrated (no lock taken or released here)."""
        blank = DocumentAnnotations(
            doc_id=doc_id, text_sha256=text_sha256, guidelines=guidelines, annotator=self.annotator
        )
        known = self.guidelines or (registry(guidelines_dir) if guidelines_dir is not None else None)
        path = self.path(doc_id)
        try:
            raw = read_bytes(path)
        except AnnotatorError as exc:
            return Opened(blank, read_only=f"{exc} - the file is left untouched")
        generation = Generation.of(path, raw)
        try:
            doc = self._checked(doc_id, raw, known)
        except AnnotatorError as exc:
            return Opened(blank, generation, read_only=f"{exc} - the file is left untouched")
        if doc is None:
            doc = blank
        opened = Opened(doc, generation)
        if doc.text_sha256 != text_sha256:
            opened.read_only = (
                "the document text changed since these annotations were made "
                "(sha256 differs); highlights are not shown and nothing is saved"
            )
            opened.doc = blank
            return opened
        if doc.guidelines != guidelines and known is not None:
            try:
                opened.doc, opened.messages = migrate_to(doc, known, guidelines, str(path))
            except AnnotatorError as exc:
                opened.read_only = str(exc)
        return opened

    def save(self, doc: DocumentAnnotations) -> DocumentAnnotations:
        """Write atomically, whatever the file holds; returns the document with its timestamps set
        as saved. For writers that hold the lock and have just read the file (import, adjudication);
        an editor saves through :meth:`save_opened`."""
        doc = self._stamped(doc)
        atomic_write_bytes(self.path(doc.doc_id), dumps(doc.to_json()))
        return doc

    def save_opened(self, opened: Opened, doc: DocumentAnnotations) -> DocumentAnnotations:
        """Save ``doc``, an edit of ``opened``, if the file is still the one ``opened`` read or last
        saved; else write nothing and raise ``ChangedOnDisk``. The check and the write happen under
        the lock ``opened`` holds; afterwards ``opened`` is the document and the file as saved."""
        path = self.path(opened.doc.doc_id)
        if opened.read_only is not None or opened.lock is None or not opened.lock.held:
            raise AnnotatorError("the document is not open for editing", str(path), opened.read_only)
        if doc.doc_id != opened.doc.doc_id:
            raise AnnotatorError(f"an edit of document {doc.doc_id!r} is not an edit of this one", str(path))
        try:
            now_there = Generation.of(path, read_bytes(path))
        except AnnotatorError as exc:
            raise ChangedOnDisk(path, opened.generation, None, exc.why or str(exc)) from exc
        if not now_there.same_content(opened.generation):
            raise ChangedOnDisk(path, opened.generation, now_there)
        saved = self._stamped(doc, opened.doc.created)
        data = dumps(saved.to_json())
        try:
            atomic_write_bytes(path, data)
        except OSError:
            if self._holds(path, data):  # renamed into place, then a later step failed (the folder's fsync)
                opened.doc, opened.generation = saved, Generation.of(path, data)
            raise
        opened.doc, opened.generation = saved, Generation.of(path, data)
        return saved

    @staticmethod
    def _holds(path: Path, data: bytes) -> bool:
        """``path`` holds ``data``: the bytes of a save that raised after its rename."""
        try:
            return read_bytes(path) == data
        except AnnotatorError:
            return False

    def save_all(self, docs: list[DocumentAnnotations]) -> list[DocumentAnnotations]:
        """Write several documents all or nothing (jsonio.atomic_write_many): a full disk
        part-way leaves every file as it was."""
        stamped = [self._stamped(doc) for doc in docs]
        atomic_write_many([(self.path(doc.doc_id), dumps(doc.to_json())) for doc in stamped])
        return stamped

    def _stamped(self, doc: DocumentAnnotations, file_created: str | None = None) -> DocumentAnnotations:
        """``doc`` with its timestamps as saved now (creation time kept from the file: ``file_created``
        when the caller knows it, else read)."""
        stamp = now()
        created = doc.created or file_created
        if created is None:  # a first save, or an undo back to before it: keep the file's creation time
            try:
                existing = self.read(doc.doc_id)
            except AnnotatorError:
                existing = None
            created = existing.created if existing is not None else None
        return doc.with_(created=created or stamp, modified=stamp, annotator=self.annotator)

    def statuses(self, doc_ids: list[str], guidelines: str | None = None) -> dict[str, DocumentStatus]:
        """Status per document for the document list (:mod:`annotator.core.annotations.status`), each
        file read once: 'not_started' without a file, 'unreadable' for a file that ``open`` would
        refuse (any check of :mod:`annotator.core.annotations.loading`) or could not migrate to
        ``guidelines`` (the version documents open under; None: files count as they declare),
        and the annotations to review under that version. The whole batch is checked against one
        state of the guidelines folder."""
        known = self.guidelines.snapshot() if self.guidelines is not None else None
        out: dict[str, DocumentStatus] = {}
        for doc_id in doc_ids:
            try:
                path = self.path(doc_id)
                raw = read_bytes(path)
                if raw is None:
                    out[doc_id] = NOT_STARTED
                    continue
                checked = check(raw, str(path), doc_id=doc_id, guidelines=known, text=self._text(doc_id))
            except AnnotatorError:
                out[doc_id] = DocumentStatus(UNREADABLE)
                continue
            out[doc_id] = status_of(checked, known, guidelines, str(path))
        return out

    def annotated_ids(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        return sorted(p.stem for p in self.directory.glob("*.json"))
