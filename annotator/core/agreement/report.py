"""The agreement report: every measure over the same selection, as one
:class:`~annotator.core.agreement.report_model.AgreementReport`.

Undefined values are ``Value(None, reason)``; ``to_dict()`` writes them under
:data:`annotator.core.agreement.scores.NULL_CONVENTION`: ``null`` plus a sibling
``<key>_reason`` (``<map>_reasons`` for name -> value maps), so ``orjson.dumps`` takes the
dict as is.

The report is computed chunk by chunk: each chunk of documents gives its sufficient
statistics (:mod:`annotator.core.agreement.report_stats`), the chunk is dropped, the
statistics are merged and the scores computed from them, so the result does not depend on
how the documents were cut into chunks, and memory on the size of a chunk (and the rows
per document, and per disagreement unless the list is capped: then only the rows of the
documents that can still be listed are kept as the chunks come).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import polars as pl

from annotator.core.agreement.coefficients import PairTokens, TokenPatterns, token_scores
from annotator.core.agreement.disagreements import ARGUMENT, ENTITY, TRIGGER
from annotator.core.agreement.events import EventCounts, event_scores
from annotator.core.agreement.gold import ReferenceCounts, against_counts
from annotator.core.agreement.report_model import (
    AgainstGold,
    AgreementReport,
    Confusion,
    Disagreements,
    Distribution,
    DocumentAgreement,
    EventMatch,
    Events,
    EventTypeAgreement,
    Exclusion,
    Ignored,
    LabelAgreement,
    PairAgreement,
    Selection,
    SpanMatch,
    Unitizing,
    Value,
)
from annotator.core.agreement.report_stats import SAID, ChunkStats, chunk_stats
from annotator.core.agreement.scores import Undefined
from annotator.core.agreement.spans import F1Result, PairF1, summarize
from annotator.core.agreement.tables import codes
from annotator.core.agreement.unitizing import UnitizingResult, UnitStats, merge_unit_stats, unit_result
from annotator.core.errors import AnnotatorError

if TYPE_CHECKING:
    from annotator.core.agreement.input import AgreementInput

SNIPPET_CONTEXT = 40
NO_LENGTHS = "no document lengths were given"


def _document(row: dict[str, Any]) -> DocumentAgreement:
    if row["pairs"] == 0:
        reason = "annotated by fewer than two of the selected annotators"
    else:
        reason = "no annotator marked a span in this document"

    def f1(key: str) -> Value:
        return Value.of(Undefined(reason) if row[key] is None else row[key])

    return DocumentAgreement(
        id=row["doc_id"],
        annotators=row["annotators"],
        pairs=row["pairs"],
        span_f1_exact=f1("span_f1_exact"),
        span_f1_overlap=f1("span_f1_overlap"),
        spans=row["spans"],
        matched_exact=row["matched_exact"],
        matched_overlap=row["matched_overlap"],
        disagreements=row["disagreements"],
    )


def _span_match(p: PairF1) -> SpanMatch:
    per_label = {name: Value.of(score) for name, score in p.per_label.items()}
    return SpanMatch(Value.of(p.f1), p.matched, p.a_count, p.b_count, per_label)


def _event_match(p: PairF1) -> EventMatch:
    return EventMatch(Value.of(p.f1), p.matched, p.a_count, p.b_count)


def _pairs(
    exact: F1Result, overlap: F1Result, tokens: list[PairTokens], ev: tuple[F1Result, F1Result, F1Result]
) -> tuple[PairAgreement, ...]:
    """One row per annotator pair from the measures' lists (each in the order of :func:`pairs`)."""
    out = []
    for ex, ov, tk, tr, ar, aa in zip(exact.pairs, overlap.pairs, tokens, *(r.pairs for r in ev), strict=True):
        assert (ex.a, ex.b) == (ov.a, ov.b) == (tr.a, tr.b) == (ar.a, ar.b) == (aa.a, aa.b), "pairs out of step"
        assert ex.documents == tr.documents, "pairs out of step"
        out.append(
            PairAgreement(
                ex.a, ex.b, ex.documents, _span_match(ex), _span_match(ov), tk.kappa, tk.tokens,
                tk.kappa_labelled, tk.tokens_labelled, _event_match(tr), _event_match(ar), _event_match(aa),
            )
        )  # fmt: skip
    return tuple(out)


def _unitizing(unit: UnitizingResult) -> Unitizing:
    return Unitizing(
        Value.of(unit.overall),
        dict(unit.observed),
        dict(unit.expected),
        unit.length,
        unit.raters,
        unit.documents,
        unit.merged,
    )


# --------------------------------------------------------------------------- merging


