"""Model predictions kept as suggestions, and each annotator's decisions about suggestions.

Files and their fields: :mod:`annotator.core.suggestions.model`. Every write goes through
:mod:`annotator.core.jsonio` (temporary file, fsync, rename): a reader sees the old file or the
new one. A file that cannot be read is an :class:`AnnotatorError` naming it and never overwritten.

- Model suggestions: :func:`write_models` writes one source's files for many documents all or
  nothing; :func:`read_model` reads one document's (nothing when the file was made on another
  text: its ``text_sha256`` differs); :func:`model_sources` lists the sources.
- Decisions: :class:`DecisionStore` per annotator; :meth:`DecisionStore.record` takes the
  document's lock (``.locks/decisions/<annotator>/<doc_id>.lock``), reads, adds and writes, so two
  writers of one file never lose each other's decisions. One decision per span and label: a
  later one replaces an earlier one. :func:`decision_counts` counts every annotator's decisions
  per source, label and verdict (what ``annotator status`` shows).
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotator.core.annotations.loading import parse, read_bytes
from annotator.core.corpus import check_doc_id
from annotator.core.errors import AnnotatorError
from annotator.core.identity import check_name
from annotator.core.jsonio import atomic_write_many, dumps
from annotator.core.suggestions.model import (
    ACCEPTED,
    BUILT_IN,
    DECISIONS,
    FOLDER,
    FORMAT,
    REJECTED,
    Decision,
    Suggestion,
    decisions_dir,
    models_dir,
)
from annotator.core.workspace import Workspace

LOCK_WAIT = 5.0  # seconds a decision waits for another writer of the same file


def check_source(name: str, where: str = "--source") -> str:
    """``name`` if a model may be called so: an annotator-like name, not gold, not a built-in source."""
    check_name(name, where)
    if name in BUILT_IN:
        raise AnnotatorError(f"source name {name!r} is reserved", where, "the string-matching sources use it")
    return name


# --------------------------------------------------------------------------- model suggestions


@dataclass(frozen=True, slots=True)
class ModelDocument:
    """One source's suggestions for one document, as its file holds them (no text: only its sha256)."""

    doc_id: str
    text_sha256: str
    spans: tuple[tuple[int, int, str, float | None], ...]  # start, end, label, score

    def to_json(self, source: str) -> dict[str, Any]:
        items = []
        for start, end, label, score in self.spans:
            item: dict[str, Any] = {"start": start, "end": end, "label": label}
            if score is not None:
                item["score"] = score
            items.append(item)
        return {
            "format": FORMAT,
            "doc_id": self.doc_id,
            "text_sha256": self.text_sha256,
            "source": source,
            "suggestions": items,
        }


def model_path(root: Path, source: str, doc_id: str) -> Path:
    return models_dir(root) / check_source(source) / f"{check_doc_id(doc_id)}.json"


def write_models(root: Path, source: str, docs: Sequence[ModelDocument]) -> list[Path]:
    """Write ``source``'s file of every document in ``docs``, all or nothing (replacing older ones)."""
    files = [(model_path(root, source, d.doc_id), dumps(d.to_json(source))) for d in docs]
    try:
        atomic_write_many(files)
    except OSError as exc:
        where = exc.filename or str(models_dir(root) / source)
        raise AnnotatorError("cannot write the suggestions; nothing was imported", where, exc.strerror) from exc
    return [path for path, _ in files]


def model_sources(root: Path) -> list[str]:
    """The sources with a folder under ``suggestions/models/`` (folders that are no source name: left out)."""
    try:
        names = sorted(e.name for e in os.scandir(models_dir(root)) if e.is_dir())
    except FileNotFoundError:
        return []
    return [n for n in names if _good_source(n)]


def _good_source(name: str) -> bool:
    try:
        check_source(name)
    except AnnotatorError:
        return False
    return True


def read_model(root: Path, source: str, doc_id: str, text: str, text_sha256: str) -> list[Suggestion]:
    """``source``'s suggestions for ``doc_id`` over ``text`` (whose sha256 is ``text_sha256``); none
    without a file or when the file was made on another text. AnnotatorError: a bad file."""
    path = model_path(root, source, doc_id)
    data = _read_json(path)
    if data is None:
        return []
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("suggestions"), list):
        raise AnnotatorError("not a suggestions file", str(path), f"expected format {FORMAT} with 'suggestions'")
    if data.get("text_sha256") != text_sha256:
        return []
    out = []
    for index, item in enumerate(data["suggestions"]):
        start, end, label = _span(item, len(text), path, f"suggestions[{index}]")
        score = item.get("score")
        if score is not None and not _is_score(score):
            raise AnnotatorError(f"score {score!r} is not a number in [0, 1]", f"{path}:suggestions[{index}]")
        out.append(Suggestion(start, end, label, text[start:end], source, score, f"model {source}"))
    return out


