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

from collections.abc import Mapping, Sequence
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


def _sums(full: pl.DataFrame, column: str, by: Sequence[str]) -> dict[tuple, tuple[int, int, int]]:
    """{(a, *by values): (matched, a_count, b_count)} summed over documents."""
    if not full.height:
        return {}
    rows = full.group_by("a", *by).agg(pl.col(column).sum(), pl.col("a_count").sum(), pl.col("b_count").sum())
    return {tuple(row[: 1 + len(by)]): tuple(row[1 + len(by) :]) for row in rows.iter_rows()}


def _per_name(
    names: _Names, sums: Mapping[tuple, tuple[int, int, int]], i: int, values: Sequence[str], thing: str
) -> dict[str, Scored]:
    return {value: names.scored(*sums.get((i, k), (0, 0, 0)), f"{thing} {value}") for k, value in enumerate(values)}


def against_reference(
    st: Study, events: pl.DataFrame | None, arguments: pl.DataFrame | None
) -> tuple[AgainstGold, ...]:
    """Every annotator of ``st`` but the last against the last (the reference)."""
    r = len(st.annotators) - 1
    if r < 1:
        return ()
    which = [(i, r) for i in range(r)]
    pd = st.pair_docs()
    spans = pair_label_counts(st.spans, pd, r + 1, overlap=True, which=which)
    types, _, triggers, args, _, _ = encode_events(st, events, arguments)
    trig = pair_label_counts(triggers, pd, r + 1, overlap=False, which=which)
    ace = pair_label_counts(ace_argument_items(args), pd, r + 1, overlap=False, which=which)
    on_matched = matched_trigger_counts(triggers, args, which)
    documents = dict(pd.filter(pl.col("b") == r).group_by("a").len().iter_rows())
    exact, overlap = _sums(spans, "exact", []), _sums(spans, "overlap", [])
    exact_label, trig_all, trig_type = (
        _sums(spans, "exact", ["lab"]),
        _sums(trig, "exact", []),
        _sums(trig, "exact", ["lab"]),
    )
    ace_all, matched_all = _sums(ace, "exact", []), _sums(on_matched, "exact", [])
    out = []
    for i in range(r):
        names = _Names(st.annotators[i], st.annotators[r], documents.get(i, 0))
        zero = (0, 0, 0)
        out.append(
            AgainstGold(
                annotator=names.annotator,
                documents=names.documents,
                spans=names.scored(*exact.get((i,), zero), "span"),
                spans_overlap=names.scored(*overlap.get((i,), zero), "span"),
                per_label=_per_name(names, exact_label, i, st.labels, "span labelled"),
                triggers=names.scored(*trig_all.get((i,), zero), "trigger"),
                per_type=_per_name(names, trig_type, i, types, "trigger of type"),
                arguments=names.scored(*ace_all.get((i,), zero), "argument"),
                arguments_on_matched=names.scored(*matched_all.get((i,), zero), "argument on a trigger both marked"),
            )
        )
    return tuple(out)