class _Texts(Mapping[str, str]):
    """The chunks' texts as one mapping, each looked up (and read, if lazily) in its own chunk's."""

    def __init__(self, parts: Sequence[Mapping[str, str]], docs: Sequence[pl.Series]) -> None:
        self.parts = parts
        self.where = {d: k for k, ids in enumerate(docs) for d in ids.to_list()}

    def __getitem__(self, doc_id: str) -> str:
        return self.parts[self.where[doc_id]][doc_id]

    def __iter__(self) -> Iterator[str]:
        return (d for part in self.parts for d in part)

    def __len__(self) -> int:
        return sum(len(part) for part in self.parts)


class _Merge:
    """The chunks' statistics together: names resolved over every chunk, tables summed."""

    def __init__(self, stats: Sequence[ChunkStats], labels: Iterable[str] | None) -> None:
        first = stats[0]
        self.stats = stats
        if first.explicit:
            self.annotators = list(first.annotators)
        else:
            self.annotators = sorted({a for s in stats for a in s.annotators})
        # documents every selected annotator did are only in chunks that have them all
        self.full = [s for s in stats if list(s.annotators) == self.annotators]
        if labels is not None:
            self.labels = sorted(dict.fromkeys(str(x) for x in labels))
        else:
            self.labels = sorted({lab for s in stats for lab in s.labels})
        self.types = sorted({t for s in stats for t in s.types})
        self.roles = sorted({r for s in stats for r in s.roles})

    def count(self, key: str) -> int:
        chunks = self.full if key == "documents_common" else self.stats
        return sum(s.counts[key] for s in chunks)

    def pairs(self, frames: Iterable[pl.DataFrame], names: Sequence[str] | None) -> pl.DataFrame:
        """Pair counts (a, b[, lab] names) summed, with codes: a, b[, lab] Int32."""
        table = pl.concat(list(frames), how="vertical_relaxed")
        by = ["a", "b"] if names is None else ["a", "b", "lab"]
        table = table.group_by(by).agg(pl.all().sum())
        coded = {"a": codes("a", self.annotators), "b": codes("b", self.annotators)}
        if names is not None:
            coded["lab"] = codes("lab", names)
        return table.with_columns(**coded)

    def pair_docs(self) -> dict[tuple[int, int], int]:
        table = self.pairs((s.pair_docs for s in self.stats), None)
        return {(a, b): n for a, b, n in table.select("a", "b", "n").iter_rows()}

    def tokens(self) -> TokenPatterns:
        cols = [f"r{i}" for i in range(len(self.annotators))]
        parts = []
        for s in self.stats:
            own = set(s.annotators)
            parts.append(
                s.tokens.patterns.select(
                    *(
                        pl.col(SAID + a).alias(c) if a in own else pl.lit(None, dtype=pl.String).alias(c)
                        for a, c in zip(self.annotators, cols, strict=True)
                    ),
                    pl.col("_n").cast(pl.Int64),
                )
            )
        table = pl.concat(parts, how="vertical_relaxed")
        if cols:
            table = table.group_by(cols).agg(pl.col("_n").sum())
        else:
            table = table.select(pl.col("_n").sum())
        docs = [0, 0, 0, 0]
        for s in self.stats:
            for k, n in enumerate(s.tokens.documents):
                if k in (1, 3) or s in self.full:
                    docs[k] += n
        return TokenPatterns(table, (docs[0], docs[1], docs[2], docs[3]))

    def units(self) -> UnitizingResult:
        raters, labels = len(self.annotators), self.labels

        def none(reason: str) -> UnitizingResult:
            why = Undefined(reason)
            return UnitizingResult(why, {c: why for c in labels}, raters=raters, documents=0)

        if raters < 2:
            return none("α_u needs at least two annotators")
        parts = [s.units for s in self.full if isinstance(s.units, UnitStats)]
        if not self.count("documents_common"):
            return none("no document was annotated by every selected annotator")
        if any(isinstance(s.units, Undefined) and s.units.reason == NO_LENGTHS for s in self.full):
            return none(NO_LENGTHS)
        merged = merge_unit_stats(parts)
        result = unit_result(merged, raters, labels)
        result.documents = merged.lengths.height
        return result

    def confusions(self, kind: str) -> tuple[Confusion, ...]:
        table = (
            pl.concat([s.confusions[kind] for s in self.stats], how="vertical_relaxed")
            .group_by("value_a", "value_b")
            .agg(pl.col("count").sum())
            .sort(["count", "value_a", "value_b"], descending=[True, False, False])
        )
        return tuple(Confusion(a, b, n) for a, b, n in table.iter_rows())

    def distributions(self) -> tuple[Distribution, ...]:
        counts = (
            pl.concat([s.distributions for s in self.stats], how="vertical_relaxed")
            .group_by("annotator", "what", "name")
            .agg(pl.col("n").sum())
            .sort("annotator", "what", "name")
        )
        per: dict[tuple[str, str], dict[str, int]] = {}
        for a, what, name, n in counts.iter_rows():
            per.setdefault((a, what), {})[name] = n
        covered = (
            pl.concat([s.covered for s in self.stats], how="vertical_relaxed")
            .group_by("annotator")
            .agg(pl.col("documents").sum())
        )
        documents = dict(covered.iter_rows())
        return tuple(
            Distribution(a, documents.get(a, 0), per.get((a, "labels"), {}), per.get((a, "types"), {}),
                         per.get((a, "roles"), {}))
            for a in self.annotators
        )  # fmt: skip

    def against(self, reference: str | None, labels: Iterable[str] | None) -> tuple[AgainstGold, ...]:
        parts = [s.against for s in self.stats if s.against is not None]
        if reference is None or not parts:
            return ()
        rc = ReferenceCounts.merge(parts)
        if labels is not None:
            ref_labels = self.labels
        else:
            ref_labels = sorted({lab for s in self.stats for lab in s.ref_labels})
        return against_counts(self.annotators, reference, ref_labels, rc.types, rc)

    def texts(self) -> Mapping[str, str]:
        if len(self.stats) == 1:
            return self.stats[0].texts
        return _Texts([s.texts for s in self.stats], [s.per_document["doc_id"] for s in self.stats])

    def disagreements(self, per_doc: pl.DataFrame, limit: int | None, context: int) -> Disagreements:
        """The listed disagreements (worst documents first, then kind and position)."""
        cols = [f"r{i}" for i in range(len(self.annotators))]
        parts = []
        for s in self.stats:
            own = set(s.annotators)
            parts.append(
                s.disagreements.select(
                    "kind", "doc_id", "t", "start", "end", "n", "what",
                    *(
                        pl.col(SAID + a).alias(c) if a in own else pl.lit(None, dtype=pl.List(pl.String)).alias(c)
                        for a, c in zip(self.annotators, cols, strict=True)
                    ),
                )
            )  # fmt: skip
        dis = pl.concat(parts, how="vertical_relaxed")
        rank = per_doc.select("doc_id", "cov").with_row_index("_rank")
        worst = dis.join(rank.select("doc_id", "_rank"), on="doc_id", how="left").sort(
            ["_rank", "kind", "t", "start", "end"]
        )
        if limit is not None:
            worst = worst.head(max(0, limit))
        cov = rank.select("doc_id", cov=pl.col("cov").list.eval(codes(pl.element(), self.annotators)).list.sort())
        frame = worst.drop("_rank").join(cov, on="doc_id", how="left", maintain_order="left")
        return Disagreements(frame, tuple(self.annotators), self.texts(), context)


