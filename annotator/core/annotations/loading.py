"""Reading an annotation file: bytes, checked, migrated, a ``DocumentAnnotations``.

Every reader of annotation files goes through here: the store (opening a document, the
statuses of the document list), adjudication, export, ``import annotations`` (each
line) and the agreement tables. So a file one of them refuses, all of them refuse, for
the same reason, given as one AnnotatorError naming the file and the place in it
(``annotations/amal/doc.json:entities[3]: entity T4: span 5-1000000 is empty, reversed
or outside the text (0-812)``).

A file is checked against the guidelines version it declares and the text it was made on:

- structure: a JSON object with ``doc_id``, ``text_sha256``, ``guidelines`` and
  ``annotator`` strings and a known ``status``; ``entities`` and ``events`` lists of
  objects with string ids, labels, types and roles and integer offsets (``0.9``,
  ``"3"``, ``true`` and ``1e30`` are not integers); ``needs_review`` a string,
  ``agreed_by`` a list of strings;
- content: every span non-empty and inside the text (``0 <= start < end <= length``;
  the length only when the file's ``text_sha256`` is the corpus's, since offsets into
  another text say nothing about this one); every label, event type and role declared
  by the file's guidelines and every role filled with a label it accepts; every
  argument naming an entity of the same file; every id used once; no span carrying
  the same label twice, no argument given twice.

An entity or event marked ``needs_review`` may keep a name its version does not
declare, or an argument its role does not accept: that is what a migration leaves for
a person to settle (:mod:`annotator.core.guidelines.migration`).

Readers put the pieces together: :func:`read_bytes`, :func:`check`, :func:`same_text` (the
file was made on the corpus's text), :func:`migrate_to` (to the target version, in memory).

Speed: the agreement reads tens of thousands of files, so :func:`check` first tests a
whole file as columns (:class:`Flat`) with set operations; only a file that fails that
test is walked item by item (:func:`content_problems`) to say what is wrong, and the
walk decides. tests/test_loading.py checks that the column test never passes a file
the walk refuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import lt
from pathlib import Path
from typing import Any, Protocol, TypeGuard

import orjson

from annotator.core.annotations.model import FORMAT, STATUSES, DocumentAnnotations
from annotator.core.errors import AnnotatorError
from annotator.core.guidelines.registry import Registry, Vocabulary
from annotator.core.guidelines.schema import parse_semver

OFFSET_LIMIT = 2**62  # no text is this long (offsets must also fit the agreement's 64-bit columns)
HEADER = ("doc_id", "text_sha256", "guidelines", "annotator")
# The formats of annotation file this version reads: what DocumentAnnotations.to_json writes.
# A file without the field (or with null) is read as format 1, the only format there has been.
FORMATS = (FORMAT,)


class Text(Protocol):
    """The text a file's offsets are checked against, as the corpus index gives it
    (:class:`annotator.core.corpus.DocumentInfo` is one)."""

    @property
    def sha256(self) -> str: ...

    @property
    def chars(self) -> int: ...  # length in code points


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a file: where in it (a JSON path, "" for the whole), what, and why."""

    at: str
    what: str
    why: str | None = None

    def error(self, where: str) -> AnnotatorError:
        return AnnotatorError(self.what, f"{where}:{self.at}" if self.at else where, self.why)

    def __str__(self) -> str:
        return f"{self.what} ({self.why})" if self.why else self.what


@dataclass(slots=True)
class Flat:
    """A file's entities, events and arguments as columns, in file order (event types with '.')."""

    e_id: list[str]
    e_start: list[int]
    e_end: list[int]
    e_label: list[str]
    e_review: list[Any]  # needs_review of each entity (None when absent)
    e_agreed: list[Any]  # agreed_by of each entity (() when absent)
    v_id: list[str]
    v_type: list[str]
    v_start: list[int]
    v_end: list[int]
    v_review: list[Any]
    v_agreed: list[Any]
    v_arguments: list[Any]  # each event's arguments list
    a_event: list[str]  # the id of the event each argument belongs to
    a_role: list[str]
    a_entity: list[str]
    marked: bool = True  # False: the file has no review marks (the two lists of each are placeholders)
    a_index: list[int] | None = None  # position of each argument's entity in the entity columns

    @property
    def review(self) -> int:
        """Entities and events marked needs_review."""
        return sum(1 for x in self.e_review if x) + sum(1 for x in self.v_review if x) if self.marked else 0

    def argument_entities(self) -> list[int]:
        """The position in the entity columns of each argument's entity."""
        if self.a_index is None:
            index = dict(zip(self.e_id, range(len(self.e_id))))
            self.a_index = [index[x] for x in self.a_entity]
        return self.a_index


