"""The names a workspace has taught: normalized token sequences and how often each label was given.

An entry is a name as a tuple of tokens (``text/tokens.py``), each normalized on its own
(``text/normalize.py``): ``الحرس الثوري`` is ``("الحرس", "الثوري")``, and ``الحَرَس الثّوري`` is the
same entry. For each entry the lexicon counts each label per source: :data:`model.STRINGS` (entity
spans of the annotator's own files and of gold; event triggers are not names) and
:data:`model.GUIDELINES` (the ``examples`` of each entity label of the workspace's guidelines,
one count each). A span annotated with a clitic inside (``بالبوكمال`` labelled whole) is learned
as it was annotated. An entry shorter than :data:`MIN_CHARS` letters never fires.

:meth:`Lexicon.for_annotator` builds it from the workspace without reading every file again.
Every file of the annotator and gold is listed and stat'ed (``agreement/input.listing``), and
the (entry, label, count) totals kept per agreement shard and summed (``totals``) are taken for
every shard whose files are as they were counted. Only the other shards are counted again: their
spans from the agreement's parsed-table cache (``agreement/input.load_rows``: only files whose
identity changed are read), the normalized text of each span from this module's own cache,
``.cache/suggestions/<key>/shard-NNN.parquet`` (per agreement shard: ``doc_id``, ``sha256`` of
the text, ``start``, ``end``, ``entry``: the tokens joined by :data:`SEP`), so texts are read
only for spans not seen before. The folder is safe to delete. At 100,000 documents a build
where nothing changed takes about 2 s, most of it the listing (stat'ing 200,000 files, reading
the corpus index); ``building`` runs it away from the app's event loop.
"""

from __future__ import annotations

import hashlib
import io
from collections import defaultdict
from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING

from annotator.core.suggestions import totals
from annotator.core.suggestions.model import GUIDELINES, STRINGS, Suggestion
from annotator.core.text.normalize import normalize
from annotator.core.text.tokens import token_bounds

if TYPE_CHECKING:
    from pathlib import Path

    import polars as pl

    from annotator.core.agreement.input import Progress
    from annotator.core.corpus import Corpus
    from annotator.core.workspace import Workspace

MIN_CHARS = 2  # a one-letter entry (a stray و, a lone digit) would fire everywhere
SEP = "\x1f"  # between the tokens of an entry in the cache (a token never holds it)
FORMAT = 1
FOLDER = ".cache/suggestions"
Key = tuple[str, ...]
_SOURCES = (STRINGS, GUIDELINES)


def entry_key(text: str) -> Key | None:
    """The entry ``text`` is: its tokens, each normalized (those that normalize to nothing left
    out), or None when it has fewer than :data:`MIN_CHARS` letters in all."""
    starts, ends = token_bounds(text)
    key = tuple(n for s, e in zip(starts, ends) if (n := normalize(text[s:e]).text))
    return key if sum(map(len, key)) >= MIN_CHARS else None


