"""The input tables of the agreement measures: schemas, validation, selection, token labels.

Every table is a polars DataFrame (extra columns are ignored):

- ``spans``: annotator, doc_id, start, end, label — entity spans, code points, end exclusive;
- ``coverage``: annotator, doc_id — which annotator annotated which document (an annotator
  may annotate a document and mark nothing); coverage is authoritative: spans, events and
  arguments of a document the annotator did not annotate are ignored (and counted);
- ``tokens``: doc_id, start, end — the project tokenizer's tokens;
- ``doc_lengths``: doc_id, length — text length in code points;
- ``events``: annotator, doc_id, event_id, type, start, end — trigger spans;
- ``arguments``: annotator, doc_id, event_id, role, start, end — argument entity spans.

Spans are sets: the same (annotator, doc_id, start, end, label) given twice counts once.
Bad input (missing column, null, end <= start, overlapping tokens) raises AnnotatorError.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import polars as pl

from annotator.core.errors import AnnotatorError

SPANS: dict[str, pl.DataType] = {
    "annotator": pl.String(),
    "doc_id": pl.String(),
    "start": pl.Int64(),
    "end": pl.Int64(),
    "label": pl.String(),
}
COVERAGE: dict[str, pl.DataType] = {"annotator": pl.String(), "doc_id": pl.String()}
TOKENS: dict[str, pl.DataType] = {"doc_id": pl.String(), "start": pl.Int64(), "end": pl.Int64()}
DOC_LENGTHS: dict[str, pl.DataType] = {"doc_id": pl.String(), "length": pl.Int64()}
EVENTS: dict[str, pl.DataType] = {
    "annotator": pl.String(),
    "doc_id": pl.String(),
    "event_id": pl.String(),
    "type": pl.String(),
    "start": pl.Int64(),
    "end": pl.Int64(),
}
ARGUMENTS: dict[str, pl.DataType] = {
    "annotator": pl.String(),
    "doc_id": pl.String(),
    "event_id": pl.String(),
    "role": pl.String(),
    "start": pl.Int64(),
    "end": pl.Int64(),
}

OUTSIDE = "O"  # the token label of "no entity"
MAX_OFFSET = 2**31 - 1  # offsets are packed with a document number into one Int64 key


def empty(schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)


def conform(frame: pl.DataFrame | None, schema: dict[str, pl.DataType], name: str) -> pl.DataFrame:
    """The columns of ``schema`` from ``frame``, cast to its types; no nulls allowed.

    ``None`` stands for an empty table. Categorical/Enum string columns are accepted.
    """
    if frame is None:
        return empty(schema)
    if not isinstance(frame, pl.DataFrame):
        raise AnnotatorError("not a polars DataFrame", name, type(frame).__name__)
    missing = [c for c in schema if c not in frame.columns]
    if missing:
        raise AnnotatorError("missing column(s) " + ", ".join(missing), name, "expected " + ", ".join(schema))
    try:
        out = frame.select(pl.col(c).cast(t, strict=True) for c, t in schema.items())
    except (pl.exceptions.InvalidOperationError, pl.exceptions.ComputeError) as exc:
        raise AnnotatorError("a column has the wrong type", name, str(exc).splitlines()[0]) from exc
    if out.height:
        nulls = out.null_count().row(0, named=True)
        bad = [c for c, n in nulls.items() if n]
        if bad:
            row = out.filter(pl.any_horizontal(pl.col(bad).is_null())).row(0, named=True)
            raise AnnotatorError("null value in column " + ", ".join(bad), name, f"first such row: {row}")
    return out


def check_intervals(frame: pl.DataFrame, name: str, *, allow_empty: bool = False) -> None:
    """0 <= start < end (or <= when ``allow_empty``) and end below MAX_OFFSET, else AnnotatorError."""
    if not frame.height:
        return
    start, end = pl.col("start"), pl.col("end")
    ok = (start >= 0) & ((end >= start) if allow_empty else (end > start)) & (end <= MAX_OFFSET)
    bad = frame.filter(~ok)
    if bad.height:
        raise AnnotatorError(
            f"{bad.height} row(s) with a bad interval",
            name,
            f"need 0 <= start < end <= {MAX_OFFSET}; first: {bad.row(0, named=True)}",
        )


def select_annotators(coverage: pl.DataFrame, annotators: Iterable[str] | None) -> list[str]:
    """The given annotators in the given order (duplicates dropped), else all of coverage, sorted."""
    if annotators is None:
        return sorted(coverage["annotator"].unique().to_list())
    return list(dict.fromkeys(str(a) for a in annotators))


def pairs(annotators: Sequence[object]) -> list[tuple[int, int]]:
    """Index pairs (i, j), i < j, in the order of ``annotators``."""
    return [(i, j) for i in range(len(annotators)) for j in range(i + 1, len(annotators))]


def codes(expr: pl.Expr | str, categories: Sequence[str]) -> pl.Expr:
    """Index of each value in ``categories`` (Int32), null for values not listed."""
    expr = pl.col(expr) if isinstance(expr, str) else expr
    return expr.cast(pl.Enum(list(categories)), strict=False).to_physical().cast(pl.Int32)


def decode(expr: pl.Expr | str, names: Sequence[str]) -> pl.Expr:
    """The inverse of :func:`codes`: ``names[code]`` (String)."""
    expr = pl.col(expr) if isinstance(expr, str) else expr
    return pl.lit(pl.Series(list(names), dtype=pl.String())).gather(expr)


def pack(hi: pl.Expr | str, lo: pl.Expr | str) -> pl.Expr:
    """One Int64 from two non-negative ints, ``lo`` < 2**31 (offsets, codes)."""
    hi = pl.col(hi) if isinstance(hi, str) else hi
    lo = pl.col(lo) if isinstance(lo, str) else lo
    return hi.cast(pl.Int64) * (MAX_OFFSET + 1) + lo.cast(pl.Int64)


@dataclass(frozen=True)
class Study:
    """Selected annotators, labels and documents with their coverage and spans, as integer
    codes (the measures work on integers; names come back only in the results).

    ``annotators[ann]``, ``labels[lab]`` (sorted), ``docs[dc]`` (sorted doc_ids annotated by
    at least one selected annotator). ``coverage``: ann, dc (unique). ``spans``: dc, lab,
    start, end, ann — unique, sorted in that column order (exact matches are adjacent rows,
    overlap candidates contiguous), covered documents and selected labels only.
    """

    annotators: list[str]
    labels: list[str]
    docs: list[str]
    coverage: pl.DataFrame
    spans: pl.DataFrame
    ignored_spans: int  # spans of selected annotators on documents outside their coverage

    def pair_docs(self) -> pl.DataFrame:
        """a, b (annotator indexes, a < b), dc: documents both annotated."""
        c = self.coverage.select("ann", "dc")
        return (
            c.join(c, on="dc", suffix="_b").filter(pl.col("ann") < pl.col("ann_b")).select(a="ann", b="ann_b", dc="dc")
        )

    def common_docs(self) -> list[int]:
        """Codes of the documents every selected annotator annotated, in doc_id order."""
        if not self.annotators:
            return []
        counts = self.coverage.group_by("dc").len()
        return sorted(counts.filter(pl.col("len") == len(self.annotators))["dc"].to_list())

    def doc_id(self, expr: pl.Expr | str = "dc") -> pl.Expr:
        return decode(expr, self.docs)

    def label(self, expr: pl.Expr | str = "lab") -> pl.Expr:
        return decode(expr, self.labels)

    def encode(self, frame: pl.DataFrame) -> tuple[pl.DataFrame, int]:
        """Rows of ``frame`` (annotator, doc_id, ...) of selected annotators, with ``ann`` and
        ``dc`` instead of the names, restricted to the coverage; and how many rows of
        selected annotators were outside it."""
        coded = frame.with_columns(ann=codes("annotator", self.annotators), dc=codes("doc_id", self.docs))
        coded = coded.filter(pl.col("ann").is_not_null()).drop("annotator", "doc_id")
        kept = coded.filter(pl.col("dc").is_not_null()).join(self.coverage, on=["ann", "dc"], how="semi")
        return kept, coded.height - kept.height


def study(
    spans: pl.DataFrame | None,
    coverage: pl.DataFrame | None,
    *,
    annotators: Iterable[str] | None = None,
    labels: Iterable[str] | None = None,
) -> Study:
    """Validate, select and encode: the :class:`Study` every measure works on.

    ``annotators`` (default: all in coverage, sorted) keeps its order for display;
    ``labels`` (default: all used) filters the spans; labels are then sorted.
    """
    cov_all = conform(coverage, COVERAGE, "coverage")
    chosen = select_annotators(cov_all, annotators)
    cov = cov_all.with_columns(ann=codes("annotator", chosen)).filter(pl.col("ann").is_not_null())
    docs = sorted(cov["doc_id"].unique().to_list())
    cov = cov.select("ann", dc=codes("doc_id", docs)).unique().sort("ann", "dc")
    sp = conform(spans, SPANS, "spans")
    check_intervals(sp, "spans")
    if labels is None:
        chosen_labels = sorted(sp["label"].unique().to_list())
    else:
        chosen_labels = sorted(dict.fromkeys(str(x) for x in labels))
        sp = sp.filter(pl.col("label").is_in(chosen_labels))
    if OUTSIDE in chosen_labels:
        raise AnnotatorError(f"label {OUTSIDE!r} is reserved for tokens outside every span", "spans")
    st = Study(chosen, chosen_labels, docs, cov, pl.DataFrame(), 0)
    sp, ignored = st.encode(sp)
    sp = sp.select("ann", "dc", "start", "end", lab=codes("label", chosen_labels))
    if labels is None:  # labels used only outside the selection are not reported
        used = sp["lab"].unique().sort().to_list()
        if len(used) < len(chosen_labels):
            kept = [chosen_labels[i] for i in used]
            sp = sp.with_columns(lab=codes(decode("lab", chosen_labels), kept))
            chosen_labels = kept
    sp = sorted_unique(sp.select("dc", "lab", "start", "end", "ann"))
    return Study(chosen, chosen_labels, docs, cov, sp, ignored)


def sorted_unique(frame: pl.DataFrame, by: Sequence[str] | None = None) -> pl.DataFrame:
    """``frame`` sorted by the columns ``by`` (default: all its columns), in order, without
    rows that repeat them (``by`` must determine the other columns)."""
    by = frame.columns if by is None else list(by)
    out = frame.sort(by)
    repeated = pl.all_horizontal([pl.col(c) == pl.col(c).shift(1) for c in by]).fill_null(False)
    return out.filter(~repeated)


# --------------------------------------------------------------------------- token labels


def prepare_tokens(tokens: pl.DataFrame | None, docs: Sequence[str]) -> pl.DataFrame:
    """dc, start, end, tok: the tokens of ``docs`` (others dropped), sorted by (dc, start),
    ``tok`` the row number; overlapping (or repeated) tokens raise AnnotatorError."""
    tok = conform(tokens, TOKENS, "tokens")
    check_intervals(tok, "tokens")
    tok = tok.select(dc=codes("doc_id", docs), start="start", end="end").drop_nulls("dc").sort("dc", "start", "end")
    same_doc = pl.col("dc") == pl.col("dc").shift(1)
    bad = tok.filter(same_doc & (pl.col("start") < pl.col("end").shift(1)))
    if bad.height:
        row = bad.row(0, named=True)
        row["doc_id"] = docs[row.pop("dc")]
        raise AnnotatorError("overlapping tokens", "tokens", f"first: {row}")
    return tok.with_row_index("tok")


def span_token_labels(st: Study, tok: pl.DataFrame) -> pl.DataFrame:
    """For each annotator and token an entity span overlaps: ``ann``, ``tok``, ``code``.

    ``code`` is 1 + the label's index in ``st.labels`` (0 is "O", never listed here).
    Several spans on one token: the longest wins, then the earliest start, then the label
    name (alphabetical).
    """
    schema = {"ann": pl.Int32(), "tok": pl.Int64(), "code": pl.Int32()}
    if not st.spans.height or not tok.height:
        return pl.DataFrame(schema=schema)
    end_keys = tok.select(pack("dc", "end")).to_series()
    start_keys = tok.select(pack("dc", "start")).to_series()
    sp = st.spans  # sorted by dc first: the searches run on nearly sorted queries
    first = end_keys.search_sorted(sp.select(pack("dc", "start")).to_series(), side="right")
    last = start_keys.search_sorted(sp.select(pack("dc", "end")).to_series(), side="left")
    ranges = sp.select(
        "ann",
        code=pl.col("lab") + 1,
        # priority: longer first, then earlier start, then label name; smaller wins
        rank=pack(MAX_OFFSET - (pl.col("end") - pl.col("start")), "start"),
        start=first.cast(pl.Int64),
        end=last.cast(pl.Int64),
    ).filter(pl.col("end") > pl.col("start"))
    ranges = ranges.with_columns(_k=pack("ann", "start")).sort("_k").drop("_k")
    # Token ranges of one annotator that share no token need no tie-break.
    reach = pack("ann", "end").cum_max().shift(1)
    new = reach.is_null() | (pack("ann", "start") >= reach)
    ranges = ranges.with_columns(alone=new & new.shift(-1).fill_null(True))
    alone = ranges.filter(pl.col("alone"))
    single = alone.filter(pl.col("end") - pl.col("start") == 1).select("ann", tok="start", code="code")
    longer = (
        alone.filter(pl.col("end") - pl.col("start") > 1)
        .select("ann", "code", tok=pl.int_ranges("start", "end", dtype=pl.Int64))
        .explode("tok")
        .select("ann", "tok", "code")
    )
    contested = (
        ranges.filter(~pl.col("alone"))
        .select("ann", "code", "rank", tok=pl.int_ranges("start", "end", dtype=pl.Int64))
        .explode("tok")
        .sort("ann", "tok", "rank", "code")
        .unique(["ann", "tok"], keep="first", maintain_order=True)
        .select("ann", "tok", "code")
    )
    return pl.concat([single, longer, contested], how="vertical_relaxed").drop_nulls("tok")


def token_code_matrix(st: Study, tok: pl.DataFrame, assigned: pl.DataFrame | None = None) -> pl.DataFrame:
    """dc, start, end and one Int32 column ``r{i}`` per annotator, one row per token (in
    ``tok`` order): the label code, 0 for "O", null when the annotator did not annotate
    the document. ``assigned``: :func:`span_token_labels`, if already computed."""
    assigned = span_token_labels(st, tok) if assigned is None else assigned
    n = tok.height
    columns: dict[str, pl.Expr] = {}
    for i in range(len(st.annotators)):
        mine = assigned.filter(pl.col("ann") == i)
        col = pl.zeros(n, dtype=pl.Int32(), eager=True)
        if mine.height:
            col = col.scatter(mine["tok"], mine["code"])
        covered = st.coverage.filter(pl.col("ann") == i)["dc"].implode()
        columns[f"r{i}"] = pl.when(pl.col("dc").is_in(covered)).then(pl.lit(col))
    return tok.select("dc", "start", "end").with_columns(**columns)


def token_label_patterns(st: Study, tok: pl.DataFrame, assigned: pl.DataFrame | None = None) -> pl.DataFrame:
    """The distinct rows of :func:`token_code_matrix` (columns ``r{i}``) with their count
    ``_n``, computed without building the matrix. ``assigned``: :func:`span_token_labels`,
    if already computed.

    Each token's row is encoded as one integer: digit i (base = labels + 2) is 0 when
    annotator i did not annotate the document, 1 for "O", 1 + code for a label. A
    document's all-"O" row comes from its coverage; each labelled token adds code·base^i.
    """
    n = len(st.annotators)
    base = len(st.labels) + 2
    names = [f"r{i}" for i in range(n)]
    schema = {**{c: pl.Int32() for c in names}, "_n": pl.Int64()}
    if n == 0 or not tok.height:
        return pl.DataFrame(schema=schema)
    if base**n >= 2**62:  # too many annotators x labels for one Int64: count the matrix
        matrix = token_code_matrix(st, tok, assigned)
        return matrix.group_by(names).agg(pl.len().cast(pl.Int64).alias("_n")).select(list(schema))
    # all-"O" pattern of each document from its coverage, as a dense array over dc
    cov = st.coverage.select("dc", w=pl.lit(base, dtype=pl.Int64).pow(pl.col("ann").cast(pl.Int64)))
    per_doc = cov.group_by("dc").agg(pl.col("w").sum())
    baseline = pl.zeros(len(st.docs), dtype=pl.Int64(), eager=True).scatter(per_doc["dc"], per_doc["w"])
    pid = baseline.gather(tok["dc"])
    assigned = span_token_labels(st, tok) if assigned is None else assigned
    for i in range(n):  # one scatter per annotator: add code·base^i on the labelled tokens
        mine = assigned.filter(pl.col("ann") == i)
        if mine.height:
            add = pl.zeros(tok.height, dtype=pl.Int64(), eager=True)
            pid = pid + add.scatter(mine["tok"], mine["code"].cast(pl.Int64) * base**i)
    counts = pid.rename("pid").value_counts(name="_n")
    rows: dict[str, list[int | None]] = {c: [] for c in names}
    for pid, _ in counts.iter_rows():  # one iteration per distinct pattern
        for c in names:
            digit = pid % base
            pid //= base
            rows[c].append(None if digit == 0 else digit - 1)
    return pl.DataFrame({**rows, "_n": counts["_n"].cast(pl.Int64)}, schema=schema)


def check_column_names(annotators: Sequence[str], reserved: Sequence[str]) -> None:
    clash = [a for a in annotators if a in reserved]
    if clash:
        raise AnnotatorError("annotator name clashes with a column name", "annotators", ", ".join(clash))


def token_label_matrix(
    spans: pl.DataFrame | None,
    coverage: pl.DataFrame | None,
    tokens: pl.DataFrame | None,
    *,
    annotators: Iterable[str] | None = None,
    labels: Iterable[str] | None = None,
) -> pl.DataFrame:
    """doc_id, start, end, then one String column per annotator: the token's label, "O"
    outside every span, null when that annotator did not annotate the document. Tokens of
    documents no selected annotator annotated are left out."""
    st = study(spans, coverage, annotators=annotators, labels=labels)
    check_column_names(st.annotators, ("doc_id", "start", "end"))
    matrix = token_code_matrix(st, prepare_tokens(tokens, st.docs))
    names = [OUTSIDE, *st.labels]
    return matrix.select(
        doc_id=st.doc_id(),
        start="start",
        end="end",
        **{a: decode(f"r{i}", names) for i, a in enumerate(st.annotators)},
    )
