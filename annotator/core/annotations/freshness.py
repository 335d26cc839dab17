"""Which documents the document list must read again so that it shows what is on disk.

The list reads every document's status once, in the background, after :meth:`Freshness.begin`
has listed the watched folders. From then on it asks :meth:`Freshness.stale` on every return to
the list and every few seconds while it is shown, and reads again only what that names, never
every file:

- the documents this session opened (:meth:`Freshness.touch`): first, so what was just marked
  done shows at once;
- the files of the watched folders (the annotator's and gold) whose ``os.stat`` signature
  (mtime, size, inode) differs from the last listing, or that appeared or went. Listing a folder
  and stat'ing its files costs about 0.6 s per 100,000 files, so a folder is listed again only
  when the folder itself changed (a file created, renamed into place or removed: every save of
  this program and of other annotator processes is a rename, ``git pull`` writes new files) or
  ``full_every`` seconds after its last listing (a file edited in place elsewhere);
- the rows on screen (``visible``), stat'ed at every look: an edit in place shows within one look.

A signature not older than MARGIN_NS before the look that took it is doubtful: a file written
twice within one tick of the file system's clock keeps its mtime (and a folder its own), so a
doubtful file is read again at the next look (a doubtful folder listed again) until its
signature is old enough to trust.

Thread-safe: looks run in worker threads, ``touch`` on the app's thread.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

Signature = tuple[int, int, int]  # (mtime_ns, size, inode)
MARGIN_NS = 2_000_000_000  # a signature this recent may hide a second change in the same clock tick
FULL_EVERY = 30.0  # seconds between listings of a folder that did not change itself
SUFFIX = ".json"


def signature(path: Path | str) -> Signature | None:
    """``path``'s (mtime_ns, size, inode); None if there is nothing there."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def annotation_files(directory: Path) -> dict[str, Signature]:
    """Document id -> signature of each ``<id>.json`` in ``directory`` (none if it does not exist;
    hidden and temporary files are not documents)."""
    found: dict[str, Signature] = {}
    try:
        entries = os.scandir(directory)
    except OSError:
        return found
    with entries:
        for entry in entries:
            name = entry.name
            if not name.endswith(SUFFIX) or name.startswith("."):
                continue
            try:
                st = entry.stat(follow_symlinks=True)
            except OSError:  # removed meanwhile
                continue
            found[name[: -len(SUFFIX)]] = (st.st_mtime_ns, st.st_size, st.st_ino)
    return found


@dataclass(slots=True)
class _Folder:
    path: Path
    own: Signature | None = None  # the folder's signature when last listed
    files: dict[str, Signature] | None = None  # None until the first listing
    doubtful: set[str] = field(default_factory=set)  # signatures too recent to trust
    own_doubtful: bool = False
    listed_at: float = 0.0  # time.monotonic() of the last listing


class Freshness:
    """What to read again for the document list (see the module docstring)."""

    def __init__(self, folders: Sequence[Path], *, full_every: float = FULL_EVERY) -> None:
        self._folders = [_Folder(Path(folder)) for folder in folders]
        self._touched: dict[str, None] = {}  # in the order they were opened
        self._full_every = full_every
        self._lock = threading.Lock()

    def touch(self, doc_id: str) -> None:
        """``doc_id`` was opened (and maybe saved) in this session: read it at the next look."""
        with self._lock:
            self._touched[doc_id] = None

    def begin(self) -> None:
        """List the watched folders: a full read of every status starts after this (what changes
        from here on is found by the looks that follow)."""
        with self._lock:
            look_ns = time.time_ns()
            for folder in self._folders:
                self._list(folder, look_ns)

    def stale(self, visible: Iterable[str] = ()) -> list[str]:
        """The documents to read again: the ones opened since the last look first, then those whose
        file changed in a watched folder (each once). Before :meth:`begin`, only the opened ones."""
        with self._lock:
            look_ns = time.time_ns()
            out = dict(self._touched)
            self._touched.clear()
            shown = list(visible)
            for folder in self._folders:
                if folder.files is None:
                    continue
                due = time.monotonic() - folder.listed_at >= self._full_every
                changed: set[str] = set()
                if due or folder.own_doubtful or signature(folder.path) != folder.own:
                    earlier, doubtful = folder.files, folder.doubtful
                    self._list(folder, look_ns)
                    changed = _changed(earlier, folder.files) | doubtful
                else:  # the folder did not change: files edited in place on screen, doubtful ones
                    for doc_id in {*shown, *folder.doubtful}:
                        now = signature(folder.path / f"{doc_id}{SUFFIX}")
                        if now != folder.files.get(doc_id) or doc_id in folder.doubtful:
                            changed.add(doc_id)
                        self._record(folder, doc_id, now, look_ns)
                out.update(dict.fromkeys(sorted(changed)))
            return list(out)

    @staticmethod
    def _list(folder: _Folder, look_ns: int) -> None:
        folder.own = signature(folder.path)  # before its files: a change while they are listed shows next time
        folder.files = annotation_files(folder.path)
        folder.listed_at = time.monotonic()
        folder.doubtful = {doc_id for doc_id, sig in folder.files.items() if _recent(sig, look_ns)}
        folder.own_doubtful = folder.own is not None and _recent(folder.own, look_ns)

    @staticmethod
    def _record(folder: _Folder, doc_id: str, now: Signature | None, look_ns: int) -> None:
        assert folder.files is not None
        folder.doubtful.discard(doc_id)
        if now is None:
            folder.files.pop(doc_id, None)
            return
        folder.files[doc_id] = now
        if _recent(now, look_ns):
            folder.doubtful.add(doc_id)


def _recent(sig: Signature, look_ns: int) -> bool:
    return sig[0] >= look_ns - MARGIN_NS


def _changed(before: dict[str, Signature], after: dict[str, Signature]) -> set[str]:
    """Ids whose file appeared, went or has another signature."""
    gone = before.keys() - after.keys()
    return gone | {doc_id for doc_id, sig in after.items() if before.get(doc_id) != sig}
