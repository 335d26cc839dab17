"""The corpus: documents stored as UTF-8 text files plus an index of what was imported.

A document's id is its file stem. Its text is stored exactly as read, except that a
UTF-8 BOM is dropped and CRLF becomes LF (both recorded in the index). The index,
``corpus/index.jsonl``, holds one line per document: id, sha256, length, title and
how it was imported. Imports check every file first and write nothing if one is bad;
the texts and the index are then written with one :func:`atomic_write_many`, so a full
disk or a folder that is not writable leaves the corpus as it was.

Every index line is checked (keys, the type of each value, the id as a file name, ids
given once): a bad line never stops the corpus from opening; it is left out and recorded
in :attr:`Corpus.problems`. Commands whose result would be wrong with a document left out
open the corpus with :meth:`Corpus.checked` and refuse; the TUI skips and shows them; an
import never rewrites an index it could not read whole.

Only regular files are read (a fifo or a device is refused, never waited on), and a text
reached through a symbolic link must stay inside its folder: the folder being imported,
or ``corpus/`` for the stored texts.
"""

from __future__ import annotations

import fcntl
import gc
import hashlib
import os
import re
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple, TypeGuard

import orjson

from annotator.core.errors import AnnotatorError
from annotator.core.jsonio import atomic_write_many

INDEX_NAME = "index.jsonl"
BOM = "\ufeff"
# Controls (C0, DEL, C1), slashes, a leading dot; and lone surrogates: a file name that is
# not UTF-8, which no index line, no JSON and no terminal can hold.
_BAD_ID = re.compile(r"[\x00-\x1f\x7f-\x9f/\\\ud800-\udfff]|^\.")


def check_doc_id(doc_id: object, where: str = "document id") -> str:
    """``doc_id`` if it can name a file inside its folder; else AnnotatorError. Every id that
    becomes a path (corpus texts, annotation files, exports) goes through here."""
    if not _good_id(doc_id):
        raise AnnotatorError(
            f"bad document id {doc_id!r}", where, "a non-empty string, no control characters, slashes or leading dot"
        )
    return doc_id


def _good_id(doc_id: object) -> TypeGuard[str]:
    return isinstance(doc_id, str) and bool(doc_id) and not _BAD_ID.search(doc_id)


def read_utf8(path: Path, what: str = "file") -> str:
    """The text of a UTF-8 file; AnnotatorError naming the file (and the byte, if not UTF-8)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise AnnotatorError(f"cannot read {what}", str(path), exc.strerror) from exc
    return decode_utf8(raw, what, path)


def decode_utf8(raw: bytes, what: str, path: Path) -> str:
    """``raw`` as UTF-8; AnnotatorError naming the file and the byte offset if it is not."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AnnotatorError(f"{what} is not valid UTF-8", f"{path}: byte {exc.start}", exc.reason) from exc