@dataclass(frozen=True, slots=True)
class Checked:
    """A file that passed every check: its data as read and its columns."""

    data: dict[str, Any]
    flat: Flat

    def document(self) -> DocumentAnnotations:
        return DocumentAnnotations.from_json(self.data)


# --------------------------------------------------------------------------- entry points


def read_bytes(path: Path | str, what: str = "annotation file") -> bytes | None:
    """The file's bytes; None when there is no file (``what``: the kind of file, for the error)."""
    try:
        with open(path, "rb", buffering=0) as handle:  # one read of the whole file, no buffer between
            return handle.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise AnnotatorError(f"cannot read {what}", str(path), exc.strerror or str(exc)) from exc


def check(
    raw: bytes, where: str, *, doc_id: str | None = None, guidelines: Registry | None = None, text: Text | None = None
) -> Checked:
    """Parse and check an annotation file (see the module docstring); AnnotatorError for the
    first problem. ``doc_id``: the document the file's name says; ``guidelines``: where
    its version's schema comes from (None: names are not checked); ``text``: the corpus's
    document (None: offsets are checked for order only)."""
    data = parse(raw, where)
    problems = header_problems(data)
    if problems:
        raise problems[0].error(where)
    if doc_id is not None and data["doc_id"] != doc_id:
        raise AnnotatorError(
            f"the file is for document {data['doc_id']!r}", f"{where}:doc_id", f"its name says {doc_id}"
        )
    vocabulary = None if guidelines is None else _vocabulary(guidelines, data["guidelines"], where)
    limit = text.chars if text is not None and text.sha256 == data["text_sha256"] else OFFSET_LIMIT
    return Checked(data, _columns(data, vocabulary, limit, where))


def parse(raw: bytes, where: str) -> dict[str, Any]:
    """The JSON object in ``raw``."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise AnnotatorError("not valid JSON", where, str(exc)) from exc
    if not isinstance(data, dict):
        raise AnnotatorError("bad structure: the file holds no JSON object", where, f"got {_kind(data)}")
    return data


def same_text(text_sha256: str, text: Text, where: str) -> None:
    """AnnotatorError if a file (whose ``text_sha256`` is given) was made on another text than the corpus's."""
    if text_sha256 != text.sha256:
        raise AnnotatorError(
            "the annotations were made on another text",
            f"{where}:text_sha256",
            "the document text changed since: its sha256 differs from the corpus index",
        )


def migrate_to(
    doc: DocumentAnnotations, guidelines: Registry, target: str, where: str
) -> tuple[DocumentAnnotations, list[str]]:
    """``doc`` under the ``target`` version and what the migration did (nothing if it is there)."""
    if doc.guidelines == target:
        return doc, []
    if (parse_semver(doc.guidelines) or (0, 0, 0)) > (parse_semver(target) or (0, 0, 0)):
        raise AnnotatorError(f"guidelines {doc.guidelines} is newer than the workspace's {target}", where)
    from annotator.core.guidelines.migration import migrate_along

    try:
        migrated, messages = migrate_along(doc, guidelines.chain(doc.guidelines, target))
    except AnnotatorError as exc:
        raise AnnotatorError(f"cannot migrate from guidelines {doc.guidelines} to {target}", where, str(exc)) from exc
    return migrated, messages or [f"migrated from guidelines {doc.guidelines} to {target}"]


def flatten(doc: DocumentAnnotations) -> Flat:
    """The columns of a document (a migrated one, say), as :func:`check` gives them."""
    return _normalized(_flatten(doc.to_json()))


# --------------------------------------------------------------------------- the checks


