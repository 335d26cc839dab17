"""Span F1 between annotators, exact and overlap (Hripcsak & Rothschild 2005).

For annotators a and b, over the documents both annotated, F1 = 2·|matched| / (|A| + |B|):
symmetric, neither side is gold, equal to positive specific agreement.

- exact: a span of a matches a span of b with the same (doc_id, start, end, label);
- overlap: a span of a matches at most one span of b with the same label whose extent
  overlaps it (shares at least one code point), one-to-one, with as many matched pairs
  as possible; among the matchings with most pairs, the one sharing most code points.
  Candidate pairs come from clusters: per (doc_id, label), the spans of a and b sorted by
  start and cut wherever a span starts at or after the end of every span before it; spans
  of different clusters never overlap. A cluster with one span of each side is one match.
  A larger cluster is solved exactly by :func:`most_pairs_matching` (Hungarian algorithm
  on the weight K + overlap of each overlapping pair, K larger than any total overlap, so
  one more pair always outweighs any overlap). A cluster with more than ``EXACT_LIMIT``
  spans on its smaller side (pathological input) still gets the most pairs (augmenting
  paths from a greedy start: pairs by overlap descending, ties by (a start, a end, b
  start, b end)); only its tie-break by overlap is then greedy.

Results per pair, per label (per pair, and mean over pairs), overall (mean over pairs),
per document (mean over the pairs that both annotated it). Undefined when both sides
have no span.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import polars as pl

from annotator.core.agreement.scores import Score, Undefined, f1, mean
from annotator.core.agreement.tables import Study, pack, pairs, sorted_unique, study

EXACT_LIMIT = 60


# --------------------------------------------------------------------------- clusters

# Per annotator pair, document and label: how many spans each side has and how many match.
PAIR_COUNTS = {
    "a": pl.Int32(),
    "b": pl.Int32(),
    "dc": pl.Int32(),
    "lab": pl.Int32(),
    "a_count": pl.Int64(),
    "b_count": pl.Int64(),
    "exact": pl.Int64(),
}


def interval_clusters(frame: pl.DataFrame, by: Sequence[str], *, presorted: bool = False) -> pl.DataFrame:
    """Sort by (*by, start, end) (unless ``presorted``) and add ``cluster`` (Int64, global,
    increasing) and ``size`` (rows in the cluster, 1, 2, or 3 meaning "3 or more"):
    within each ``by`` group, a new cluster begins where an interval starts at or after
    the end of every interval before it. Intervals of different clusters never overlap;
    the rows of a cluster are contiguous."""
    by = list(by)
    out = frame if presorted else frame.sort([*by, "start", "end"])
    if by:
        changed = pl.any_horizontal([pl.col(c).diff().fill_null(1) != 0 for c in by])
        out = out.with_columns(_g=changed.cast(pl.Int64).cum_sum())
    else:
        out = out.with_columns(_g=pl.lit(0, dtype=pl.Int64))
    reach = pack("_g", "end").cum_max().shift(1)
    out = out.with_columns(_new=reach.is_null() | (pack("_g", "start") >= reach))
    new = pl.col("_new")
    # size seen from the first row of each cluster, then spread over the cluster
    n1 = new.shift(-1).fill_null(True)
    n2 = new.shift(-2).fill_null(True)
    head_size = pl.when(n1).then(1).when(n2).then(2).otherwise(3)
    out = out.with_columns(cluster=new.cast(pl.Int64).cum_sum(), size=pl.when(new).then(head_size))
    return out.with_columns(pl.col("size").forward_fill().cast(pl.Int8)).drop("_g", "_new")


# --------------------------------------------------------------------------- matching


def _hungarian_max(weights: list[list[int]]) -> list[int]:
    """Maximum-weight assignment of rows to columns (rows <= columns): the column of each row.

    Classic O(n²m) Hungarian algorithm with potentials, on cost = −weight.
    """
    n, m = len(weights), len(weights[0])
    inf = float("inf")
    u: list[float] = [0] * (n + 1)  # potentials: float once an infinite or real delta is added
    v: list[float] = [0] * (m + 1)
    p = [0] * (m + 1)  # p[j]: row (1-based) assigned to column j
    way = [0] * (m + 1)
    for i in range(1, n + 1):
        p[0] = i
        j0 = 0
        minv = [inf] * (m + 1)
        used = [False] * (m + 1)
        while True:
            used[j0] = True
            i0 = p[j0]
            delta = inf
            j1 = 0
            row = weights[i0 - 1]
            ui0 = u[i0]
            for j in range(1, m + 1):
                if not used[j]:
                    cur = -row[j - 1] - ui0 - v[j]
                    if cur < minv[j]:
                        minv[j] = cur
                        way[j] = j0
                    if minv[j] < delta:
                        delta = minv[j]
                        j1 = j
            for j in range(m + 1):
                if used[j]:
                    u[p[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while True:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
            if j0 == 0:
                break
    assignment = [0] * n
    for j in range(1, m + 1):
        if p[j]:
            assignment[p[j] - 1] = j - 1
    return assignment


def _overlap(x: tuple[int, int], y: tuple[int, int]) -> int:
    return max(0, min(x[1], y[1]) - max(x[0], y[0]))


def _augment(edges: list[list[int]], match_a: list[int], match_b: list[int]) -> None:
    """Grow the matching (``match_a[i]``: b of a's i, -1 if none; ``match_b`` the reverse)
    along augmenting paths until it has as many pairs as the graph allows (Kuhn's
    algorithm; an augmenting path never unmatches an interval)."""
    for root in range(len(edges)):
        if match_a[root] != -1:
            continue
        parent: dict[int, int] = {}  # b -> the a it was reached from
        stack = [root]
        seen_a = {root}
        found = -1
        while stack and found == -1:
            i = stack.pop()
            for j in edges[i]:
                if j in parent:
                    continue
                parent[j] = i
                if match_b[j] == -1:
                    found = j
                    break
                if match_b[j] not in seen_a:
                    seen_a.add(match_b[j])
                    stack.append(match_b[j])
        while found != -1:  # flip the path back to the root
            i = parent[found]
            previous = match_a[i]
            match_a[i], match_b[found] = found, i
            found = previous if i != root else -1


def most_pairs_matching(a: Sequence[tuple[int, int]], b: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """One-to-one matching of overlapping intervals (start, end) of ``a`` and ``b`` with
    the most pairs and, among those, the largest total overlap: a sorted list of
    (index in a, index in b).

    Exact (Hungarian on weight K + overlap, K = 1 + the largest possible total overlap)
    while the smaller side has at most EXACT_LIMIT intervals; beyond, still the most
    pairs, but the overlap only greedily (see the module docstring).
    """
    if not a or not b:
        return []
    if min(len(a), len(b)) > EXACT_LIMIT:
        edges = sorted(
            ((-_overlap(x, y), x, y, i, j) for i, x in enumerate(a) for j, y in enumerate(b) if _overlap(x, y) > 0),
        )
        match_a, match_b = [-1] * len(a), [-1] * len(b)
        for _, _, _, i, j in edges:
            if match_a[i] == -1 and match_b[j] == -1:
                match_a[i], match_b[j] = j, i
        neighbours: list[list[int]] = [[] for _ in a]
        for _, _, _, i, j in edges:  # best overlap first: augmenting paths try those first
            neighbours[i].append(j)
        _augment(neighbours, match_a, match_b)
        return [(i, j) for i, j in enumerate(match_a) if j != -1]
    transpose = len(a) > len(b)
    rows, cols = (b, a) if transpose else (a, b)
    k = 1 + sum(x[1] - x[0] for x in rows)  # no matching shares more code points than the rows have
    weights = [[(k + _overlap(x, y)) if _overlap(x, y) > 0 else 0 for y in cols] for x in rows]
    assignment = _hungarian_max(weights)
    pairs_ = [(r, c) for r, c in enumerate(assignment) if weights[r][c] > 0]
    return sorted((c, r) for r, c in pairs_) if transpose else sorted(pairs_)


def _hard_clusters(rows: pl.DataFrame) -> pl.DataFrame:
    """dc, lab, overlap: matches in clusters of three or more spans (Python per cluster).

    ``rows``: the rows of those clusters — dc, lab, start, end, side, cluster."""
    schema = {"dc": pl.Int32(), "lab": pl.Int32(), "overlap": pl.Int64()}
    side = pl.col("side")
    lists = rows.group_by("cluster").agg(
        pl.col("dc").first(),
        pl.col("lab").first(),
        a_s=pl.col("start").filter(~side),
        a_e=pl.col("end").filter(~side),
        b_s=pl.col("start").filter(side),
        b_e=pl.col("end").filter(side),
    )
    docs, labs, counts = [], [], []
    for _, dc, lab, a_s, a_e, b_s, b_e in lists.iter_rows():  # one iteration per cluster
        matched = most_pairs_matching(list(zip(a_s, a_e, strict=True)), list(zip(b_s, b_e, strict=True)))
        if matched:
            docs.append(dc)
            labs.append(lab)
            counts.append(len(matched))
    found = pl.DataFrame({"dc": docs, "lab": labs, "overlap": counts}, schema=schema)
    return found.group_by("dc", "lab").agg(pl.col("overlap").sum())


def pair_label_counts(
    items: pl.DataFrame,
    pd: pl.DataFrame,
    n_annotators: int,
    *,
    overlap: bool,
    which: Sequence[tuple[int, int]] | None = None,
    presorted: bool = False,
) -> pl.DataFrame:
    """a, b, dc, lab, a_count, b_count, exact[, overlap] for every pair (or the pairs
    ``which``) and document both annotated where either side has an item of that label.

    ``items``: ann, dc, start, end, lab (covered documents only; repeated rows are dropped).
    Exact matches are adjacent rows once sorted by (dc, lab, start, end), overlap
    candidates share a cluster: no join over the items is needed. A cluster of one span
    of each side is one overlap match; larger clusters go to :func:`most_pairs_matching`.
    """
    items = items.select("dc", "lab", "start", "end", "ann")
    if not presorted:  # ``presorted``: the items are already sorted and unique in that column order
        items = sorted_unique(items)
    same = pl.all_horizontal([pl.col(c) == pl.col(c).shift(1) for c in ("dc", "lab", "start", "end")]).fill_null(False)
    parts = []
    for i, j in pairs(range(n_annotators)) if which is None else which:
        sub = items.filter(pl.col("ann").is_in([i, j])).with_columns(side=pl.col("ann") == j, same=same)
        docs = pd.filter((pl.col("a") == i) & (pl.col("b") == j)).select("dc")
        aggs = [
            (~pl.col("side")).sum().cast(pl.Int64).alias("a_count"),
            pl.col("side").sum().cast(pl.Int64).alias("b_count"),
            pl.col("same").sum().cast(pl.Int64).alias("exact"),
        ]
        if overlap:
            sub = interval_clusters(sub, ["dc", "lab"], presorted=True)
            # a two-span cluster matches when its spans come from both sides (counted on its 2nd row)
            pair_match = (
                (pl.col("size") == 2)
                & (pl.col("cluster") == pl.col("cluster").shift(1))
                & (pl.col("side") != pl.col("side").shift(1))
            )
            sub = sub.with_columns(simple=pair_match.fill_null(False))
            aggs.append(pl.col("simple").sum().cast(pl.Int64).alias("overlap"))
        counts = sub.group_by("dc", "lab").agg(aggs).join(docs, on="dc", how="semi")
        if overlap:
            big = sub.filter(pl.col("size") == 3)
            if big.height:
                hard = _hard_clusters(big)
                if hard.height:
                    counts = (
                        counts.join(hard.rename({"overlap": "_hard"}), on=["dc", "lab"], how="left")
                        .with_columns(overlap=pl.col("overlap") + pl.col("_hard").fill_null(0))
                        .drop("_hard")
                    )
        parts.append(counts.with_columns(a=pl.lit(i, dtype=pl.Int32), b=pl.lit(j, dtype=pl.Int32)))
    schema = dict(PAIR_COUNTS)
    if overlap:
        schema["overlap"] = pl.Int64()
    if not parts:
        return pl.DataFrame(schema=schema)
    return pl.concat(parts, how="vertical_relaxed").select([pl.col(c).cast(t) for c, t in schema.items()])


# --------------------------------------------------------------------------- results


@dataclass
class PairF1:
    a: str
    b: str
    f1: Score
    matched: int
    a_count: int
    b_count: int
    documents: int  # documents both annotated
    per_label: dict[str, Score] = field(default_factory=dict)


@dataclass
class F1Result:
    """F1 between annotators: ``f1`` and ``per_label`` are means over the pairs."""

    f1: Score
    per_label: dict[str, Score]
    pairs: list[PairF1]


def summarize(
    full: pl.DataFrame,
    column: str,
    annotators: Sequence[str],
    labels: Sequence[str],
    docs: Mapping[tuple[int, int], int],
    *,
    thing: str = "a span",
    labelled: str = "labelled",
) -> F1Result:
    """F1 per pair, per pair and label, and their means, from a :func:`pair_label_counts` table
    (or its sums over documents: only sums of its counts per pair and label are used).
    ``docs``: {(a, b): documents both annotated}, :func:`pair_doc_counts`."""
    sums = [pl.col("a_count").sum(), pl.col("b_count").sum(), pl.col(column).sum()]
    per_pair = {(a, b): (ac, bc, m) for a, b, ac, bc, m in full.group_by("a", "b").agg(sums).iter_rows()}
    per_pair_label = {
        (a, b, labels[lab]): (ac, bc, m)
        for a, b, lab, ac, bc, m in full.group_by("a", "b", "lab").agg(sums).iter_rows()
    }
    results: list[PairF1] = []
    for i, j in pairs(annotators):
        na, nb = annotators[i], annotators[j]
        n_docs = docs.get((i, j), 0)
        if n_docs == 0:
            none = Undefined(f"no document was annotated by both {na} and {nb}")
            results.append(PairF1(na, nb, none, 0, 0, 0, 0, {lab: none for lab in labels}))
            continue
        ac, bc, m = per_pair.get((i, j), (0, 0, 0))
        where = f"in the {n_docs} document(s) both annotated"
        per_label = {}
        for lab in labels:
            lac, lbc, lm = per_pair_label.get((i, j, lab), (0, 0, 0))
            per_label[lab] = f1(lm, lac, lbc, f"neither {na} nor {nb} marked {thing} {labelled} {lab} {where}")
        results.append(
            PairF1(
                na,
                nb,
                f1(m, ac, bc, f"neither {na} nor {nb} marked {thing} {where}"),
                m,
                ac,
                bc,
                n_docs,
                per_label,
            )
        )
    if len(annotators) < 2:
        overall: Score = Undefined("fewer than two annotators")
        per_label_mean = {lab: overall for lab in labels}
    else:
        overall = mean(
            (p.f1 for p in results),
            f"no pair of annotators has {thing} in a document both annotated",
        )
        per_label_mean = {
            lab: mean(
                (p.per_label[lab] for p in results),
                f"no pair of annotators has {thing} {labelled} {lab} in a document both annotated",
            )
            for lab in labels
        }
    return F1Result(overall, per_label_mean, results)


def pair_doc_counts(pd: pl.DataFrame) -> dict[tuple[int, int], int]:
    """{(a, b): documents both annotated} from :meth:`Study.pair_docs`."""
    return {(a, b): n for a, b, n in pd.group_by("a", "b").len().iter_rows()}


def per_document_f1(full: pl.DataFrame, column: str) -> pl.DataFrame:
    """dc, f1, matched: mean over the pairs that both annotated the document and marked
    something (pairs where both sides are empty have no F1 and are left out of the mean).

    The pairs' F1 are summed in (dc, a, b) order: a float sum in the order a parallel
    group_by happens to give would differ in the last bit from run to run."""
    return (
        full.group_by("a", "b", "dc")
        .agg(pl.col("a_count").sum(), pl.col("b_count").sum(), pl.col(column).sum())
        .with_columns(f1=2 * pl.col(column) / (pl.col("a_count") + pl.col("b_count")))
        .sort("dc", "a", "b")
        .group_by("dc", maintain_order=True)
        .agg(pl.col("f1").mean(), pl.col(column).sum().alias("matched"))
    )


@dataclass
class SpanAgreement:
    exact: F1Result
    overlap: F1Result
    per_document: pl.DataFrame  # dc, pairs, span_f1_exact, span_f1_overlap, matched_exact, matched_overlap
    counts: pl.DataFrame  # a, b, dc, lab, a_count, b_count, exact, overlap


def span_counts(st: Study) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(:func:`pair_label_counts` with overlap, the per-document table of
    :class:`SpanAgreement`): what span F1 is computed from, and its per-document rows."""
    pd = st.pair_docs()
    full = pair_label_counts(st.spans, pd, len(st.annotators), overlap=True, presorted=True)
    n_pairs = pd.group_by("dc").agg(pairs=pl.len().cast(pl.Int64))
    ex = per_document_f1(full, "exact").rename({"f1": "span_f1_exact", "matched": "matched_exact"})
    ov = per_document_f1(full, "overlap").rename({"f1": "span_f1_overlap", "matched": "matched_overlap"})
    per_doc = (
        n_pairs.join(ex, on="dc", how="left")
        .join(ov, on="dc", how="left")
        .with_columns(pl.col("matched_exact", "matched_overlap").fill_null(0))
    )
    return full, per_doc


def span_agreement(st: Study) -> SpanAgreement:
    full, per_doc = span_counts(st)
    docs = pair_doc_counts(st.pair_docs())
    exact = summarize(full, "exact", st.annotators, st.labels, docs)
    overlap = summarize(full, "overlap", st.annotators, st.labels, docs)
    return SpanAgreement(exact, overlap, per_doc, full)


def span_f1(
    spans: pl.DataFrame,
    coverage: pl.DataFrame,
    *,
    annotators: Iterable[str] | None = None,
    labels: Iterable[str] | None = None,
) -> SpanAgreement:
    """Exact and overlap span F1 for every pair of annotators (see the module docstring)."""
    return span_agreement(study(spans, coverage, annotators=annotators, labels=labels))
