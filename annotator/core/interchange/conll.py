"""Reading CoNLL annotations back onto the workspace's documents.

The file: one token per line, then tag columns separated by tabs or spaces, blank lines
between sentences, ``-DOCSTART-`` lines between documents (optional). Every tag column
is a nesting level; a last column whose tags name event types (``B-Conflict.Attack``,
``Conflict:Attack`` too) holds triggers.

Schemes: a file with ``E-`` or ``S-`` tags is BIOES, one with ``L-`` or ``U-`` tags BILOU,
and these are read strictly, as seqeval's strict mode reads them: an entity is ``S-X``
alone or ``B-X``, ``I-X``..., ``E-X``, and any other sequence (``I-X`` after ``O`` or after
``E-X``, ``B-X`` then ``E-Y``, ``S-X`` inside an entity, an entity left open at the end of
its sentence) is refused with its line: it names entities that are not there. Any other
file is IOB1 or IOB2: ``B-X`` starts an entity, and so does ``I-X`` after ``O`` or after
another label (IOB1), so every tag lands in exactly one entity.

Each block is aligned to its document by characters: white space (and the invisible
separators tokens never hold) is skipped in the text and every token must equal the next
characters. Blocks go to documents by ``doc_ids`` when given (``--doc``), otherwise to the
one document whose text, without white space, is the block's tokens put together.
Everything that cannot be read, matched or aligned is refused with its line number,
all at once, before anything is written; so is a span that cuts a character from its
marks or holds only white space (:mod:`annotator.core.interchange.spans`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from annotator.core.annotations.model import STATUSES, DocumentAnnotations, Entity, Event
from annotator.core.corpus import Corpus, read_utf8, sha256_text
from annotator.core.errors import AnnotatorError
from annotator.core.export.conll import DOCSTART
from annotator.core.export.tagging import TAG, Span, decode
from annotator.core.guidelines.registry import registry
from annotator.core.interchange.jsonl import Parsed, migrate_to_workspace
from annotator.core.interchange.spans import span_problem
from annotator.core.text.characters import INVISIBLE_SEPARATORS, char_class
from annotator.core.workspace import Workspace

_BLANK = re.compile(rf"[\s{char_class(INVISIBLE_SEPARATORS)}]+")


@dataclass(slots=True)
class Row:
    line: int
    token: str
    tags: list[str]


@dataclass(slots=True)
class Block:
    line: int  # where the document starts (its -DOCSTART- line, or its first token)
    sentences: list[list[Row]] = field(default_factory=list)

    def rows(self) -> list[Row]:
        return [r for s in self.sentences for r in s]


def read_conll(
    path: Path,
    workspace: Workspace,
    annotator: str,
    *,
    doc_ids: list[str] | None = None,
    guidelines: str | None = None,
    status: str = "in_progress",
) -> Parsed:
    """The documents of a CoNLL file, checked, aligned and migrated to the workspace's guidelines."""
    if status not in STATUSES:
        raise AnnotatorError(f"unknown status {status!r}", "--status", f"one of {', '.join(STATUSES)}")
    version = guidelines or workspace.config.guidelines
    schema = registry(workspace.guidelines_dir).schema(version)
    errors: list[str] = []
    blocks, columns = _parse(path, errors)
    if errors:
        raise AnnotatorError("\n".join(errors))
    if not blocks:
        raise AnnotatorError("no tokens in the file", str(path))
    events_column = _has_events(blocks, columns)
    scheme = _scheme(path, blocks, errors)
    corpus = Corpus.checked(workspace.corpus_dir)
    targets = _match(path, blocks, corpus, doc_ids, errors)
    parsed = Parsed()
    for block, doc_id in zip(blocks, targets):
        where = f"{path}:{block.line}"
        if doc_id is None:
            continue
        if doc_id in parsed.where:
            errors.append(f"{where}: document {doc_id} is also at {parsed.where[doc_id]}")
            continue
        text = corpus.text(doc_id)
        spans = _align(path, block, text, errors)
        if spans is None:
            continue
        entities, events = _annotations(path, block, text, spans, (columns, events_column, scheme), schema, errors)
        doc = DocumentAnnotations(
            doc_id=doc_id,
            text_sha256=sha256_text(text),
            guidelines=schema.version,
            annotator=annotator,
            status=status,
            entities=entities,
            events=events,
        )
        problems: list[str] = []
        doc, messages = migrate_to_workspace(doc, workspace, problems)
        errors += [f"{where}: {p}" for p in problems]
        parsed.docs.append(doc)
        parsed.where[doc_id] = where
        parsed.migrated += [f"{doc_id}: {m}" for m in messages]
    if errors:
        raise AnnotatorError("\n".join(errors))
    return parsed


