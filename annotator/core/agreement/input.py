"""The input tables of the agreement report, read from a workspace's annotation files.

:func:`load_tables` reads ``annotations/<annotator>/<doc_id>.json`` of the selected
annotators and documents and builds the six polars tables
:func:`annotator.core.agreement.compute_report` takes (see
:mod:`annotator.core.agreement.tables` for their columns), plus the texts and the list of
what was left out and why. :func:`agreement_report` runs the report on them.

Annotations are compared under one guidelines version, the workspace's: files under an
older version are migrated in memory (:func:`annotator.core.guidelines.migration.migrate`; nothing
is written). Left out, each counted and named in ``excluded``:

- files that cannot be read or parsed, or whose structure is bad (as
  :meth:`AnnotationStore.read <annotator.core.annotations.store.AnnotationStore.read>` would refuse
  them), or that hold an empty span or one outside the text;
- files whose ``text_sha256`` differs from the corpus index (the text changed since),
  files of documents that are not in the corpus, and documents whose stored text no
  longer matches the index (every annotator's file of that document);
- files that cannot be migrated to the workspace's version;
- the ``gold`` folder (the adjudicated set is no annotator) and folders whose name is not
  a valid annotator name: one entry per folder, with the number of files.

Speed: files are read and parsed with orjson chunk by chunk into flat columns (strings
as codes), and each table is built column-wise at the end, never row by row. Tokens come
from :func:`annotator.core.text.tokens.tokenize`, cached in memory by the text's sha256.
Parsing and tokenizing hold the GIL, so threads do not help; with ``workers`` > 1 the
chunks go to worker processes (spawned: safe under polars' or Textual's threads, but the
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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any


from annotator.core.agreement.files import Columns, Job, Migrator, extract, read_files, series
from annotator.core.annotations.model import DocumentAnnotations
from annotator.core.corpus import Corpus
from annotator.core.errors import AnnotatorError
from annotator.core.identity import NAME, RESERVED
from annotator.core.text.tokens import token_bounds
from annotator.core.workspace import Workspace

if TYPE_CHECKING:  # polars is imported where the tables are built: worker processes never need it
    import polars as pl

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: called from the calling thread as work advances."""

STAGE_FILES = "reading annotation files"
STAGE_TEXTS = "reading and tokenizing texts"
CHUNK = 500  # files per task
TEXT_CHUNK = 250  # documents per task
PARALLEL_MIN_FILES = 3000  # below this, everything runs in the calling process
TOKEN_CACHE_CHARS = 32_000_000  # texts' worth of tokens kept between calls (by sha256)


@dataclass
class AgreementInput:
    """Everything :func:`annotator.core.agreement.compute_report` needs, and what was left out."""

    guidelines: str  # the version every file was compared under (the workspace's)
    annotators: list[str]  # the selected annotators, in display order
    spans: pl.DataFrame  # annotator, doc_id, start, end, label
    coverage: pl.DataFrame  # annotator, doc_id
    tokens: pl.DataFrame  # doc_id, start, end
    doc_lengths: pl.DataFrame  # doc_id, length
    events: pl.DataFrame  # annotator, doc_id, event_id, type, start, end
    arguments: pl.DataFrame  # annotator, doc_id, event_id, role, start, end
    excluded: list[dict[str, Any]]  # {"annotator", "doc_id", "reason"} (+ "files" for folders)
    texts: dict[str, str]  # doc_id -> text, the covered documents
    migrated: dict[str, int] = field(default_factory=dict)  # files migrated, per original version
    files: int = 0  # files compared
    not_done: int = 0  # files skipped by done_only
    dangling_arguments: int = 0  # arguments naming an entity the file does not have (left out)
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


