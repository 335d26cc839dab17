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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from annotator.core.corpus import Corpus
from annotator.core.errors import AnnotatorError
from annotator.core.export import conll, docbin, hf, jsonl, split
from annotator.core.export.render import Source, Totals, process_all
from annotator.core.export.split import SPLITS, check_split, parse_split, split_documents
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
class Selection:
    """What the pass over the documents found: each file's group, and what was left out and why."""

    groups: dict[str, list[str]]
    skipped: dict[str, list[str]] = field(
        default_factory=lambda: {"not_annotated": [], "not_started": [], "not_done": []}
    )
    migrated: dict[str, str] = field(default_factory=dict)  # doc id -> the version its file declares
    problems: list[str] = field(default_factory=list)  # files the selection refuses
    failure: AnnotatorError | None = None  # the first document that could not be rendered

    def check(self, source: Source, name: str) -> None:
        """AnnotatorError listing every problem, else the first failure, else nothing selected."""
        if self.problems:
            raise AnnotatorError("\n".join(self.problems))
        if self.failure is not None:
            raise self.failure
        if not any(self.groups.values()):
            raise AnnotatorError(
                f"nothing to export from {name}",
                str(source.store.directory),
                "no annotated documents match the selection",
            )


def candidates(workspace: Workspace, options: ExportOptions) -> tuple[Source, list[str]]:
    """Where the documents are read and which to look at (sorted); AnnotatorError for a missing
    source or unknown ``--docs``."""
    from annotator.core.annotations.store import AnnotationStore

    corpus = Corpus(workspace.corpus_dir)
    store = AnnotationStore.of(workspace, options.source, corpus)
    if not store.directory.is_dir():
        raise AnnotatorError(f"no annotations by {options.source}", str(store.directory))
    source = Source(store, corpus, registry(workspace.guidelines_dir), workspace.config.guidelines)
    if options.docs is not None:
        unknown = [d for d in options.docs if d not in corpus]
        if unknown:
            raise AnnotatorError("\n".join(f"--docs: no document {d!r} in the corpus" for d in unknown))
        return source, sorted(set(options.docs))
    return source, corpus.ids


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
    source, wanted = candidates(workspace, options)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.{secrets.token_hex(4)}.partial"
    tmp.mkdir()
    renamed = False  # the export in place: a failure after it removes it, so a retry finds no output folder
    was_empty_folder = out.is_dir()
    try:
        writer = _Writer(workspace, source, options, tmp, progress, len(wanted))
        selection = writer.write_all(wanted)
        selection.check(source, options.source)
        writer.check_misaligned()
        writer.finish()
        if options.format == "hf":
            writer.write_labels()
        manifest = writer.manifest(selection)
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

    def write_all(self, ids: list[str]) -> Selection:
        """Every document read, selected and written to its group's file as it comes, in order."""
        names = list(SPLITS) if self.options.split else ["all"]
        selection = Selection({name: [] for name in names})
        sinks = {name: self._sink(f"{name}.{EXTENSIONS[self.options.format]}") for name in names}
        totals: dict[str, Totals] = {}
        try:
            for outcome in process_all(ids, self.source, self.options, totals):
                self.done += 1
                if self.progress is not None:
                    self.progress(self.done, self.total)
                if outcome.problem is not None:
                    selection.problems.append(outcome.problem)
                elif outcome.skipped is not None:
                    selection.skipped[outcome.skipped].append(outcome.doc_id)
                elif outcome.failure is not None:
                    selection.failure = selection.failure or outcome.failure
                else:
                    selection.groups[outcome.group].append(outcome.doc_id)
                    if outcome.migrated_from is not None:
                        selection.migrated[outcome.doc_id] = outcome.migrated_from
                    sinks[outcome.group].add(outcome.data, outcome.depth)
        finally:
            for sink in sinks.values():
                sink.close()
        for name in names:  # each split's counts in the order its file was written
            self.totals.add(totals.get(name, Totals()))
            sinks[name].done(self)
        self.counts["documents"] += sum(len(group) for group in selection.groups.values())
        return selection

    def _sink(self, name: str) -> _Sink:
        if self.options.format == "conll" and self.options.nested == "columns":
            return _Unpadded(self.folder, name)
        if self.options.format == "spacy":
            return _DocBin(self.folder, name)
        return _File(self.folder, name)

    def _write_file(self, name: str, data: bytes) -> None:
        (self.folder / name).write_bytes(data)
        self.files[name] = hashlib.sha256(data).hexdigest()

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

    def manifest(self, selection: Selection) -> dict[str, Any]:
        from annotator import __version__

        groups, skipped = selection.groups, selection.skipped
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
            "migrated": selection.migrated,
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


class _Sink:
    """Where a group's documents go as they come; ``done`` records the file in the writer."""

    def add(self, data: bytes, depth: int) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def done(self, writer: _Writer) -> None:
        raise NotImplementedError


class _File(_Sink):
    def __init__(self, folder: Path, name: str):
        self.name, self.digest = name, hashlib.sha256()
        self.handle = open(folder / name, "wb")  # closed by close(), after the last document

    def add(self, data: bytes, depth: int) -> None:
        self.digest.update(data)
        self.handle.write(data)

    def close(self) -> None:
        self.handle.close()

    def done(self, writer: _Writer) -> None:
        writer.files[self.name] = self.digest.hexdigest()


class _Unpadded(_File):
    """CoNLL with a column per nesting level, first each document as deep as it is; ``finish``
    pads them all to the deepest document of the whole export."""

    def __init__(self, folder: Path, name: str):
        super().__init__(folder, f".{name}.unpadded")
        self.target = name
        self.pieces: list[tuple[int, int]] = []  # (bytes, entity columns) of each document

    def add(self, data: bytes, depth: int) -> None:
        self.pieces.append((len(data), depth))
        self.handle.write(data)

    def done(self, writer: _Writer) -> None:
        writer.unpadded[self.target] = self.pieces


class _DocBin(_Sink):
    """A split's documents streamed into one DocBin file (see ``docbin.Collector``)."""

    def __init__(self, folder: Path, name: str):
        self.name, self.collected = name, docbin.Collector(folder, name)

    def add(self, data: bytes, depth: int) -> None:
        self.collected.add(data)

    def close(self) -> None:
        pass  # the spools are needed until done

    def done(self, writer: _Writer) -> None:
        writer.files[self.name] = self.collected.write()


def _fsync_files(folder: Path) -> None:
    for path in folder.iterdir():
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    fsync_folder(folder)