def _parse(path: Path, errors: list[str]) -> tuple[list[Block], int]:
    """Blocks of sentences of rows, and the number of tag columns (the first token line's)."""
    text = read_utf8(path)
    blocks: list[Block] = []
    current: Block | None = None
    sentence: list[Row] = []
    columns = 0
    for number, line in enumerate(text.split("\n"), 1):
        fields = line.split()
        if not fields or fields[0] == DOCSTART:
            if sentence and current is not None:
                current.sentences.append(sentence)
            sentence = []
            if fields:
                current = Block(number)
                blocks.append(current)
            continue
        if current is None:
            current = Block(number)
            blocks.append(current)
        columns = columns or len(fields) - 1
        if len(fields) < 2:
            errors.append(f"{path}:{number}: a token without a tag")
            continue
        if len(fields) - 1 != columns:
            errors.append(f"{path}:{number}: {len(fields) - 1} tag columns where the file has {columns}")
            continue
        bad = [t for t in fields[1:] if not TAG.fullmatch(t)]
        if bad:
            errors.append(f"{path}:{number}: {bad[0]!r} is not a tag (O, or B-, I-, E-, S- and a label)")
            continue
        sentence.append(Row(number, fields[0], fields[1:]))
    if sentence and current is not None:
        current.sentences.append(sentence)
    return [b for b in blocks if b.sentences], columns


def _has_events(blocks: list[Block], columns: int) -> bool:
    """The last column holds triggers when its labels look like event types (with a dot or a colon)."""
    labels = {r.tags[-1][2:] for b in blocks for r in b.rows() if r.tags[-1] != "O"}
    return columns >= 1 and any("." in x or ":" in x for x in labels)


def _key(text: str) -> str:
    return _BLANK.sub("", text)


def _match(
    path: Path, blocks: list[Block], corpus: Corpus, doc_ids: list[str] | None, errors: list[str]
) -> list[str | None]:
    if doc_ids is not None:
        if len(doc_ids) != len(blocks):
            raise AnnotatorError(
                f"{len(doc_ids)} document id(s) given for {len(blocks)} document(s) in the file", str(path)
            )
        unknown = [d for d in doc_ids if d not in corpus]
        if unknown:
            raise AnnotatorError("\n".join(f"no document {d!r} in the corpus" for d in unknown))
        return list(doc_ids)
    by_key: dict[str, list[str]] = {}
    for doc_id in corpus.ids:
        by_key.setdefault(_key(corpus.text(doc_id)), []).append(doc_id)
    out: list[str | None] = []
    for block in blocks:
        found = by_key.get("".join(r.token for r in block.rows()), [])
        if len(found) != 1:
            first = " ".join(r.token for r in block.rows()[:5])
            why = (
                "no document in the corpus has these tokens"
                if not found
                else f"documents {', '.join(found)} all have these tokens"
            )
            errors.append(f"{path}:{block.line}: {why} (starting {first!r}); name it with --doc ID")
            out.append(None)
        else:
            out.append(found[0])
    return out


def _align(path: Path, block: Block, text: str, errors: list[str]) -> list[tuple[int, int]] | None:
    """Character span of every row of the block, or None (with an error) where it stops matching."""
    spans, at = [], 0
    for row in block.rows():
        gap = _BLANK.match(text, at)
        if gap:
            at = gap.end()
        if not text.startswith(row.token, at):
            found = text[at : at + len(row.token) + 5] if at < len(text) else "the end of the text"
            errors.append(f"{path}:{row.line}: token {row.token!r} does not match the text at offset {at} ({found!r})")
            return None
        spans.append((at, at + len(row.token)))
        at += len(row.token)
    rest = _key(text[at:])
    if rest:
        errors.append(
            f"{path}:{block.rows()[-1].line}: the document goes on after the last token "
            f"({len(rest)} more characters, from {rest[:10]!r})"
        )
        return None
    return spans


# The schemes read strictly, by the prefixes of an entity's last tag and of a one-token entity.
_ENDING = {"BIOES": ("E", "S"), "BILOU": ("L", "U")}


