"""The agreement report: every measure over the same selection, as one JSON-ready dict.

Undefined values follow :data:`annotator.core.agreement.scores.NULL_CONVENTION`: ``null``
plus a sibling ``<key>_reason`` (``<map>_reasons`` for name -> value maps). The dict holds
only str, int, float (finite), bool, None, list and dict, so ``orjson.dumps`` takes it as is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import polars as pl

from annotator.core.agreement import kappa
from annotator.core.agreement.disagreements import confusion_table, disagreement_table, disputed_spans
from annotator.core.agreement.events import study_events
from annotator.core.agreement.scores import NULL_CONVENTION, Score, Undefined, mean, put
from annotator.core.agreement.spans import span_agreement
from annotator.core.agreement.tables import Study, pairs, prepare_tokens, study, token_label_patterns
from annotator.core.agreement.unitizing import study_alpha_u

DEFAULT_MAX_DISAGREEMENTS = 200
SNIPPET_CONTEXT = 40


def token_measures(st: Study, tokens: pl.DataFrame | None) -> dict[str, Any]:
    """Cohen's κ per pair and mean, Fleiss' κ, Krippendorff's α on per-token labels."""
    tok = prepare_tokens(tokens, st.docs)
    cols = [f"r{i}" for i in range(len(st.annotators))]
    patterns = token_label_patterns(st, tok)  # a few hundred rows stand for all tokens
    w = kappa.WEIGHT
    out: dict[str, Any] = {"count": tok.height}
    pair_rows = []
    scores: list[Score] = []
    for i, j in pairs(st.annotators):
        a, b = st.annotators[i], st.annotators[j]
        k = kappa.cohen_kappa(patterns, cols[i], cols[j], weight=w)
        if isinstance(k, Undefined) and k.reason.startswith("no item"):
            k = Undefined(f"no token in a document both {a} and {b} annotated")
        scores.append(k)
        row: dict[str, Any] = {"a": a, "b": b}
        put(row, "kappa", k)
        both = pl.col(cols[i]).is_not_null() & pl.col(cols[j]).is_not_null()
        row["tokens"] = int(patterns.filter(both)[w].sum())
        pair_rows.append(row)
    cohen: dict[str, Any] = {}
    if len(cols) < 2:
        put(cohen, "mean", Undefined("fewer than two annotators"))
    else:
        put(cohen, "mean", mean(scores, "no pair of annotators has a defined κ"))
    cohen["pairs"] = pair_rows
    out["cohen_kappa"] = cohen
    if len(cols) < 2:
        fleiss: Score = Undefined("fewer than two annotators")
    else:
        fleiss = kappa.fleiss_kappa(patterns, cols, weight=w)
        if isinstance(fleiss, Undefined) and fleiss.reason.startswith("no item"):
            fleiss = Undefined("no token in a document every selected annotator annotated")
    put(out, "fleiss_kappa", fleiss)
    alpha = (
        kappa.krippendorff_alpha(patterns, cols, weight=w)
        if len(cols) >= 2
        else Undefined("fewer than two annotators")
    )
    if isinstance(alpha, Undefined) and alpha.reason.startswith("no item"):
        alpha = Undefined("no token in a document annotated by two or more selected annotators")
    put(out, "krippendorff_alpha", alpha)
    return out


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
        .with_columns(
            pl.col("pairs", "spans", "disagreements", "matched_exact", "matched_overlap").fill_null(0)
        )
    )
    return table.sort(
        ["span_f1_exact", "disagreements", "dc"], descending=[False, True, False], nulls_last=True
    ).with_columns(doc_id=st.doc_id())


def _doc_json(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"id": row["doc_id"], "annotators": row["annotators"], "pairs": row["pairs"]}
    if row["pairs"] == 0:
        reason = "annotated by fewer than two of the selected annotators"
    else:
        reason = "no annotator marked a span in this document"
    for key in ("span_f1_exact", "span_f1_overlap"):
        v = row[key]
        put(out, key, Undefined(reason) if v is None else v)
    out.update(
        spans=row["spans"],
        matched_exact=row["matched_exact"],
        matched_overlap=row["matched_overlap"],
        disagreements=row["disagreements"],
    )
    return out


def _disagreement_json(
    st: Study, rows: list[dict[str, Any]], texts: Mapping[str, str] | None, context: int
) -> list[dict[str, Any]]:
    out = []
    for row in rows:  # at most max_disagreements rows: formatting, not computing
        said = {
            a: [st.labels[c] for c in row[f"r{i}"]]
            for i, a in enumerate(st.annotators)
            if row[f"r{i}"] is not None
        }
        doc_id = st.docs[row["dc"]]
        item: dict[str, Any] = {"doc_id": doc_id, "start": row["start"], "end": row["end"], "said": said}
        if texts is not None and doc_id in texts:
            text = texts[doc_id]
            s, e = row["start"], row["end"]
            item["text"] = text[s:e]
            item["before"] = text[max(0, s - context) : s]
            item["after"] = text[e : e + context]
        out.append(item)
    return out


def compute_report(
    spans: pl.DataFrame,
    coverage: pl.DataFrame,
    tokens: pl.DataFrame | None,
    doc_lengths: pl.DataFrame | None,
    events: pl.DataFrame | None,
    arguments: pl.DataFrame | None,
    *,
    annotators: Iterable[str] | None = None,
    labels: Iterable[str] | None = None,
    guidelines: str,
    excluded: list,
    texts: Mapping[str, str] | None = None,
    max_disagreements: int = DEFAULT_MAX_DISAGREEMENTS,
    context: int = SNIPPET_CONTEXT,
) -> dict[str, Any]:
    """Every agreement measure for the selected annotators and labels, JSON-ready.

    ``annotators``: whom to compare, in display order (default: everyone in coverage,
    sorted). ``labels``: entity labels to keep (default: all used); spans with other labels
    are dropped before every span and token measure. ``guidelines`` (version) and
    ``excluded`` (whatever the caller left out, e.g. documents or annotators with reasons)
    are copied into the report. ``texts`` (doc_id -> text) adds the marked text and some
    context to each listed disagreement. ``max_disagreements`` caps the list, worst
    documents first.
    """
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
        token = token_future.result()

    n_docs = st.coverage.group_by("dc").len()
    rank = per_doc.select("dc").with_row_index("_rank")
    worst = (
        dis.join(rank, on="dc", how="left")
        .sort(["_rank", "start", "end"])
        .head(max(0, max_disagreements))
        .drop("_rank")
    )
    report: dict[str, Any] = {
        "guidelines": guidelines,
        "annotators": list(st.annotators),
        "labels": list(st.labels),
        "documents": n_docs.height,
        "documents_shared": n_docs.filter(pl.col("len") >= 2).height,
        "documents_common": len(st.common_docs()) if st.annotators else 0,
        "null_convention": NULL_CONVENTION,
        "spans": {"exact": sa.exact.to_json(), "overlap": sa.overlap.to_json()},
        "tokens": token,
        "unitizing_alpha": unit.to_json(),
        "events": ev.to_json(),
        "per_document": [_doc_json(r) for r in per_doc.iter_rows(named=True)],
        "confusion": confusion.to_dicts(),
        "disagreements": _disagreement_json(st, worst.to_dicts(), texts, context),
        "disagreements_total": dis.height,
        "ignored": {
            "spans_outside_coverage": st.ignored_spans,
            "events_outside_coverage": ev.ignored_events,
            "arguments_without_event": ev.orphan_arguments,
        },
        "excluded": list(excluded),
    }
    return report
