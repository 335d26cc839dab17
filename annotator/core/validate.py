"""Checking a whole workspace: every problem, each with its file, the place in it and the reason.

:func:`validate` reads the workspace once and returns every :class:`Problem`, in this order:

- ``config``: ``annotator.toml`` reads (:func:`~annotator.core.workspace.read_config`) and names a
  guidelines version that is in ``guidelines/``;
- ``guidelines``: every version's schema and manual (:func:`annotator.core.guidelines.schema.check`,
  what ``annotator guidelines check`` reports);
- ``index``: ``corpus/index.jsonl``, every bad line (:class:`~annotator.core.corpus.Corpus`);
- ``text``: every indexed text is there, a regular file, UTF-8, with the sha256 and length the index
  records; ``unindexed``: a ``.txt`` in ``corpus/`` the index does not list (nobody will ever see it);
- ``folder``: a folder of ``annotations/`` that is not an annotator name (nothing reads it);
- ``annotation``: every ``annotations/<name>/<doc_id>.json`` through the one loader
  (:func:`annotator.core.annotations.loading.check`, as a store checks it), on the corpus's text,
  and migratable to the workspace's guidelines; a file whose document is not in the corpus;
- ``temp``: a temporary file an interrupted atomic write left (``.<name>.*.tmp``, see
  :mod:`annotator.core.jsonio`) at the top, in ``corpus/`` or in an annotator's folder;
- ``gitignore``: ``.gitignore`` missing, or without the lines of
  :data:`~annotator.core.workspace.GITIGNORE` (so temp and lock files could be committed).

A file that does not parse and holds git conflict markers says so. :func:`fix` does only what is
safe: it removes temp files (an annotation file's only while no editor holds its document's lock),
writes a missing ``.gitignore`` and appends the missing lines to a team's own (never rewriting a
line of it). Each file is read once; nothing builds tables.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from annotator.core.annotations.loading import check, migrate_to, read_bytes, same_text
from annotator.core.corpus import INDEX_NAME, Corpus, DocumentInfo, check_doc_id, decode_utf8, read_regular
from annotator.core.errors import AnnotatorError
from annotator.core.guidelines.registry import Registry, registry
from annotator.core.guidelines.schema import check as check_guidelines
from annotator.core.guidelines.schema import list_versions
from annotator.core.identity import check_name
from annotator.core.jsonio import atomic_write_bytes, temp_target
from annotator.core.workspace import CONFIG_NAME, GITIGNORE, Config, Workspace, read_config

Progress = Callable[[str, int, int], None]  # (stage, done, total)
GITIGNORE_NAME = ".gitignore"
GITIGNORE_LINES = tuple(line for line in GITIGNORE.splitlines() if line.strip() and not line.startswith("#"))
CONFLICT_HINT = "looks like an unresolved git merge conflict"
_CONFLICT = re.compile(rb"^(?:<{7}|>{7})(?: |\r?$)", re.M)  # a line git's merge begins or ends a conflict with


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong: ``path`` relative to the workspace root, ``place`` in it ("" for the
    whole file, else a line, a byte or a JSON path), why, and whether ``fix`` can mend it."""

    kind: str  # config, guidelines, index, text, unindexed, folder, annotation, temp, gitignore
    path: str
    place: str
    reason: str
    fixable: bool = False

    def __str__(self) -> str:
        return f"{self.path}:{self.place}: {self.reason}" if self.place else f"{self.path}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Fix:
    """What ``fix`` did about one problem (``done``) or why it left it."""

    path: str
    done: bool
    what: str


def validate(root: Path, progress: Progress | None = None) -> list[Problem]:
    """Every problem of the workspace at ``root`` (see the module docstring); empty when all is well."""
    root = root.resolve()
    problems, config = _config(root)
    target = config.guidelines if config is not None and not problems else None  # what files migrate to
    ws = Workspace(root, config or Config(name="", guidelines=""))
    problems += _guidelines(ws)
    corpus, found = _corpus(ws)
    problems += found
    problems += _texts(ws, corpus, progress)
    problems += _annotations(ws, corpus, target, progress)
    top = _entries(root)
    problems += [_temp(name) for name in sorted(top) if _is_temp(top[name])]
    problems += _gitignore(root)
    return problems


