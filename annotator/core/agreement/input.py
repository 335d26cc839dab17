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

Speed: files are read and parsed with orjson chunk by chunk into flat columns, each
chunk's tables built column-wise where it was read and concatenated at the end, never row
by row. Tokens come
from :func:`annotator.core.text.tokens.tokenize`, cached in memory by the text's sha256.
Parsing and tokenizing hold the GIL, so threads do not help; with ``workers`` > 1 the
chunks go to worker processes (spawned: safe under polars' or Textual's threads, but the
caller's main module must be guarded by ``if __name__ == "__main__"``, as the
``annotator`` command is). The CLI does that for large workspaces; the default here is
to stay in the calling process. Both run the same steps; in the calling process a chunk
is read when its result is asked for.
"""

from __future__ import annotations

import hashlib
import os
import threading
from array import array
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.core.agreement.files import ChunkResult, Columns, Job, read_files
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
TOKEN_CACHE_CHARS = 32_000_000  # texts' worth of tokens kept between calls (by sha256)


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


def _json_files(folder: Path) -> list[str]:
    """Document ids of the ``*.json`` files in ``folder`` (temporary and hidden files skipped)."""
    try:
        return sorted(
            e.name[:-5] for e in os.scandir(folder) if e.name.endswith(".json") and not e.name.startswith(".")
        )
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise AnnotatorError("cannot list annotation files", str(folder), exc.strerror) from exc


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


# --------------------------------------------------------------------------- texts and tokens

_token_cache: OrderedDict[str, tuple[array, array, int]] = OrderedDict()
_token_cache_chars = 0
_token_lock = threading.Lock()


def _cache_get(sha256: str) -> tuple[array, array] | None:
    with _token_lock:
        hit = _token_cache.get(sha256)
        if hit is None:
            return None
        _token_cache.move_to_end(sha256)
        return hit[0], hit[1]


def _cache_put(sha256: str, starts: array, ends: array, chars: int) -> None:
    global _token_cache_chars
    with _token_lock:
        if sha256 in _token_cache:
            return
        _token_cache[sha256] = (starts, ends, chars)
        _token_cache_chars += chars
        while _token_cache_chars > TOKEN_CACHE_CHARS and len(_token_cache) > 1:
            _, (_, _, n) = _token_cache.popitem(last=False)
            _token_cache_chars -= n


def cached_tokens(text: str, sha256: str) -> tuple[Sequence[int], Sequence[int]]:
    """Starts and ends of the tokens of ``text``, whose sha256 is given; kept in memory
    by sha256 (as arrays, up to :data:`TOKEN_CACHE_CHARS` characters of text)."""
    hit = _cache_get(sha256)
    if hit is not None:
        return hit
    starts, ends = token_bounds(text)
    _cache_put(sha256, array("q", starts), array("q", ends), len(text))
    return starts, ends


@dataclass
class _TextResult:
    docs: list[tuple[str, str | None, str | None]]  # doc_id, text (None if bad), reason
    tokenized: bool
    counts: list[int]  # tokens per good document, in order
    starts: array
    ends: array


def _read_texts(items: Sequence[tuple[str, str, str]], tokenize_them: bool = True) -> _TextResult:
    """Read (doc_id, path, sha256) texts, check them against the index's sha256, tokenize
    the good ones (runs in a worker process for large jobs)."""
    out = _TextResult([], tokenize_them, [], array("q"), array("q"))
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
        out.docs.append((doc_id, text, None))
        if tokenize_them:
            starts, ends = token_bounds(text)
            out.counts.append(len(starts))
            out.starts.extend(starts)
            out.ends.extend(ends)
    return out


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


def _executor(workers: int) -> Any:
    if workers <= 1:
        return _Inline()
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn, not fork: the caller may run polars' (or Textual's) threads
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


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
) -> AgreementInput:
    """Read the annotation files of ``annotators`` (default: every annotator folder) on
    ``docs`` (default: every document of the corpus) into the agreement tables.

    ``against``: ``gold`` or an annotator's name, whose files are read too, as the
    reference every annotator is compared with (:attr:`AgreementInput.reference`; an
    annotator taken as the reference is not among those compared with each other).
    ``done_only`` keeps only files with status done (the reference's too: gold a curator
    marked adjudicated). Unknown annotator or document names
    raise AnnotatorError (one line per name). Nothing in the workspace is written.
    ``workers``: 1 (default) reads and tokenizes in the calling process; more use that
    many worker processes; None: one per CPU when there are at least
    :data:`PARALLEL_MIN_FILES` files, else 1 (see the module docstring for the caveat).
    ``progress(stage, done, total)`` is called as the files and then the texts advance.
    """
    from concurrent.futures import BrokenExecutor

    plan = _plan(workspace, annotators, docs, against)
    if workers is None:
        workers = _cpus() if len(plan.jobs) >= PARALLEL_MIN_FILES else 1
    try:
        return _load(plan, done_only, progress, workers)
    except BrokenExecutor:  # a worker died (killed, out of memory, an unguarded main module)
        if workers == 1:
            raise
        return _load(plan, done_only, progress, 1)


@dataclass
class _Plan:
    """What to read: one job per annotation file, and what was left out before reading."""

    workspace: Workspace
    corpus: Corpus
    annotators: list[str]
    jobs: list[Job]
    excluded: list[dict[str, Any]]
    reference: str | None = None


@dataclass
class _Files:
    """The annotation files as read: columns, and what became of each file."""

    frames: list[tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]] = field(default_factory=list)  # per chunk
    review: int = 0  # entities and events marked needs_review
    ok: list[int] = field(default_factory=list)  # file numbers read into the frames
    reasons: dict[int, str] = field(default_factory=dict)  # file number -> why it is left out
    migrated: dict[int, str] = field(default_factory=dict)  # file number -> the version it was under
    not_done: int = 0
    not_started: int = 0


@dataclass
class _Texts:
    """The covered documents' texts and tokens (in the order of ``ids``), and the bad ones."""

    texts: dict[str, str] = field(default_factory=dict)
    bad: dict[str, str] = field(default_factory=dict)  # doc_id -> why its text cannot be used
    ids: list[str] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)
    starts: array = field(default_factory=lambda: array("q"))
    ends: array = field(default_factory=lambda: array("q"))