def _is_score(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0.0 <= value <= 1.0


# --------------------------------------------------------------------------- decisions


class DecisionStore:
    """One annotator's decisions about suggestions, a file per document."""

    def __init__(self, workspace: Workspace | Path, annotator: str):
        self.root = workspace.root if isinstance(workspace, Workspace) else workspace
        self.annotator = check_name(annotator, "annotator name", allow_gold=True)
        self.directory = decisions_dir(self.root, self.annotator)

    def path(self, doc_id: str) -> Path:
        return self.directory / f"{check_doc_id(doc_id)}.json"

    def read(self, doc_id: str) -> list[Decision]:
        """The decisions about ``doc_id``'s suggestions, in the order recorded ([] without a file)."""
        path = self.path(doc_id)
        return _decisions(_read_json(path), path)

    def rejected(self, doc_id: str) -> set[tuple[int, int, str]]:
        """The spans and labels this annotator rejected in ``doc_id``."""
        return {d.key for d in self.read(doc_id) if d.verdict == REJECTED}

    def record(self, doc_id: str, decisions: Iterable[Decision]) -> list[Decision]:
        """Add ``decisions`` to the document's file under its lock (a decision on a span and label
        already decided replaces the earlier one); returns what the file now holds."""
        from annotator.core.annotations.store import DocumentLock

        path = self.path(doc_id)
        lock = DocumentLock(self.root / ".locks" / DECISIONS / self.annotator / f"{doc_id}.lock", path)
        _take(lock)
        try:
            kept = {d.key: d for d in self.read(doc_id)}
            for d in decisions:
                kept.pop(d.key, None)  # the latest last
                kept[d.key] = d
            data = {
                "format": FORMAT,
                "doc_id": doc_id,
                "annotator": self.annotator,
                "decisions": [d.to_json() for d in kept.values()],
            }
            try:
                atomic_write_many([(path, dumps(data))])
            except OSError as exc:
                raise AnnotatorError("cannot save the decision", exc.filename or str(path), exc.strerror) from exc
            return list(kept.values())
        finally:
            lock.release()


def _take(lock: Any) -> None:
    """Take ``lock``, waiting up to LOCK_WAIT for another writer (a decision is written in milliseconds)."""
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            holder = lock.acquire()
        except OSError as exc:
            raise AnnotatorError("cannot take the decisions' lock", str(lock.path), exc.strerror) from exc
        if holder is None:
            return
        if time.monotonic() > deadline:
            raise AnnotatorError("the decisions file is being written", str(lock.path), f"held by {holder}")
        time.sleep(0.01)


def _decisions(data: Any, path: Path) -> list[Decision]:
    if data is None:
        return []
    items = data.get("decisions") if isinstance(data, dict) and data.get("format") == FORMAT else None
    if not isinstance(items, list):
        raise AnnotatorError("not a decisions file", str(path), f"expected format {FORMAT} with 'decisions'")
    out = []
    for index, item in enumerate(items):
        at = f"decisions[{index}]"
        start, end, label = _span(item, None, path, at)
        source, verdict, when = item.get("source"), item.get("verdict"), item.get("at")
        if not isinstance(source, str) or verdict not in (ACCEPTED, REJECTED) or not isinstance(when, str):
            raise AnnotatorError("a decision needs 'source', 'verdict' (accepted|rejected) and 'at'", f"{path}:{at}")
        out.append(Decision(start, end, label, source, verdict, when))
    return out


@dataclass(frozen=True, slots=True)
class DecisionCount:
    source: str
    label: str
    accepted: int
    rejected: int

    @property
    def rate(self) -> float | None:
        """Accepted of all decided; None when nothing was decided."""
        total = self.accepted + self.rejected
        return self.accepted / total if total else None


def decision_counts(root: Path) -> tuple[list[DecisionCount], list[str]]:
    """Every annotator's decisions counted per (source, label), sorted; and the files that could not be
    read (one line each: they are counted nowhere). Reads only the ``decisions`` of each file."""
    counts: Counter[tuple[str, str, str]] = Counter()
    problems: list[str] = []
    top = root / FOLDER / DECISIONS
    try:
        people = [e for e in os.scandir(top) if e.is_dir()]
    except FileNotFoundError:
        return [], []
    for person in people:
        for entry in os.scandir(person.path):
            if not entry.name.endswith(".json") or entry.name.startswith("."):
                continue
            path = Path(entry.path)
            try:
                decisions = _decisions(_read_json(path), path)
            except AnnotatorError as exc:
                problems.append(str(exc))
                continue
            counts.update((d.source, d.label, d.verdict) for d in decisions)
    keys = sorted({(s, lab) for s, lab, _ in counts})
    return [DecisionCount(s, lab, counts[(s, lab, ACCEPTED)], counts[(s, lab, REJECTED)]) for s, lab in keys], problems


# --------------------------------------------------------------------------- shared reading


def _read_json(path: Path) -> dict[str, Any] | None:
    """The file's JSON object (read and parsed as annotation files are); None when there is no file."""
    raw = read_bytes(path, "suggestions file")
    return None if raw is None else parse(raw, str(path))


def _span(item: Any, limit: int | None, path: Path, at: str) -> tuple[int, int, str]:
    """start, end, label of a suggestion or decision (offsets within ``limit`` when known)."""
    if not isinstance(item, dict):
        raise AnnotatorError("not a JSON object", f"{path}:{at}")
    start, end, label = item.get("start"), item.get("end"), item.get("label")
    if not (type(start) is int and type(end) is int and 0 <= start < end and isinstance(label, str)):
        raise AnnotatorError("needs 'start' < 'end' (code points) and a 'label'", f"{path}:{at}")
    if limit is not None and end > limit:
        raise AnnotatorError(f"span {start}-{end} is past the end of the text ({limit})", f"{path}:{at}")
    return start, end, label
