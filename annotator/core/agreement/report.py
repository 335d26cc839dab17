"""The agreement report: every measure over the same selection, as one
:class:`~annotator.core.agreement.report_model.AgreementReport`.

Undefined values are ``Value(None, reason)``; ``to_dict()`` writes them under
:data:`annotator.core.agreement.scores.NULL_CONVENTION`: ``null`` plus a sibling
``<key>_reason`` (``<map>_reasons`` for name -> value maps), so ``orjson.dumps`` takes the
dict as is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import polars as pl

from annotator.core.agreement import kappa
from annotator.core.agreement.disagreements import confusion_table, disagreement_table, disputed_spans
from annotator.core.agreement.events import EventAgreement, study_events
from annotator.core.agreement.report_model import (
    AgreementReport,
    Confusion,
    Disagreement,
    DocumentAgreement,
    EventMatch,
    Events,
    EventTypeAgreement,
    Exclusion,
    Ignored,
    LabelAgreement,
    PairAgreement,
    Selection,
    Snippet,
    SpanMatch,
    TokenCoefficients,
    Unitizing,
    Value,
)
from annotator.core.agreement.scores import Score, Undefined, mean
from annotator.core.agreement.spans import PairF1, SpanAgreement, span_agreement
from annotator.core.agreement.tables import (
    OUTSIDE,
    Study,
    decode,
    pairs,
    prepare_tokens,
    study,
    token_label_patterns,
)
from annotator.core.agreement.unitizing import UnitizingResult, study_alpha_u

if TYPE_CHECKING:
    from annotator.core.agreement.input import AgreementInput

DEFAULT_MAX_DISAGREEMENTS = 200
NO_ENTITY = f"{OUTSIDE} (no entity)"  # how a reason names the token label of "no entity"
SNIPPET_CONTEXT = 40


def token_measures(st: Study, tokens: pl.DataFrame | None) -> tuple[TokenCoefficients, list[tuple[Value, int]]]:
    """Cohen's κ per pair and mean, Fleiss' κ, Krippendorff's α on per-token labels; and
    (κ, tokens both annotated) per pair, in the order of :func:`pairs`."""
    tok = prepare_tokens(tokens, st.docs)
    cols = [f"r{i}" for i in range(len(st.annotators))]
    # a few hundred rows stand for all tokens; label names, not codes, so reasons read right
    names = [NO_ENTITY, *st.labels]
    patterns = token_label_patterns(st, tok).with_columns(decode(c, names).alias(c) for c in cols)
    w = kappa.WEIGHT
    per_pair: list[tuple[Value, int]] = []
    scores: list[Score] = []
    for i, j in pairs(st.annotators):
        a, b = st.annotators[i], st.annotators[j]
        k = kappa.cohen_kappa(patterns, cols[i], cols[j], weight=w)
        if isinstance(k, Undefined) and k.reason.startswith("no item"):
            k = Undefined(f"no token in a document both {a} and {b} annotated")
        scores.append(k)
        both = pl.col(cols[i]).is_not_null() & pl.col(cols[j]).is_not_null()
        per_pair.append((Value.of(k), int(patterns.filter(both)[w].sum())))
    if len(cols) < 2:
        few = Undefined("fewer than two annotators")
        return TokenCoefficients(tok.height, Value.of(few), Value.of(few), Value.of(few), 0, 0), per_pair
    cohen = mean(scores, "no pair of annotators has a defined κ")
    fleiss = kappa.fleiss_kappa(patterns, cols, weight=w)
    if isinstance(fleiss, Undefined) and fleiss.reason.startswith("no item"):
        fleiss = Undefined("no token in a document every selected annotator annotated")
    alpha = kappa.krippendorff_alpha(patterns, cols, weight=w)
    if isinstance(alpha, Undefined) and alpha.reason.startswith("no item"):
        alpha = Undefined("no token in a document annotated by two or more selected annotators")
    present = [pl.col(c).is_not_null() for c in cols]
    every = int(patterns.filter(pl.all_horizontal(present))[w].sum())
    two = int(patterns.filter(pl.sum_horizontal(present) >= 2)[w].sum())
    return TokenCoefficients(tok.height, Value.of(cohen), Value.of(fleiss), Value.of(alpha), every, two), per_pair


def _per_document(st: Study, sa_per_doc: pl.DataFrame, dis: pl.DataFrame) -> pl.DataFrame:
    """doc_id, annotators, pairs, spans, span_f1_exact, span_f1_overlap, matched_exact,
    matched_overlap, disagreements — worst first (lowest exact F1, then most disagreements)."""
    docs = st.coverage.group_by("dc").agg(annotators=pl.len().cast(pl.Int64))
    n_spans = st.spans.group_by("dc").agg(spans=pl.len().cast(pl.Int64))
    n_dis = dis.group_by("dc").agg(disagreements=pl.len().cast(pl.Int64))
    table = (
        docs.join(sa_per_doc, on="dc", how="left")
        .join(n_spans, on="dc", how="left")
        .join(n_dis, on="dc", how="left")
        .with_columns(pl.col("pairs", "spans", "disagreements", "matched_exact", "matched_overlap").fill_null(0))
    )
    return table.sort(
        ["span_f1_exact", "disagreements", "dc"], descending=[False, True, False], nulls_last=True
    ).with_columns(doc_id=st.doc_id())


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


def _disagreements(
    st: Study, rows: list[dict[str, Any]], texts: Mapping[str, str] | None, context: int
) -> tuple[Disagreement, ...]:
    out = []
    for row in rows:  # at most max_disagreements rows: formatting, not computing
        said = {
            a: tuple(st.labels[c] for c in row[f"r{i}"])
            for i, a in enumerate(st.annotators)
            if row[f"r{i}"] is not None
        }
        doc_id = st.docs[row["dc"]]
        s, e = row["start"], row["end"]
        snippet = None
        if texts is not None and doc_id in texts:
            text = texts[doc_id]
            snippet = Snippet(before=text[max(0, s - context) : s], text=text[s:e], after=text[e : e + context])
        out.append(Disagreement(doc_id, s, e, said, snippet))
    return tuple(out)


def _span_match(p: PairF1) -> SpanMatch:
    per_label = {name: Value.of(score) for name, score in p.per_label.items()}
    return SpanMatch(Value.of(p.f1), p.matched, p.a_count, p.b_count, per_label)


def _event_match(p: PairF1) -> EventMatch:
    return EventMatch(Value.of(p.f1), p.matched, p.a_count, p.b_count)


def _pairs(sa: SpanAgreement, kappas: list[tuple[Value, int]], ev: EventAgreement) -> tuple[PairAgreement, ...]:
    """One row per annotator pair from the measures' lists (each in the order of :func:`pairs`)."""
    out = []
    for ex, ov, (k, n_tokens), tr, ar in zip(
        sa.exact.pairs, sa.overlap.pairs, kappas, ev.triggers.pairs, ev.arguments.pairs, strict=True
    ):
        assert (ex.a, ex.b) == (ov.a, ov.b) == (tr.a, tr.b) == (ar.a, ar.b), "pairs out of step"
        assert ex.documents == tr.documents, "pairs out of step"
        out.append(
            PairAgreement(
                ex.a, ex.b, ex.documents, _span_match(ex), _span_match(ov), k, n_tokens,
                _event_match(tr), _event_match(ar),
            )
        )  # fmt: skip
    return tuple(out)


