"""Where annotators disagree: the disagreement lists and the confusion tables, for entities,
event triggers and event arguments alike.

Each kind is a set of :class:`Items`: at a *position* an annotator says a set of values.

- entity: position (doc_id, start, end), value the label;
- trigger: position (doc_id, trigger start, trigger end), value the event type;
- argument: position (doc_id, trigger extent, argument entity extent), value the role
  (the roles an annotator gave that entity on their events at that trigger, whatever
  their type).

Who can say something at a position are its *participants*: for entities and triggers the
selected annotators who annotated the document; for arguments those of them who marked an
event at that trigger (an annotator without the event disagrees on the trigger, listed as
a trigger disagreement, not once more per argument). What a participant said is the sorted
list of values, ``[]`` for nothing. A position is a disagreement when it has at least two
participants and they did not all say the same.

Each disagreement says what kind it is (``what``), from what the participants said there:

- different values (labels, types, roles): two participants said different non-empty sets;
- moved: a participant who said nothing there gave one of the values said there at
  another disputed position: an overlapping extent for entities and triggers ("different
  extents"), another entity of the same trigger for arguments ("different entity");
- missing: a participant said nothing there and did not move it.

A confusion table counts, over participant pairs and positions, the value pairs (x, y),
x ≠ y, where one annotator said x and not y and the other y and not x at the same
position; it is unordered (value_a < value_b): labels for entities, event types for
triggers, roles for arguments.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from annotator.core.agreement.tables import Study, check_column_names, pack, study

ENTITY, TRIGGER, ARGUMENT = KINDS = ("entity", "trigger", "argument")
POSITION = ["c", "p"]  # a position: its context (document, and trigger for arguments) and its extent
OUTPUT = ["dc", "t", "start", "end"]  # a position as the report names it

# What a disagreement is, per kind: (different values, moved, missing).
WHAT = {
    ENTITY: ("different labels", "different extents", "marked by some only"),
    TRIGGER: ("different event types", "different extents", "marked by some only"),
    ARGUMENT: ("different roles", "different entity", "missing argument"),
}


@dataclass(frozen=True)
class Items:
    """One kind of item as the disagreement measures see it.

    ``rows``: ann, c, p, lab, dc, t, start, end — unique. ``dc`` the document, ``t`` 0 for
    entities and triggers, the packed trigger extent for arguments; ``c`` numbers the
    contexts (dc, t), ``p`` is the packed (start, end): a position is (c, p), grouped on
    two integers. ``lab`` indexes ``values``. ``participants``: ann, c — who can say
    something at the positions of context c."""

    kind: str
    values: list[str]
    rows: pl.DataFrame
    participants: pl.DataFrame

    @classmethod
    def of(cls, kind: str, values: list[str], rows: pl.DataFrame, participants: pl.DataFrame) -> Items:
        """From rows (ann, dc, t, start, end, lab) and participants (ann, dc, t), each
        without repeated rows."""
        cast = {"ann": pl.Int32(), "dc": pl.Int32(), "t": pl.Int64(), "start": pl.Int64(), "end": pl.Int64()}
        rows = rows.select(*(pl.col(c).cast(t) for c, t in cast.items()), pl.col("lab").cast(pl.Int32))
        participants = participants.select(pl.col(c).cast(cast[c]) for c in ("ann", "dc", "t"))
        if kind == ARGUMENT:  # contexts numbered in (dc, t) order
            contexts = participants.select("dc", "t").unique().sort("dc", "t").with_row_index("c")
            rows = rows.join(contexts.with_columns(pl.col("c").cast(pl.Int64)), on=["dc", "t"])
            participants = participants.join(contexts.with_columns(pl.col("c").cast(pl.Int64)), on=["dc", "t"])
        else:
            rows = rows.with_columns(c=pl.col("dc").cast(pl.Int64))
            participants = participants.with_columns(c=pl.col("dc").cast(pl.Int64))
        rows = rows.select("ann", "c", p=pack("start", "end"), lab="lab", dc="dc", t="t", start="start", end="end")
        return cls(kind, values, rows, participants.select("ann", "c"))


def entity_items(st: Study) -> Items:
    zero = pl.lit(0, dtype=pl.Int64).alias("t")
    return Items.of(ENTITY, st.labels, st.spans.with_columns(zero), st.coverage.with_columns(zero))


def disputed(items: Items) -> pl.DataFrame:
    """The rows of :attr:`Items.rows` at disagreeing positions, with ``n`` (the position's
    participants) and ``least`` (how many said the value said by fewest).

    Every participant said the same set exactly when each value found there was said by
    all of them: count (position, value) rows, compare the smallest count with ``n``."""
    n = items.participants.group_by("c").agg(n=pl.len().cast(pl.Int64))
    positions = (
        items.rows.group_by(*POSITION, "lab")
        .agg(k=pl.len().cast(pl.Int64))
        .group_by(POSITION)
        .agg(least=pl.col("k").min())
        .join(n, on="c")
        .filter((pl.col("n") >= 2) & (pl.col("least") < pl.col("n")))
    )
    return items.rows.join(positions, on=POSITION)


def _what(items: Items, rows: pl.DataFrame, said: pl.DataFrame, table: pl.DataFrame) -> pl.DataFrame:
    """``table`` (one row per disputed position: c, p, n, least, speakers, start, end...)
    with ``what``, the kinds of disagreement there (see the module docstring).

    Different values: some value was said by fewer than all who said something there.
    Moved: a participant silent there said one of the values said there at another
    disputed position of the same context (overlapping, for entities and triggers); one
    that everyone said there too is no move, the silent one just has one span fewer.
    Joined only for the silent participants and the values of their positions. ``said``: ann, c, p (one row per
    participant who said something there)."""
    different, moved, missing = WHAT[items.kind]
    quiet = table.filter(pl.col("speakers") < pl.col("n"))  # positions with a silent participant
    silent = (
        items.participants.join(quiet.select(*POSITION, "start", "end"), on="c")
        .join(said.select("ann", *POSITION), on=["ann", *POSITION], how="anti")
        .join(rows.select(*POSITION, "lab").unique(), on=POSITION)
    )
    found = silent.join(rows.select("ann", "c", "lab", s2="start", e2="end"), on=["ann", "c", "lab"])
    if items.kind != ARGUMENT:  # an entity or trigger moves to an overlapping extent
        found = found.filter((pl.col("s2") < pl.col("end")) & (pl.col("start") < pl.col("e2")))
    movers = found.select("ann", *POSITION).unique().group_by(POSITION).agg(movers=pl.len().cast(pl.Int64))
    table = table.join(movers, on=POSITION, how="left").with_columns(pl.col("movers").fill_null(0))
    parts = [
        pl.when(pl.col("least") < pl.col("speakers")).then(pl.lit(different)),
        pl.when(pl.col("movers") > 0).then(pl.lit(moved)),
        pl.when(pl.col("n") - pl.col("speakers") > pl.col("movers")).then(pl.lit(missing)),
    ]
    return table.with_columns(what=pl.concat_str(parts, separator=", ", ignore_nulls=True)).drop("movers")


def disagreement_table(
    items: Items, n_annotators: int, rows: pl.DataFrame | None = None, *, ordered: bool = True
) -> pl.DataFrame:
    """dc, t, start, end, n (participants), what, then ``r{i}`` (List[Int32] of value
    codes; null: annotator i is no participant there) per annotator; disagreements only,
    sorted by dc, t, start, end (in no order if not ``ordered``)."""
    rows = disputed(items) if rows is None else rows
    # values sorted before grouping (a group keeps its rows' order): far cheaper than a sort per group
    said = rows.sort("lab").group_by("ann", *POSITION).agg(labels="lab")
    who = items.participants.group_by("c").agg(_who=pl.col("ann"))  # one join, however many annotators
    positions = rows.group_by(POSITION).agg(  # rows are unique: each speaker has one row per value said
        pl.col(*OUTPUT, "n", "least").first(), speakers=pl.col("ann").n_unique().cast(pl.Int64)
    )
    table = _what(items, rows, said, positions).drop("least", "speakers").join(who, on="c", how="left")
    empty = pl.lit([], dtype=pl.List(pl.Int32()))
    for i in range(n_annotators):
        mine = said.filter(pl.col("ann") == i).select(*POSITION, pl.col("labels").alias(f"r{i}"))
        table = table.join(mine, on=POSITION, how="left").with_columns(
            pl.when(pl.col("_who").list.contains(i)).then(pl.col(f"r{i}").fill_null(empty)).alias(f"r{i}")
        )
    table = table.drop("_who", *POSITION)
    return table.sort(OUTPUT) if ordered else table


def confusion_table(items: Items, rows: pl.DataFrame | None = None) -> pl.DataFrame:
    """value_a, value_b (value_a < value_b), count — see the module docstring."""
    rows = disputed(items) if rows is None else rows  # confusions only occur there
    sp = rows.select("ann", "c", "p", "lab")
    keys = POSITION
    found = sp.join(sp.rename({"ann": "ann_b", "lab": "lab_b"}), on=keys).filter(
        (pl.col("ann") < pl.col("ann_b")) & (pl.col("lab") != pl.col("lab_b"))
    )
    found = found.join(sp.rename({"ann": "ann_b"}), on=["ann_b", *keys, "lab"], how="anti").join(
        sp.rename({"lab": "lab_b"}), on=["ann", *keys, "lab_b"], how="anti"
    )
    lo, hi = pl.min_horizontal("lab", "lab_b"), pl.max_horizontal("lab", "lab_b")
    counts = found.group_by(lo=lo, hi=hi).agg(count=pl.len().cast(pl.Int64))
    names = pl.Series(items.values, dtype=pl.String)
    return counts.select(
        value_a=pl.lit(names).gather(pl.col("lo")), value_b=pl.lit(names).gather(pl.col("hi")), count="count"
    ).sort(["count", "value_a", "value_b"], descending=[True, False, False])


def decode_said(st: Study, items: Items, table: pl.DataFrame) -> pl.DataFrame:
    """A :func:`disagreement_table` with doc_id and value names, one column per annotator."""
    index = list(range(len(items.values)))
    return table.select(
        doc_id=st.doc_id(),
        start="start",
        end="end",
        annotators="n",
        what="what",
        **{
            a: pl.col(f"r{i}").list.eval(pl.element().replace_strict(index, items.values, return_dtype=pl.String()))
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
    """doc_id, start, end, annotators, what, then one List[String] column per annotator
    named after them: what each said at each disagreeing entity extent (null: did not
    annotate the doc)."""
    st = study(spans, coverage, annotators=annotators, labels=labels)
    check_column_names(st.annotators, ("doc_id", "start", "end", "annotators", "what"))
    items = entity_items(st)
    return decode_said(st, items, disagreement_table(items, len(st.annotators)))


def label_confusion(
    spans: pl.DataFrame,
    coverage: pl.DataFrame,
    *,
    annotators: Iterable[str] | None = None,
    labels: Iterable[str] | None = None,
) -> pl.DataFrame:
    """label_a, label_b, count: different labels on the same extent across annotators."""
    table = confusion_table(entity_items(study(spans, coverage, annotators=annotators, labels=labels)))
    return table.rename({"value_a": "label_a", "value_b": "label_b"})
