"""Which version of an annotation file a document was read from, and the error when it changed.

A ``Generation`` is what the store remembers of a file it read or wrote: absent, or its
size, modification time and the sha256 of its bytes. Before saving an opened document the
store reads the file again (under the document's lock) and compares: the file is the one
that was read when both are absent, or both hold the same bytes (sha256). The
modification time is kept to say when the file changed, not to decide: a rewrite with the
same bytes (``touch``, a checkout of the same content) loses nothing if overwritten, and a
time stamp alone could miss a rewrite of the same size within one tick of the clock.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from annotator.core.errors import AnnotatorError


@dataclass(frozen=True, slots=True)
class Generation:
    """One version of a file on disk: ``sha256`` None when there is no file."""

    sha256: str | None
    size: int = 0
    mtime_ns: int = 0

    @classmethod
    def of(cls, path: Path, raw: bytes | None) -> Generation:
        """The generation of ``path`` whose bytes (None: no file) were just read or written."""
        if raw is None:
            return ABSENT
        try:
            mtime_ns = os.stat(path).st_mtime_ns
        except OSError:  # gone since: only the description loses its time, the bytes decide
            mtime_ns = 0
        return cls(hashlib.sha256(raw).hexdigest(), len(raw), mtime_ns)

    @property
    def exists(self) -> bool:
        return self.sha256 is not None

    def same_content(self, other: Generation) -> bool:
        return self.sha256 == other.sha256

    def describe(self) -> str:
        if self.sha256 is None:
            return "no file"
        when = datetime.fromtimestamp(self.mtime_ns / 1e9, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        return f"{self.size} bytes, sha256 {self.sha256[:12]}…, modified {when}"


ABSENT = Generation(None)


class ChangedOnDisk(AnnotatorError):
    """A save refused because the file is no longer the one the document was read from."""

    def __init__(self, path: Path, was: Generation, now: Generation | None, problem: str | None = None):
        self.path = path
        self.was = was
        self.now = now  # None: the file could not be read to compare (``problem`` says why)
        now_said = problem if now is None else now.describe()
        super().__init__(
            "the file changed on disk since it was read; nothing was saved",
            str(path),
            f"read: {was.describe()}; now: {now_said}",
        )