class Lexicon:
    """Entries and their counts per label and source; :meth:`add` and :meth:`remove` keep it current."""

    def __init__(self) -> None:
        self._counts: dict[Key, dict[str, list[int]]] = {}  # entry -> label -> [annotations, guidelines]
        self._longest: dict[str, int] = defaultdict(int)  # first token -> most tokens of an entry it starts

    def __contains__(self, key: object) -> bool:
        return key in self._counts

    def __len__(self) -> int:
        return len(self._counts)

    def longest(self, first: str) -> int:
        """The most tokens of an entry starting with ``first`` (0: none)."""
        return self._longest.get(first, 0)

    def counts(self, key: Key) -> dict[str, tuple[int, int]]:
        """label -> (times in annotations, times among the guidelines' examples) of ``key``."""
        return {label: (a, g) for label, (a, g) in self._counts.get(key, {}).items()}

    def add(self, text: str, label: str, source: str = STRINGS, count: int = 1) -> None:
        """``text`` was given ``label`` ``count`` more times (by ``source``); too short: ignored."""
        if (key := entry_key(text)) is not None:
            self._add(key, label, source, count)

    def remove(self, text: str, label: str, source: str = STRINGS, count: int = 1) -> None:
        """Undo :meth:`add` (an annotation deleted or relabelled in the session); never below zero."""
        key = entry_key(text)
        labels = self._counts.get(key) if key is not None else None
        if key is None or labels is None or label not in labels:
            return
        at = _SOURCES.index(source)
        labels[label][at] = max(0, labels[label][at] - count)
        if not any(labels[label]):
            del labels[label]
        if not labels:
            del self._counts[key]

    def _add(self, key: Key, label: str, source: str, count: int) -> None:
        if source not in _SOURCES:
            raise ValueError(f"lexicon source {source!r}: one of {_SOURCES}")
        self._counts.setdefault(key, {}).setdefault(label, [0, 0])[_SOURCES.index(source)] += count
        self._longest[key[0]] = max(self._longest[key[0]], len(key))

    def suggestion(self, key: Key, start: int, end: int, text: str) -> Suggestion:
        """What the lexicon proposes for ``key`` found at ``start:end``: the most frequent label
        (annotations and guidelines examples together, an example counting once; a tie goes to
        the label with more annotations, then to the first by name), its share of the entry's
        counts as score, the source :data:`STRINGS` if annotations gave it that label at all."""
        labels = self._counts[key]
        label = min(labels, key=lambda x: (-sum(labels[x]), -labels[x][0], x))
        total = sum(sum(c) for c in labels.values())
        done, examples = labels[label]
        why = [f"{label} {done} of {sum(c[0] for c in labels.values())} times in annotations"] if done else []
        if examples:
            why.append(f"{label} in the guidelines' examples")
        others = sorted(x for x in labels if x != label)
        if others:
            why.append(f"also {', '.join(others)}")
        source = STRINGS if done else GUIDELINES
        return Suggestion(start, end, label, text, source, round(sum(labels[label]) / total, 4), "; ".join(why))

    def add_examples(self, workspace: Workspace) -> None:
        """Every entity label's examples in the workspace's guidelines, once each."""
        from annotator.core.guidelines.registry import registry

        schema = registry(workspace.guidelines_dir).schema(workspace.config.guidelines)
        for label in schema.labels:
            for example in label.examples:
                self.add(example, label.name, GUIDELINES)

    @classmethod
    def for_annotator(
        cls, workspace: Workspace, annotator: str, *, progress: Progress | None = None, corpus: Corpus | None = None
    ) -> Lexicon:
        """What ``annotator``'s own files, gold (when it exists) and the guidelines' examples teach
        (``corpus``: the workspace's, if the caller has just read it; else read here)."""
        lexicon = cls()
        by_entry = _annotated(workspace, annotator, progress, corpus).group_by("entry").agg("label", "count")
        for entry, labels, numbers in by_entry.iter_rows():  # each entry once: ~0.1 s for 100,000 of them
            key = tuple(entry.split(SEP))
            lexicon._counts[key] = {label: [n, 0] for label, n in zip(labels, numbers)}
            lexicon._longest[key[0]] = max(lexicon._longest[key[0]], len(key))
        lexicon.add_examples(workspace)
        return lexicon


def _annotated(
    workspace: Workspace, annotator: str, progress: Progress | None, corpus: Corpus | None = None
) -> pl.DataFrame:
    """entry, label, count over the entity spans of ``annotator``'s files and gold's: the totals
    kept (``totals``), the shards whose files changed since counted again."""
    import polars as pl

    from annotator.core.agreement.cache import Cache
    from annotator.core.agreement.input import annotator_folders, listing
    from annotator.core.identity import GOLD

    known, others = annotator_folders(workspace)
    gold = GOLD if GOLD in others else None
    if annotator not in known and gold is None:
        return totals.empty().select("entry", "label", "count")
    # An annotator with no folder yet cannot be selected: the others are read (from the cache) and left out.
    selected = [annotator] if annotator in known else None
    if corpus is None:
        from annotator.core.corpus import Corpus

        corpus = Corpus(workspace.corpus_dir)  # read once (0.7 s at 100,000 documents)
    listed, checked_ns = listing(workspace, annotators=selected, against=gold, corpus=corpus)
    listed = listed.filter(pl.col("annotator").is_in([annotator, GOLD]))
    agreement = Cache.of(workspace).folder
    name = hashlib.sha256(annotator.encode()).hexdigest()[:16]
    kept = totals.Totals(_folder(workspace) / f"totals-{name}", f"{annotator} {agreement and agreement.name}")
    recount = partial(_count, workspace, corpus, listed, selected, gold, progress)
    return kept.current(kept.fingerprints(listed, checked_ns), recount)


