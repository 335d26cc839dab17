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

from annotator.core.agreement.coefficients import LabelTokens, PairTokens, token_measures
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
from annotator.core.agreement.events import EventAgreement, argument_items, study_events, trigger_items
from annotator.core.agreement.gold import against_reference
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
from annotator.core.agreement.scores import Undefined
from annotator.core.agreement.spans import PairF1, SpanAgreement, span_agreement
from annotator.core.agreement.tables import Study, study
from annotator.core.agreement.unitizing import UnitizingResult, study_alpha_u

if TYPE_CHECKING:
    from annotator.core.agreement.input import AgreementInput

SNIPPET_CONTEXT = 40


def _per_document(st: Study, sa_per_doc: pl.DataFrame, dis: pl.DataFrame) -> pl.DataFrame:
    """doc_id, annotators, pairs, spans, span_f1_exact, span_f1_overlap, matched_exact,
    matched_overlap, disagreements (every kind) — worst first (lowest exact F1, then most
    disagreements)."""
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


def _named(items: Items, table: pl.DataFrame, n_annotators: int) -> pl.DataFrame:
    """A :func:`disagreement_table` with its kind and the value names instead of codes."""
    index, values = range(len(items.values)), items.values
    return table.with_columns(
        *(
            pl.col(f"r{i}").list.eval(pl.element().replace_strict(index, values, return_dtype=pl.String()))
            for i in range(n_annotators)
        ),
        kind=pl.lit(KINDS.index(items.kind), dtype=pl.Int8),
    )


def _listed(st: Study, worst: pl.DataFrame, texts: Mapping[str, str] | None, context: int) -> Disagreements:
    """The listed disagreements as the report holds them (built into objects on demand)."""
    covering = st.coverage.group_by("dc").agg(cov=pl.col("ann").sort())
    frame = worst.join(covering, on="dc", how="left", maintain_order="left").with_columns(doc_id=st.doc_id())
    return Disagreements(frame, tuple(st.annotators), texts if texts is not None else {}, context)


def _span_match(p: PairF1) -> SpanMatch:
    per_label = {name: Value.of(score) for name, score in p.per_label.items()}
    return SpanMatch(Value.of(p.f1), p.matched, p.a_count, p.b_count, per_label)


def _event_match(p: PairF1) -> EventMatch:
    return EventMatch(Value.of(p.f1), p.matched, p.a_count, p.b_count)


def _pairs(sa: SpanAgreement, tokens: list[PairTokens], ev: EventAgreement) -> tuple[PairAgreement, ...]:
    """One row per annotator pair from the measures' lists (each in the order of :func:`pairs`)."""
    out = []
    for ex, ov, tk, tr, ar, aa in zip(
        sa.exact.pairs, sa.overlap.pairs, tokens, ev.triggers.pairs, ev.arguments.pairs, ev.arguments_all.pairs,
        strict=True,
    ):  # fmt: skip
        assert (ex.a, ex.b) == (ov.a, ov.b) == (tr.a, tr.b) == (ar.a, ar.b) == (aa.a, aa.b), "pairs out of step"
        assert ex.documents == tr.documents, "pairs out of step"
        out.append(
            PairAgreement(
                ex.a, ex.b, ex.documents, _span_match(ex), _span_match(ov), tk.kappa, tk.tokens,
                tk.kappa_labelled, tk.tokens_labelled, _event_match(tr), _event_match(ar), _event_match(aa),
            )
        )  # fmt: skip
    return tuple(out)