def header_problems(data: dict[str, Any]) -> list[Problem]:
    """The top-level keys of a file in the store's format."""
    version = data.get("format")
    if version is not None and (type(version) is not int or version not in FORMATS):
        readable = ", ".join(map(str, FORMATS))
        shown = repr(version) if len(repr(version)) <= 40 else repr(version)[:37] + "..."
        return [Problem("format", f"format {shown} is not one this version reads ({readable})")]
    problems = [
        Problem(key, f"{key!r} must be a string", _got(data.get(key)))
        for key in HEADER
        if not isinstance(data.get(key), str)
    ]
    status = data.get("status", "in_progress")
    if not isinstance(status, str) or status not in STATUSES:
        problems.append(Problem("status", f"unknown status {status!r}", f"one of {', '.join(STATUSES)}"))
    problems += [
        Problem(key, f"{key!r} must be a time stamp string", _got(data[key]))
        for key in ("created", "modified")
        if data.get(key) is not None and not isinstance(data[key], str)
    ]
    return problems


def content_problems(data: dict[str, Any], vocabulary: Vocabulary | None, limit: int) -> list[Problem]:
    """Every problem with the ``entities`` and ``events`` of ``data`` (a file, or an interchange
    line), item by item: the rules :func:`check` applies, said in words."""
    problems: list[Problem] = []
    labels: dict[str, str] = {}  # entity id -> label, for the arguments
    ids: list[tuple[str, str]] = []  # (id, where it is given)
    entities = _list(data, "entities", problems)
    spans: set[tuple[int, int, str]] = set()
    for index, item in enumerate(entities):
        at = f"entities[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not isinstance(item.get("label"), str):
            problems.append(Problem(at, f"entity #{index + 1}: needs 'id' and 'label' strings"))
            continue
        what, label = f"entity {item['id']}", item["label"]
        ids.append((item["id"], f"{at}.id"))
        labels.setdefault(item["id"], label)
        marked = _review(item, at, what, problems)
        if vocabulary is not None and label not in vocabulary.labels and not marked:
            problems.append(Problem(f"{at}.label", f"{what}: no label {label!r} in guidelines {vocabulary.version}"))
        span = _span(item, at, what, limit, problems)
        if span is not None and (*span, label) in spans:
            problems.append(Problem(at, f"{what}: the span {span[0]}-{span[1]} is already {label}"))
        elif span is not None:
            spans.add((*span, label))
    for index, item in enumerate(_list(data, "events", problems)):
        at = f"events[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not isinstance(item.get("type"), str):
            problems.append(Problem(at, f"event #{index + 1}: needs 'id' and 'type' strings"))
            continue
        what, kind = f"event {item['id']}", item["type"].replace(":", ".")
        ids.append((item["id"], f"{at}.id"))
        marked = _review(item, at, what, problems)
        known = vocabulary is None or kind in vocabulary.events
        if vocabulary is not None and not known and not marked:
            problems.append(Problem(f"{at}.type", f"{what}: no event type {kind!r} in guidelines {vocabulary.version}"))
        trigger = item.get("trigger")
        if not isinstance(trigger, dict):
            problems.append(Problem(f"{at}.trigger", f"{what}: 'trigger' must be an object with 'start' and 'end'"))
        else:
            _span(trigger, f"{at}.trigger", f"{what} trigger", limit, problems)
        rules = vocabulary if known and not marked else None
        _arguments(item, at, what, kind, rules, labels, problems)
    first: dict[str, str] = {}
    again = [(i, at) for i, at in ids if first.setdefault(i, at) != at]
    if again:  # at the first id given again
        repeated = sorted({i for i, _ in again})
        problems.append(Problem(again[0][1], f"ids used more than once: {', '.join(repeated)}"))
    return problems


def _arguments(
    event: dict[str, Any],
    at: str,
    what: str,
    kind: str,
    vocabulary: Vocabulary | None,
    labels: dict[str, str],
    problems: list[Problem],
) -> None:
    items = event.get("arguments", [])
    if not isinstance(items, list):
        problems.append(Problem(f"{at}.arguments", f"{what}: 'arguments' must be a list", _got(items)))
        return
    seen: set[tuple[str, str]] = set()
    for index, item in enumerate(items):
        here = f"{at}.arguments[{index}]"
        if not (isinstance(item, dict) and isinstance(item.get("role"), str) and isinstance(item.get("entity"), str)):
            problems.append(Problem(here, f"{what}: an argument needs 'role' and 'entity' strings"))
            continue
        role, entity = item["role"], item["entity"]
        if entity not in labels:
            problems.append(Problem(here, f"{what}: argument {role} names no entity {entity!r} of this document"))
        elif vocabulary is not None and (kind, role) not in vocabulary.roles:
            problems.append(Problem(here, f"{what}: {kind} has no role {role!r} in guidelines {vocabulary.version}"))
        elif vocabulary is not None and (kind, role, labels[entity]) not in vocabulary.accepts:
            problems.append(Problem(here, f"{what}: role {role} of {kind} does not accept {entity} ({labels[entity]})"))
        if (role, entity) in seen:
            problems.append(Problem(here, f"{what}: argument {role} {entity} is given twice"))
        seen.add((role, entity))