_KINDS = {
    stat.S_IFDIR: "a folder",
    stat.S_IFIFO: "a fifo",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def resolved(path: Path) -> Path | None:
    """``path`` with every symbolic link resolved; None for a link that loops."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: Python 3.11 and 3.12 on a loop
        return None


def read_regular(path: Path, what: str, inside: Path) -> bytes:
    """The bytes of ``path``: a regular file that is, once symbolic links are resolved, inside
    the folder ``inside``. Else AnnotatorError naming the file: a link leading elsewhere, a
    fifo or a device (never opened, so never waited on), a folder, a file that cannot be read."""
    real, folder = resolved(path), resolved(inside)
    if real is None or folder is None:
        raise AnnotatorError(f"cannot read {what}", str(path), "a symbolic link that loops")
    if not real.is_relative_to(folder):
        raise AnnotatorError(
            f"{what} is a symbolic link that leads outside {inside}", str(path), f"to {real}; not followed"
        )
    return _read_resolved(real, path, what)


def _read_resolved(real: Path, path: Path, what: str) -> bytes:
    """The bytes of ``real`` (``path`` with its links resolved, named in errors) if it is a
    regular file; a link put in its place since is refused, not followed."""
    try:
        mode = os.stat(real).st_mode
        if stat.S_ISREG(mode):
            fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)  # made a fifo since the stat: no wait
            with os.fdopen(fd, "rb") as handle:
                mode = os.fstat(fd).st_mode
                if stat.S_ISREG(mode):
                    return handle.read()
    except OSError as exc:
        raise AnnotatorError(f"cannot read {what}", str(path), exc.strerror or str(exc)) from exc
    raise AnnotatorError(f"{what} is not a regular file", str(path), _KINDS.get(stat.S_IFMT(mode), "not read"))


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


TITLE_LIMIT = 120  # characters of a title: its first line at import, an index line's cut to it when read


def title_of(text: str, limit: int = TITLE_LIMIT) -> str:
    for line in text.split("\n"):
        if line.strip():
            return line.strip()[:limit]
    return ""


class DocumentInfo(NamedTuple):
    """One line of the index. A named tuple, not a frozen dataclass: the index of 100,000
    documents is read at every start of the app, and a tuple is built four times faster."""

    id: str
    sha256: str
    chars: int
    title: str
    bom: bool = False
    crlf: int = 0  # how many CRLF became LF
    source: str = ""
    imported: str = ""

    def to_json(self) -> dict:
        return dict(zip(self._fields, self))


@dataclass(frozen=True, slots=True)
class Document:
    info: DocumentInfo
    text: str

    @property
    def id(self) -> str:
        return self.info.id

    @property
    def sha_matches(self) -> bool:
        return sha256_text(self.text) == self.info.sha256


class Corpus:
    """The documents of one workspace, in id order.

    ``problems``: every bad line of the index (file:line, what, why); those lines are left
    out. See :meth:`checked` for the commands that must not run with any.
    """

    def __init__(self, directory: Path):
        self.directory = directory
        self.index_path = directory / INDEX_NAME
        self._docs: dict[str, DocumentInfo] = {}
        self.problems: list[AnnotatorError] = []
        self._read()

    def _read(self) -> None:
        self._docs, self.problems = {}, []
        if self.index_path.exists() or self.index_path.is_symlink():
            self._docs, self.problems = _read_index(self.index_path, self.directory)
        self._sort()

    @classmethod
    def checked(cls, directory: Path) -> Corpus:
        """The corpus, or the first problem of its index as an AnnotatorError: for the commands
        whose result would be wrong with a document left out (render, import, export,
        agreement, adjudication)."""
        corpus = cls(directory)
        if corpus.problems:
            raise corpus.problems[0]
        return corpus

    def _sort(self) -> None:
        self._ids = sorted(self._docs)
        self._position = {doc_id: i for i, doc_id in enumerate(self._ids)}

    @property
    def ids(self) -> list[str]:
        """Document ids in order (kept sorted: the list is asked for on every next/previous)."""
        return self._ids

    def neighbour(self, doc_id: str, step: int) -> str | None:
        """The document ``step`` places after (or before) ``doc_id``, None past either end."""
        index = self._position[doc_id] + step
        return self._ids[index] if 0 <= index < len(self._ids) else None

    def __len__(self) -> int:
        return len(self._docs)

    def __contains__(self, doc_id: str) -> bool:
        return doc_id in self._docs

    def info(self, doc_id: str) -> DocumentInfo:
        try:
            return self._docs[doc_id]
        except KeyError:
            raise AnnotatorError(f"no document {doc_id!r} in the corpus", str(self.index_path)) from None

    def infos(self) -> list[DocumentInfo]:
        return [self._docs[i] for i in self.ids]

    def path(self, doc_id: str) -> Path:
        return self.directory / f"{check_doc_id(doc_id)}.txt"

    def load(self, doc_id: str) -> Document:
        """The document; AnnotatorError naming its file if that is missing, not a regular file
        (a folder, a fifo), a link out of the corpus folder, or not UTF-8."""
        info = self.info(doc_id)
        path = self.path(doc_id)
        return Document(info, decode_utf8(read_regular(path, "document", self.directory), "document", path))

    def text(self, doc_id: str) -> str:
        return self.load(doc_id).text

    def import_texts(self, paths: list[Path]) -> tuple[list[DocumentInfo], list[str]]:
        """Import .txt files (or folders of them). All or nothing.

        Returns (added documents, ids skipped because already present with the same text).
        Raises AnnotatorError listing every bad file, one per line, before writing anything;
        the texts and the index (last) are written by one :func:`atomic_write_many`, so a
        write that fails (a full disk, a folder that is not writable) leaves the corpus as it
        was. Refused while the index has a bad line: rewriting it would drop that line.
        Imports lock the corpus folder itself (``flock`` on it: no lock file to leave behind,
        released by the kernel if the process is killed), wait for one another and re-read
        the index under the lock, so two imports at once both land instead of the last one
        dropping the other's documents from the index.
        """
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.directory, os.O_RDONLY)
        except OSError as exc:
            raise AnnotatorError(
                "cannot open the corpus folder; nothing was imported", str(self.directory), exc.strerror
            ) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._read()
            return self._import_locked(paths)
        finally:
            os.close(fd)

    def _import_locked(self, paths: list[Path]) -> tuple[list[DocumentInfo], list[str]]:
        if self.problems:
            first = self.problems[0]
            raise AnnotatorError(
                f"{first.what}: the index is not rewritten until this is fixed, so nothing is imported",
                first.where,
                first.why,
            )
        files, errors = _expand(paths)
        staged: dict[str, tuple[DocumentInfo, str]] = {}
        unchanged: list[str] = []
        now = datetime.now(UTC).isoformat(timespec="seconds")
        for found in files:
            file = found[0]
            try:
                info, text = _read_text_file(found, now)
            except AnnotatorError as exc:
                errors.append(str(exc))
                continue
            existing = self._docs.get(info.id)
            if existing is not None:
                if existing.sha256 == info.sha256:
                    unchanged.append(info.id)
                    continue
                errors.append(f"{file}: document id {info.id!r} already exists with different text")
                continue
            if info.id in staged:
                if staged[info.id][0].sha256 != info.sha256:
                    errors.append(f"{file}: document id {info.id!r} is given twice with different text")
                continue
            staged[info.id] = (info, text)
        writes = self._text_writes(staged, errors)
        if errors:
            raise AnnotatorError("\n".join(errors))
        new_docs = dict(self._docs)
        new_docs.update({info.id: info for info, _ in staged.values()})
        writes.append((self.index_path, _index_bytes(new_docs)))
        try:
            atomic_write_many(writes)
        except OSError as exc:
            raise AnnotatorError(
                "cannot write the corpus; nothing was imported", exc.filename or str(self.directory), exc.strerror
            ) from exc
        self._docs = new_docs
        self._sort()
        return [info for info, _ in staged.values()], unchanged

    def _text_writes(self, staged: dict[str, tuple[DocumentInfo, str]], errors: list[str]) -> list[tuple[Path, bytes]]:
        """The text files to write. A file already there for a new id (an import cut short by
        a kill) is kept if it holds the same text, and never overwritten otherwise."""
        writes: list[tuple[Path, bytes]] = []
        present = set(os.listdir(self.directory))  # one listing, not a stat per new document
        for info, text in staged.values():
            target, data = self.path(info.id), text.encode("utf-8")
            if target.name in present:
                try:
                    same = read_regular(target, "corpus text", self.directory) == data
                except AnnotatorError as exc:
                    errors.append(f"{exc}: it is not in the index and is not overwritten")
                    continue
                if not same:
                    errors.append(
                        f"{target}: not in the index and holds another text than {info.source}; "
                        "it is not overwritten (move it away to import)"
                    )
                continue
            writes.append((target, data))
        return writes


# A file to import: as given or found, its path with every link resolved when the walk knows
# it (else None: read_regular resolves it), and the folder it must stay inside.
_Found = tuple[Path, Path | None, Path]


def _expand(paths: list[Path]) -> tuple[list[_Found], list[str]]:
    """Every .txt file to import with the folder it must stay inside (a folder given: itself;
    a file given: its own folder), and what is wrong with the paths given."""
    files: list[_Found] = []
    errors: list[str] = []
    for path in paths:
        if path.is_dir():
            root = resolved(path) or path.absolute()
            found: list[_Found] = []
            _walk(path, root, root, {root}, found, errors)
            if not found and not errors:
                errors.append(str(AnnotatorError("no .txt files in folder", str(path))))
            files.extend(found)
        elif not path.exists() and not path.is_symlink():
            errors.append(str(AnnotatorError("no such file or folder", str(path))))
        elif path.suffix != ".txt":
            errors.append(str(AnnotatorError("not a .txt file", str(path))))
        else:
            files.append((path, None, path.absolute().parent))
    return files, errors


def _walk(folder: Path, real_folder: Path, root: Path, seen: set[Path], found: list[_Found], errors: list[str]) -> None:
    """The .txt files under ``folder`` (``real_folder`` with its links resolved), in name order.
    A symbolic link (to a file or a folder) is followed only when it stays inside ``root``; a
    folder is walked once however it is reached. Only links are resolved (100,000 files are
    one listing, not 100,000 walks up their path)."""
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError as exc:
        errors.append(str(AnnotatorError("cannot read folder", str(folder), exc.strerror)))
        return
    for entry in entries:
        path = folder / entry.name
        if entry.is_symlink():
            real = resolved(path)
            if real is None or not real.is_relative_to(root):
                if path.suffix == ".txt" or path.is_dir():
                    why = "it loops" if real is None else f"to {real}; not followed"
                    errors.append(
                        str(AnnotatorError("symbolic link leads outside the folder being imported", str(path), why))
                    )
                continue
            is_dir = real.is_dir()
        else:
            real = real_folder / entry.name
            is_dir = entry.is_dir(follow_symlinks=False)
        if is_dir:
            if real not in seen:
                seen.add(real)
                _walk(path, real, root, seen, found, errors)
        elif path.suffix == ".txt":
            found.append((path, real, root))


def _read_text_file(found: _Found, now: str) -> tuple[DocumentInfo, str]:
    file, real, root = found
    doc_id = check_doc_id(file.stem, str(file))
    raw = _read_resolved(real, file, "file") if real is not None else read_regular(file, "file", root)
    text = decode_utf8(raw, "file", file)
    bom = text.startswith(BOM)
    if bom:
        text = text[1:]
    crlf = text.count("\r\n")
    text = text.replace("\r\n", "\n")
    if not text.strip():
        raise AnnotatorError("empty document", str(file))
    info = DocumentInfo(
        id=doc_id,
        sha256=sha256_text(text),
        chars=len(text),
        title=title_of(text),
        bom=bom,
        crlf=crlf,
        source=str(file),
        imported=now,
    )
    return info, text


# --------------------------------------------------------------------------- the index

# Each key of an index line and the type of its value; the first four are required.
_FIELDS: dict[str, type] = {
    "id": str,
    "sha256": str,
    "chars": int,
    "title": str,
    "bom": bool,
    "crlf": int,
    "source": str,
    "imported": str,
}
_REQUIRED = ("id", "sha256", "chars", "title")
_TYPE_NAMES = {str: "a string", int: "a whole number of 0 or more", bool: "true or false"}
_SHA256 = re.compile(r"[0-9a-f]{64}")
_KEYS = _FIELDS.keys()
_values = itemgetter(*_FIELDS)  # in the order of DocumentInfo's fields
_TYPES = tuple(_FIELDS.values())
_BAD_LINE = "bad line in the corpus index"
_new = tuple.__new__  # DocumentInfo(*v) without its keyword handling


def _read_index(path: Path, directory: Path) -> tuple[dict[str, DocumentInfo], list[AnnotatorError]]:
    """The documents of the good lines, and one AnnotatorError per bad line (file:line, what, why).
    An index as the program writes it passes one test of every line at once (the index of
    100,000 documents is read at every start of the app); any other is read line by line,
    each looked at key by key to accept it or say what is wrong."""
    try:
        raw = read_regular(path, "the corpus index", directory)
    except AnnotatorError as exc:
        return {}, [exc]
    docs = _as_written_index(raw)
    return (docs, []) if docs is not None else _read_lines(raw, path)


def _as_written_index(raw: bytes) -> dict[str, DocumentInfo] | None:
    """The documents of an index whose every line :func:`_as_written` takes (so no blank
    line), each id once; None for any other index. The collector is paused meanwhile: the
    lines of 100,000 documents make a million objects and no cycle."""
    lines = raw.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    paused = gc.isenabled()
    gc.disable()
    try:
        infos = list(map(_as_written, map(orjson.loads, lines)))
    except orjson.JSONDecodeError:
        return None
    finally:
        if paused:
            gc.enable()
    if None in infos:
        return None
    docs = {info.id: info for info in infos if info is not None}
    return docs if len(docs) == len(infos) else None


def _read_lines(raw: bytes, path: Path) -> tuple[dict[str, DocumentInfo], list[AnnotatorError]]:
    """Every line on its own: the good ones' documents, and what is wrong with each other."""
    docs: dict[str, DocumentInfo] = {}
    lines: dict[str, int] = {}  # id -> the line giving it
    problems: list[AnnotatorError] = []
    for number, line in enumerate(raw.split(b"\n"), 1):
        if not line or line.isspace():
            continue
        try:
            data = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            problems.append(AnnotatorError(f"{_BAD_LINE}: not valid JSON", f"{path}:{number}", str(exc)))
            continue
        try:
            info = _as_written(data) or _index_entry(data, f"{path}:{number}")
        except AnnotatorError as exc:
            problems.append(exc)
            continue
        if info.id in docs:
            problems.append(
                AnnotatorError(
                    f"document {info.id!r} is given again", f"{path}:{number}", f"first on line {lines[info.id]}"
                )
            )
            continue
        docs[info.id] = info
        lines[info.id] = number
    return docs, problems


def _as_written(data: object) -> DocumentInfo | None:
    """The entry of a line as the program writes it (every key, each value of its type, an id
    that names a file, a sha256), tested at once; None for any other line."""
    if type(data) is not dict or data.keys() != _KEYS:
        return None
    v = _values(data)
    if tuple(map(type, v)) != _TYPES or v[2] < 0 or v[5] < 0 or not _SHA256.fullmatch(v[1]):
        return None
    if not _good_id(v[0]):
        return None
    if len(v[3]) > TITLE_LIMIT:  # an index made by hand: the document stays usable, its title cut
        v = (*v[:3], v[3][:TITLE_LIMIT], *v[4:])
    return _new(DocumentInfo, v)


def _index_entry(data: object, where: str) -> DocumentInfo:
    """An index line's entry, or what is wrong with it, key by key."""
    what = _BAD_LINE
    if not isinstance(data, dict):
        raise AnnotatorError(f"{what}: not a JSON object", where, f"got {type(data).__name__}")
    missing = [key for key in _REQUIRED if key not in data]
    if missing:
        raise AnnotatorError(f"{what}: missing {', '.join(map(repr, missing))}", where)
    unknown = sorted(set(data) - set(_FIELDS))
    if unknown:
        raise AnnotatorError(
            f"{what}: unknown key {', '.join(map(repr, unknown))}", where, f"the keys are {', '.join(_FIELDS)}"
        )
    for key, kind in _FIELDS.items():
        value = data.get(key, kind())
        if type(value) is not kind or (type(value) is int and value < 0):
            raise AnnotatorError(f"{what}: {key!r} must be {_TYPE_NAMES[kind]}", where, f"got {_short(value)}")
    check_doc_id(data["id"], where)
    if not _SHA256.fullmatch(data["sha256"]):
        raise AnnotatorError(
            f"{what}: 'sha256' must be 64 lowercase hex digits", where, f"got {_short(data['sha256'])}"
        )
    return DocumentInfo(**{**data, "title": data["title"][:TITLE_LIMIT]})


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _index_bytes(docs: dict[str, DocumentInfo]) -> bytes:
    return b"".join(orjson.dumps(docs[i].to_json()) + b"\n" for i in sorted(docs))