# --------------------------------------------------------------------------- the checks


def _config(root: Path) -> tuple[list[Problem], Config | None]:
    path = root / CONFIG_NAME
    try:
        config = read_config(path)
    except AnnotatorError as exc:
        return [_from_error("config", exc, CONFIG_NAME, root=root, raw=_raw(path))], None
    versions = list_versions(root / "guidelines") if (root / "guidelines").is_dir() else []
    if config.guidelines not in versions:
        reason = f"names guidelines {config.guidelines!r}, which is not in guidelines/"
        why = f"available: {', '.join(versions) or 'none'}"
        return [Problem("config", CONFIG_NAME, "[project] guidelines", f"{reason} ({why})")], config
    return [], config


def _guidelines(ws: Workspace) -> list[Problem]:
    problems = []
    for message in check_guidelines(ws.guidelines_dir):
        rel = _relative(message, ws.root)
        where, _, reason = rel.partition(": ")
        path, _, place = where.partition(":")
        if _conflicted(_raw(ws.root / path)):
            reason += f" - {CONFLICT_HINT}"
        problems.append(Problem("guidelines", path, place.strip(), reason))
    return problems


def _corpus(ws: Workspace) -> tuple[Corpus, list[Problem]]:
    """The corpus as its index lists it (bad lines left out), and a problem per bad line."""
    corpus = Corpus(ws.corpus_dir)
    raw = _raw(corpus.index_path) if corpus.problems else None
    return corpus, [_from_error("index", exc, f"corpus/{INDEX_NAME}", root=ws.root, raw=raw) for exc in corpus.problems]


def _texts(ws: Workspace, corpus: Corpus, progress: Progress | None) -> list[Problem]:
    entries = _entries(ws.corpus_dir)
    infos = corpus.infos()
    problems: list[Problem] = []
    for done, info in enumerate(infos, 1):
        problems += _text(ws, info, f"{info.id}.txt" in entries)
        if progress is not None and done % 500 == 0:
            progress("corpus texts", done, len(infos))
    listed = {f"{info.id}.txt" for info in infos}
    for name in sorted(entries):
        if _is_temp(entries[name]):
            problems.append(_temp(f"corpus/{name}"))
        elif name.endswith(".txt") and not name.startswith(".") and name not in listed:
            reason = f"not in corpus/{INDEX_NAME}: it will never be annotated (import it, or remove it)"
            problems.append(Problem("unindexed", f"corpus/{name}", "", reason))
    return problems


def _text(ws: Workspace, info: DocumentInfo, present: bool) -> list[Problem]:
    """An indexed text, read as the corpus reads it (a regular file, in its folder, UTF-8), against the index."""
    rel, path = f"corpus/{info.id}.txt", ws.corpus_dir / f"{info.id}.txt"
    if not present:
        return [Problem("text", rel, "", f"missing: corpus/{INDEX_NAME} lists it")]
    try:
        raw = read_regular(path, "document", ws.corpus_dir)
        text = decode_utf8(raw, "document", path)
    except AnnotatorError as exc:
        return [_from_error("text", exc, rel, root=ws.root)]
    if hashlib.sha256(raw).hexdigest() != info.sha256:
        reason = "changed since it was imported: its sha256 is not the index's (annotations on it are not used)"
        if _conflicted(raw):
            reason += f"; it {CONFLICT_HINT}"
        elif b"\r\n" in raw and hashlib.sha256(raw.replace(b"\r\n", b"\n")).hexdigest() == info.sha256:
            reason += "; it has CRLF line ends where the index has LF (git's core.autocrlf?)"
        return [Problem("text", rel, "", reason)]
    if len(text) != info.chars:
        return [Problem("text", rel, "", f"{len(text)} characters, the index says {info.chars}")]
    return []


