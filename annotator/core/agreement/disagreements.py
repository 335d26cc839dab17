"""Where annotators disagree: the disagreement list and the label confusion table.

An *extent* is (doc_id, start, end) where at least one selected annotator marked a span.
What an annotator "said" at an extent is the sorted list of labels of their spans with
exactly that extent: [] when they annotated the document but marked nothing there, null
when they did not annotate the document. An extent is a disagreement when at least two
selected annotators annotated the document and they did not all say the same.

The confusion table counts, over annotator pairs and extents both marked, the label
pairs (x, y), x ≠ y, where one annotator used x and not y and the other used y and not x
at the same extent; it is unordered (label_a < label_b).
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from annotator.core.agreement.tables import Study, check_column_names, pack, study

EXTENT = ["dc", "start", "end"]


def disputed_spans(st: Study) -> pl.DataFrame:
    """ann, dc, start, end, lab, annotators: the spans at disagreeing extents.

    At an extent every covering annotator said the same label set exactly when each label
    found there was said by all of them: count (extent, label) rows, compare the smallest
    count with the number of annotators of the document.
    """
    per_doc = st.coverage.group_by("dc").agg(annotators=pl.len().cast(pl.Int64))
    sp = st.spans.with_columns(k=pack("start", "end"))
    extents = (
        sp.group_by("dc", "k", "lab")
        .agg(n=pl.len().cast(pl.Int64))
        .group_by("dc", "k")
        .agg(least=pl.col("n").min())
        .join(per_doc, on="dc")
        .filter((pl.col("annotators") >= 2) & (pl.col("least") < pl.col("annotators")))
        .select("dc", "k", "annotators")
    )
    return sp.join(extents, on=["dc", "k"])


def disagreement_table(st: Study, disputed: pl.DataFrame | None = None) -> pl.DataFrame:
    """dc, start, end, annotators (how many annotated the document), then ``r{i}``
    (List[Int32] of label codes, null: did not annotate the document) per annotator;
    disagreements only, sorted by dc, start, end."""
    disputed = disputed_spans(st) if disputed is None else disputed
    said = disputed.group_by("ann", *EXTENT).agg(labels=pl.col("lab").sort())
    table = disputed.select(*EXTENT, "annotators").unique(EXTENT)
    empty = pl.lit([], dtype=pl.List(pl.Int32()))
    for i in range(len(st.annotators)):
        mine = said.filter(pl.col("ann") == i).select(*EXTENT, pl.col("labels").alias(f"r{i}"))
        covered = st.coverage.filter(pl.col("ann") == i)["dc"].implode()
        table = table.join(mine, on=EXTENT, how="left").with_columns(
            pl.when(pl.col("dc").is_in(covered)).then(pl.col(f"r{i}").fill_null(empty)).alias(f"r{i}")
        )
    return table.sort(EXTENT)


def confusion_table(st: Study, disputed: pl.DataFrame | None = None) -> pl.DataFrame:
    """label_a, label_b (label_a < label_b), count — see the module docstring."""
    disputed = disputed_spans(st) if disputed is None else disputed
    sp = disputed.select("ann", "dc", "k", "lab")  # confusions only occur there
    other = sp.rename({"ann": "ann_b", "lab": "lab_b"})
    found = sp.join(other, on=["dc", "k"]).filter(
        (pl.col("ann") < pl.col("ann_b")) & (pl.col("lab") != pl.col("lab_b"))
    )
    found = found.join(sp.rename({"ann": "ann_b"}), on=["ann_b", "dc", "k", "lab"], how="anti").join(
        sp.rename({"lab": "lab_b"}), on=["ann", "dc", "k", "lab_b"], how="anti"
    )
    lo, hi = pl.min_horizontal("lab", "lab_b"), pl.max_horizontal("lab", "lab_b")
    counts = found.group_by(lo=lo, hi=hi).agg(count=pl.len().cast(pl.Int64))
    return counts.select(label_a=st.label("lo"), label_b=st.label("hi"), count="count").sort(
        ["count", "label_a", "label_b"], descending=[True, False, False]
    )


def decode_said(st: Study, table: pl.DataFrame) -> pl.DataFrame:
    """The :func:`disagreement_table` with doc_id and label names, one column per annotator."""
    index = list(range(len(st.labels)))
    return table.select(
        doc_id=st.doc_id(),
        start="start",
        end="end",
        annotators="annotators",
        **{
            a: pl.col(f"r{i}").list.eval(pl.element().replace_strict(index, st.labels, return_dtype=pl.String()))
            for i, a in enumerate(st.annotators)
        },
    )


def disagreement_list(
    spans: pl.DataFrame,
    coverage: pl.DataFrame,
    *,
    annotators: Iterable[str] | None = None,
    labels: Iterable[str] | None = None,
) -> pl.DataFrame:
    """doc_id, start, end, annotators, then one List[String] column per annotator named
    after them: what each said at each disagreeing extent (null: did not annotate the doc)."""
    st = study(spans, coverage, annotators=annotators, labels=labels)
    check_column_names(st.annotators, ("doc_id", "start", "end", "annotators"))
    return decode_said(st, disagreement_table(st))


def label_confusion(
    spans: pl.DataFrame,
    coverage: pl.DataFrame,
    *,
    annotators: Iterable[str] | None = None,
    labels: Iterable[str] | None = None,
) -> pl.DataFrame:
    """label_a, label_b, count: different labels on the same extent across annotators."""
    return confusion_table(study(spans, coverage, annotators=annotators, labels=labels))
