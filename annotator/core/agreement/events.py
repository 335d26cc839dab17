"""Event agreement (ERE / E3C and ACE practice): trigger F1 and two argument F1s between
annotators.

- Trigger F1: exact match on (doc_id, start, end, type) of the trigger, over the documents
  both annotators annotated; per pair, per type (per pair and mean over pairs), overall
  (mean over pairs).
- Argument F1 on matched triggers: an argument is (role, argument start, argument end) of
  an event; it is counted only on triggers both annotators marked identically (the exact
  trigger matches), and matches when the other annotator's event on that trigger has the
  same (role, start, end). It says how far annotators agree on arguments once they agree
  on the event. Per pair, per trigger type, overall (mean over pairs).
- Argument F1 over all arguments (ACE-style, as Li et al. 2013 score argument
  classification): every argument counts, whether or not the other annotator marked its
  trigger; an argument is (event type, role, argument start, argument end) and matches the
  same tuple of the other annotator's arguments anywhere in the document. Missing or
  mistyped triggers take their arguments down with them.

Events and arguments are sets: an annotator's events with the same trigger and type are
one event whose arguments are the union of theirs. Arguments whose event_id has no event
are ignored. The tables are kept encoded (:class:`EventAgreement` ``triggers_table``,
``arguments_table``) for the disagreement lists, confusion tables and comparisons with gold.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from annotator.core.agreement.disagreements import ARGUMENT, TRIGGER, Items
from annotator.core.agreement.spans import PAIR_COUNTS, F1Result, pair_doc_counts, pair_label_counts, summarize
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
    roles: list[str]
    triggers: F1Result  # per_label: per event type
    arguments: F1Result  # on matched triggers; per_label: per type of the trigger the arguments hang on
    arguments_all: F1Result  # over all arguments (ACE-style); per_label: per event type
    ignored_events: int  # events on documents outside the annotator's coverage
    orphan_arguments: int  # arguments whose event_id names no event
    triggers_table: pl.DataFrame  # dc, lab (type code), start, end, ann: sorted, unique
    arguments_table: pl.DataFrame  # ann, dc, lab (type code), t_start, t_end, role (code), start, end: unique


def encode_events(
    st: Study, events: pl.DataFrame | None, arguments: pl.DataFrame | None
) -> tuple[list[str], list[str], pl.DataFrame, pl.DataFrame, int, int]:
    """(types, roles, triggers, arguments, events outside coverage, orphan arguments): the
    tables of :class:`EventAgreement`, types and roles sorted."""
    ev = conform(events, EVENTS, "events")
    check_intervals(ev, "events")
    ev, ignored = st.encode(ev)
    types = sorted(ev["type"].unique().to_list())
    ev = ev.select("ann", "dc", "event_id", "start", "end", lab=codes("type", types))
    args = conform(arguments, ARGUMENTS, "arguments")
    check_intervals(args, "arguments")
    args, _ = st.encode(args)
    linked = args.join(
        ev.select("ann", "dc", "event_id", "lab", t_start="start", t_end="end"),
        on=["ann", "dc", "event_id"],
        how="left",
    )
    orphans = linked.filter(pl.col("t_start").is_null()).height
    roles = sorted(linked["role"].unique().to_list())
    triggers = sorted_unique(ev.select("dc", "lab", "start", "end", "ann"))
    args_table = (
        linked.drop_nulls("t_start")
        .select("ann", "dc", "lab", "t_start", "t_end", role=codes("role", roles), start="start", end="end")
        .unique()
    )
    return types, roles, triggers, args_table, ignored, orphans


def matched_trigger_counts(
    triggers: pl.DataFrame, arg_table: pl.DataFrame, which: Sequence[tuple[int, int]]
) -> pl.DataFrame:
    """:data:`PAIR_COUNTS` of arguments on matched triggers (see the module docstring) for
    the annotator pairs ``which``."""
    keys = ["k1", "k2", "k3", "k4"]  # (doc, type), trigger extent, (role, arg start), arg end
    arg_items = sorted_unique(
        arg_table.select(
            k1=pack("dc", "lab"),
            k2=pack("t_start", "t_end"),
            k3=pack("role", "start"),
            k4="end",
            ann="ann",
            dc="dc",
            lab="lab",
        ),
        [*keys, "ann"],  # k1 holds dc and lab
    )
    trig_keys = triggers.select("ann", k1=pack("dc", "lab"), k2=pack("start", "end"))
    same = pl.all_horizontal([pl.col(k) == pl.col(k).shift(1) for k in keys]).fill_null(False)
    parts = []
    for i, j in which:
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
    if not parts:
        return pl.DataFrame(schema=PAIR_COUNTS)
    return pl.concat(parts, how="vertical_relaxed").select([pl.col(c).cast(t) for c, t in PAIR_COUNTS.items()])


def ace_argument_items(arg_table: pl.DataFrame) -> pl.DataFrame:
    """dc, lab (event type), start, end, ann: each argument as ACE scores it, (event type,
    role, argument extent), with role and argument start packed into ``start``; sorted in
    that column order, unique (as :func:`pair_label_counts` takes them ``presorted``)."""
    return sorted_unique(arg_table.select("dc", "lab", start=pack("role", "start"), end="end", ann="ann"))


@dataclass
class EventCounts:
    """The encoded tables of :func:`encode_events` and, per annotator pair, document and
    event type, the :data:`PAIR_COUNTS` of triggers, of arguments on matched triggers and
    of all arguments: what the F1s are computed from (sums over documents)."""

    types: list[str]
    roles: list[str]
    triggers_table: pl.DataFrame
    arguments_table: pl.DataFrame
    ignored_events: int
    orphan_arguments: int
    triggers: pl.DataFrame
    arguments: pl.DataFrame
    arguments_all: pl.DataFrame


def event_counts(st: Study, events: pl.DataFrame | None, arguments: pl.DataFrame | None) -> EventCounts:
    types, roles, triggers, arg_table, ignored, orphans = encode_events(st, events, arguments)
    pd = st.pair_docs()
    n = len(st.annotators)
    return EventCounts(
        types,
        roles,
        triggers,
        arg_table,
        ignored,
        orphans,
        pair_label_counts(triggers, pd, n, overlap=False, presorted=True),
        matched_trigger_counts(triggers, arg_table, pairs(st.annotators)),
        pair_label_counts(ace_argument_items(arg_table), pd, n, overlap=False, presorted=True),
    )


def event_scores(
    counts: EventCounts, annotators: Sequence[str], docs: Mapping[tuple[int, int], int]
) -> tuple[F1Result, F1Result, F1Result]:
    """Trigger F1, argument F1 on matched triggers and over all arguments from the counts
    (``docs``: {(a, b): documents both annotated})."""
    types = counts.types
    return (
        summarize(counts.triggers, "exact", annotators, types, docs, thing="a trigger", labelled="of type"),
        summarize(
            counts.arguments,
            "exact",
            annotators,
            types,
            docs,
            thing="an argument on a matching trigger",
            labelled="of type",
        ),
        summarize(
            counts.arguments_all, "exact", annotators, types, docs, thing="an argument", labelled="on an event of type"
        ),
    )


def study_events(st: Study, events: pl.DataFrame | None, arguments: pl.DataFrame | None) -> EventAgreement:
    c = event_counts(st, events, arguments)
    trig, args, args_all = event_scores(c, st.annotators, pair_doc_counts(st.pair_docs()))
    return EventAgreement(
        c.types, c.roles, trig, args, args_all, c.ignored_events, c.orphan_arguments, c.triggers_table,
        c.arguments_table,
    )  # fmt: skip


def trigger_items(st: Study, ev: EventAgreement | EventCounts) -> Items:
    """Triggers for the disagreement list: position the trigger extent, value the type."""
    zero = pl.lit(0, dtype=pl.Int64).alias("t")
    return Items.of(TRIGGER, ev.types, ev.triggers_table.with_columns(zero), st.coverage.with_columns(zero))


def argument_items(ev: EventAgreement | EventCounts) -> Items:
    """Arguments for the disagreement list: position (trigger extent, argument extent),
    value the role; participants the annotators with an event at that trigger."""
    rows = ev.arguments_table.select("ann", "dc", "start", "end", t=pack("t_start", "t_end"), lab="role").unique()
    participants = ev.triggers_table.select("ann", "dc", t=pack("start", "end")).unique()
    return Items.of(ARGUMENT, ev.roles, rows, participants)


def event_agreement(
    events: pl.DataFrame,
    arguments: pl.DataFrame | None,
    coverage: pl.DataFrame,
    *,
    annotators: Iterable[str] | None = None,
) -> EventAgreement:
    """Trigger and argument F1 for every pair of annotators (see the module docstring)."""
    return study_events(study(None, coverage, annotators=annotators), events, arguments)
