"""Each annotator against a reference (gold, or an annotator taken as one): precision,
recall and F1, per label and per event type, on the documents both have.

The items are those of the agreement measures, matched the same way: spans exactly
(start, end, label) and by overlap (the most pairs, as the overlap span F1); triggers
exactly (start, end, type); arguments as ACE scores them (event type, role, entity
extent, anywhere in the document) and on the triggers the reference has identically.
For each: precision = matched / the annotator's items, recall = matched / the reference's
items, F1 = 2·matched / (both); undefined (with the reason) when a denominator is 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from annotator.core.agreement.events import ace_argument_items, encode_events, matched_trigger_counts
from annotator.core.agreement.report_model import AgainstGold, Scored, Value
from annotator.core.agreement.scores import Undefined, f1, ratio
from annotator.core.agreement.spans import pair_label_counts
from annotator.core.agreement.tables import Study


@dataclass(frozen=True)
class _Names:
    annotator: str
    reference: str
    documents: int

    def scored(self, matched: int, mine: int, theirs: int, thing: str) -> Scored:
        a, r, d = self.annotator, self.reference, self.documents
        if d == 0:
            none = Value.of(Undefined(f"no document was annotated by both {a} and {r}"))
            return Scored(none, none, none, 0, 0, 0)
        where = f"in the {d} document(s) both annotated"
        return Scored(
            precision=Value.of(ratio(matched, mine, f"{a} marked no {thing} {where}")),
            recall=Value.of(ratio(matched, theirs, f"{r} has no {thing} {where}")),
            f1=Value.of(f1(matched, mine, theirs, f"neither {a} nor {r} marked {thing} {where}")),
            matched=matched,
            annotator=mine,
            gold=theirs,
        )


COUNTS = {
    "annotator": pl.String(),
    "item": pl.String(),  # spans, spans_overlap, triggers, arguments, arguments_on_matched; label, type
    "name": pl.String(),  # the label or event type ("" for every one)
    "matched": pl.Int64(),
    "mine": pl.Int64(),
    "theirs": pl.Int64(),
}
TOTALS = ("spans", "spans_overlap", "triggers", "arguments", "arguments_on_matched")


@dataclass(frozen=True)
class ReferenceCounts:
    """What :func:`against_reference` is computed from, summed over documents: the items
    matched, the annotator's and the reference's (:data:`COUNTS`), and the documents each
    annotator shares with the reference (annotator, documents). Stats of disjoint sets of
    documents merge by adding (:meth:`merge`)."""

    counts: pl.DataFrame
    documents: pl.DataFrame
    types: tuple[str, ...]  # the event types of the annotators and the reference, sorted

    @staticmethod
    def merge(parts: Sequence[ReferenceCounts]) -> ReferenceCounts:
        counts = (
            pl.concat([p.counts for p in parts], how="vertical_relaxed")
            .group_by("annotator", "item", "name")
            .agg(pl.all().sum())
        )
        documents = (
            pl.concat([p.documents for p in parts], how="vertical_relaxed")
            .group_by("annotator")
            .agg(pl.col("documents").sum())
        )
        return ReferenceCounts(counts, documents, tuple(sorted({t for p in parts for t in p.types})))


def reference_counts(st: Study, events: pl.DataFrame | None, arguments: pl.DataFrame | None) -> ReferenceCounts:
    """Every annotator of ``st`` but the last against the last (the reference)."""
    r = len(st.annotators) - 1
    which = [(i, r) for i in range(r)]
    pd = st.pair_docs()
    spans = pair_label_counts(st.spans, pd, r + 1, overlap=True, which=which, presorted=True)
    types, _, triggers, args, _, _ = encode_events(st, events, arguments)
    trig = pair_label_counts(triggers, pd, r + 1, overlap=False, which=which, presorted=True)
    ace = pair_label_counts(ace_argument_items(args), pd, r + 1, overlap=False, which=which, presorted=True)
    on_matched = matched_trigger_counts(triggers, args, which)
    names = pl.Series(st.annotators, dtype=pl.String)

    def sums(full: pl.DataFrame, column: str, item: str, values: Sequence[str] | None) -> pl.DataFrame:
        by = ["a"] if values is None else ["a", "lab"]
        rows = full.group_by(by).agg(pl.col(column).sum(), pl.col("a_count").sum(), pl.col("b_count").sum())
        name = pl.lit("") if values is None else pl.lit(pl.Series(list(values), dtype=pl.String)).gather("lab")
        return rows.select(
            annotator=pl.lit(names).gather("a"), item=pl.lit(item), name=name, matched=column, mine="a_count",
            theirs="b_count",
        )  # fmt: skip

    parts = [
        sums(spans, "exact", "spans", None),
        sums(spans, "overlap", "spans_overlap", None),
        sums(spans, "exact", "label", st.labels),
        sums(trig, "exact", "triggers", None),
        sums(trig, "exact", "type", types),
        sums(ace, "exact", "arguments", None),
        sums(on_matched, "exact", "arguments_on_matched", None),
    ]
    counts = pl.concat([p.select([pl.col(c).cast(t) for c, t in COUNTS.items()]) for p in parts])
    documents = pd.filter(pl.col("b") == r).group_by("a").len()
    documents = documents.select(annotator=pl.lit(names).gather("a"), documents=pl.col("len").cast(pl.Int64))
    return ReferenceCounts(counts, documents, tuple(types))


def against_counts(
    annotators: Sequence[str], reference: str, labels: Sequence[str], types: Sequence[str], rc: ReferenceCounts
) -> tuple[AgainstGold, ...]:
    """Each of ``annotators`` against ``reference`` from the counts; per label and type
    over ``labels`` and ``types``."""
    sums: dict[tuple[str, str, str], tuple[int, int, int]] = {
        (a, item, name): (m, x, y) for a, item, name, m, x, y in rc.counts.iter_rows()
    }
    documents = dict(rc.documents.iter_rows())
    zero = (0, 0, 0)
    out = []
    for a in annotators:
        names = _Names(a, reference, documents.get(a, 0))

        def total(item: str, thing: str, names: _Names = names, a: str = a) -> Scored:
            return names.scored(*sums.get((a, item, ""), zero), thing)

        def each(item: str, values: Sequence[str], thing: str, names: _Names = names, a: str = a) -> dict[str, Scored]:
            return {v: names.scored(*sums.get((a, item, v), zero), f"{thing} {v}") for v in values}

        out.append(
            AgainstGold(
                annotator=a,
                documents=names.documents,
                spans=total("spans", "span"),
                spans_overlap=total("spans_overlap", "span"),
                per_label=each("label", labels, "span labelled"),
                triggers=total("triggers", "trigger"),
                per_type=each("type", types, "trigger of type"),
                arguments=total("arguments", "argument"),
                arguments_on_matched=total("arguments_on_matched", "argument on a trigger both marked"),
            )
        )
    return tuple(out)


def against_reference(
    st: Study, events: pl.DataFrame | None, arguments: pl.DataFrame | None
) -> tuple[AgainstGold, ...]:
    """Every annotator of ``st`` but the last against the last (the reference)."""
    if len(st.annotators) < 2:
        return ()
    rc = reference_counts(st, events, arguments)
    return against_counts(st.annotators[:-1], st.annotators[-1], st.labels, rc.types, rc)
