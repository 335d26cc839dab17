"""The input tables of the agreement report, read from a workspace's annotation files.

:func:`load_tables` reads ``annotations/<annotator>/<doc_id>.json`` of the selected
annotators and documents into an :class:`AgreementInput`: the six polars tables
:func:`annotator.core.agreement.compute_report` takes (see
:mod:`annotator.core.agreement.tables` for their columns), the texts and the list of what
was left out and why.

Annotations are compared under one guidelines version, the workspace's: files under an
older version are migrated in memory (:func:`annotator.core.guidelines.migration.migrate`; nothing
is written). Left out, each counted and named in ``excluded``:

- files that :mod:`annotator.core.annotations.loading` refuses, as every reader of
  annotation files does (the store opens them read-only): unreadable, not JSON, a bad
  structure, a span empty or outside the text, an unknown label, event type or role,
  an argument naming no entity of the file, an id used twice..., each with the loader's
  one-line reason naming the file and the place in it;
- files whose ``text_sha256`` differs from the corpus index (the text changed since),
  files of documents that are not in the corpus, and documents whose stored text no
  longer matches the index (every annotator's file of that document);
- files that cannot be migrated to the workspace's version;
- the ``gold`` folder (the adjudicated set is no annotator) and folders whose name is not
  a valid annotator name: one entry per folder, with the number of files.

Files that are no annotation of their document (an untouched ``not_started`` file with
nothing in it, :func:`annotator.core.annotations.model.counts_as_annotated`, the rule
adjudication and export follow too) are skipped and counted in ``not_started``: the
annotator did not annotate that document, rather than marking nothing in it.

Speed: what reading each file gave is kept in the workspace's parsed-table cache
(:mod:`annotator.core.agreement.cache`), so a run reads again only the annotation files
whose identity (size, mtime, inode) or text changed, and tokenizes only new or changed
texts; the selection (annotators, documents, done_only, the reference) is a filter of the
cached tables, applied when asked. :func:`load_chunks` gives the tables part by part (a
set of the cache's shards, every file of a document in one part) for reports in memory
bounded by a part; :func:`load_tables` is all of it at once. ``texts`` is read from the
corpus when asked for (:class:`LazyTexts`), never held whole. Files are parsed with
orjson into flat columns, each batch's tables built column-wise where it was read.
Parsing and tokenizing hold the GIL, so threads do not help; with ``workers`` > 1 the
batches go to worker processes (spawned: safe under polars' or Textual's threads, but the
caller's main module must be guarded by ``if __name__ == "__main__"``, as the
``annotator`` command is). The CLI does that for large workspaces; the default here is
to stay in the calling process.
"""

from __future__ import annotations

import hashlib
import os
import threading
from array import array
from collections import Counter, OrderedDict
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.core.agreement.cache import (
    EXCLUDED,
    KIND_ARGUMENT,
    KIND_EVENT,
    KIND_FILE,
    KIND_SPAN,
    KIND_TEXT,
    NOT_STARTED,
    OK,
    RACY_NS,
    SHARDS,
    Cache,
    conform,
    empty,
    now_ns,
    shard_of,
)
from annotator.core.agreement.files import ChunkResult, Job, read_files
from annotator.core.corpus import Corpus
from annotator.core.errors import AnnotatorError
from annotator.core.identity import GOLD, NAME, RESERVED
from annotator.core.text.tokens import token_bounds
from annotator.core.workspace import Workspace