def _labels(st: Study, sa: SpanAgreement, unit: UnitizingResult) -> tuple[LabelAgreement, ...]:
    return tuple(
        LabelAgreement(
            lab,
            Value.of(sa.exact.per_label[lab]),
            Value.of(sa.overlap.per_label[lab]),
            Value.of(unit.per_label[lab]),
        )
        for lab in st.labels
    )


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


def _events(ev: EventAgreement) -> Events:
    types = tuple(
        EventTypeAgreement(t, Value.of(ev.triggers.per_label[t]), Value.of(ev.arguments.per_label[t])) for t in ev.types
    )
    return Events(Value.of(ev.triggers.f1), Value.of(ev.arguments.f1), types)


def compute_report(
    data: AgreementInput,
    *,
    labels: Iterable[str] | None = None,
    max_disagreements: int = DEFAULT_MAX_DISAGREEMENTS,
    context: int = SNIPPET_CONTEXT,
) -> AgreementReport:
    """Every agreement measure for the selected annotators and labels.

    ``data``: the tables (from :func:`annotator.core.agreement.input.load_tables`, or built
    by hand); its ``annotators`` are whom to compare, in display order (None: everyone in
    coverage, sorted). ``labels``: entity labels to keep (default: all used); spans with
    other labels are dropped before every span and token measure. ``data.guidelines``
    (version) and ``data.excluded`` (whatever the loader left out, with reasons) are
    copied into the report. ``data.texts`` (doc_id -> text) adds the marked text and some
    context to each listed disagreement. ``max_disagreements`` caps the list, worst
    documents first.
    """
    spans, coverage, tokens, doc_lengths = data.spans, data.coverage, data.tokens, data.doc_lengths
    events, arguments, annotators = data.events, data.arguments, data.annotators
    guidelines, excluded, texts = data.guidelines, data.excluded, data.texts
    st = study(spans, coverage, annotators=annotators, labels=labels)
    # The token measures run beside the rest: polars releases the GIL, and many steps of
    # either half use one core only, so two cores finish sooner.
    with ThreadPoolExecutor(max_workers=1) as pool:
        token_future = pool.submit(token_measures, st, tokens)
        sa = span_agreement(st)
        disputed = disputed_spans(st)
        dis = disagreement_table(st, disputed)
        per_doc = _per_document(st, sa.per_document, dis)
        ev = study_events(st, events, arguments)
        unit = study_alpha_u(st, doc_lengths)
        confusion = confusion_table(st, disputed)
        token, kappas = token_future.result()

    n_docs = st.coverage.group_by("dc").len()
    rank = per_doc.select("dc").with_row_index("_rank")
    worst = (
        dis.join(rank, on="dc", how="left")
        .sort(["_rank", "start", "end"])
        .head(max(0, max_disagreements))
        .drop("_rank")
    )
    return AgreementReport(
        guidelines=guidelines,
        annotators=tuple(st.annotators),
        documents=n_docs.height,
        documents_shared=n_docs.filter(pl.col("len") >= 2).height,
        documents_common=len(st.common_docs()) if st.annotators else 0,
        span_f1_exact=Value.of(sa.exact.f1),
        span_f1_overlap=Value.of(sa.overlap.f1),
        pairs=_pairs(sa, kappas, ev),
        per_label=_labels(st, sa, unit),
        tokens=token,
        unitizing=_unitizing(unit),
        events=_events(ev),
        per_document=tuple(_document(r) for r in per_doc.iter_rows(named=True)),
        confusion=tuple(Confusion(**c) for c in confusion.to_dicts()),
        disagreements=_disagreements(st, worst.to_dicts(), texts, context),
        disagreements_total=dis.height,
        ignored=Ignored(st.ignored_spans, ev.ignored_events, ev.orphan_arguments),
        excluded=tuple(Exclusion.of(e) for e in excluded),
        selection=Selection.of(data, labels),
    )