def _labels(
    st: Study, sa: SpanAgreement, unit: UnitizingResult, per_label: dict[str, LabelTokens], shared: pl.DataFrame
) -> tuple[LabelAgreement, ...]:
    counts = dict(st.spans.join(shared, on="dc", how="semi").group_by("lab").len().iter_rows())
    return tuple(
        LabelAgreement(
            lab,
            Value.of(sa.exact.per_label[lab]),
            Value.of(sa.overlap.per_label[lab]),
            Value.of(unit.per_label[lab]),
            counts.get(k, 0),
            per_label[lab].cohen_kappa,
            per_label[lab].fleiss_kappa,
            per_label[lab].krippendorff_alpha,
        )
        for k, lab in enumerate(st.labels)
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


def _events(ev: EventAgreement, shared: pl.DataFrame) -> Events:
    types = tuple(
        EventTypeAgreement(
            t,
            Value.of(ev.triggers.per_label[t]),
            Value.of(ev.arguments.per_label[t]),
            Value.of(ev.arguments_all.per_label[t]),
        )
        for t in ev.types
    )
    triggers = ev.triggers_table.join(shared, on="dc", how="semi")
    arguments = ev.arguments_table.join(shared, on="dc", how="semi")
    twice = triggers.group_by("dc", "lab", "start", "end").len().filter(pl.col("len") >= 2)
    on_matched = arguments.join(
        twice.select("dc", "lab", t_start="start", t_end="end"), on=["dc", "lab", "t_start", "t_end"], how="semi"
    )
    return Events(
        Value.of(ev.triggers.f1),
        Value.of(ev.arguments.f1),
        Value.of(ev.arguments_all.f1),
        types,
        triggers.height,
        arguments.height,
        on_matched.height,
    )


def _confusion(table: pl.DataFrame) -> tuple[Confusion, ...]:
    return tuple(Confusion(a, b, n) for a, b, n in table.iter_rows())


def _distributions(st: Study, ev: EventAgreement) -> tuple[Distribution, ...]:
    """What each annotator marked: counts per label, event type and role."""

    def counts(frame: pl.DataFrame, column: str, names: list[str]) -> dict[int, dict[str, int]]:
        out: dict[int, dict[str, int]] = {}
        for ann, code, n in frame.group_by("ann", column).len().sort("ann", column).iter_rows():
            out.setdefault(ann, {})[names[code]] = n
        return out

    documents = dict(st.coverage.group_by("ann").len().iter_rows())
    labels = counts(st.spans, "lab", st.labels)
    types = counts(ev.triggers_table, "lab", ev.types)
    roles = counts(ev.arguments_table, "role", ev.roles)
    return tuple(
        Distribution(a, documents.get(i, 0), labels.get(i, {}), types.get(i, {}), roles.get(i, {}))
        for i, a in enumerate(st.annotators)
    )


def compute_report(
    data: AgreementInput,
    *,
    labels: Iterable[str] | None = None,
    max_disagreements: int | None = None,
    context: int = SNIPPET_CONTEXT,
) -> AgreementReport:
    """Every agreement measure for the selected annotators and labels.

    ``data``: the tables (from :func:`annotator.core.agreement.input.load_tables`, or built
    by hand); its ``annotators`` are whom to compare, in display order (None: everyone in
    coverage but the reference, sorted); its ``reference`` (gold, say), if any, is whom
    each annotator is also compared against. ``labels``: entity labels to keep (default:
    all used); spans with other labels are dropped before every span and token measure.
    ``data.guidelines`` (version) and ``data.excluded`` (whatever the loader left out,
    with reasons) are copied into the report. ``data.texts`` (doc_id -> text) adds the
    marked text and some context to each listed disagreement. ``max_disagreements`` caps
    the list, worst documents first (None: every disagreement).
    """
    spans, coverage, tokens, doc_lengths = data.spans, data.coverage, data.tokens, data.doc_lengths
    events, arguments, annotators = data.events, data.arguments, data.annotators
    guidelines, excluded, texts, reference = data.guidelines, data.excluded, data.texts, data.reference
    if annotators is None and reference is not None:
        everyone = sorted(set(coverage["annotator"].unique().to_list()) - {reference})
        annotators = tuple(everyone)
    st = study(spans, coverage, annotators=annotators, labels=labels)
    # The token measures and α_u run beside the rest: polars releases the GIL, and many
    # steps of either half use one core only, so two cores finish sooner.
    with ThreadPoolExecutor(max_workers=1) as pool:
        token_future = pool.submit(token_measures, st, tokens)
        unit_future = pool.submit(study_alpha_u, st, doc_lengths)
        sa = span_agreement(st)
        ev = study_events(st, events, arguments)
        kinds = {ENTITY: entity_items(st), TRIGGER: trigger_items(st, ev), ARGUMENT: argument_items(ev)}
        disputes = {kind: disputed(items) for kind, items in kinds.items()}
        n = len(st.annotators)
        dis = pl.concat(
            [_named(kinds[k], disagreement_table(kinds[k], n, disputes[k]), n) for k in KINDS], how="vertical_relaxed"
        )
        per_doc = _per_document(st, sa.per_document, dis)
        confusions = {k: _confusion(confusion_table(kinds[k], disputes[k])) for k in KINDS}
        against: tuple[AgainstGold, ...] = ()
        if reference is not None:
            ref_study = study(spans, coverage, annotators=[*st.annotators, reference], labels=labels)
            against = against_reference(ref_study, events, arguments)
        token, token_pairs, token_labels = token_future.result()
        unit = unit_future.result()

    n_docs = st.coverage.group_by("dc").len()
    shared = n_docs.filter(pl.col("len") >= 2).select("dc")
    rank = per_doc.select("dc").with_row_index("_rank")
    worst = dis.join(rank, on="dc", how="left").sort(["_rank", "kind", "t", "start", "end"]).drop("_rank")
    if max_disagreements is not None:
        worst = worst.head(max(0, max_disagreements))
    return AgreementReport(
        guidelines=guidelines,
        annotators=tuple(st.annotators),
        documents=n_docs.height,
        documents_shared=shared.height,
        documents_common=len(st.common_docs()) if st.annotators else 0,
        spans_shared=st.spans.join(shared, on="dc", how="semi").height,
        span_f1_exact=Value.of(sa.exact.f1),
        span_f1_overlap=Value.of(sa.overlap.f1),
        pairs=_pairs(sa, token_pairs, ev),
        per_label=_labels(st, sa, unit, token_labels, shared),
        tokens=token,
        unitizing=_unitizing(unit),
        events=_events(ev, shared),
        per_document=tuple(_document(r) for r in per_doc.iter_rows(named=True)),
        confusion=confusions[ENTITY],
        disagreements=_listed(st, worst, texts, context),
        disagreements_total=dis.height,
        ignored=Ignored(st.ignored_spans, ev.ignored_events, ev.orphan_arguments),
        excluded=tuple(Exclusion.of(e) for e in excluded),
        selection=Selection.of(data, labels),
        type_confusion=confusions[TRIGGER],
        role_confusion=confusions[ARGUMENT],
        distributions=_distributions(st, ev),
        reference=reference,
        against=against,
    )
