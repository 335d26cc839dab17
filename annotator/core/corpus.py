"""The corpus: documents stored as UTF-8 text files plus an index of what was imported.

A document's id is its file stem. Its text is stored exactly as read, except that a
UTF-8 BOM is dropped and CRLF becomes LF (both recorded in the index). The index,
``corpus/index.jsonl``, holds one line per document: id, sha256, length, title and
how it was imported. Imports check every file first and write nothing if one is bad.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson

from annotator.core.errors import AnnotatorError
from annotator.core.jsonio import atomic_write_bytes

INDEX_NAME = "index.jsonl"
BOM = "\ufeff"
_BAD_ID = re.compile(r"[\x00-\x1f\x7f/\\]|^\.")


def check_doc_id(doc_id: object, where: str = "document id") -> str:
    """``doc_id`` if it can name a file inside its folder; else AnnotatorError. Every id that
    becomes a path (corpus texts, annotation files, exports) goes through here."""
    if not isinstance(doc_id, str) or not doc_id or _BAD_ID.search(doc_id):
        raise AnnotatorError(
            f"bad document id {doc_id!r}", where, "a non-empty string, no control characters, slashes or leading dot"
        )
    return doc_id


def read_utf8(path: Path, what: str = "file") -> str:
    """The text of a UTF-8 file; AnnotatorError naming the file (and the byte, if not UTF-8)."""
    try:
        return path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise AnnotatorError(f"cannot read {what}", str(path), exc.strerror) from exc
    except UnicodeDecodeError as exc:
        raise AnnotatorError(f"{what} is not valid UTF-8", f"{path}: byte {exc.start}", exc.reason) from exc


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def title_of(text: str, limit: int = 120) -> str:
    for line in text.split("\n"):
        if line.strip():
            return line.strip()[:limit]
    return ""


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    id: str
    sha256: str
    chars: int
    title: str
    bom: bool = False
    crlf: int = 0  # how many CRLF became LF
    source: str = ""
    imported: str = ""

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "sha256": self.sha256,
            "chars": self.chars,
            "title": self.title,
            "bom": self.bom,
            "crlf": self.crlf,
            "source": self.source,
            "imported": self.imported,
        }


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
    """The documents of one workspace, in id order."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.index_path = directory / INDEX_NAME
        self._docs: dict[str, DocumentInfo] = {}
        if self.index_path.exists():
            self._docs = _read_index(self.index_path)
        self._sort()

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
        info = self.info(doc_id)
        return Document(info, read_utf8(self.path(doc_id), "document"))

    def text(self, doc_id: str) -> str:
        return self.load(doc_id).text

    def import_texts(self, paths: list[Path]) -> tuple[list[DocumentInfo], list[str]]:
        """Import .txt files (or folders of them). All or nothing.

        Returns (added documents, ids skipped because already present with the same text).
        Raises AnnotatorError listing every bad file, one per line, before writing anything.
        """
        files = _expand(paths)
        errors: list[str] = []
        staged: dict[str, tuple[DocumentInfo, str]] = {}
        unchanged: list[str] = []
        now = datetime.now(UTC).isoformat(timespec="seconds")
        for file in files:
            try:
                info, text = _read_text_file(file, now)
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
        if errors:
            raise AnnotatorError("\n".join(errors))
        self.directory.mkdir(parents=True, exist_ok=True)
        for info, text in staged.values():
            target = self.path(info.id)
            data = text.encode("utf-8")
            if not (target.exists() and target.read_bytes() == data):
                atomic_write_bytes(target, data)
        new_docs = dict(self._docs)
        new_docs.update({info.id: info for info, _ in staged.values()})
        atomic_write_bytes(self.index_path, _index_bytes(new_docs))
        self._docs = new_docs
        self._sort()
        return [info for info, _ in staged.values()], unchanged


def _expand(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*.txt") if p.is_file())
            if not found:
                raise AnnotatorError("no .txt files in folder", str(path))
            files.extend(found)
        elif path.is_file():
            if path.suffix != ".txt":
                raise AnnotatorError("not a .txt file", str(path))
            files.append(path)
        else:
            raise AnnotatorError("no such file or folder", str(path))
    return files


def _read_text_file(file: Path, now: str) -> tuple[DocumentInfo, str]:
    doc_id = check_doc_id(file.stem, str(file))
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise AnnotatorError("cannot read file", str(file), exc.strerror) from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AnnotatorError("not valid UTF-8", f"{file}: byte {exc.start}", exc.reason) from exc
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


def _read_index(path: Path) -> dict[str, DocumentInfo]:
    docs: dict[str, DocumentInfo] = {}
    try:
        lines = path.read_bytes().splitlines()
    except OSError as exc:
        raise AnnotatorError("cannot read the corpus index", str(path), exc.strerror) from exc
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = orjson.loads(line)
            info = DocumentInfo(**data)
        except (orjson.JSONDecodeError, TypeError) as exc:
            raise AnnotatorError("bad line in the corpus index", f"{path}:{number}", str(exc)) from exc
        docs[info.id] = info
    return docs


def _index_bytes(docs: dict[str, DocumentInfo]) -> bytes:
    return b"".join(orjson.dumps(docs[i].to_json()) + b"\n" for i in sorted(docs))