def _plan(
    workspace: Workspace, annotators: Iterable[str] | None, docs: Iterable[str] | None, against: str | None = None
) -> _Plan:
    """The selection checked, a job per file to read; other folders and files of unknown
    documents left out with their reason."""
    corpus = Corpus(workspace.corpus_dir)
    _, others = annotator_folders(workspace)
    chosen, doc_filter, problems = selection(workspace, annotators, docs, corpus=corpus, against=against)
    others = [o for o in others if o != against]
    if problems:
        raise AnnotatorError("\n".join(problems))

    def wanted(doc_id: str) -> bool:
        return doc_filter is None or doc_id in doc_filter

    excluded: list[dict[str, Any]] = []
    for name in others:
        n = sum(1 for d in _json_files(workspace.annotations_dir / name) if wanted(d))
        reason = (
            "the adjudicated set (gold) is not compared"
            if name.lower() in RESERVED
            else "not a valid annotator name (1 to 64 of A-Z a-z 0-9 _ . -)"
        )
        excluded.append({"annotator": name, "doc_id": None, "reason": reason, "files": n})
    jobs: list[Job] = []
    for name in chosen if against is None else [*chosen, against]:
        folder = workspace.annotator_dir(name)
        prefix = os.path.join(folder, "")  # plain strings: a Path per file costs more than reading it
        for doc_id in _json_files(folder):
            if not wanted(doc_id):
                continue
            if doc_id not in corpus:
                excluded.append({"annotator": name, "doc_id": doc_id, "reason": "no such document in the corpus"})
                continue
            info = corpus.info(doc_id)
            jobs.append(Job(len(jobs), name, doc_id, f"{prefix}{doc_id}.json", info.sha256, info.chars))
    return _Plan(workspace, corpus, chosen, jobs, excluded, against)