def _list(data: dict[str, Any], key: str, problems: list[Problem]) -> list[Any]:
    value = data.get(key, [])
    if isinstance(value, list):
        return value
    problems.append(Problem(key, f"{key!r} must be a list", _got(value)))
    return []


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _span(item: dict[str, Any], at: str, what: str, limit: int, problems: list[Problem]) -> tuple[int, int] | None:
    start, end = item.get("start"), item.get("end")
    if not (_is_int(start) and _is_int(end)):
        bad = "start" if not _is_int(start) else "end"
        problems.append(Problem(f"{at}.{bad}", f"{what}: 'start' and 'end' must be integers", _got(item.get(bad))))
        return None
    if not 0 <= start < end <= limit:
        length = f" (0-{limit})" if limit < OFFSET_LIMIT else ""
        problems.append(Problem(at, f"{what}: span {start}-{end} is empty, reversed or outside the text{length}"))
        return None
    return start, end


def _review(item: dict[str, Any], at: str, what: str, problems: list[Problem]) -> bool:
    """Check the review marks; True if the item is marked for review."""
    needs, agreed = item.get("needs_review"), item.get("agreed_by", [])
    if needs is not None and not isinstance(needs, str):
        problems.append(Problem(f"{at}.needs_review", f"{what}: 'needs_review' must be a string", _got(needs)))
        needs = None
    if not (isinstance(agreed, list) and all(isinstance(a, str) for a in agreed)):
        problems.append(Problem(f"{at}.agreed_by", f"{what}: 'agreed_by' must be a list of names", _got(agreed)))
    return bool(needs)


def _vocabulary(guidelines: Registry, version: str, where: str) -> Vocabulary:
    try:
        return guidelines.vocabulary(version)
    except AnnotatorError as exc:
        raise AnnotatorError(
            f"guidelines {version!r} cannot be used",
            f"{where}:guidelines",
            f"cannot check the file against it, cannot migrate from it: {exc}",
        ) from exc


# --------------------------------------------------------------------------- the same rules, on columns


def _columns(data: dict[str, Any], vocabulary: Vocabulary | None, limit: int, where: str) -> Flat:
    """The file's columns if it passes; else the walk says why (or, for an item marked for review, lets it pass)."""
    try:
        flat: Flat | None = _flatten(data)
    except (KeyError, TypeError, AttributeError):
        flat = None
    if flat is not None and _passes(data, flat, vocabulary, limit):
        return _normalized(flat)
    problems = content_problems(data, vocabulary, limit)
    if problems:
        raise problems[0].error(where)
    if flat is None:  # the walk found nothing the columns could not be read for: a bug here, not in the file
        raise AnnotatorError("bad structure", where, "the annotations cannot be read as columns")
    return _normalized(flat)