def _scheme(path: Path, blocks: list[Block], errors: list[str]) -> str | None:
    """BIOES or BILOU when the file's tags say so (None: IOB1 or IOB2); a file with both is refused."""
    first: dict[str, int] = {}  # scheme -> the line of its first tag
    for row in (r for b in blocks for r in b.rows()):
        for tag in row.tags:
            for name, prefixes in _ENDING.items():
                if tag[0] in prefixes:
                    first.setdefault(name, row.line)
    if len(first) > 1:
        line = max(first.values())
        errors.append(f"{path}:{line}: tags of two schemes in one file (BIOES: E-, S-; BILOU: L-, U-)")
        return None
    return next(iter(first), None)


def _read_strictly(tags: list[str], scheme: str) -> tuple[list[Span], int | None]:
    """The entities of a BIOES or BILOU tag sequence, and where it breaks the scheme: the index
    of the first tag that cannot follow the one before it (``len(tags)``: the sequence ends
    inside an entity), else None."""
    last, single = _ENDING[scheme]
    out: list[Span] = []
    start, label = -1, ""
    for i, tag in enumerate(tags):
        prefix, name = tag[0], tag[2:]
        if start >= 0:  # inside an entity of ``label``: only its I- or its last tag may follow
            if prefix not in ("I", last) or name != label:
                return out, i
            if prefix == last:
                out.append((start, i + 1, label))
                start = -1
        elif prefix == "B":
            start, label = i, name
        elif prefix == single:
            out.append((i, i + 1, name))
        elif tag != "O":
            return out, i
    return out, (len(tags) if start >= 0 else None)


def _ill_formed(tags: list[str], at: int, scheme: str) -> str:
    last, single = _ENDING[scheme]
    here = repr(tags[at]) if at < len(tags) else "the end of the sentence"
    before = repr(tags[at - 1]) if at > 0 else "the start of the sentence"
    return (
        f"ill-formed {scheme} tag sequence: {here} after {before} "
        f"(an entity is {single}-X alone, or B-X, I-X..., {last}-X)"
    )


def _annotations(
    path: Path,
    block: Block,
    text: str,
    spans: list[tuple[int, int]],
    layout: tuple[int, bool, str | None],
    schema,
    errors: list[str],
) -> tuple[tuple[Entity, ...], tuple[Event, ...]]:
    """The block's entities and triggers; ``layout``: the number of tag columns, whether the
    last holds triggers, and the file's strict scheme (None: IOB)."""
    columns, events_column, scheme = layout
    found_entities: set[tuple[int, int, str]] = set()
    found_events: set[tuple[int, int, str]] = set()
    entity_columns = columns - 1 if events_column else columns
    first = 0
    for sentence in block.sentences:
        for column in range(columns):
            is_event = events_column and column == entity_columns
            tags = [r.tags[column] for r in sentence]
            if scheme is None:
                decoded = decode(tags)
            else:
                decoded, broken = _read_strictly(tags, scheme)
                if broken is not None:
                    line = sentence[min(broken, len(sentence) - 1)].line
                    errors.append(f"{path}:{line}: {_ill_formed(tags, broken, scheme)}")
                    continue
            for a, b, label in decoded:
                label = label.replace(":", ".") if is_event else label
                line = sentence[a].line
                known = schema.event(label) if is_event else schema.label(label)
                if known is None:
                    kind = "event type" if is_event else "label"
                    errors.append(f"{path}:{line}: no {kind} {label!r} in guidelines {schema.version}")
                    continue
                start, end = spans[first + a][0], spans[first + b - 1][1]
                why = span_problem(text, start, end)
                if why is not None:
                    errors.append(f"{path}:{line}: {label} {text[start:end]!r}: span {start}-{end} {why}")
                    continue
                (found_events if is_event else found_entities).add((start, end, label))
        first += len(sentence)
    entities = tuple(
        Entity(f"T{i}", s, e, label) for i, (s, e, label) in enumerate(sorted(found_entities, key=_order), 1)
    )
    events = tuple(Event(f"E{i}", label, s, e) for i, (s, e, label) in enumerate(sorted(found_events, key=_order), 1))
    return entities, events


def _order(span: tuple[int, int, str]) -> tuple[int, int, str]:
    return (span[0], -span[1], span[2])