def selection(workspace: Workspace, annotators: Iterable[str] | None = None, docs: Iterable[str] | None = None,
              *, corpus: Corpus | None = None) -> tuple[list[str], set[str] | None, list[str]]:
    """(the annotators to compare, the documents (None: all), problems): unknown or
    reserved annotator names and unknown document ids, one line each."""
    corpus = corpus if corpus is not None else Corpus(workspace.corpus_dir)
    known, _ = annotator_folders(workspace)
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
            out.docs.append((doc_id, None, f"the stored text {Path(path).name} no longer matches the corpus index"
                                           " (sha256 differs)"))
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
) -> AgreementInput:
    """Read the annotation files of ``annotators`` (default: every annotator folder) on
    ``docs`` (default: every document of the corpus) into the agreement tables.

    ``done_only`` keeps only files with status done. Unknown annotator or document names
    raise AnnotatorError (one line per name). Nothing in the workspace is written.
    ``workers``: 1 (default) reads and tokenizes in the calling process; more use that
    many worker processes; None: one per CPU when there are at least
    :data:`PARALLEL_MIN_FILES` files, else 1 (see the module docstring for the caveat).
    ``progress(stage, done, total)`` is called as the files and then the texts advance.
    """
    from concurrent.futures import BrokenExecutor

    try:
        return _load_tables(workspace, annotators, docs, done_only, progress, workers)
    except BrokenExecutor:  # a worker died (killed, out of memory, an unguarded main module)
        if workers == 1:
            raise
        return _load_tables(workspace, annotators, docs, done_only, progress, 1)


