"""Event agreement (ERE / E3C practice): trigger F1 and argument F1 between annotators.

- Trigger F1: exact match on (doc_id, start, end, type) of the trigger, over the documents
  both annotators annotated; per pair, per type (per pair and mean over pairs), overall
  (mean over pairs).
- Argument F1: an argument is (role, argument start, argument end) of an event; it is
  counted only on triggers both annotators marked identically (the exact trigger
  matches), and matches when the other annotator's event on that trigger has the same
  (role, start, end). Per pair, per trigger type, overall (mean over pairs).

Events and arguments are sets: an annotator's events with the same trigger and type are
one event whose arguments are the union of theirs. Arguments whose event_id has no event
are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from annotator.core.agreement.spans import PAIR_COUNTS, F1Result, pair_label_counts, summarize
from annotator.core.agreement.tables import (
    ARGUMENTS,
    EVENTS,
    Study,
    check_intervals,
    codes,
    conform,
    pack,
    pairs,
    sorted_unique,
    study,
)


@dataclass
class EventAgreement:
    types: list[str]
    triggers: F1Result  # per_label: per event type
    arguments: F1Result  # per_label: per type of the trigger the arguments hang on
    ignored_events: int  # events on documents outside the annotator's coverage
    orphan_arguments: int  # arguments whose event_id names no event


def study_events(st: Study, events: pl.DataFrame | None, arguments: pl.DataFrame | None) -> EventAgreement:
    ev = conform(events, EVENTS, "events")
    check_intervals(ev, "events")
    ev, ignored = st.encode(ev)
    types = sorted(ev["type"].unique().to_list())
    ev = ev.select("ann", "dc", "event_id", "start", "end", lab=codes("type", types))
    args = conform(arguments, ARGUMENTS, "arguments")
    check_intervals(args, "arguments")
    args, _ = st.encode(args)

    triggers = ev.select("ann", "dc", "start", "end", "lab").unique()
    pd = st.pair_docs()
    n = len(st.annotators)
    full_t = pair_label_counts(triggers, pd, n, overlap=False)
    trig_result = summarize(full_t, "exact", st.annotators, types, pd, thing="a trigger", labelled="of type")

    linked = args.join(
        ev.select("ann", "dc", "event_id", "lab", t_start="start", t_end="end"),
        on=["ann", "dc", "event_id"],
        how="left",
    )
    orphans = linked.filter(pl.col("t_start").is_null()).height
    roles = sorted(linked["role"].unique().to_list())
    keys = ["k1", "k2", "k3", "k4"]  # (doc, type), trigger extent, (role, arg start), arg end
    arg_items = sorted_unique(
        linked.drop_nulls("t_start").select(
            k1=pack("dc", "lab"),
            k2=pack("t_start", "t_end"),
            k3=pack(codes("role", roles), "start"),
            k4="end",
            ann="ann",
            dc="dc",
            lab="lab",
        )
    )
    trig_keys = triggers.select("ann", k1=pack("dc", "lab"), k2=pack("start", "end"))
    same = pl.all_horizontal([pl.col(k) == pl.col(k).shift(1) for k in keys]).fill_null(False)
    parts = []
    for i, j in pairs(st.annotators):
        # arguments of one side on a trigger the other side marked too (matching trigger)
        sides = []
        for me, other, name in ((i, j, "a_count"), (j, i, "b_count")):
            theirs = trig_keys.filter(pl.col("ann") == other).select("k1", "k2")
            sides.append(
                arg_items.filter(pl.col("ann") == me)
                .join(theirs, on=["k1", "k2"], how="semi")
                .group_by("dc", "lab")
                .agg(pl.len().cast(pl.Int64).alias(name))
            )
        # identical arguments of both sides are adjacent rows (keys sorted, one row per side)
        matched = (
            arg_items.filter(pl.col("ann").is_in([i, j]))
            .filter(same)
            .group_by("dc", "lab")
            .agg(pl.len().cast(pl.Int64).alias("exact"))
        )
        parts.append(
            sides[0]
            .join(sides[1], on=["dc", "lab"], how="full", coalesce=True)
            .join(matched, on=["dc", "lab"], how="left")
            .with_columns(
                pl.col("a_count", "b_count", "exact").fill_null(0),
                a=pl.lit(i, dtype=pl.Int32),
                b=pl.lit(j, dtype=pl.Int32),
            )
        )
    schema = PAIR_COUNTS
    full_a = (
        pl.concat(parts, how="vertical_relaxed").select([pl.col(c).cast(t) for c, t in schema.items()])
        if parts
        else pl.DataFrame(schema=schema)
    )
    arg_result = summarize(
        full_a,
        "exact",
        st.annotators,
        types,
        pd,
        thing="an argument on a matching trigger",
        labelled="of type",
    )
    return EventAgreement(types, trig_result, arg_result, ignored, orphans)


def event_agreement(
    events: pl.DataFrame,
    arguments: pl.DataFrame | None,
    coverage: pl.DataFrame,
    *,
    annotators: Iterable[str] | None = None,
) -> EventAgreement:
    """Trigger and argument F1 for every pair of annotators (see the module docstring)."""
    return study_events(study(None, coverage, annotators=annotators), events, arguments)