def _count(
    workspace: Workspace,
    corpus: Corpus,
    listed: pl.DataFrame,
    selected: list[str] | None,
    gold: str | None,
    progress: Progress | None,
    shards: set[int],
) -> pl.DataFrame:
    """shard, entry, label, count over the entity spans of the ``listed`` files (annotator, doc_id,
    shard) of ``shards``, read through the agreement's cache."""
    import polars as pl

    from annotator.core.agreement.cache import KIND_FILE, KIND_SPAN, OK, SHARDS
    from annotator.core.agreement.input import load_rows

    cache = _SpanCache(workspace, corpus)
    where = listed.filter(pl.col("shard").is_in(shards)).select("annotator", "doc_id", "shard")
    docs = None if len(shards) == SHARDS else where["doc_id"].unique().to_list()
    counted = [pl.DataFrame(schema={"shard": pl.Int64, "entry": pl.String, "label": pl.String, "count": pl.UInt32})]
    columns = ["kind", "annotator", "doc_id", "start", "end", "label", "sha256", "outcome"]
    if where.height:
        parts = load_rows(
            workspace, annotators=selected, against=gold, docs=docs, progress=progress, columns=columns, corpus=corpus
        )
        for rows, _ in parts:
            # only the listed files: rows of others (of the shards, as cached) are not looked at
            mine = rows.lazy().join(where.lazy(), on=["annotator", "doc_id"], how="inner")
            texts = mine.filter(pl.col("kind") == KIND_FILE, pl.col("outcome") == OK).select("doc_id", "sha256")
            spans = mine.filter(pl.col("kind") == KIND_SPAN).select("doc_id", "shard", "start", "end", "label")
            counted.append(
                cache.counts(spans.join(texts.unique("doc_id"), on="doc_id"), rows["doc_id"].unique().to_list())
            )
    return pl.concat(counted).group_by("shard", "entry", "label").agg(pl.col("count").sum().cast(pl.Int64))


def _folder(workspace: Workspace) -> Path:
    """This module's cache folder in ``workspace``: one per format and annotator version."""
    from annotator import __version__

    return workspace.root / FOLDER / hashlib.sha256(f"{FORMAT} {__version__}".encode()).hexdigest()[:16]