def _load(plan: _Plan, done_only: bool, progress: Progress | None, workers: int) -> AgreementInput:
    """Files and texts through the pool (worker processes, or this one), then the tables."""
    pool = _executor(workers)
    try:
        chunks = [plan.jobs[i : i + CHUNK] for i in range(0, len(plan.jobs), CHUNK)]
        ws = plan.workspace
        file_futures = [pool.submit(read_files, c, ws.guidelines_dir, ws.config.guidelines, done_only) for c in chunks]
        text_futures = _submit_texts(pool, plan)  # every document with a file: coverage is not known yet
        files = _collect_files(plan, file_futures, progress)
        covered = {plan.jobs[f].doc_id for f in files.ok}
        texts = _collect_texts(plan, text_futures, covered, progress)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return _tables(plan, files, texts)


def _collect_files(plan: _Plan, futures: list[Any], progress: Progress | None) -> _Files:
    files = _Files()
    done, total = 0, len(plan.jobs)
    if progress:
        progress(STAGE_FILES, 0, total)
    for future in futures:
        res: ChunkResult = future.result()
        files.frames.append(res.frames)
        files.review += res.review
        files.ok += res.ok
        files.reasons.update(res.excluded)
        files.migrated.update(res.migrated)
        files.not_done += res.not_done
        files.not_started += res.not_started
        done += len(res.ok) + len(res.excluded) + res.not_done + res.not_started
        if progress:
            progress(STAGE_FILES, done, total)
    return files


def _submit_texts(pool: Any, plan: _Plan) -> list[Any]:
    """Read (and tokenize, unless their tokens are cached) the texts of the documents with a file."""
    prefix = os.path.join(plan.corpus.directory, "")
    doc_ids = sorted({j.doc_id for j in plan.jobs})
    items = [(d, f"{prefix}{d}.txt", plan.corpus.info(d).sha256) for d in doc_ids]
    futures = []
    for cached in (False, True):  # documents whose tokens are cached are only read
        part = [x for x in items if (_cache_get(x[2]) is not None) == cached]
        futures += [
            pool.submit(_read_texts, part[i : i + TEXT_CHUNK], not cached) for i in range(0, len(part), TEXT_CHUNK)
        ]
    return futures


def _collect_texts(plan: _Plan, futures: list[Any], covered: set[str], progress: Progress | None) -> _Texts:
    """Texts and tokens of the ``covered`` documents (tokens into the cache as they come)."""
    out = _Texts()
    seen = 0
    if progress:
        progress(STAGE_TEXTS, 0, len(covered))
    for future in futures:
        res: _TextResult = future.result()
        k = offset = 0  # position in res.counts / the token arrays
        for doc_id, text, reason in res.docs:
            if text is None:
                if doc_id in covered:
                    out.bad[doc_id] = reason or "unreadable"
                continue
            sha = plan.corpus.info(doc_id).sha256
            starts: Sequence[int]
            ends: Sequence[int]
            if res.tokenized:
                n = res.counts[k]
                starts, ends = res.starts[offset : offset + n], res.ends[offset : offset + n]
                k, offset = k + 1, offset + n
                _cache_put(sha, starts, ends, len(text))
            else:
                starts, ends = cached_tokens(text, sha)
            if doc_id in covered:
                out.texts[doc_id] = text
                out.ids.append(doc_id)
                out.counts.append(len(starts))
                out.starts.extend(starts)
                out.ends.extend(ends)
                seen += 1
        if progress:
            progress(STAGE_TEXTS, seen, len(covered))
    return out