def _worst_first(per_doc: pl.DataFrame) -> pl.DataFrame:
    """Per-document rows in the order the disagreements are listed: lowest exact F1, then most
    disagreements, then id (a total order: ids are unique)."""
    return per_doc.sort(["span_f1_exact", "disagreements", "doc_id"], descending=[False, True, False], nulls_last=True)


def _listable(stats: list[ChunkStats], limit: int) -> list[ChunkStats]:
    """The statistics with only the disagreement rows that can still be among the first ``limit``
    listed: those of the documents that, worst first, reach ``limit`` disagreements so far. A later
    chunk's documents can only rank before them, never bring back one dropped, so the rows kept
    stay bounded by the list, not the corpus."""
    ranked = _worst_first(
        pl.concat([s.per_document.select("doc_id", "span_f1_exact", "disagreements") for s in stats], how="vertical")
    )
    # the first documents whose disagreements reach the limit (all of them if they never do)
    before = ranked["disagreements"].cum_sum() - ranked["disagreements"]
    keep = ranked.filter(before < limit)["doc_id"].implode()
    return [
        s
        if s.disagreements.is_empty()
        else replace(s, disagreements=s.disagreements.filter(pl.col("doc_id").is_in(keep)))
        for s in stats
    ]


def _chunks(data: AgreementInput | Iterable[AgreementInput]) -> Iterator[AgreementInput]:
    from annotator.core.agreement.input import AgreementInput

    if isinstance(data, AgreementInput):
        yield data
    else:
        yield from data