def _flatten(data: dict[str, Any]) -> Flat:
    """The columns as found; KeyError, TypeError or AttributeError if an item is not an object
    with the keys it needs."""
    ents, evs = data.get("entities", []), data.get("events", [])
    triggers = [v["trigger"] for v in evs]
    arguments = [v.get("arguments", []) for v in evs]
    # with its keys read below, an item holding no other keys has no review marks (most files)
    marked = sum(map(len, ents)) != 4 * len(ents) or sum(map(len, evs)) != 3 * len(evs) + sum(
        ["arguments" in v for v in evs]
    )
    if marked:
        e_review, e_agreed = [e.get("needs_review") for e in ents], [e.get("agreed_by", ()) for e in ents]
        v_review, v_agreed = [v.get("needs_review") for v in evs], [v.get("agreed_by", ()) for v in evs]
    else:
        e_review, e_agreed = [None] * len(ents), [()] * len(ents)
        v_review, v_agreed = [None] * len(evs), [()] * len(evs)
    return Flat(
        e_id=[e["id"] for e in ents],
        e_start=[e["start"] for e in ents],
        e_end=[e["end"] for e in ents],
        e_label=[e["label"] for e in ents],
        e_review=e_review,
        e_agreed=e_agreed,
        v_id=[v["id"] for v in evs],
        v_type=[v["type"] for v in evs],
        v_start=[t["start"] for t in triggers],
        v_end=[t["end"] for t in triggers],
        v_review=v_review,
        v_agreed=v_agreed,
        v_arguments=arguments,
        a_event=[v["id"] for v, args in zip(evs, arguments) for _ in args],
        a_role=[a["role"] for args in arguments for a in args],
        a_entity=[a["entity"] for args in arguments for a in args],
        marked=marked,
    )


def _passes(data: dict[str, Any], f: Flat, vocabulary: Vocabulary | None, limit: int) -> bool:
    """Every rule of :func:`content_problems` at once (an item only reads as a mapping
    here if it is one: orjson gives dicts, lists, strings and numbers)."""
    try:
        return _columns_pass(data, f, vocabulary, limit)
    except (TypeError, KeyError):  # a value of the wrong type met a set or a dict, an argument names no entity
        return False


def _columns_pass(data: dict[str, Any], f: Flat, vocabulary: Vocabulary | None, limit: int) -> bool:
    if type(data.get("entities", [])) is not list or type(data.get("events", [])) is not list:
        return False
    if f.v_arguments and set(map(type, f.v_arguments)) != {list}:
        return False
    starts, ends = f.e_start + f.v_start, f.e_end + f.v_end
    if starts and (
        set(map(type, starts + ends)) != {int}  # bool is not int here
        or min(starts) < 0
        or max(ends) > limit
        or not all(map(lt, starts, ends))
    ):
        return False
    # ids must be strings; labels, types and roles are strings if the schema has them (below)
    "".join(f.e_id + f.v_id if vocabulary is not None else f.e_id + f.v_id + f.e_label + f.v_type + f.a_role)
    if f.marked and not _marks_pass(f):
        return False
    index = dict(zip(f.e_id, range(len(f.e_id))))  # entity id -> position
    if len(index) != len(f.e_id) or len(set(f.v_id)) != len(f.v_id) or not index.keys().isdisjoint(f.v_id):
        return False
    if len(set(zip(f.e_start, f.e_end, f.e_label))) != len(f.e_id):
        return False
    f.a_index = list(map(index.__getitem__, f.a_entity))  # KeyError: an argument names no entity of the file
    if len(set(zip(f.a_event, f.a_role, f.a_entity))) != len(f.a_role):
        return False
    if vocabulary is None:
        return True
    types = [t.replace(":", ".") for t in f.v_type] if ":" in "".join(f.v_type) else f.v_type
    if not (vocabulary.labels.issuperset(f.e_label) and vocabulary.events.issuperset(types)):
        return False
    type_of = dict(zip(f.v_id, types))
    return vocabulary.accepts.issuperset(
        zip(map(type_of.__getitem__, f.a_event), f.a_role, map(f.e_label.__getitem__, f.a_index))
    )


def _marks_pass(f: Flat) -> bool:
    """needs_review strings (or null), agreed_by lists of strings."""
    if set(map(type, f.e_review + f.v_review)) - {str, type(None)}:
        return False
    agreed = f.e_agreed + f.v_agreed
    return not (set(map(type, agreed)) - {list, tuple} or {type(n) for a in agreed for n in a} - {str})


def _normalized(flat: Flat) -> Flat:
    """``Conflict:Attack`` read as ``Conflict.Attack``, as :class:`DocumentAnnotations` reads it."""
    if ":" in "".join(flat.v_type):
        flat.v_type = [t.replace(":", ".") for t in flat.v_type]
    return flat


def _kind(value: Any) -> str:
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "true or false",
        int: "an integer",
        float: "a number",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _got(value: Any) -> str:
    text = repr(value)
    return f"got {text if len(text) <= 40 else text[:37] + '...'}"
