"""Exports for training: pick documents, migrate them, split them, write one format, add a manifest.

``export(workspace, ExportOptions(...))`` reads the annotations of one source (``gold`` or
an annotator), keeps the documents asked for (``--docs``, ``--done-only``; a file counts as
annotated by :func:`annotator.core.annotations.model.counts_as_annotated`, the rule agreement
and adjudication use too), moves older guidelines versions to the workspace's on the fly,
splits by document when asked (each document by a hash of its id and the seed, see
:mod:`annotator.core.export.split`), and writes ``all.EXT`` or ``train/dev/test.EXT`` plus
``manifest.json``. Everything goes into a hidden sibling folder renamed to the output
folder at the end, which must not exist or be empty: nothing is overwritten and nothing
is left half-written. Any document that cannot be exported faithfully (a file the
loader refuses, see :mod:`annotator.core.annotations.loading`; a changed text, a failed
migration) stops the export with one line per problem, naming the file; so do spans that
fall inside words under ``--misaligned error``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from annotator.core.annotations.model import counts_as_annotated
from annotator.core.corpus import Corpus
from annotator.core.errors import AnnotatorError
from annotator.core.export import conll, docbin, hf, jsonl, split
from annotator.core.export.render import Source, Totals, render_all
from annotator.core.export.split import check_split, parse_split, split_documents
from annotator.core.export.tagging import MISALIGNED, NESTED, SCHEMES, TOKENS, label_list
from annotator.core.guidelines.registry import registry
from annotator.core.jsonio import dumps, fsync_folder
from annotator.core.workspace import Workspace

__all__ = ["ExportOptions", "ExportResult", "export", "parse_split", "split_documents"]

FORMATS = ("jsonl", "conll", "hf", "spacy")
EXTENSIONS = {"jsonl": jsonl.EXTENSION, "conll": conll.EXTENSION, "hf": hf.EXTENSION, "spacy": docbin.EXTENSION}
MANIFEST = "manifest.json"

Progress = Callable[[int, int], None]  # (documents done so far, total)


@dataclass(slots=True)
class ExportOptions:
    format: str = "jsonl"
    source: str = "gold"
    docs: tuple[str, ...] | None = None
    done_only: bool = False
    out: Path | None = None
    split: tuple[int, int, int] | None = None
    seed: int = 0
    scheme: str = "iob2"
    nested: str = "outermost"
    events: bool = False
    tokens: str = "word"
    misaligned: str = "widen"  # spans starting or ending inside a token: widen, drop, or error
    workers: int = 0  # processes rendering documents; 0: one per CPU for large exports, 1: none
    command: list[str] = field(default_factory=lambda: list(sys.argv))

    def check(self) -> None:
        for name, value, allowed in (
            ("--format", self.format, FORMATS),
            ("--scheme", self.scheme, SCHEMES),
            ("--nested", self.nested, NESTED),
            ("--tokens", self.tokens, TOKENS),
            ("--misaligned", self.misaligned, MISALIGNED),
        ):
            if value not in allowed:
                raise AnnotatorError(f"unknown value {value!r}", name, f"one of {', '.join(allowed)}")
        if self.format == "hf" and self.nested == "columns":
            raise AnnotatorError("hf has one tag per token", "--nested columns", "use --nested outermost or conll")
        if self.format == "spacy" and self.nested == "columns":
            raise AnnotatorError(
                "spacy has one layer of doc.ents",
                "--nested columns",
                "every entity, nested ones too, is in doc.spans['sc'] with --nested outermost",
            )
        if self.split is not None:
            check_split(self.split)


@dataclass(slots=True)
class ExportResult:
    out: Path
    manifest: dict[str, Any]


@dataclass(slots=True)
class Selected:
    doc_id: str
    migrated_from: str | None = None


def select(workspace: Workspace, options: ExportOptions) -> tuple[Source, list[Selected], dict[str, Any]]:
    """Where the documents are read, the documents to export (each read, checked and migrated once here,
    then let go: they are read again as they are rendered) and what was left out; AnnotatorError lists
    every problem."""
    from annotator.core.annotations.store import AnnotationStore

    corpus = Corpus(workspace.corpus_dir)
    store = AnnotationStore.of(workspace, options.source, corpus)
    source = Source(store, corpus, registry(workspace.guidelines_dir), workspace.config.guidelines)
    if not store.directory.is_dir():
        raise AnnotatorError(f"no annotations by {options.source}", str(store.directory))
    if options.docs is not None:
        unknown = [d for d in options.docs if d not in corpus]
        if unknown:
            raise AnnotatorError("\n".join(f"--docs: no document {d!r} in the corpus" for d in unknown))
        wanted = sorted(set(options.docs))
    else:
        wanted = corpus.ids
    target = source.target
    selected: list[Selected] = []
    errors: list[str] = []
    skipped: dict[str, Any] = {"not_annotated": [], "not_started": [], "not_done": []}
    for doc_id in wanted:
        try:
            doc = source.read(doc_id)
        except AnnotatorError as exc:
            errors.append(str(exc))
            continue
        if doc is None:
            skipped["not_annotated"].append(doc_id)
            continue
        if not counts_as_annotated(doc):
            skipped["not_started"].append(doc_id)
            continue
        if options.done_only and doc.status != "done":
            skipped["not_done"].append(doc_id)
            continue
        try:
            source.ready(doc)
        except AnnotatorError as exc:
            errors.append(str(exc))
            continue
        selected.append(Selected(doc_id, doc.guidelines if doc.guidelines != target else None))
    if errors:
        raise AnnotatorError("\n".join(errors))
    if not selected:
        raise AnnotatorError(
            f"nothing to export from {options.source}",
            str(store.directory),
            "no annotated documents match the selection",
        )
    return source, selected, skipped


def default_out(workspace: Workspace, options: ExportOptions) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    base = workspace.exports_dir / f"{options.format}-{options.source}-{stamp}"
    out, n = base, 1
    while out.exists():
        n += 1
        out = base.with_name(f"{base.name}-{n}")
    return out


def check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise AnnotatorError("output exists and is not a folder", str(out))
    if out.is_dir() and any(out.iterdir()):
        raise AnnotatorError("output folder exists and is not empty", str(out), "exports never overwrite")


def export(workspace: Workspace, options: ExportOptions, progress: Progress | None = None) -> ExportResult:
    """Write the export; returns where it went and its manifest."""
    options.check()
    if options.format == "spacy":
        docbin.spacy_tokens()  # spaCy missing: one line before anything is read or written
    out = options.out or default_out(workspace, options)
    check_out(out)
    source, selected, skipped = select(workspace, options)
    ids = [s.doc_id for s in selected]
    groups = split_documents(ids, options.split, options.seed) if options.split else {"all": ids}
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.{secrets.token_hex(4)}.partial"
    tmp.mkdir()
    renamed = False  # the export in place: a failure after it removes it, so a retry finds no output folder
    was_empty_folder = out.is_dir()
    try:
        writer = _Writer(workspace, source, options, tmp, progress, len(ids))
        for name, group in groups.items():
            writer.write(f"{name}.{EXTENSIONS[options.format]}", group)
        writer.check_misaligned()
        writer.finish()
        if options.format == "hf":
            writer.write_labels()
        manifest = writer.manifest(groups, skipped, selected)
        (tmp / MANIFEST).write_bytes(dumps(manifest))
        _fsync_files(tmp)
        check_out(out)
        os.rename(tmp, out)
        renamed = True
        fsync_folder(out.parent)
    except BaseException:
        shutil.rmtree(out if renamed else tmp, ignore_errors=True)
        if renamed and was_empty_folder:  # the empty folder it was asked to fill, as it was
            with contextlib.suppress(OSError):
                out.mkdir()
        raise
    return ExportResult(out, manifest)


class _Writer:
    """Writes the data files of one export, keeping the counts for the manifest."""

    def __init__(
        self,
        workspace: Workspace,
        source: Source,
        options: ExportOptions,
        folder: Path,
        progress: Progress | None,
        total: int,
    ):
        self.workspace, self.source, self.options, self.folder = workspace, source, options, folder
        self.progress, self.done, self.total = progress, 0, total
        self.files: dict[str, str] = {}
        self.totals = Totals()
        self.labels, self.event_types = self.totals.labels, self.totals.event_types
        self.dropped, self.counts = self.totals.dropped, self.totals.counts
        self.unpadded: dict[str, list[tuple[int, int]]] = {}  # nested CoNLL files still to pad
        self.levels = 1  # entity tag columns of a CoNLL export

    def rendered(self, docs: list[str]) -> Iterator[tuple[bytes, int]]:
        """(data, entity columns) of each document, in order."""
        for item in render_all(docs, self.source, self.options, self.totals):
            self.done += 1
            if self.progress is not None:
                self.progress(self.done, self.total)
            yield item

    def write(self, name: str, docs: list[str]) -> None:
        self.counts["documents"] += len(docs)
        if self.options.format == "conll" and self.options.nested == "columns":
            self._write_unpadded(name, docs)
            return
        if self.options.format == "spacy":
            collected = docbin.Collector()
            for data, _ in self.rendered(docs):
                collected.add(data)
            self._write_file(name, collected.to_bytes())
            return
        digest = hashlib.sha256()
        with open(self.folder / name, "wb") as handle:
            for data, _ in self.rendered(docs):
                digest.update(data)
                handle.write(data)
        self.files[name] = digest.hexdigest()

    def _write_file(self, name: str, data: bytes) -> None:
        (self.folder / name).write_bytes(data)
        self.files[name] = hashlib.sha256(data).hexdigest()

    def _write_unpadded(self, name: str, docs: list[str]) -> None:
        """CoNLL with a column per nesting level, first each document as deep as it is; ``finish``
        pads them all to the deepest document of the whole export."""
        pieces: list[tuple[int, int]] = []  # (bytes, entity columns) of each document
        with open(self.folder / f".{name}.unpadded", "wb") as handle:
            for data, depth in self.rendered(docs):
                pieces.append((len(data), depth))
                handle.write(data)
        self.unpadded[name] = pieces

    def finish(self) -> None:
        """Every CoNLL file of the export gets the same number of entity columns."""
        if self.options.format != "conll":
            return
        depths = [depth for pieces in self.unpadded.values() for _, depth in pieces]
        self.levels = max(depths, default=1)
        for name, pieces in self.unpadded.items():
            raw = self.folder / f".{name}.unpadded"
            digest = hashlib.sha256()
            with open(raw, "rb") as source, open(self.folder / name, "wb") as handle:
                for size, depth in pieces:
                    chunk = source.read(size)
                    if depth < self.levels:
                        chunk = conll.pad(chunk.decode("utf-8"), self.levels - depth, self.options.events).encode()
                    digest.update(chunk)
                    handle.write(chunk)
            raw.unlink()
            self.files[name] = digest.hexdigest()

    def check_misaligned(self) -> None:
        """Under ``--misaligned error``, spans inside words stop the export: how many, and the first."""
        first = self.totals.first_misaligned
        if self.options.misaligned != "error" or first is None:
            return
        raise AnnotatorError(
            f"{self.counts['widened_spans']} span(s) start or end inside a token; the first: {first.describe()}",
            "--misaligned error",
            "--tokens clitic cuts tokens at span boundaries; --misaligned widen or drop exports them",
        )

    def write_labels(self) -> None:
        from annotator.core.guidelines.schema import load_schema

        schema = load_schema(self.workspace.guidelines_dir, self.workspace.config.guidelines)
        scheme = self.options.scheme
        files = {"labels.json": label_list([*(x.name for x in schema.labels), *self.labels], scheme)}
        if self.options.events:
            files["trigger_labels.json"] = label_list([*(x.name for x in schema.events), *self.event_types], scheme)
        for name, labels in files.items():
            data = dumps(labels)
            (self.folder / name).write_bytes(data)
            self.files[name] = hashlib.sha256(data).hexdigest()

    def manifest(
        self, groups: dict[str, list[str]], skipped: dict[str, Any], selected: list[Selected]
    ) -> dict[str, Any]:
        from annotator import __version__

        o = self.options
        counts: dict[str, Any] = {k: self.counts[k] for k in ("documents", "sentences", "tokens", "needs_review")}
        counts.update(
            entities=sum(self.labels.values()),
            labels=dict(sorted(self.labels.items())),
            events=sum(self.event_types.values()),
            event_types=dict(sorted(self.event_types.items())),
        )
        manifest = {
            "format": o.format,
            "guidelines": self.workspace.config.guidelines,
            "source": o.source,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": list(o.command),
            "annotator_version": __version__,
            "options": {
                "format": o.format,
                "docs": list(o.docs) if o.docs is not None else None,
                "done_only": o.done_only,
                "split": list(o.split) if o.split else None,
                "seed": o.seed if o.split else None,
                "split_rule": split.RULE if o.split else None,
                "scheme": o.scheme,
                "nested": o.nested,
                "events": o.events,
                "tokens": o.tokens,
                "misaligned": o.misaligned,
            },
            "documents": groups,
            "skipped": {
                "not_annotated": len(skipped["not_annotated"]),
                "not_started": skipped["not_started"],
                "not_done": skipped["not_done"],
            },
            "migrated": {s.doc_id: s.migrated_from for s in selected if s.migrated_from},
            "counts": counts,
            "dropped_nested": sum(self.dropped.values()),
            "dropped_nested_labels": dict(sorted(self.dropped.items())),
            "dropped_triggers": self.counts["dropped_triggers"],
            "unaligned_spans": self.counts["unaligned_spans"],
            "widened_spans": self.counts["widened_spans"],
            "dropped_misaligned": self.counts["dropped_misaligned"],
            "merged_sentence_breaks": self.counts["merged_sentence_breaks"],
            "files": dict(sorted(self.files.items())),
        }
        if o.format == "conll":
            manifest["entity_columns"] = self.levels
            manifest["columns"] = conll.column_names(self.levels, o.events)
        return manifest


def _fsync_files(folder: Path) -> None:
    for path in folder.iterdir():
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    fsync_folder(folder)