class _SpanCache:
    """The normalized entry of each (document text, span), per agreement shard, in ``.cache/suggestions/``."""

    def __init__(self, workspace: Workspace, corpus: Corpus) -> None:
        self.folder: Path = _folder(workspace)
        self.writable = True
        self.corpus = corpus

    def counts(self, spans: pl.LazyFrame, docs: list[str]) -> pl.DataFrame:
        """shard, entry, label, count over ``spans`` (doc_id, shard, start, end, label, sha256: the text's) of
        ``docs``: entries from the cache; the texts of the spans it lacks read, their shards rewritten."""
        import polars as pl

        from annotator.core.agreement.cache import shard_of

        shard = {d: shard_of(d) for d in docs}
        old = self._read(sorted(set(shard.values())))
        keys = ["doc_id", "start", "end"]
        joined = spans.join(old.lazy().rename({"sha256": "cached"}), on=keys, how="left").collect()
        fresh = pl.col("cached") == pl.col("sha256")
        counted = [joined.filter(fresh).group_by("shard", "entry", "label").len("count")]
        missing = joined.filter(~fresh | pl.col("cached").is_null()).drop("cached", "entry")
        if missing.height:
            new = _normalized_spans(self.corpus, missing.select("doc_id", "sha256", "start", "end").unique())
            counted.append(missing.join(new, on=[*keys, "sha256"]).group_by("shard", "entry", "label").len("count"))
            # kept: every annotator's spans (one cache for all), less those of texts that changed since
            now = missing.select("doc_id", now="sha256").unique("doc_id")
            kept = old.join(now, on="doc_id", how="left").filter(
                pl.col("now").is_null() | (pl.col("now") == pl.col("sha256"))
            )
            rows = pl.concat([kept.drop("now"), new])
            shard.update({d: shard_of(d) for d in rows["doc_id"].unique() if d not in shard})
            rows = rows.with_columns(shard=pl.col("doc_id").replace_strict(shard, return_dtype=pl.Int64))
            changed = list({shard[d] for d in missing["doc_id"].unique()})
            for (number,), part in rows.filter(pl.col("shard").is_in(changed)).group_by("shard"):
                self._write(int(number), part.drop("shard"))
        return pl.concat(counted).drop_nulls("entry")

    def _path(self, shard: int) -> Path:
        return self.folder / f"shard-{shard:03d}.parquet"

    def _read(self, shards: list[int]) -> pl.DataFrame:
        """The rows of ``shards`` (one that is missing, truncated or foreign: none, rebuilt)."""
        import polars as pl

        paths = [path for n in shards if (path := self._path(n)).exists()]
        try:
            frame = pl.read_parquet(paths) if paths else _empty()
        except Exception:  # one is unreadable: each on its own
            frame = pl.concat([_empty(), *(self._read_one(path) for path in paths)])
        return frame if frame.schema == _empty().schema else pl.concat([_empty(), *map(self._read_one, paths)])

    def _read_one(self, path: Path) -> pl.DataFrame:
        import polars as pl

        try:
            frame = pl.read_parquet(path)
        except Exception:
            return _empty()
        return frame if frame.schema == _empty().schema else _empty()

    def _write(self, shard: int, frame: pl.DataFrame) -> None:
        from annotator.core.jsonio import atomic_write_bytes

        if not self.writable:
            return
        buffer = io.BytesIO()
        frame.write_parquet(buffer, compression="lz4", statistics=False)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(self._path(shard), buffer.getvalue())
        except OSError:  # read-only workspace, full disk: everything still works, read again next time
            self.writable = False


def _empty() -> pl.DataFrame:
    import polars as pl

    return pl.DataFrame(
        schema={"doc_id": pl.String, "sha256": pl.String, "start": pl.Int64, "end": pl.Int64, "entry": pl.String}
    )


def _normalized_spans(corpus: Corpus, spans: pl.DataFrame) -> pl.DataFrame:
    """``spans`` (doc_id, sha256, start, end) with their entry, each text read once; a text that is
    no longer the one the spans were made on (or cannot be read) gives none of its spans."""
    import polars as pl

    from annotator.core.corpus import sha256_text
    from annotator.core.errors import AnnotatorError

    spans = spans.sort("doc_id", "start")
    entries: list[str | None] = []
    usable: list[bool] = []
    memo: dict[str, str | None] = {}  # surface string -> entry: a name recurs across documents
    text: str | None = None
    doc = sha = None
    for doc_id, now, start, end in zip(*(spans[c].to_list() for c in ("doc_id", "sha256", "start", "end"))):
        if (doc_id, now) != (doc, sha):
            doc, sha = doc_id, now
            try:
                text = corpus.text(doc_id)
            except (AnnotatorError, OSError):
                text = None
            if text is not None and sha256_text(text) != sha:
                text = None
        usable.append(text is not None)
        if text is None:
            entries.append(None)
            continue
        surface = text[start:end]
        if surface not in memo:
            key = entry_key(surface)
            memo[surface] = None if key is None else SEP.join(key)
        entries.append(memo[surface])
    rows = spans.select("doc_id", "sha256", "start", "end").with_columns(entry=pl.Series(entries, dtype=pl.String))
    return rows.filter(pl.Series(usable, dtype=pl.Boolean)).select(_empty().columns)


def keys_of(texts: Iterable[str]) -> set[Key]:
    """The entries of ``texts`` (for tests and measurements: which names recur)."""
    return {key for text in texts if (key := entry_key(text)) is not None}
