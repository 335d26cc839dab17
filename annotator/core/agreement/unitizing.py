"""Krippendorff's unitizing α_u (1995; 2004 p. 251–256) as DKPro Statistics computes it
(``KrippendorffAlphaUnitizingAgreement``, which INCEpTION uses), on character offsets.

Per category c, each rater's continuum [0, L) is cut into the rater's units of c and the
gaps between them. For every rater pair and every pair of overlapping segments g, h:
δ² = (b_g − b_h)² + (e_g − e_h)² when both are units; the unit's length² when a unit lies
inside the other rater's gap (i.e. overlaps no unit of c of the other rater); 0 otherwise.

    D_o(c) = 2 Σ δ² / (R (R − 1) L²)
    D_e(c) = (2/L) Σ_{units of c, length l} [ (N_c − 1)(2l³ − 3l² + l)/3 + l² Σ_{gaps g ≥ l} (g − l + 1) ]
             / (R L (R L − 1) − Σ_{units of c} l (l − 1))
    α_u(c) = 1 − D_o(c) / D_e(c);   overall α_u = 1 − mean_c D_o(c) / mean_c D_e(c)

with N_c the number of units of c over all raters, gaps pooled over raters (a rater with
no unit of c has one gap of length L), the means over the categories that have units.
Following DKPro, α is 0.0 when D_o equals D_e (e.g. a study with a single unit), and
undefined when there is no unit at all (DKPro returns NaN).

DKPro requires that one rater's units of one category never overlap. Here overlapping
units of the same rater and label (nested or duplicated entities) are merged into their
union first; units that only touch (end == next start) stay separate.

For a corpus the continuum is the concatenation, in doc_id order, of the documents every
selected annotator annotated, each document's offsets shifted by the total length of the
documents before it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import polars as pl

from annotator.core.agreement.scores import Score, Undefined, finite
from annotator.core.agreement.spans import interval_clusters
from annotator.core.agreement.tables import DOC_LENGTHS, Study, codes, conform, pack, study
from annotator.core.errors import AnnotatorError


@dataclass
class UnitizingResult:
    overall: Score
    per_label: dict[str, Score]
    observed: dict[str, float] = field(default_factory=dict)  # D_o per label with units
    expected: dict[str, float] = field(default_factory=dict)  # D_e per label with units
    length: int = 0
    raters: int = 0
    documents: int | None = None
    merged: int = 0  # units removed by merging one rater's overlapping same-label units


def _alpha(d_o: float, d_e: float) -> Score:
    if math.isclose(d_o, d_e, rel_tol=1e-12, abs_tol=0.0) or d_o == d_e:
        return 0.0  # DKPro: D_O == D_E -> 0 (covers 0/0)
    if d_e == 0:
        return Undefined("expected disagreement is 0")
    return finite(1.0 - d_o / d_e)


def _gap_sums(gaps: pl.DataFrame, units: pl.DataFrame) -> dict[int, float]:
    """{lab: Σ over units of l² · Σ_{gaps g of the unit's label, g >= l} (g − l + 1)}.

    ``gaps``: lab, g, c (how many gaps of that length). ``units``: lab, l, n (how many
    units of that length). One sorted array of gaps keyed by (lab, g) with prefix sums of
    count and of count·g, and one binary search per distinct unit length: no loop over labels.
    """
    if not gaps.height or not units.height:
        return {}
    g = (
        gaps.group_by("lab", "g")
        .agg(c=pl.col("c").sum().cast(pl.Float64))
        .sort("lab", "g")
        .select("lab", key=pack("lab", "g"), c="c", cg=pl.col("c") * pl.col("g").cast(pl.Float64))
    )
    zero = pl.Series([0.0])
    prefix_c = pl.concat([zero, g["c"].cum_sum()])
    prefix_cg = pl.concat([zero, g["cg"].cum_sum()])
    stops = g.group_by("lab").agg(stop=pl.len()).sort("lab").with_columns(stop=pl.col("stop").cum_sum().cast(pl.Int64))
    u = (
        units.group_by("lab", l=pl.col("l").cast(pl.Int64))
        .agg(n=pl.col("n").sum().cast(pl.Float64))
        .join(stops, on="lab", how="left")
        .sort("lab", "l")  # float sums below run in this order: the same bits every run
    )
    idx = g["key"].search_sorted(u.select(pack("lab", "l")).to_series(), side="left").cast(pl.Int64)
    # a label without gaps has no stop: nothing lies at or above its units
    u = u.with_columns(idx=idx).with_columns(stop=pl.col("stop").fill_null(pl.col("idx")))
    count = prefix_c.gather(u["stop"]) - prefix_c.gather(u["idx"])
    total = prefix_cg.gather(u["stop"]) - prefix_cg.gather(u["idx"])
    unit_len = pl.col("l").cast(pl.Float64)
    per_unit = pl.col("n") * unit_len * unit_len * (pl.col("total") - (unit_len - 1.0) * pl.col("count"))
    out = u.with_columns(count=count, total=total).group_by("lab", maintain_order=True).agg(per_unit.sum().alias("s"))
    return dict(out.iter_rows())


def alpha_u(
    units: pl.DataFrame,
    raters: int,
    length: int,
    *,
    begin: int = 0,
    labels: Sequence[str] | None = None,
) -> UnitizingResult:
    """α_u of a single continuum [begin, begin + length) with ``raters`` raters.

    ``units``: rater (int, 0 <= rater < raters), label (str), start, end (absolute offsets,
    end exclusive). ``labels``: the categories to use and report (default: those with
    units; units of other labels are ignored).
    """
    names = sorted(units["label"].cast(pl.String).unique().to_list()) if labels is None else list(labels)
    frame = (
        units.select(
            blk=pl.lit(0, dtype=pl.Int32),
            lab=codes(pl.col("label").cast(pl.String), names),
            start=pl.col("start").cast(pl.Int64) - begin,
            end=pl.col("end").cast(pl.Int64) - begin,
            r=pl.col("rater").cast(pl.Int32),
        )
        .drop_nulls("lab")
        .sort("blk", "lab", "start", "end", "r")
    )
    return _alpha_u(frame, raters, length, names)


def _merge_own_overlaps(frame: pl.DataFrame, raters: int) -> pl.DataFrame:
    """Merge overlapping units of the same rater and label into their union, in place: the
    first unit of each overlapping group takes the group's largest end, the others go.
    Rows stay in (blk, lab, start) order. Usually nothing overlaps and nothing changes."""
    indexed = frame.with_row_index("_row")
    touched = []
    for r in range(raters):
        mine = interval_clusters(indexed.filter(pl.col("r") == r), ["blk", "lab"], presorted=True)
        touched.append(mine.filter(pl.col("size") > 1).select("_row", "cluster", "end", r=pl.lit(r)))
    hit = pl.concat(touched)
    if not hit.height:
        return frame
    heads = hit.group_by("r", "cluster").agg(pl.col("_row").min(), pl.col("end").max())
    dropped = hit.join(heads.select("_row"), on="_row", how="anti")["_row"]
    end = frame["end"].scatter(heads["_row"], heads["end"])
    keep = pl.repeat(True, frame.height, eager=True).scatter(dropped, False)
    return frame.with_columns(end=end).filter(keep)


def _check_units(frame: pl.DataFrame, raters: int, length: int) -> None:
    """AnnotatorError for a unit outside [0, length), empty, or of a rater outside [0, raters)."""
    bad = frame.filter(
        (pl.col("start") < 0)
        | (pl.col("end") <= pl.col("start"))
        | (pl.col("end") > length)
        | (pl.col("r") < 0)
        | (pl.col("r") >= raters)
    )
    if bad.height:
        raise AnnotatorError(
            "unit outside the continuum or of an unknown rater", "unitizing", str(bad.row(0, named=True))
        )


def _observed_sums(units: pl.DataFrame, raters: int, present: list[int]) -> dict[int, float]:
    """Σ δ² per label over every rater pair. ``units``: blk, lab, start, end, r, l, in
    (blk, lab, start) order, one rater's units of a label never overlapping."""
    observed_sum: dict[int, float] = dict.fromkeys(present, 0.0)
    for i in range(raters):
        for j in range(i + 1, raters):
            sub = units.filter(pl.col("r").is_in([i, j]))
            if not sub.height:
                continue
            cl = interval_clusters(sub, ["blk", "lab"], presorted=True)
            # a unit overlapping nothing of the other rater lies in their gap: its length²
            singles = (
                cl.filter(pl.col("size") == 1).group_by("lab", maintain_order=True).agg(d=(pl.col("l") ** 2).sum())
            )
            multi = cl.filter(pl.col("size") > 1)
            x = multi.filter(pl.col("r") == i).select("cluster", "lab", "start", "end")
            y = multi.filter(pl.col("r") == j).select("cluster", s2="start", e2="end")
            both = (
                x.join(y, on="cluster", maintain_order="left_right")
                .filter((pl.col("start") < pl.col("e2")) & (pl.col("s2") < pl.col("end")))
                .group_by("lab", maintain_order=True)
                .agg(
                    d=(
                        (pl.col("start") - pl.col("s2")).cast(pl.Float64) ** 2
                        + (pl.col("end") - pl.col("e2")).cast(pl.Float64) ** 2
                    ).sum()
                )
            )
            for lab, d in pl.concat([singles, both]).iter_rows():
                observed_sum[lab] += d
    return observed_sum


@dataclass
class UnitStats:
    """What α_u is computed from, for some blocks (documents) of the continuum: sums over
    the blocks, and each block's first and last unit per rater and label, which the gaps
    across blocks need. Stats of disjoint blocks merge (:func:`merge_unit_stats`); the
    blocks are laid end to end in the order of ``key``.

    Not a sum over documents: D_e pairs every unit with every gap of its label, and a gap
    may run across documents (from a rater's last unit of a label in one document to the
    first in a later one), so it is known only once the neighbouring blocks are."""

    lengths: pl.DataFrame  # key (String), length: the blocks
    observed: pl.DataFrame  # lab (String), d (Float64): Σ δ² over rater pairs (δ² within a block)
    units: pl.DataFrame  # lab (String), l, n: how many units of each length
    inner_gaps: pl.DataFrame  # lab (String), g, c: gaps between a rater's units within a block
    bounds: pl.DataFrame  # key, r, lab (String), first, last: a rater's first unit start, last unit end
    merged: int = 0  # units removed by merging one rater's overlapping same-label units


def _unit_stats(frame: pl.DataFrame, raters: int, names: Sequence[str], lengths: pl.DataFrame) -> UnitStats:
    """``frame``: blk, lab (index into ``names``), start, end, r — offsets within the block,
    sorted by (blk, lab, start, end, r). ``lengths``: blk, key, length of every block."""
    units = _merge_own_overlaps(frame, raters)
    n_merged = frame.height - units.height
    units = units.with_columns(l=(pl.col("end") - pl.col("start")).cast(pl.Float64))
    present = sorted(units["lab"].unique().to_list())
    observed_sum = _observed_sums(units, raters, present)
    name = pl.Series(list(names), dtype=pl.String)

    def named(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.with_columns(lab=pl.lit(name).gather(pl.col("lab")))

    observed = pl.DataFrame(
        {"lab": [names[c] for c in observed_sum], "d": list(observed_sum.values())},
        schema={"lab": pl.String(), "d": pl.Float64()},
    )
    hist = named(units.group_by("lab", l=pl.col("l").cast(pl.Int64)).agg(n=pl.len().cast(pl.Int64)))
    same = (pl.col("blk") == pl.col("blk").shift(1)).over("r", "lab")
    prev_end = pl.col("end").shift(1).over("r", "lab")
    inner = (
        units.select("lab", g=pl.col("start") - prev_end, _same=same.fill_null(False))
        .filter(pl.col("_same") & (pl.col("g") > 0))
        .group_by("lab", "g")
        .agg(c=pl.len().cast(pl.Int64))
    )
    bounds = (
        units.group_by("blk", "r", "lab")
        .agg(first=pl.col("start").min(), last=pl.col("end").max())
        .join(lengths.select("blk", "key"), on="blk")
        .select("key", "r", "lab", "first", "last")
    )
    return UnitStats(lengths.select("key", "length"), observed, hist, named(inner), named(bounds), n_merged)


def merge_unit_stats(parts: Sequence[UnitStats]) -> UnitStats:
    """The stats of the union of disjoint sets of blocks."""

    def cat(name: str) -> pl.DataFrame:
        return pl.concat([getattr(p, name) for p in parts], how="vertical_relaxed")

    return UnitStats(
        cat("lengths"),
        cat("observed").group_by("lab").agg(pl.col("d").sum()),
        cat("units").group_by("lab", "l").agg(pl.col("n").sum()),
        cat("inner_gaps").group_by("lab", "g").agg(pl.col("c").sum()),
        cat("bounds"),
        sum(p.merged for p in parts),
    )


def _gaps(stats: UnitStats, raters: int, length: int, names: Sequence[str], present: list[int]) -> pl.DataFrame:
    """lab, g, c: every non-empty gap per rater and label (leading, inner, across blocks,
    trailing), pooled over raters; a rater without units of a label has one gap of ``length``."""
    offsets = stats.lengths.sort("key").select("key", offset=pl.col("length").cum_sum() - pl.col("length"))
    ends = (
        stats.bounds.join(offsets, on="key")
        .select(
            "r",
            lab=codes("lab", names),
            first=pl.col("first") + pl.col("offset"),
            last=pl.col("last") + pl.col("offset"),
        )
        .sort("r", "lab", "first")
    )
    across = ends.select("lab", g=pl.col("first") - pl.col("last").shift(1).over("r", "lab").fill_null(0))
    last = ends.group_by("r", "lab").agg(g=length - pl.col("last").max())
    raters_with = dict(last.group_by("lab").agg(pl.len()).iter_rows())
    empty = pl.DataFrame(
        {
            "lab": [c for c in present for _ in range(raters - raters_with.get(c, 0))],
            "g": [length for c in present for _ in range(raters - raters_with.get(c, 0))],
        },
        schema={"lab": pl.Int32(), "g": pl.Int64()},
    )
    inner = stats.inner_gaps.select(lab=codes("lab", names), g="g", c="c")
    counted = pl.concat([across, last.select("lab", "g"), empty], how="vertical_relaxed").with_columns(
        c=pl.lit(1, dtype=pl.Int64)
    )
    return pl.concat([inner, counted], how="vertical_relaxed").filter(pl.col("g") > 0)


def unit_result(stats: UnitStats, raters: int, names: Sequence[str]) -> UnitizingResult:
    """α_u per label (``names``) and overall from the stats of every block of the continuum."""
    length = int(stats.lengths["length"].sum())
    if raters < 2:
        none = Undefined("α_u needs at least two annotators")
        return UnitizingResult(none, {c: none for c in names}, length=length, raters=raters)
    if length <= 0:
        none = Undefined("the continuum is empty (no document every annotator annotated, or zero length)")
        return UnitizingResult(none, {c: none for c in names}, length=length, raters=raters)
    hist = stats.units.select(lab=codes("lab", names), l="l", n="n").drop_nulls("lab")
    present = sorted(hist["lab"].unique().to_list())
    second = _gap_sums(_gaps(stats, raters, length, names, present), hist)
    observed_sum = {names.index(lab): d for lab, d in stats.observed.iter_rows() if lab in names}
    unit_len = pl.col("l").cast(pl.Float64)
    per_lab = hist.group_by("lab").agg(
        n=pl.col("n").sum(),
        cubic=(pl.col("n") * (unit_len * (unit_len - 1) * (2 * unit_len - 1) / 3.0)).sum(),
        squared=(pl.col("n") * (unit_len * (unit_len - 1))).sum(),
    )
    rl = float(raters * length)
    observed: dict[str, float] = {}
    expected: dict[str, float] = {}
    for c, n_c, cubic, squared in per_lab.sort("lab").iter_rows():  # one iteration per label
        name = names[c]
        expected[name] = (2.0 / length) * ((n_c - 1) * cubic + second.get(c, 0.0)) / (rl * (rl - 1) - squared)
        observed[name] = 2.0 * observed_sum.get(c, 0.0) / (raters * (raters - 1) * float(length) ** 2)
    per_label = {
        c: _alpha(observed[c], expected[c])
        if c in observed
        else Undefined(f"no annotator marked a unit labelled {c} in the continuum")
        for c in names
    }
    if not present:
        overall: Score = Undefined("no annotator marked any unit in the continuum (empty study)")
    else:
        overall = _alpha(math.fsum(observed.values()) / len(present), math.fsum(expected.values()) / len(present))
    return UnitizingResult(overall, per_label, observed, expected, length=length, raters=raters, merged=stats.merged)


def _alpha_u(frame: pl.DataFrame, raters: int, length: int, names: Sequence[str]) -> UnitizingResult:
    """``frame``: blk (0), lab (index into ``names``), start, end, r — offsets from the
    continuum start, sorted by (blk, lab, start, end, r): one block."""
    _check_units(frame, raters, length)
    if raters < 2 or length <= 0:
        return unit_result(_no_units(length), raters, names)
    block = pl.DataFrame({"blk": [0], "key": [""], "length": [length]}, schema=BLOCKS)
    return unit_result(_unit_stats(frame, raters, names, block), raters, names)


BLOCKS = {"blk": pl.Int32(), "key": pl.String(), "length": pl.Int64()}


def _no_units(length: int = 0) -> UnitStats:
    """The stats of no unit (over one block of ``length`` when positive, else of no block)."""
    s = pl.String()
    lengths = pl.DataFrame({"key": [""] if length > 0 else [], "length": [length] if length > 0 else []},
                           schema={"key": s, "length": pl.Int64()})  # fmt: skip
    return UnitStats(
        lengths,
        pl.DataFrame(schema={"lab": s, "d": pl.Float64()}),
        pl.DataFrame(schema={"lab": s, "l": pl.Int64(), "n": pl.Int64()}),
        pl.DataFrame(schema={"lab": s, "g": pl.Int64(), "c": pl.Int64()}),
        pl.DataFrame(schema={"key": s, "r": pl.Int32(), "lab": s, "first": pl.Int64(), "last": pl.Int64()}),
    )


def study_unit_stats(st: Study, doc_lengths: pl.DataFrame | None) -> UnitStats | Undefined:
    """The :class:`UnitStats` of the documents of ``st`` every selected annotator annotated
    (blocks keyed by doc_id), or why α_u has none."""
    docs = st.common_docs()
    if len(st.annotators) < 2:
        return Undefined("α_u needs at least two annotators")
    if not docs:
        return Undefined("no document was annotated by every selected annotator")
    if doc_lengths is None:
        return Undefined("no document lengths were given")
    lengths = conform(doc_lengths, DOC_LENGTHS, "doc_lengths")
    lengths = lengths.select(dc=codes("doc_id", st.docs), length="length").drop_nulls("dc").unique("dc", keep="first")
    doc_frame = pl.DataFrame({"dc": docs}, schema={"dc": pl.Int32()})
    known = doc_frame.join(lengths, on="dc", how="left").sort("dc")
    missing = known.filter(pl.col("length").is_null())
    if missing.height:
        raise AnnotatorError("document without a length", "doc_lengths", f"doc_id {st.docs[missing['dc'][0]]!r}")
    units = st.spans.join(known, on="dc", maintain_order="left")
    beyond = units.filter(pl.col("end") > pl.col("length"))
    if beyond.height:
        row = beyond.row(0, named=True)
        raise AnnotatorError(
            f"{beyond.height} span(s) end after the end of their document",
            "spans",
            f"first: {st.annotators[row['ann']]} {st.docs[row['dc']]!r} [{row['start']}, {row['end']}) "
            f"length {row['length']}",
        )
    frame = units.select("dc", "lab", "start", "end", r="ann").rename({"dc": "blk"})  # (dc, lab, start, end, ann)
    blocks = known.select(blk="dc", key=st.doc_id(), length="length")
    return _unit_stats(frame, len(st.annotators), st.labels, blocks)


def study_alpha_u(st: Study, doc_lengths: pl.DataFrame | None) -> UnitizingResult:
    """α_u over the concatenation of the documents every selected annotator annotated."""
    stats = study_unit_stats(st, doc_lengths)
    if isinstance(stats, Undefined):
        return UnitizingResult(stats, {c: stats for c in st.labels}, raters=len(st.annotators), documents=0)
    res = unit_result(stats, len(st.annotators), st.labels)
    res.documents = stats.lengths.height
    return res


def unitizing_alpha(
    spans: pl.DataFrame,
    coverage: pl.DataFrame,
    doc_lengths: pl.DataFrame,
    *,
    annotators: Iterable[str] | None = None,
    labels: Iterable[str] | None = None,
) -> UnitizingResult:
    """α_u per label and overall for annotated corpora (see the module docstring)."""
    return study_alpha_u(study(spans, coverage, annotators=annotators, labels=labels), doc_lengths)