def _annotations(ws: Workspace, corpus: Corpus, target: str | None, progress: Progress | None) -> list[Problem]:
    folders = {name: entry for name, entry in _entries(ws.annotations_dir).items() if entry.is_dir()}
    problems: list[Problem] = []
    listings: dict[str, dict[str, os.DirEntry[str]]] = {}
    for name in sorted(folders):
        try:
            check_name(name, f"annotations/{name}", allow_gold=True)  # as Workspace.annotator_dir
        except AnnotatorError as exc:
            reason = f"{exc.what} ({exc.why}): nothing reads this folder"
            problems.append(Problem("folder", f"annotations/{name}", "", reason))
            continue
        listings[name] = _entries(folders[name].path)
    guidelines = registry(ws.guidelines_dir).snapshot()  # one state of the guidelines for every file
    total = sum(len(x) for x in listings.values())
    done = 0
    for name, entries in listings.items():
        for file in sorted(entries):
            done += 1
            if progress is not None and done % 500 == 0:
                progress("annotation files", done, total)
            rel = f"annotations/{name}/{file}"
            if _is_temp(entries[file]):
                problems.append(_temp(rel))
            elif file.endswith(".json") and not file.startswith(".") and entries[file].is_file():
                problems += _annotation(entries[file].path, rel, file[: -len(".json")], corpus, guidelines, target)
    return problems


def _annotation(
    path: str, rel: str, doc_id: str, corpus: Corpus, guidelines: Registry, target: str | None
) -> list[Problem]:
    if doc_id not in corpus:
        return [Problem("annotation", rel, "", f"no document {doc_id!r} in the corpus: nothing reads this file")]
    info = corpus.info(doc_id)
    raw = None
    try:
        raw = read_bytes(path)
        if raw is None:  # gone since the folder was listed
            return []
        checked = check(raw, rel, doc_id=doc_id, guidelines=guidelines, text=info)
        same_text(checked.data["text_sha256"], info, rel)
        if target is not None and checked.data["guidelines"] != target:
            migrate_to(checked.document(), guidelines, target, rel)
    except AnnotatorError as exc:
        return [_from_error("annotation", exc, rel, raw=raw)]
    return []


def _gitignore(root: Path) -> list[Problem]:
    path = root / GITIGNORE_NAME
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return [Problem("gitignore", GITIGNORE_NAME, "", "missing: temp and lock files could be committed", True)]
    if not stat.S_ISREG(mode):
        return [Problem("gitignore", GITIGNORE_NAME, "", "not a regular file")]
    try:
        lines = {line.strip() for line in path.read_bytes().decode("utf-8").splitlines()}
    except (OSError, UnicodeDecodeError) as exc:
        return [Problem("gitignore", GITIGNORE_NAME, "", f"cannot be read ({exc})")]
    missing = [line for line in GITIGNORE_LINES if line not in lines]
    if not missing:
        return []
    reason = f"has no line {', '.join(map(repr, missing))}: temp and lock files could be committed"
    return [Problem("gitignore", GITIGNORE_NAME, "", reason, True)]


# --------------------------------------------------------------------------- fixing


def fix(root: Path, problems: list[Problem]) -> list[Fix]:
    """Mend the fixable ``problems`` (temp files, .gitignore); say what was done and what was left."""
    ws = Workspace(root.resolve(), Config(name="", guidelines=""))
    fixes = []
    for problem in problems:
        if problem.fixable and problem.kind == "temp":
            fixes.append(_remove_temp(ws, problem.path))
        elif problem.fixable and problem.kind == "gitignore":
            fixes.append(_mend_gitignore(ws.root))
    return fixes