def _load_tables(workspace: Workspace, annotators: Iterable[str] | None, docs: Iterable[str] | None,
                 done_only: bool, progress: Progress | None, workers: int | None) -> AgreementInput:
    import polars as pl

    guidelines = workspace.config.guidelines
    corpus = Corpus(workspace.corpus_dir)
    _, others = annotator_folders(workspace)
    chosen, doc_filter, problems = selection(workspace, annotators, docs, corpus=corpus)
    if problems:
        raise AnnotatorError("\n".join(problems))
    excluded: list[dict[str, Any]] = []

    def wanted(doc_id: str) -> bool:
        return doc_filter is None or doc_id in doc_filter

    for name in others:
        n = sum(1 for d in _json_files(workspace.annotator_dir(name)) if wanted(d))
        reason = ("the adjudicated set (gold) is not compared" if name.lower() in RESERVED
                  else "not a valid annotator name (1 to 64 of A-Z a-z 0-9 _ . -)")
        excluded.append({"annotator": name, "doc_id": None, "reason": reason, "files": n})

    jobs: list[Job] = []
    for name in chosen:
        folder = workspace.annotator_dir(name)
        prefix = os.path.join(folder, "")  # plain strings: a Path per file costs more than reading it
        for doc_id in _json_files(folder):
            if not wanted(doc_id):
                continue
            if doc_id not in corpus:
                excluded.append({"annotator": name, "doc_id": doc_id, "reason": "no such document in the corpus"})
                continue
            jobs.append(Job(len(jobs), name, doc_id, f"{prefix}{doc_id}.json", corpus.info(doc_id).sha256))

    if workers is None:
        workers = _cpus() if len(jobs) >= PARALLEL_MIN_FILES else 1
    pool = _executor(workers)
    try:
        # ---- annotation files
        chunks = [jobs[i : i + CHUNK] for i in range(0, len(jobs), CHUNK)]
        inline = isinstance(pool, _Inline)
        file_futures = [pool.submit(read_files, c, guidelines, done_only, not inline) for c in chunks]
        # ---- texts: with workers, every document with a file (coverage is not known yet)
        texts: dict[str, str] = {}
        bad_docs: dict[str, str] = {}
        tok_ids: list[str] = []  # tokenized documents, in the order of their tokens
        tok_count: list[int] = []
        tok_start, tok_end = array("q"), array("q")

        def use_tokens(doc_id: str, starts: Sequence[int], ends: Sequence[int]) -> None:
            tok_ids.append(doc_id)
            tok_count.append(len(starts))
            tok_start.extend(starts)
            tok_end.extend(ends)

        def text_items(doc_ids: Iterable[str]) -> list[tuple[str, str, str]]:
            prefix = os.path.join(corpus.directory, "")
            return [(doc_id, f"{prefix}{doc_id}.txt", corpus.info(doc_id).sha256) for doc_id in doc_ids]

        text_futures: list[Any] = []
        if not inline:
            candidates = text_items(sorted({j.doc_id for j in jobs}))
            for cached in (False, True):  # documents whose tokens are cached are only read
                part = [x for x in candidates if (_cache_get(x[2]) is not None) == cached]
                text_futures += [pool.submit(_read_texts, part[i : i + TEXT_CHUNK], not cached)
                                 for i in range(0, len(part), TEXT_CHUNK)]

        pieces: list[Columns] = []
        ok: list[int] = []
        reasons: dict[int, str] = {}
        to_migrate: list[tuple[int, dict[str, Any]]] = []
        not_done = 0
        done = 0
        if progress:
            progress(STAGE_FILES, 0, len(jobs))
        for chunk, future in zip(chunks, file_futures):
            res = future.result()
            pieces.append(res.columns)
            ok += res.ok
            reasons.update(res.excluded)
            to_migrate += res.migrate
            not_done += res.not_done
            done += len(chunk)
            if progress:
                progress(STAGE_FILES, done, len(jobs))

        migrated_from: dict[int, str] = {}  # file number -> the version it was under
        if to_migrate:
            migrator = Migrator(workspace.guidelines_dir, guidelines)
            cols = Columns()
            pieces.append(cols)
            for f, data in to_migrate:
                doc = DocumentAnnotations.from_json(data)
                try:
                    new = migrator(doc)
                except AnnotatorError as exc:
                    reasons[f] = f"cannot migrate from guidelines {doc.guidelines} to {guidelines}: {exc}"
                    continue
                extract(new.to_json(), f, cols)
                ok.append(f)
                migrated_from[f] = doc.guidelines

        covered = sorted({jobs[f].doc_id for f in ok})
        if inline:  # only the covered documents; tokens through the cache
            items = text_items(covered)
            text_futures = [pool.submit(_read_texts, items[i : i + TEXT_CHUNK], False)
                            for i in range(0, len(items), TEXT_CHUNK)]
        wanted_texts = set(covered)
        total = len(wanted_texts)
        seen = 0
        if progress:
            progress(STAGE_TEXTS, 0, total)
        for future in text_futures:
            res = future.result()
            k = 0  # position in res.counts / the token arrays
            offset = 0
            for doc_id, text, reason in res.docs:
                if text is None:
                    if doc_id in wanted_texts:
                        bad_docs[doc_id] = reason or "unreadable"
                    continue
                if res.tokenized:  # in the worker
                    n = res.counts[k]
                    starts, ends = res.starts[offset : offset + n], res.ends[offset : offset + n]
                    k += 1
                    offset += n
                    _cache_put(corpus.info(doc_id).sha256, starts, ends, len(text))
                else:
                    starts, ends = cached_tokens(text, corpus.info(doc_id).sha256)
                if doc_id in wanted_texts:
                    texts[doc_id] = text
                    use_tokens(doc_id, starts, ends)
                    seen += 1
            if progress:
                progress(STAGE_TEXTS, seen, total)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)

    # ---- tables
    file_ann = pl.Series("annotator", [j.annotator for j in jobs], dtype=pl.String)
    file_doc = pl.Series("doc_id", [j.doc_id for j in jobs], dtype=pl.String)
    length = [corpus.info(j.doc_id).chars for j in jobs]
    frames = [c.frames() for c in pieces] or [Columns().frames()]
    spans, events, arguments = (pl.concat([x[i] for x in frames], rechunk=True) for i in range(3))
    # a span that is empty or leaves the text excludes its file
    lengths = pl.Series("length", length, dtype=pl.Int64)
    for what, frame in (("entity", spans), ("event trigger", events)):
        limit = lengths.gather(frame["f"])
        bad = frame.filter(
            (pl.col("start") < 0) | (pl.col("end") <= pl.col("start")) | (pl.col("end") > limit)
        ).unique("f", keep="first", maintain_order=True)
        for f, s, e in bad.select("f", "start", "end").iter_rows():
            if f not in reasons:
                reasons[f] = f"{what} at [{s}, {e}) is empty or outside the text ({length[f]} characters)"
    for f in ok:
        doc_reason = bad_docs.get(jobs[f].doc_id)
        if doc_reason is not None and f not in reasons:
            reasons[f] = doc_reason
    kept = [f for f in ok if f not in reasons]
    if len(kept) < len(ok):
        drop = pl.Series(sorted(set(ok) - set(kept)), dtype=pl.Int32).implode()
        spans, events, arguments = (x.filter(~pl.col("f").is_in(drop)) for x in (spans, events, arguments))

    def named(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
        return frame.select(file_ann.gather(frame["f"]), file_doc.gather(frame["f"]), *columns)

    kept_s = pl.Series(sorted(kept), dtype=pl.Int32)
    coverage = pl.DataFrame({"annotator": file_ann.gather(kept_s), "doc_id": file_doc.gather(kept_s)})
    spans = named(spans, ["start", "end", "label"])
    events = named(events, ["event_id", "type", "start", "end"])
    arguments = named(arguments, ["event_id", "role", "start", "end"])
    # documents whose every file was excluded need neither text nor tokens
    still = set(coverage["doc_id"].unique().to_list())
    texts = {d: texts[d] for d in sorted(texts) if d in still}
    tokens = pl.DataFrame(
        {"doc_id": pl.DataFrame({"doc_id": tok_ids, "n": pl.Series(tok_count, dtype=pl.Int64)},
                                schema={"doc_id": pl.String, "n": pl.Int64})
         .select(pl.col("doc_id").repeat_by("n")).explode("doc_id").drop_nulls()["doc_id"],
         "start": series(tok_start, pl.Int64),
         "end": series(tok_end, pl.Int64)},
        schema={"doc_id": pl.String, "start": pl.Int64, "end": pl.Int64},
    )
    if len(texts) < len(tok_ids):
        tokens = tokens.filter(pl.col("doc_id").is_in(list(texts)))
    doc_lengths = pl.DataFrame(
        {"doc_id": list(texts), "length": [len(t) for t in texts.values()]},
        schema={"doc_id": pl.String, "length": pl.Int64},
    )

    excluded += [{"annotator": jobs[f].annotator, "doc_id": jobs[f].doc_id, "reason": r} for f, r in reasons.items()]
    excluded.sort(key=lambda x: (x["annotator"], x["doc_id"] or ""))
    return AgreementInput(
        guidelines=guidelines,
        annotators=chosen,
        spans=spans,
        coverage=coverage,
        tokens=tokens,
        doc_lengths=doc_lengths,
        events=events,
        arguments=arguments,
        excluded=excluded,
        texts=texts,
        migrated=dict(sorted(Counter(v for f, v in migrated_from.items() if f not in reasons).items())),
        files=len(kept),
        not_done=not_done,
        dangling_arguments=sum(c.dangling for c in pieces),
        review=sum(c.review for c in pieces),
    )


def agreement_report(data: AgreementInput, *, labels: Iterable[str] | None = None, **options: Any) -> dict[str, Any]:
    """:func:`compute_report` on ``data`` (its annotators, texts and excluded list), plus a
    ``selection`` section: files compared, migrated per version, skipped as not done."""
    from annotator.core.agreement import compute_report

    report = compute_report(
        data.spans, data.coverage, data.tokens, data.doc_lengths, data.events, data.arguments,
        annotators=data.annotators, labels=None if labels is None else list(labels),
        guidelines=data.guidelines, excluded=data.excluded, texts=data.texts, **options,
    )
    report["selection"] = {
        "files": data.files,
        "excluded": len(data.excluded),
        "migrated": sum(data.migrated.values()),
        "migrated_from": dict(data.migrated),
        "not_done_skipped": data.not_done,
        "dangling_arguments": data.dangling_arguments,
        "needs_review": data.review,
        "labels": None if labels is None else list(labels),
    }
    return report
