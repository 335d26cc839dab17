"""What the agreement report is computed from, for one chunk of documents: every measure's
sufficient statistics, keyed by names (annotators, labels, types, roles), so the
statistics of chunks that cover disjoint sets of documents merge exactly.

- sums over documents: the span, trigger and argument match counts per annotator pair
  and label (F1), the distinct token label patterns with their counts (Cohen's and
  Fleiss' κ, Krippendorff's α), the confusion and distribution counts, the counts against
  the reference, and the plain counts (documents, spans, ignored items...);
- α_u: :class:`~annotator.core.agreement.unitizing.UnitStats`, sums plus each document's
  first and last unit per rater and label (its expected disagreement is no sum over
  documents: gaps run across documents);
- rows per document: the per-document table and the disagreements (compact polars
  tables, no text).

Documents every selected annotator did (Fleiss' κ, α_u, ``documents_common``) are known
only once the selected annotators are: a chunk that lacks one of them has none, which
:func:`annotator.core.agreement.report.compute_report` checks when it merges.
:func:`chunk_stats` computes them from an :class:`AgreementInput`; the tables it keeps
hold no text, and the chunk can be dropped afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from annotator.core.agreement.coefficients import TokenPatterns, token_patterns
from annotator.core.agreement.disagreements import (
    ARGUMENT,
    ENTITY,
    KINDS,
    TRIGGER,
    Items,
    confusion_table,
    disagreement_table,
    disputed,
    entity_items,
)
from annotator.core.agreement.events import EventCounts, argument_items, event_counts, trigger_items
from annotator.core.agreement.gold import ReferenceCounts, reference_counts
from annotator.core.agreement.scores import Undefined
from annotator.core.agreement.spans import span_counts
from annotator.core.agreement.tables import Study, study
from annotator.core.agreement.unitizing import UnitStats, study_unit_stats

if TYPE_CHECKING:
    from annotator.core.agreement.input import AgreementInput

SAID = "said:"  # prefix of the per-annotator columns of the disagreement rows and token patterns


@dataclass(frozen=True, eq=False)  # compared by identity
class ChunkStats:
    """The sufficient statistics of one chunk (see the module docstring)."""

    guidelines: str
    annotators: tuple[str, ...]  # selected in this chunk (its data.annotators, or its coverage's)
    explicit: bool  # the annotators were given, not taken from the coverage
    reference: str | None
    labels: tuple[str, ...]  # the chunk's selected labels (used ones when none were asked)
    types: tuple[str, ...]
    roles: tuple[str, ...]
    counts: Mapping[str, int]  # documents, documents_shared, ... (see chunk_stats)
    excluded: tuple[dict[str, Any], ...]
    migrated: Mapping[str, int]
    texts: Mapping[str, str]
    pair_docs: pl.DataFrame  # a, b (names), n: documents both annotated
    spans: pl.DataFrame  # a, b, lab (names), a_count, b_count, exact, overlap
    events: Mapping[str, pl.DataFrame]  # triggers, arguments, arguments_all: a, b, lab, a_count, b_count, exact
    label_spans: pl.DataFrame  # lab, n: spans in the documents two or more annotators did
    tokens: TokenPatterns  # pattern columns named SAID + annotator
    units: UnitStats | Undefined
    confusions: Mapping[str, pl.DataFrame]  # per kind: value_a, value_b, count
    distributions: pl.DataFrame  # annotator, what (labels, types, roles), name, n
    covered: pl.DataFrame  # annotator, documents
    against: ReferenceCounts | None
    ref_labels: tuple[str, ...]
    per_document: pl.DataFrame  # doc_id, annotators, pairs, spans, span_f1_*, matched_*, disagreements, cov
    disagreements: pl.DataFrame  # kind, doc_id, t, start, end, n, what, SAID + annotator (List[String])


def _names(names: Iterable[str]) -> pl.Series:
    return pl.Series(list(names), dtype=pl.String)


def _pairs_named(frame: pl.DataFrame, annotators: Iterable[str], labels: Iterable[str] | None) -> pl.DataFrame:
    """``frame`` (a, b[, lab] codes, counts) summed over documents, with names for codes."""
    ann = pl.lit(_names(annotators))
    by = ["a", "b"] if labels is None else ["a", "b", "lab"]
    counts = [c for c in frame.columns if c not in (*by, "dc")]
    summed = frame.group_by(by).agg(pl.col(counts).sum())
    named = [ann.gather("a").alias("a"), ann.gather("b").alias("b")]
    if labels is not None:
        named.append(pl.lit(_names(labels)).gather("lab").alias("lab"))
    return summed.select(*named, *counts)


def _named(items: Items, table: pl.DataFrame, annotators: tuple[str, ...]) -> pl.DataFrame:
    """A :func:`disagreement_table` with its kind, value names instead of codes, and a
    column per annotator name."""
    index, values = range(len(items.values)), items.values
    return table.select(
        kind=pl.lit(KINDS.index(items.kind), dtype=pl.Int8),
        dc="dc",
        t="t",
        start="start",
        end="end",
        n="n",
        what="what",
        **{
            SAID + a: pl.col(f"r{i}").list.eval(pl.element().replace_strict(index, values, return_dtype=pl.String()))
            for i, a in enumerate(annotators)
        },
    )


def _distributions(st: Study, ev: EventCounts) -> pl.DataFrame:
    parts = []
    for what, frame, column, names in (
        ("labels", st.spans, "lab", st.labels),
        ("types", ev.triggers_table, "lab", ev.types),
        ("roles", ev.arguments_table, "role", ev.roles),
    ):
        counts = frame.group_by("ann", column).agg(n=pl.len().cast(pl.Int64))
        parts.append(
            counts.select(
                annotator=pl.lit(_names(st.annotators)).gather("ann"),
                what=pl.lit(what),
                name=pl.lit(_names(names)).gather(column),
                n="n",
            )
        )
    return pl.concat(parts, how="vertical_relaxed")


def _per_document(st: Study, sa_per_doc: pl.DataFrame, dis: pl.DataFrame) -> pl.DataFrame:
    """doc_id, annotators, pairs, spans, span_f1_exact, span_f1_overlap, matched_exact,
    matched_overlap, disagreements (every kind), cov (the annotators who did it)."""
    ann = pl.lit(_names(st.annotators))
    docs = st.coverage.group_by("dc").agg(annotators=pl.len().cast(pl.Int64), cov=ann.gather(pl.col("ann").sort()))
    n_spans = st.spans.group_by("dc").agg(spans=pl.len().cast(pl.Int64))
    n_dis = dis.group_by("dc").agg(disagreements=pl.len().cast(pl.Int64))
    return (
        docs.join(sa_per_doc, on="dc", how="left")
        .join(n_spans, on="dc", how="left")
        .join(n_dis, on="dc", how="left")
        .with_columns(pl.col("pairs", "spans", "disagreements", "matched_exact", "matched_overlap").fill_null(0))
        .select(
            doc_id=st.doc_id(),
            annotators="annotators",
            pairs="pairs",
            spans="spans",
            span_f1_exact="span_f1_exact",
            span_f1_overlap="span_f1_overlap",
            matched_exact="matched_exact",
            matched_overlap="matched_overlap",
            disagreements="disagreements",
            cov=pl.col("cov").cast(pl.List(pl.String)),
        )
    )


def chunk_stats(data: AgreementInput, labels: Iterable[str] | None = None) -> ChunkStats:
    """The statistics of the documents of ``data`` (see
    :func:`annotator.core.agreement.report.compute_report` for the arguments)."""
    spans, coverage, reference, annotators = data.spans, data.coverage, data.reference, data.annotators
    explicit = annotators is not None
    if annotators is None and reference is not None:
        annotators = tuple(sorted(set(coverage["annotator"].unique().to_list()) - {reference}))
    labels = None if labels is None else list(labels)
    st = study(spans, coverage, annotators=annotators, labels=labels)
    names = tuple(st.annotators)
    # The token patterns and α_u run beside the rest: polars releases the GIL, and many
    # steps of either half use one core only, so two cores finish sooner.
    with ThreadPoolExecutor(max_workers=1) as pool:
        token_future = pool.submit(token_patterns, st, data.tokens)
        unit_future = pool.submit(study_unit_stats, st, data.doc_lengths)
        full, sa_per_doc = span_counts(st)
        ev = event_counts(st, data.events, data.arguments)
        kinds = {ENTITY: entity_items(st), TRIGGER: trigger_items(st, ev), ARGUMENT: argument_items(ev)}
        disputes = {kind: disputed(items) for kind, items in kinds.items()}
        n = len(names)
        tables = [_named(kinds[k], disagreement_table(kinds[k], n, disputes[k], ordered=False), names) for k in KINDS]
        dis = pl.concat(tables, how="vertical_relaxed")
        per_doc = _per_document(st, sa_per_doc, dis)
        confusions = {k: confusion_table(kinds[k], disputes[k]) for k in KINDS}
        against: ReferenceCounts | None = None
        ref_labels: tuple[str, ...] = ()
        if reference is not None:
            ref_study = study(spans, coverage, annotators=[*st.annotators, reference], labels=labels)
            if len(ref_study.annotators) >= 2:
                against = reference_counts(ref_study, data.events, data.arguments)
                ref_labels = tuple(ref_study.labels)
        tp = token_future.result()
        units = unit_future.result()

    n_docs = st.coverage.group_by("dc").len()
    shared = n_docs.filter(pl.col("len") >= 2).select("dc")
    triggers = ev.triggers_table.join(shared, on="dc", how="semi")
    arguments = ev.arguments_table.join(shared, on="dc", how="semi")
    twice = triggers.group_by("dc", "lab", "start", "end").len().filter(pl.col("len") >= 2)
    on_matched = arguments.join(
        twice.select("dc", "lab", t_start="start", t_end="end"), on=["dc", "lab", "t_start", "t_end"], how="semi"
    )
    shared_spans = st.spans.join(shared, on="dc", how="semi")
    counts = {
        "documents": n_docs.height,
        "documents_shared": shared.height,
        "documents_common": len(st.common_docs()) if st.annotators else 0,
        "spans_shared": shared_spans.height,
        "ignored_spans": st.ignored_spans,
        "ignored_events": ev.ignored_events,
        "orphan_arguments": ev.orphan_arguments,
        "triggers": triggers.height,
        "arguments": arguments.height,
        "arguments_on_matched": on_matched.height,
        "files": data.files,
        "not_done": data.not_done,
        "not_started": data.not_started,
        "review": data.review,
    }
    pd = st.pair_docs().group_by("a", "b").agg(n=pl.len().cast(pl.Int64))
    patterns = tp.patterns.rename({f"r{i}": SAID + a for i, a in enumerate(names)})
    return ChunkStats(
        guidelines=data.guidelines,
        annotators=names,
        explicit=explicit,
        reference=reference,
        labels=tuple(st.labels),
        types=tuple(ev.types),
        roles=tuple(ev.roles),
        counts=counts,
        excluded=tuple(data.excluded),
        migrated=dict(data.migrated),
        texts=data.texts,
        pair_docs=_pairs_named(pd, names, None),
        spans=_pairs_named(full, names, st.labels),
        events={
            "triggers": _pairs_named(ev.triggers, names, ev.types),
            "arguments": _pairs_named(ev.arguments, names, ev.types),
            "arguments_all": _pairs_named(ev.arguments_all, names, ev.types),
        },
        label_spans=shared_spans.group_by("lab")
        .agg(n=pl.len().cast(pl.Int64))
        .select(lab=pl.lit(_names(st.labels)).gather("lab"), n="n"),
        tokens=TokenPatterns(patterns, tp.documents),
        units=units,
        confusions=confusions,
        distributions=_distributions(st, ev),
        covered=st.coverage.group_by("ann")
        .agg(documents=pl.len().cast(pl.Int64))
        .select(annotator=pl.lit(_names(names)).gather("ann"), documents="documents"),
        against=against,
        ref_labels=ref_labels,
        per_document=per_doc,
        disagreements=dis.with_columns(doc_id=st.doc_id()).drop("dc"),
    )