def compute_report(
    data: AgreementInput | Iterable[AgreementInput],
    *,
    labels: Iterable[str] | None = None,
    max_disagreements: int | None = None,
    context: int = SNIPPET_CONTEXT,
) -> AgreementReport:
    """Every agreement measure for the selected annotators and labels.

    ``data``: the tables (from :func:`annotator.core.agreement.input.load_tables`, or built
    by hand), or chunks of them covering disjoint sets of documents (every file of a
    document in the same chunk), each with its own ``excluded``, ``migrated``, ``files``...
    (added up); the report is the same however the documents are cut. Each chunk is
    dropped once its statistics are taken. ``data.annotators`` are whom to compare, in
    display order (None: everyone in coverage but the reference, sorted, over every
    chunk); ``data.reference`` (gold, say), if any, is whom each annotator is also
    compared against. ``labels``: entity labels to keep (default: all used); spans with
    other labels are dropped before every span and token measure. ``data.guidelines``
    (version) and ``data.excluded`` (whatever the loader left out, with reasons) are
    copied into the report. ``data.texts`` (doc_id -> text) adds the marked text and some
    context to each listed disagreement. ``max_disagreements`` caps the list, worst
    documents first (None: every disagreement).
    """
    labels = None if labels is None else list(labels)
    stats: list[ChunkStats] = []
    total = 0  # disagreements of every kind, listed or not
    for chunk in _chunks(data):
        stats.append(chunk_stats(chunk, labels))
        total += stats[-1].disagreements.height
        if max_disagreements is not None:
            stats = _listable(stats, max(0, max_disagreements))
    if not stats:
        raise AnnotatorError("nothing to compare", "agreement", "no chunk of documents was given")
    m = _Merge(stats, labels)
    annotators, chosen = m.annotators, m.labels
    docs = m.pair_docs()
    spans = m.pairs((s.spans for s in stats), chosen)
    exact = summarize(spans, "exact", annotators, chosen, docs)
    overlap = summarize(spans, "overlap", annotators, chosen, docs)
    event_tables = {
        key: m.pairs((s.events[key] for s in stats), m.types) for key in ("triggers", "arguments", "arguments_all")
    }
    ev_counts = EventCounts(
        m.types, m.roles, pl.DataFrame(), pl.DataFrame(), 0, 0, event_tables["triggers"],
        event_tables["arguments"], event_tables["arguments_all"],
    )  # fmt: skip
    triggers, arguments, arguments_all = event_scores(ev_counts, annotators, docs)
    token, token_pairs, token_labels = token_scores(annotators, chosen, m.tokens())
    unit = m.units()

    label_spans = (
        pl.concat([s.label_spans for s in stats], how="vertical_relaxed").group_by("lab").agg(pl.col("n").sum())
    )
    spans_per_label = dict(label_spans.iter_rows())
    per_label = tuple(
        LabelAgreement(
            lab,
            Value.of(exact.per_label[lab]),
            Value.of(overlap.per_label[lab]),
            Value.of(unit.per_label[lab]),
            spans_per_label.get(lab, 0),
            token_labels[lab].cohen_kappa,
            token_labels[lab].fleiss_kappa,
            token_labels[lab].krippendorff_alpha,
        )
        for lab in chosen
    )
    types = tuple(
        EventTypeAgreement(
            t,
            Value.of(triggers.per_label[t]),
            Value.of(arguments.per_label[t]),
            Value.of(arguments_all.per_label[t]),
        )
        for t in m.types
    )
    events = Events(
        Value.of(triggers.f1),
        Value.of(arguments.f1),
        Value.of(arguments_all.f1),
        types,
        m.count("triggers"),
        m.count("arguments"),
        m.count("arguments_on_matched"),
    )
    per_doc = _worst_first(pl.concat([s.per_document for s in stats], how="vertical_relaxed"))
    listed = m.disagreements(per_doc, max_disagreements, context)
    excluded = tuple(e for s in stats for e in s.excluded)
    migrated: Counter[str] = Counter()
    for s in stats:
        migrated.update(s.migrated)
    first = stats[0]
    return AgreementReport(
        guidelines=first.guidelines,
        annotators=tuple(annotators),
        documents=m.count("documents"),
        documents_shared=m.count("documents_shared"),
        documents_common=m.count("documents_common"),
        spans_shared=m.count("spans_shared"),
        span_f1_exact=Value.of(exact.f1),
        span_f1_overlap=Value.of(overlap.f1),
        pairs=_pairs(exact, overlap, token_pairs, (triggers, arguments, arguments_all)),
        per_label=per_label,
        tokens=token,
        unitizing=_unitizing(unit),
        events=events,
        per_document=tuple(_document(r) for r in per_doc.drop("cov").iter_rows(named=True)),
        confusion=m.confusions(ENTITY),
        disagreements=listed,
        disagreements_total=total,
        ignored=Ignored(m.count("ignored_spans"), m.count("ignored_events"), m.count("orphan_arguments")),
        excluded=tuple(Exclusion.of(e) for e in excluded),
        selection=Selection(
            files=m.count("files"),
            excluded=len(excluded),
            migrated_from=dict(migrated),
            not_done_skipped=m.count("not_done"),
            not_started_skipped=m.count("not_started"),
            needs_review=m.count("review"),
            labels=None if labels is None else tuple(labels),
        ),
        type_confusion=m.confusions(TRIGGER),
        role_confusion=m.confusions(ARGUMENT),
        distributions=m.distributions(),
        reference=first.reference,
        against=m.against(first.reference, labels),
    )
