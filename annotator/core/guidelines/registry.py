"""The guidelines versions of one folder, each read and checked once per process.

:func:`registry` gives the one :class:`Registry` of a guidelines folder. It holds, per
version, the validated :class:`Schema` (or the error that version gives), its
:class:`Vocabulary` (what an annotation file may name under it, as sets) and walks the
chain of versions a migration goes through. Every reader of annotation files (the
store, adjudication, export, import, agreement) asks it, so a schema is parsed once
however many files are read.

A version is read again when its ``schema.toml`` (or that of the version before it)
changes on disk: each lookup compares the files' ``os.stat`` with what was read, so a
running app sees edited guidelines. Thread-safe (the app reads files in worker threads).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

from annotator.core.errors import AnnotatorError
from annotator.core.guidelines.schema import SCHEMA_FILE, Schema, load_schema, parse_semver, version_dir

Signature = tuple[int, int, int] | None  # (mtime_ns, size, inode) of a file, None when it is missing


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The names a schema lets an annotation file use, as sets (checking a file is set arithmetic)."""

    version: str
    labels: frozenset[str]
    events: frozenset[str]
    roles: frozenset[tuple[str, str]]  # (event type, role)
    accepts: frozenset[tuple[str, str, str]]  # (event type, role, entity label) a role may be filled with

    @classmethod
    def of(cls, schema: Schema) -> Vocabulary:
        return cls(
            version=schema.version,
            labels=frozenset(x.name for x in schema.labels),
            events=frozenset(x.name for x in schema.events),
            roles=frozenset((e.name, r.name) for e in schema.events for r in e.roles),
            accepts=frozenset((e.name, r.name, label) for e in schema.events for r in e.roles for label in r.entities),
        )


@dataclass(frozen=True, slots=True)
class _Entry:
    found: tuple[Schema, Vocabulary] | AnnotatorError
    files: tuple[tuple[str, Signature], ...]  # what it was read from, to see a change


def _signature(path: str) -> Signature:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class Registry:
    """The versions of one guidelines folder (see the module docstring)."""

    def __init__(self, directory: Path, *, parent: Registry | None = None):
        self.directory = directory
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()
        self._parent = parent  # a snapshot's: asked once per version, never again

    def snapshot(self) -> Registry:
        """This registry as it is, not looking at the files again: a batch of files is checked
        against one state of the guidelines (and without a stat per file)."""
        return Registry(self.directory, parent=self)

    def schema(self, version: str) -> Schema:
        """The validated schema of ``version``; its AnnotatorError if it cannot be used."""
        return self._get(version)[0]

    def vocabulary(self, version: str) -> Vocabulary:
        return self._get(version)[1]

    def chain(self, start: str, target: str) -> tuple[Schema, ...]:
        """The schemas a migration from ``start`` to ``target`` applies, in order (empty if the same)."""
        start_key, target_key = parse_semver(start), parse_semver(target)
        if start_key is None:
            raise AnnotatorError(f"guidelines {start!r} is not a version", str(self.directory))
        schema = self.schema(target)
        if target_key is not None and target_key < start_key:
            raise AnnotatorError(
                f"cannot migrate from {start} back to {target}",
                str(self.directory),
                "migrations only go to later versions",
            )
        chain: list[Schema] = []
        while schema.version != start:
            previous = parse_semver(schema.previous) if schema.previous else None
            if schema.previous is None or previous is None or previous < start_key:
                raise AnnotatorError(
                    f"no migration path from {start} to {target}",
                    str(self.directory),
                    f"the versions before {target} do not include {start}",
                )
            chain.append(schema)
            schema = self.schema(schema.previous)
        return tuple(reversed(chain))

    def _get(self, version: str) -> tuple[Schema, Vocabulary]:
        entry = self._entry(version)
        if isinstance(entry.found, AnnotatorError):
            raise entry.found
        return entry.found

    def _entry(self, version: str) -> _Entry:
        with self._lock:
            entry = self._entries.get(version)
            if entry is None and self._parent is not None:
                entry = self._entries[version] = self._parent._entry(version)
            elif entry is None or (self._parent is None and any(_signature(p) != sig for p, sig in entry.files)):
                entry = self._entries[version] = self._read(version)
            return entry

    def _read(self, version: str) -> _Entry:
        try:
            own = str(version_dir(self.directory, version) / SCHEMA_FILE)
        except AnnotatorError as exc:  # a version a file names may be anything: no path is made of it
            return _Entry(exc, ())
        files = [(own, _signature(own)), (str(self.directory), _signature(str(self.directory)))]
        try:
            schema = load_schema(self.directory, version)
        except AnnotatorError as exc:
            return _Entry(exc, tuple(files))
        if schema.previous is not None:  # migrations are checked against it
            previous = os.path.join(self.directory, schema.previous, SCHEMA_FILE)
            files.append((previous, _signature(previous)))
        return _Entry((schema, Vocabulary.of(schema)), tuple(files[:1] + files[2:]))


_registries: dict[str, Registry] = {}
_registries_lock = threading.Lock()


def registry(guidelines_dir: Path) -> Registry:
    """The one registry of ``guidelines_dir`` in this process."""
    key = os.path.abspath(guidelines_dir)
    with _registries_lock:
        found = _registries.get(key)
        if found is None:
            found = _registries[key] = Registry(Path(key))
        return found