if TYPE_CHECKING:  # polars is imported where tables are built (each chunk's, in the worker that read it)
    import polars as pl

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: called from the calling thread as work advances."""

STAGE_FILES = "reading annotation files"
STAGE_TEXTS = "reading and tokenizing texts"
CHUNK = 500  # files per task
TEXT_CHUNK = 250  # documents per task
PARALLEL_MIN_FILES = 3000  # below this, everything runs in the calling process
CHUNK_DOCS = 10_000  # documents per part of load_chunks
TEXTS_KEPT = 64  # texts an AgreementInput keeps after reading them
NUMPY_MIN = 1_000_000  # token offsets from which numpy (slow to import) builds their column


@dataclass(frozen=True, slots=True)
class AgreementInput:
    """Everything :func:`annotator.core.agreement.compute_report` needs, and what was left out.

    :func:`load_tables` fills every field; tests and benchmarks may give only the tables
    they have (a missing table leaves its measures undefined, with the reason).
    """

    guidelines: str  # the version every file was compared under (the workspace's)
    spans: pl.DataFrame  # annotator, doc_id, start, end, label
    coverage: pl.DataFrame  # annotator, doc_id
    tokens: pl.DataFrame | None = None  # doc_id, start, end
    doc_lengths: pl.DataFrame | None = None  # doc_id, length
    events: pl.DataFrame | None = None  # annotator, doc_id, event_id, type, start, end
    arguments: pl.DataFrame | None = None  # annotator, doc_id, event_id, role, start, end
    annotators: tuple[str, ...] | None = None  # in display order; None: everyone in coverage but the reference, sorted
    reference: str | None = None  # whom every annotator is also compared against (gold), in the tables too
    excluded: tuple[dict[str, Any], ...] = ()  # {"annotator", "doc_id", "reason"} (+ "files" for folders)
    texts: Mapping[str, str] = field(default_factory=dict)  # doc_id -> text, the covered documents
    migrated: Mapping[str, int] = field(default_factory=dict)  # files migrated, per original version
    files: int = 0  # files compared
    not_done: int = 0  # files skipped by done_only
    not_started: int = 0  # untouched not_started files skipped (no annotation of the document)
    review: int = 0  # entities and events marked needs_review (kept)

    @property
    def documents(self) -> list[str]:
        return sorted(self.texts)


# --------------------------------------------------------------------------- names


def annotator_folders(workspace: Workspace) -> tuple[list[str], list[str]]:
    """(valid annotator folder names, other folder names) under annotations/, sorted.

    Hidden folders (a leading dot) are neither. ``gold`` (any case) is among the others.
    """
    valid: list[str] = []
    other: list[str] = []
    try:
        entries = list(os.scandir(workspace.annotations_dir))
    except FileNotFoundError:
        return [], []
    except OSError as exc:
        raise AnnotatorError("cannot list the annotations", str(workspace.annotations_dir), exc.strerror) from exc
    for entry in entries:
        if entry.name.startswith(".") or not entry.is_dir():
            continue
        if NAME.fullmatch(entry.name) and entry.name.lower() not in RESERVED:
            valid.append(entry.name)
        else:
            other.append(entry.name)
    return sorted(valid), sorted(other)


def default_reference(workspace: Workspace) -> str | None:
    """Whom the agreement screen compares every annotator with: gold once it exists."""
    _, others = annotator_folders(workspace)
    return GOLD if GOLD in others else None


def selection(
    workspace: Workspace,
    annotators: Iterable[str] | None = None,
    docs: Iterable[str] | None = None,
    *,
    corpus: Corpus | None = None,
    against: str | None = None,
) -> tuple[list[str], set[str] | None, list[str]]:
    """(the annotators to compare, the documents (None: all), problems): unknown or
    reserved annotator names, unknown document ids and a reference (``against``: gold or
    an annotator, then not among those compared) that is not there, one line each."""
    corpus = corpus if corpus is not None else Corpus(workspace.corpus_dir)
    known, others = annotator_folders(workspace)
    problems: list[str] = []
    chosen = known
    if annotators is not None:
        chosen = list(dict.fromkeys(a.strip() for a in annotators if a.strip()))
        if not chosen:
            problems.append("--annotators: no annotator named")
        for name in chosen:
            if name.lower() in RESERVED:
                problems.append(f"--annotators: {name!r} is the adjudicated set, not an annotator")
            elif name not in known:
                hint = f"known: {', '.join(known)}" if known else "no annotator folder yet"
                problems.append(f"--annotators: unknown annotator {name!r} ({hint})")
    selected_docs: set[str] | None = None
    if docs is not None:
        wanted = list(dict.fromkeys(d.strip() for d in docs if d.strip()))
        if not wanted:
            problems.append("--docs: no document named")
        problems += [f"--docs: no document {d!r} in the corpus" for d in wanted if d not in corpus]
        selected_docs = set(wanted)
    if against is not None:
        if against == GOLD and GOLD not in others:
            problems.append("--against gold: there is no gold yet (annotator adjudicate makes it)")
        elif against != GOLD and against not in known:
            problems.append(f"--against: no annotator or gold folder {against!r} (known: {', '.join([GOLD, *known])})")
        elif against in chosen and annotators is not None:
            problems.append(f"--against: {against!r} is the reference; leave it out of --annotators")
        chosen = [a for a in chosen if a != against]
    return chosen, selected_docs, problems


# --------------------------------------------------------------------------- texts


class LazyTexts(Mapping[str, str]):
    """doc_id -> text of the covered documents, each read from the corpus when asked for
    (checked against the index's sha256; a text that no longer matches is missing), the
    last :data:`TEXTS_KEPT` kept: the corpus is never held in memory."""

    def __init__(self, folder: Path, sha256: Mapping[str, str]) -> None:
        self._folder = folder
        self._sha256 = dict(sha256)
        self._kept: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def joined(cls, parts: list[LazyTexts]) -> LazyTexts:
        """The documents of every part (each part's folder is the corpus's)."""
        if not parts:
            return cls(Path(), {})
        return cls(parts[0]._folder, {d: sha for p in parts for d, sha in sorted(p._sha256.items())})

    def __getitem__(self, doc_id: str) -> str:
        sha = self._sha256[doc_id]
        with self._lock:
            if doc_id in self._kept:
                self._kept.move_to_end(doc_id)
                return self._kept[doc_id]
        try:
            raw = (self._folder / f"{doc_id}.txt").read_bytes()
            if hashlib.sha256(raw).hexdigest() != sha:
                raise KeyError(doc_id)
            text = raw.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            raise KeyError(doc_id) from None
        with self._lock:
            self._kept[doc_id] = text
            while len(self._kept) > TEXTS_KEPT:
                self._kept.popitem(last=False)
        return text

    def __iter__(self) -> Iterator[str]:
        return iter(self._sha256)

    def __len__(self) -> int:
        return len(self._sha256)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._sha256


@dataclass
class _TextResult:
    docs: list[tuple[str, int | None, str | None]]  # doc_id, length (None if bad), reason
    counts: list[int]  # tokens per good document, in order
    starts: array
    ends: array


def _read_texts(items: Sequence[tuple[str, str, str]]) -> _TextResult:
    """Read (doc_id, path, sha256) texts, check them against the index's sha256, tokenize
    the good ones (runs in a worker process for large jobs)."""
    out = _TextResult([], [], array("q"), array("q"))
    for doc_id, path, sha in items:
        try:
            with open(path, "rb") as handle:
                raw = handle.read()
        except OSError as exc:
            out.docs.append((doc_id, None, f"cannot read the document text {path} ({exc.strerror or exc})"))
            continue
        if hashlib.sha256(raw).hexdigest() != sha:
            out.docs.append(
                (doc_id, None, f"the stored text {Path(path).name} no longer matches the corpus index (sha256 differs)")
            )
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            out.docs.append((doc_id, None, f"the stored text {Path(path).name} is not valid UTF-8 (byte {exc.start})"))
            continue
        out.docs.append((doc_id, len(text), None))
        starts, ends = token_bounds(text)
        out.counts.append(len(starts))
        out.starts.extend(starts)
        out.ends.extend(ends)
    return out


# --------------------------------------------------------------------------- worker processes


class _Inline:
    """The executor interface, run in the calling process when the result is asked for."""

    def submit(self, fn: Callable[..., Any], *args: Any) -> _Later:
        return _Later(fn, args)

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        pass


@dataclass
class _Later:
    fn: Callable[..., Any]
    args: tuple[Any, ...]

    def result(self) -> Any:
        return self.fn(*self.args)


class _Pool:
    """Worker processes made when first needed: ``workers`` > 1 always, None when a batch is large."""

    def __init__(self, workers: int | None) -> None:
        self.workers = workers
        self.pool: Any = None

    def get(self, batch: int) -> Any:
        if self.workers == 1 or (self.workers is None and batch < PARALLEL_MIN_FILES) or batch == 0:
            return _Inline()
        if self.pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # spawn, not fork: the caller may run polars' (or Textual's) threads
            n = self.workers or _cpus()
            self.pool = ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn"))
        return self.pool

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# --------------------------------------------------------------------------- loading


def load_tables(
    workspace: Workspace,
    *,
    annotators: Iterable[str] | None = None,
    docs: Iterable[str] | None = None,
    done_only: bool = False,
    progress: Progress | None = None,
    workers: int | None = 1,
    against: str | None = None,
    use_cache: bool = True,
) -> AgreementInput:
    """Read the annotation files of ``annotators`` (default: every annotator folder) on
    ``docs`` (default: every document of the corpus) into the agreement tables.

    ``against``: ``gold`` or an annotator's name, whose files are read too, as the
    reference every annotator is compared with (:attr:`AgreementInput.reference`; an
    annotator taken as the reference is not among those compared with each other).
    ``done_only`` keeps only files with status done (the reference's too: gold a curator
    marked adjudicated). Unknown annotator or document names
    raise AnnotatorError (one line per name). Nothing in the workspace is written but
    its cache (:mod:`annotator.core.agreement.cache`; ``use_cache`` False: neither read nor written).
    ``workers``: 1 (default) reads and tokenizes in the calling process; more use that
    many worker processes; None: one per CPU when there are at least
    :data:`PARALLEL_MIN_FILES` files to read, else 1 (see the module docstring for the caveat).
    ``progress(stage, done, total)`` is called as the files and then the texts advance.
    """
    chunks = load_chunks(
        workspace,
        annotators=annotators,
        docs=docs,
        done_only=done_only,
        progress=progress,
        workers=workers,
        against=against,
        use_cache=use_cache,
        max_docs=CHUNK_DOCS,
    )
    with closing(chunks):
        return _merged(list(chunks))


def _merged(parts: list[AgreementInput]) -> AgreementInput:
    """One input from the parts :func:`load_chunks` gives (read part by part: the cache is
    refreshed in memory bounded by a part, whatever the size of the whole)."""
    import polars as pl

    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    tables = {
        name: pl.concat([getattr(p, name) for p in parts], rechunk=False)
        for name in ("spans", "coverage", "tokens", "doc_lengths", "events", "arguments")
    }
    texts = [p.texts for p in parts if isinstance(p.texts, LazyTexts)]
    excluded = sorted((x for p in parts for x in p.excluded), key=lambda x: (x["annotator"], x["doc_id"] or ""))
    migrated: Counter[str] = Counter()
    for p in parts:
        migrated.update(p.migrated)
    return AgreementInput(
        guidelines=first.guidelines,
        annotators=first.annotators,
        reference=first.reference,
        excluded=tuple(excluded),
        texts=LazyTexts.joined(texts),
        migrated=dict(sorted(migrated.items())),
        files=sum(p.files for p in parts),
        not_done=sum(p.not_done for p in parts),
        not_started=sum(p.not_started for p in parts),
        review=sum(p.review for p in parts),
        **tables,
    )


def load_chunks(
    workspace: Workspace,
    *,
    annotators: Iterable[str] | None = None,
    docs: Iterable[str] | None = None,
    done_only: bool = False,
    progress: Progress | None = None,
    workers: int | None = 1,
    against: str | None = None,
    use_cache: bool = True,
    max_docs: int | None = CHUNK_DOCS,
) -> Generator[AgreementInput, None, None]:
    """The tables of :func:`load_tables` in parts, each on its own documents (every file of
    a document in the same part, at most ``max_docs`` documents a part unless one shard of
    the cache holds more; None: one part): their tables concatenated and their counts summed
    are :func:`load_tables`'s. What is left out before reading (folders, files of unknown
    documents) is in the first part. The selection is checked before the first part is made."""
    plan = _plan(workspace, annotators, docs, against)
    with closing(_refreshed(plan, use_cache, workers, progress, max_docs)) as frames:
        for k, frame in enumerate(frames):
            yield _assemble(plan, frame, done_only, plan.excluded if k == 0 else [])


def listing(
    workspace: Workspace,
    *,
    annotators: Iterable[str] | None = None,
    against: str | None = None,
    corpus: Corpus | None = None,
) -> tuple[pl.DataFrame, int]:
    """The selected annotators' files (and ``against``'s) as :func:`load_rows` finds them now:
    annotator, doc_id, path, size, mtime_ns, ino (null: cannot be stat'ed), sha256 and chars
    (the corpus index's), shard; and when they were stat'ed (ns). For a cache of what was
    computed from those files, keyed by their identities (``suggestions/lexicon``). ``corpus``:
    the workspace's, if the caller has just read it (else read here)."""
    plan = _plan(workspace, annotators, None, against, corpus)
    return plan.listed, plan.checked_ns


def load_rows(
    workspace: Workspace,
    *,
    annotators: Iterable[str] | None = None,
    against: str | None = None,
    docs: Iterable[str] | None = None,
    progress: Progress | None = None,
    workers: int | None = 1,
    use_cache: bool = True,
    max_docs: int | None = CHUNK_DOCS,
    columns: Sequence[str] = (),
    corpus: Corpus | None = None,
) -> Generator[tuple[pl.DataFrame, list[dict[str, Any]]], None, None]:
    """The parsed-table cache's rows (:func:`annotator.core.agreement.cache.schema`) of the
    selected annotators' files (and ``against``'s) and of their documents' texts, refreshed
    from disk as :func:`load_chunks` refreshes them (the same cache, read and written), part
    by part, each with what was left out before reading (folders that are no annotator,
    files of documents not in the corpus: in the first part). For counts over the files
    themselves (``annotator status``): their outcome, status, review count and mtime.
    ``columns``: only these (default: all; ``kind``, ``annotator`` and ``doc_id`` are needed).
    ``docs``: only these documents' files are refreshed (rows of others of their shards may come as cached).
    ``corpus``: the workspace's, if the caller has just read it (else read here)."""
    import polars as pl

    plan = _plan(workspace, annotators, docs, against, corpus)
    with closing(_refreshed(plan, use_cache, workers, progress, max_docs, columns)) as frames:
        for k, frame in enumerate(frames):
            rows = frame.select(columns or frame.columns)
            if not set(rows["annotator"].drop_nulls().unique()) <= set(plan.readers):  # others' files in the shards
                rows = rows.filter(plan.selected() | (pl.col("kind") == KIND_TEXT))
            del frame  # not held while the next part is refreshed
            yield rows, plan.excluded if k == 0 else []
            del rows


def _refreshed(
    plan: _Plan,
    use_cache: bool,
    workers: int | None,
    progress: Progress | None,
    max_docs: int | None,
    columns: Sequence[str] = (),
) -> Generator[pl.DataFrame, None, None]:
    """The refreshed cache rows of the plan's shards, a group of shards at a time (``columns``: see _refresh)."""
    from concurrent.futures import BrokenExecutor

    cache = Cache.of(plan.workspace, enabled=use_cache)
    pool = _Pool(workers)
    try:
        for shards in _groups(plan, max_docs):
            try:
                yield _refresh(plan, cache, shards, pool, progress, columns)
            except BrokenExecutor:  # a worker died (killed, out of memory, an unguarded main module)
                if workers == 1:
                    raise
                pool.close()
                pool.workers = 1
                yield _refresh(plan, cache, shards, pool, progress, columns)
    finally:
        pool.close()


@dataclass
class _Plan:
    """What to read: every selected annotation file with its identity, and what was left out before reading."""

    workspace: Workspace
    corpus: Corpus
    annotators: list[str]
    reference: str | None
    docs: set[str] | None  # the selected documents (None: all)
    listed: pl.DataFrame  # annotator, doc_id, path, size, mtime_ns, ino, sha256 (the index's), chars, shard
    excluded: list[dict[str, Any]]
    checked_ns: int  # when the files were stat'ed

    @property
    def readers(self) -> list[str]:
        """Whose files are read: the annotators, then the reference."""
        return self.annotators if self.reference is None else [*self.annotators, self.reference]

    def selected(self) -> pl.Expr:
        """Rows of a cache table whose file is selected."""
        import polars as pl

        chosen = pl.col("annotator").is_in(pl.Series(self.readers, dtype=pl.String).implode())
        if self.docs is None:
            return chosen
        return chosen & pl.col("doc_id").is_in(pl.Series(sorted(self.docs), dtype=pl.String).implode())


def _plan(
    workspace: Workspace,
    annotators: Iterable[str] | None,
    docs: Iterable[str] | None,
    against: str | None = None,
    corpus: Corpus | None = None,
) -> _Plan:
    """The selection checked, every file to compare stat'ed; other folders and files of unknown
    documents left out with their reason."""
    import polars as pl

    corpus = corpus if corpus is not None else Corpus(workspace.corpus_dir)
    _, others = annotator_folders(workspace)
    chosen, doc_filter, problems = selection(workspace, annotators, docs, corpus=corpus, against=against)
    others = [o for o in others if o != against]
    if problems:
        raise AnnotatorError("\n".join(problems))

    excluded: list[dict[str, Any]] = []
    for name in others:
        n = _count_files(workspace.annotations_dir / name, doc_filter)
        reason = (
            "the adjudicated set (gold) is not compared"
            if name.lower() in RESERVED
            else "not a valid annotator name (1 to 64 of A-Z a-z 0-9 _ . -)"
        )
        excluded.append({"annotator": name, "doc_id": None, "reason": reason, "files": n})
    checked_ns = now_ns()
    readers = chosen if against is None else [*chosen, against]
    found = pl.concat(
        [_json_files(Path(), ""), *(_json_files(workspace.annotator_dir(name), name) for name in readers)],
        how="vertical",
    ).with_columns(doc_id=pl.col("file").str.head(-5))
    if doc_filter is not None:
        found = found.filter(pl.col("doc_id").is_in(pl.Series(sorted(doc_filter), dtype=pl.String).implode()))
    ids = corpus.ids if doc_filter is None else sorted(d for d in doc_filter if d in corpus)
    infos = [corpus.info(d) for d in ids]
    index = pl.DataFrame(
        {"doc_id": ids, "sha256": [i.sha256 for i in infos], "chars": [i.chars for i in infos]},
        schema={"doc_id": pl.String, "sha256": pl.String, "chars": pl.Int64},
    )
    unknown = found.join(index, on="doc_id", how="anti").select("annotator", "doc_id")
    excluded += [{**row, "reason": "no such document in the corpus"} for row in unknown.iter_rows(named=True)]
    listed = found.join(index, on="doc_id", how="inner").sort("annotator", "doc_id")
    doc_ids = listed["doc_id"].unique(maintain_order=True)
    shards = pl.DataFrame(
        {"doc_id": doc_ids, "shard": [shard_of(d) for d in doc_ids]},
        schema={"doc_id": pl.String, "shard": pl.Int64},
    )
    listed = listed.join(shards, on="doc_id", how="left", maintain_order="left")
    listed = pl.concat([listed, identities(listed["path"].to_list())], how="horizontal").select(
        "annotator", "doc_id", "path", *_IDENT_COLUMNS, "sha256", "chars", "shard"
    )
    return _Plan(workspace, corpus, chosen, against, doc_filter, listed, excluded, checked_ns)


def _json_names(folder: Path) -> list[str]:
    """The names of the ``*.json`` files of ``folder`` (temporary and hidden files skipped); none if it is missing."""
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise AnnotatorError("cannot list annotation files", str(folder), exc.strerror) from exc
    return [n for n in names if n.endswith(".json") and not n.startswith(".")]


def _count_files(folder: Path, docs: set[str] | None) -> int:
    """How many ``*.json`` files ``folder`` holds (on ``docs``), as :func:`_json_files` would list them."""
    names = _json_names(folder)
    return len(names) if docs is None else sum(1 for n in names if n[:-5] in docs)


def _json_files(folder: Path, name: str) -> pl.DataFrame:
    """annotator, file, path of each ``*.json`` file of ``folder``."""
    import polars as pl

    names = pl.Series("file", _json_names(folder) if name else [], dtype=pl.String)
    return pl.DataFrame([names]).with_columns(
        annotator=pl.lit(name, dtype=pl.String), path=pl.lit(os.path.join(folder, "")) + pl.col("file")
    )


def identities(paths: list[str]) -> pl.DataFrame:
    """size, mtime_ns, ino of each path (nulls: it cannot be stat'ed; read, and refused with the loader's reason)."""
    import polars as pl

    def one(path: str) -> tuple[int | None, int | None, int | None]:
        try:
            st = os.stat(path)
        except OSError:
            return None, None, None
        return st.st_size, st.st_mtime_ns, st.st_ino

    return pl.DataFrame([one(p) for p in paths], schema=dict.fromkeys(_IDENT_COLUMNS, pl.Int64), orient="row")


def _groups(plan: _Plan, max_docs: int | None) -> list[list[int]]:
    """The cache's shards to look at (those of the selected documents), in parts of at most
    ``max_docs`` documents (a shard is never split)."""
    shards = sorted({shard_of(d) for d in plan.docs}) if plan.docs is not None else list(range(SHARDS))
    if max_docs is None:
        return [shards]
    import polars as pl

    per_shard = dict(plan.listed.group_by("shard").agg(pl.col("doc_id").n_unique()).iter_rows())
    groups: list[list[int]] = [[]]
    n = 0
    for s in shards:
        k = per_shard.get(s, 0)
        if groups[-1] and n + k > max_docs:
            groups.append([])
            n = 0
        groups[-1].append(s)
        n += k
    return groups


# --------------------------------------------------------------------------- refreshing the cache


def _refresh(
    plan: _Plan, cache: Cache, shards: list[int], pool: _Pool, progress: Progress | None, columns: Sequence[str] = ()
) -> pl.DataFrame:
    """The cache rows of ``shards``, every selected file's and text's as on disk now: reused
    where its identity is unchanged, else read again; shards that changed are written back.
    ``columns``: when nothing changed, only these are read (with those the check takes)."""
    import polars as pl

    listed = plan.listed.filter(pl.col("shard").is_in(pl.Series(shards, dtype=pl.Int64).implode()))
    if columns:  # the usual second run: no token lists or offsets read when not asked for
        light = cache.read_many(shards, list(dict.fromkeys([*columns, *_CHECKED_COLUMNS])))
        if not any(frame.height for frame in _changes(plan, light, listed)):
            return light
    old = cache.read_many(shards)
    to_read, gone, texts_read = _changes(plan, old, listed)
    if not (to_read.height or gone.height or texts_read.height):  # nothing changed: the rows as read
        return old
    key = ["annotator", "doc_id"]
    # the rows of the files and texts read again dropped: only their documents' rows are joined
    files_out = pl.concat([to_read.select(key), gone.select(key)])
    touched = pl.col("doc_id").is_in(pl.concat([files_out["doc_id"], texts_read["doc_id"]]).unique().implode())
    near = old.filter(touched)
    rows = pl.concat(
        [
            old.filter(~touched),
            near.filter(pl.col("kind") < KIND_TEXT).join(files_out, on=key, how="anti", maintain_order="left"),
            near.filter((pl.col("kind") == KIND_TEXT) & ~pl.col("doc_id").is_in(texts_read["doc_id"].implode())),
        ]
    )
    if to_read.height or texts_read.height:
        rows = pl.concat([rows, _read(plan, to_read, texts_read, pool, progress)])
    changed = set(to_read["shard"]) | {shard_of(d) for d in gone["doc_id"]} | set(texts_read["shard"])
    if changed and cache.writable:
        known = listed.select("doc_id", "shard").unique("doc_id")
        docs = rows.filter(pl.col("kind") == KIND_FILE)["doc_id"].unique()  # texts of no file are not written
        others = docs.filter(~docs.is_in(known["doc_id"].implode()))  # files of others only: hashed here
        where = pl.concat(
            [
                known,
                pl.DataFrame(
                    {"doc_id": others, "shard": [shard_of(d) for d in others]},
                    schema={"doc_id": pl.String, "shard": pl.Int64},
                ),
            ]
        ).filter(pl.col("shard").is_in(pl.Series(sorted(changed), dtype=pl.Int64).implode()))
        parts = rows.filter(pl.col("doc_id").is_in(where["doc_id"].implode())).join(
            where, on="doc_id", how="left", maintain_order="left"
        )
        by_shard = parts.partition_by("shard", as_dict=True, include_key=False)
        for s in sorted(changed):
            cache.write(s, by_shard.get((s,), empty()))
    return rows


_CHECKED_COLUMNS = ("kind", "annotator", "doc_id", "size", "mtime_ns", "ino", "sha256", "checked_ns", "reason")


def _changes(plan: _Plan, old: pl.DataFrame, listed: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(files to read again, selected files gone from disk, texts to read again) of cache rows
    ``old`` (at least :data:`_CHECKED_COLUMNS`) against the ``listed`` files."""
    import polars as pl

    key = ["annotator", "doc_id"]
    before = old.filter(pl.col("kind") == KIND_FILE).select(
        *key, o_size="size", o_mtime="mtime_ns", o_ino="ino", o_sha="sha256", o_checked="checked_ns"
    )
    files = listed.join(before, on=key, how="left", maintain_order="left")
    to_read = files.filter(~_unchanged().fill_null(False))
    selected_rows = plan.selected() & (pl.col("kind") == KIND_FILE)
    gone = old.filter(selected_rows).join(listed, on=key, how="anti")
    return to_read, gone, _texts(plan, old, listed)


def _texts(plan: _Plan, old: pl.DataFrame, listed: pl.DataFrame) -> pl.DataFrame:
    """The texts to read (doc_id, path, sha256, shard and the text file's identity): each text
    of a listed file is stat'ed and compared with its row in ``old``."""
    import polars as pl

    docs = listed.select("doc_id", "sha256", "shard").unique("doc_id", maintain_order=True)
    folder = os.path.join(plan.corpus.directory, "")
    now = docs.with_columns(path=pl.lit(folder) + pl.col("doc_id") + pl.lit(".txt"))
    now = pl.concat([now, identities(now["path"].to_list())], how="horizontal")
    before = old.filter(pl.col("kind") == KIND_TEXT).select(
        "doc_id",
        o_size="size",
        o_mtime="mtime_ns",
        o_ino="ino",
        o_sha="sha256",
        o_checked="checked_ns",
        o_reason="reason",
    )
    joined = now.join(before, on="doc_id", how="left", maintain_order="left")
    same = (_unchanged() & pl.col("o_reason").is_null()).fill_null(False)
    return joined.filter(~same).select("doc_id", "path", "sha256", "shard", *_IDENT_COLUMNS)


def _unchanged() -> pl.Expr:
    """A file (or text) as it was when its cached row was made: the same identity (size, mtime,
    inode) and text sha256, and not modified within RACY_NS of being stat'ed (``o_``: the row's)."""
    import polars as pl

    return (
        (pl.col("size") == pl.col("o_size"))
        & (pl.col("mtime_ns") == pl.col("o_mtime"))
        & (pl.col("ino") == pl.col("o_ino"))
        & (pl.col("sha256") == pl.col("o_sha"))
        & (pl.col("mtime_ns") < pl.col("o_checked") - RACY_NS)
    )


_IDENT_COLUMNS = ("size", "mtime_ns", "ino")


def _without(rows: pl.DataFrame, files: pl.DataFrame) -> pl.DataFrame:
    """``rows`` but those of ``files`` (annotator, doc_id): usually a few, so only the rows of
    their documents are joined."""
    import polars as pl

    if not files.height:
        return rows
    touched = pl.col("doc_id").is_in(files["doc_id"].unique().implode())
    rest = rows.filter(touched).join(files, on=["annotator", "doc_id"], how="anti", maintain_order="left")
    return pl.concat([rows.filter(~touched), rest])


def _read(
    plan: _Plan, files: pl.DataFrame, texts: pl.DataFrame, pool: _Pool, progress: Progress | None
) -> pl.DataFrame:
    """The cache rows of ``files`` and ``texts``, read (and texts tokenized), in worker processes when many."""
    import polars as pl

    jobs = [
        Job(f, a, d, p, sha, chars)
        for f, (a, d, p, sha, chars) in enumerate(
            files.select("annotator", "doc_id", "path", "sha256", "chars").iter_rows()
        )
    ]
    items = list(texts.select("doc_id", "path", "sha256").iter_rows())
    executor = pool.get(len(jobs) + len(items))
    ws = plan.workspace
    file_futures = [
        executor.submit(read_files, jobs[i : i + CHUNK], ws.guidelines_dir, ws.config.guidelines)
        for i in range(0, len(jobs), CHUNK)
    ]
    text_futures = [executor.submit(_read_texts, items[i : i + TEXT_CHUNK]) for i in range(0, len(items), TEXT_CHUNK)]
    parts = [_file_rows(plan, files, _collect(file_futures, STAGE_FILES, len(jobs), progress))]
    parts.append(_text_rows(plan, texts, _collect(text_futures, STAGE_TEXTS, len(items), progress)))
    return pl.concat(parts)


def _collect(futures: list[Any], stage: str, total: int, progress: Progress | None) -> list[Any]:
    results: list[Any] = []
    done = 0
    if progress and total:
        progress(stage, 0, total)
    for future in futures:
        results.append(future.result())
        done += len(results[-1].docs) if isinstance(results[-1], _TextResult) else _count(results[-1])
        if progress:
            progress(stage, done, total)
    return results


def _count(res: ChunkResult) -> int:
    return len(res.ok) + len(res.excluded) + len(res.not_started)


def _file_rows(plan: _Plan, files: pl.DataFrame, results: list[ChunkResult]) -> pl.DataFrame:
    """The cache rows of the files read: one record each, then their spans, events and arguments."""
    import polars as pl

    f: list[int] = []
    outcome: list[int] = []
    status: list[str | None] = []
    review: list[int | None] = []
    reason: list[str | None] = []
    migrated: dict[int, str] = {}
    for res in results:
        f += res.ok + [x for x, _ in res.excluded] + res.not_started
        outcome += [OK] * len(res.ok) + [EXCLUDED] * len(res.excluded) + [NOT_STARTED] * len(res.not_started)
        status += res.status + [None] * (len(res.excluded) + len(res.not_started))
        review += res.review + [None] * (len(res.excluded) + len(res.not_started))
        reason += [None] * len(res.ok) + [r for _, r in res.excluded] + [None] * len(res.not_started)
        migrated.update(res.migrated)
    who = files.select("annotator", "doc_id", "size", "mtime_ns", "ino", "sha256")
    index = pl.Series(f, dtype=pl.Int64)
    records = who[index].with_columns(
        kind=pl.lit(KIND_FILE, dtype=pl.Int8),
        outcome=pl.Series(outcome, dtype=pl.Int8),
        label=pl.Series(status, dtype=pl.String),
        review=pl.Series(review, dtype=pl.Int64),
        reason=pl.Series(reason, dtype=pl.String),
        migrated=pl.Series([migrated.get(x) for x in f], dtype=pl.String),
        checked_ns=pl.lit(plan.checked_ns, dtype=pl.Int64),
    )
    names = files.select("annotator", "doc_id")
    parts = [conform(records)]
    for kind, i, rename in (
        (KIND_SPAN, 0, {}),
        (KIND_EVENT, 1, {"type": "label"}),
        (KIND_ARGUMENT, 2, {"role": "label"}),
    ):
        for res in results:
            frame = res.frames[i].rename(rename)
            if frame.height:
                parts.append(
                    conform(
                        pl.concat([names[frame["f"].cast(pl.Int64)], frame.drop("f")], how="horizontal").with_columns(
                            kind=pl.lit(kind, dtype=pl.Int8)
                        )
                    )
                )
    return pl.concat(parts)


def _text_rows(plan: _Plan, texts: pl.DataFrame, results: list[_TextResult]) -> pl.DataFrame:
    """The cache rows of the texts read: one record each (its length or why it cannot be used), then its tokens."""
    import polars as pl

    ids: list[str] = []
    lengths: list[int | None] = []
    reasons: list[str | None] = []
    counts: list[int] = []
    starts, ends = array("q"), array("q")
    for res in results:
        for doc_id, length, reason in res.docs:
            ids.append(doc_id)
            lengths.append(length)
            reasons.append(reason)
        counts += res.counts
        starts.extend(res.starts)
        ends.extend(res.ends)
    by_id = texts.select("doc_id", "sha256", *_IDENT_COLUMNS)
    records = (
        pl.DataFrame(
            {"doc_id": ids, "end": lengths, "reason": reasons},
            schema={"doc_id": pl.String, "end": pl.Int64, "reason": pl.String},
        )
        .join(by_id, on="doc_id", how="left", maintain_order="left")
        .with_columns(kind=pl.lit(KIND_TEXT, dtype=pl.Int8), checked_ns=pl.lit(plan.checked_ns, dtype=pl.Int64))
    )
    good = [d for d, n in zip(ids, lengths, strict=True) if n is not None]
    tokens = (
        pl.DataFrame(
            {
                "doc_id": pl.Series(good, dtype=pl.String).gather(
                    pl.Series(range(len(good)), dtype=pl.Int64)
                    .repeat_by(pl.Series(counts, dtype=pl.Int64))
                    .explode()
                    .drop_nulls()
                )
                if good
                else pl.Series([], dtype=pl.String),
                "start": series(starts, pl.Int64),
                "end": series(ends, pl.Int64),
            }
        )
        .group_by("doc_id", maintain_order=True)
        .agg(starts="start", ends="end")
    )
    return conform(records.join(tokens, on="doc_id", how="left", maintain_order="left"))


def series(values: list[int] | array, dtype: Any) -> pl.Series:
    """A polars Series of ``values`` (a list, or an array as a worker sends it)."""
    import polars as pl

    if isinstance(values, array):
        try:  # numpy, when present, takes the buffer as is (not worth importing for a few texts)
            if len(values) < NUMPY_MIN:
                raise ImportError
            import numpy as np
        except ImportError:
            values = values.tolist()
        else:
            return pl.Series(np.frombuffer(values, dtype=np.int64 if values.typecode == "q" else np.int32)).cast(dtype)
    return pl.Series(values, dtype=dtype, strict=True)


# --------------------------------------------------------------------------- the tables


def _assemble(plan: _Plan, rows: pl.DataFrame, done_only: bool, before: list[dict[str, Any]]) -> AgreementInput:
    """The selected files' tables from the cache rows of some documents."""
    import polars as pl

    key = ["annotator", "doc_id"]
    rank = {name: k for k, name in enumerate(plan.readers)}
    order = [pl.col("annotator").replace_strict(rank, return_dtype=pl.Int64), pl.col("doc_id")]
    rows = rows.select(  # no copy: the columns the tables take
        *key,
        "kind",
        "start",
        "end",
        "label",
        "event_id",
        "outcome",
        "review",
        "reason",
        "migrated",
        "sha256",
        "starts",
        "ends",
    )
    everyone = plan.docs is None and set(rows["annotator"].drop_nulls().unique()) <= set(plan.readers)
    mine = rows if everyone else rows.filter(plan.selected())  # the rows of selected files (and texts)
    files = mine.filter(pl.col("kind") == KIND_FILE)
    ok = read_ok = files.filter(pl.col("outcome") == OK)
    not_done = 0
    if done_only:
        done = ok.filter(pl.col("label") == "done")
        not_done, ok = ok.height - done.height, done
    texts = rows.filter(pl.col("kind") == KIND_TEXT).select("doc_id", "end", "reason", "sha256", "starts", "ends")
    bad = ok.join(texts.filter(pl.col("reason").is_not_null()), on="doc_id", how="inner", suffix="_text")
    kept = ok.join(bad, on=key, how="anti").sort(order, maintain_order=True)
    refused = files.filter(pl.col("outcome") == EXCLUDED).select(*key, "reason")
    excluded = [*before, *refused.to_dicts(), *bad.select(*key, reason="reason_text").to_dicts()]
    excluded.sort(key=lambda x: (x["annotator"], x["doc_id"] or ""))
    covered = kept.select("doc_id").unique().sort("doc_id")
    lengths = covered.join(texts, on="doc_id", how="left", maintain_order="left")
    annotations = mine.select(*key, "kind", "start", "end", "label", "event_id")
    if kept.height < read_ok.height:  # the rows of files left out after reading dropped
        annotations = _without(annotations, read_ok.join(kept, on=key, how="anti").select(key))

    def of(kind: int, *columns: Any) -> pl.DataFrame:
        return annotations.filter(pl.col("kind") == kind).select(*key, *columns)

    tokens = (
        lengths.filter(pl.col("starts").list.len() > 0)
        .select("doc_id", start="starts", end="ends")
        .explode("start", "end")
    )
    return AgreementInput(
        guidelines=plan.workspace.config.guidelines,
        annotators=tuple(plan.annotators),
        reference=plan.reference,
        spans=of(KIND_SPAN, "start", "end", "label"),
        coverage=kept.select(key),
        tokens=tokens,
        doc_lengths=lengths.select("doc_id", length="end"),
        events=of(KIND_EVENT, "event_id", pl.col("label").alias("type"), "start", "end"),
        arguments=of(KIND_ARGUMENT, "event_id", pl.col("label").alias("role"), "start", "end"),
        excluded=tuple(excluded),
        texts=LazyTexts(plan.corpus.directory, dict(lengths.select("doc_id", "sha256").iter_rows())),
        migrated=dict(sorted(Counter(kept["migrated"].drop_nulls().to_list()).items())),
        files=kept.height,
        not_done=not_done,
        not_started=files.filter(pl.col("outcome") == NOT_STARTED).height,
        review=int(ok["review"].sum() or 0),
    )