def _tables(plan: _Plan, files: _Files, texts: _Texts) -> AgreementInput:
    """The six tables from the columns: files left out dropped, file numbers named."""
    import polars as pl

    jobs = plan.jobs
    reasons = dict(files.reasons)
    for f in files.ok:  # a document whose text is unusable takes every file on it along
        if jobs[f].doc_id in texts.bad and f not in reasons:
            reasons[f] = texts.bad[jobs[f].doc_id]
    kept = [f for f in files.ok if f not in reasons]
    frames = files.frames or [Columns().frames()]
    spans, events, arguments = (pl.concat([x[i] for x in frames], rechunk=True) for i in range(3))
    if len(kept) < len(files.ok):
        drop = pl.Series(sorted(set(files.ok) - set(kept)), dtype=pl.Int32).implode()
        spans, events, arguments = (x.filter(~pl.col("f").is_in(drop)) for x in (spans, events, arguments))
    file_ann = pl.Series("annotator", [j.annotator for j in jobs], dtype=pl.String)
    file_doc = pl.Series("doc_id", [j.doc_id for j in jobs], dtype=pl.String)

    def named(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
        return frame.select(file_ann.gather(frame["f"]), file_doc.gather(frame["f"]), *columns)

    kept_s = pl.Series(sorted(kept), dtype=pl.Int32)
    coverage = pl.DataFrame({"annotator": file_ann.gather(kept_s), "doc_id": file_doc.gather(kept_s)})
    still = set(coverage["doc_id"].unique().to_list())  # documents whose every file was left out need no text
    excluded = plan.excluded + [
        {"annotator": jobs[f].annotator, "doc_id": jobs[f].doc_id, "reason": r} for f, r in reasons.items()
    ]
    excluded.sort(key=lambda x: (x["annotator"], x["doc_id"] or ""))
    return AgreementInput(
        guidelines=plan.workspace.config.guidelines,
        annotators=tuple(plan.annotators),
        reference=plan.reference,
        spans=named(spans, ["start", "end", "label"]),
        coverage=coverage,
        tokens=_token_table(texts, still),
        doc_lengths=pl.DataFrame(
            {
                "doc_id": [d for d in sorted(texts.texts) if d in still],
                "length": [len(texts.texts[d]) for d in sorted(texts.texts) if d in still],
            },
            schema={"doc_id": pl.String, "length": pl.Int64},
        ),
        events=named(events, ["event_id", "type", "start", "end"]),
        arguments=named(arguments, ["event_id", "role", "start", "end"]),
        excluded=tuple(excluded),
        texts={d: texts.texts[d] for d in sorted(texts.texts) if d in still},
        migrated=dict(sorted(Counter(v for f, v in files.migrated.items() if f not in reasons).items())),
        files=len(kept),
        not_done=files.not_done,
        not_started=files.not_started,
        review=files.review,
    )


def series(values: list[int] | array, dtype: Any) -> pl.Series:
    """A polars Series of ``values`` (a list, or an array as a worker sends it)."""
    import polars as pl

    if isinstance(values, array):
        try:  # numpy, when present, takes the buffer as is
            import numpy as np
        except ImportError:
            values = values.tolist()
        else:
            return pl.Series(np.frombuffer(values, dtype=np.int64 if values.typecode == "q" else np.int32)).cast(dtype)
    return pl.Series(values, dtype=dtype, strict=True)


def _token_table(texts: _Texts, docs: set[str]) -> pl.DataFrame:
    """doc_id, start, end of every token of ``docs``."""
    import polars as pl

    tokens = pl.DataFrame(
        {
            "doc_id": pl.DataFrame(
                {"doc_id": texts.ids, "n": pl.Series(texts.counts, dtype=pl.Int64)},
                schema={"doc_id": pl.String, "n": pl.Int64},
            )
            .select(pl.col("doc_id").repeat_by("n"))
            .explode("doc_id")
            .drop_nulls()["doc_id"],
            "start": series(texts.starts, pl.Int64),
            "end": series(texts.ends, pl.Int64),
        },
        schema={"doc_id": pl.String, "start": pl.Int64, "end": pl.Int64},
    )
    return tokens if docs.issuperset(texts.ids) else tokens.filter(pl.col("doc_id").is_in(list(docs)))