def _remove_temp(ws: Workspace, rel: str) -> Fix:
    """Remove a temp file; in an annotator's folder only under its document's lock (a live editor
    may be saving it). Temp files of the corpus are removed whatever: imports run briefly."""
    from annotator.core.annotations.store import AnnotationStore

    parts = rel.split("/")
    lock = None
    if len(parts) == 3 and parts[0] == "annotations" and (doc_id := _temp_document(parts[2])) is not None:
        lock = AnnotationStore(ws.annotations_dir, parts[1]).lock(doc_id)
        try:
            holder = lock.acquire()
        except OSError as exc:
            return Fix(rel, False, f"left: cannot take the lock of {doc_id} ({exc.strerror or exc})")
        if holder is not None:
            return Fix(rel, False, f"left: {doc_id} is being edited ({holder})")
    try:
        (ws.root / rel).unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:
        return Fix(rel, False, f"left: cannot remove it ({exc.strerror or exc})")
    finally:
        if lock is not None:
            lock.release()
    return Fix(rel, True, "removed the temp file")


def _mend_gitignore(root: Path) -> Fix:
    """Write the .gitignore init writes, or append the missing lines to the team's own (every
    byte of it kept), atomically."""
    path = root / GITIGNORE_NAME
    try:
        old = path.read_bytes() if path.exists() else None
        if old is None:
            atomic_write_bytes(path, GITIGNORE.encode("utf-8"))
            return Fix(GITIGNORE_NAME, True, "written")
        lines = {line.strip() for line in old.decode("utf-8").splitlines()}
        missing = [line for line in GITIGNORE_LINES if line not in lines]
        added = "# added by 'annotator validate --fix': files that only make sense on this machine\n"
        added += "".join(f"{line}\n" for line in missing)
        atomic_write_bytes(path, old + (b"\n" if old and not old.endswith(b"\n") else b"") + added.encode("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return Fix(GITIGNORE_NAME, False, f"left: cannot read or write it ({exc})")
    return Fix(GITIGNORE_NAME, True, f"appended {', '.join(missing)}")


# --------------------------------------------------------------------------- helpers


def _entries(folder: Path | str) -> dict[str, os.DirEntry[str]]:
    """The entries of ``folder`` by name ({} when it is missing): one listing, no stat per file."""
    try:
        with os.scandir(folder) as it:
            return {entry.name: entry for entry in it}
    except (FileNotFoundError, NotADirectoryError):
        return {}


def _is_temp(entry: os.DirEntry[str]) -> bool:
    return temp_target(entry.name) is not None and not entry.is_dir(follow_symlinks=False)


def _temp(rel: str) -> Problem:
    return Problem("temp", rel, "", "temp file left by an interrupted save or import", True)


def _temp_document(name: str) -> str | None:
    """The document an annotation file's temp file was written for (None if it names none)."""
    target = temp_target(name)
    if target is None or not target.endswith(".json"):
        return None
    try:
        return check_doc_id(target[: -len(".json")])
    except AnnotatorError:
        return None


def _raw(path: Path) -> bytes | None:
    """A small file's bytes, to look for conflict markers in once it has failed (None if unreadable)."""
    try:
        return path.read_bytes() if path.is_file() else None
    except OSError:
        return None


def _conflicted(raw: bytes | None) -> bool:
    return raw is not None and _CONFLICT.search(raw) is not None


def _relative(text: str, root: Path) -> str:
    prefix = f"{root}{os.sep}"
    return text[len(prefix) :] if text.startswith(prefix) else text


def _from_error(
    kind: str, exc: AnnotatorError, path: str, *, root: Path | None = None, raw: bytes | None = None
) -> Problem:
    """``exc`` about the file ``path`` as a Problem: its place (what ``where`` adds after the file's
    name), what and why, and the conflict hint if ``raw`` (the file's bytes) holds git's markers."""
    where = exc.where or path
    where = _relative(where, root) if root is not None else where
    place = where[len(path) :].lstrip(":").strip() if where.startswith(path) else where
    reason = f"{exc.what} ({exc.why})" if exc.why else exc.what
    if _conflicted(raw):
        reason += f" - {CONFLICT_HINT}"
    return Problem(kind, path, place, reason)
