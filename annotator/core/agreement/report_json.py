"""The agreement report as a JSON-ready dict: its keys, and undefined values written under
:data:`~annotator.core.agreement.scores.NULL_CONVENTION` (``null`` plus a sibling
``<key>_reason``; ``<map>_reasons`` for name -> value maps). ``annotator agreement
--format json`` writes this dict; its keys stay as they are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from annotator.core.agreement.scores import NULL_CONVENTION, put, put_map

if TYPE_CHECKING:
    from annotator.core.agreement.report_model import (
        AgainstGold,
        AgreementReport,
        Confusion,
        Distribution,
        DocumentAgreement,
        Exclusion,
        Scored,
        Selection,
        SpanMatch,
        SummaryRow,
        TokenCoefficients,
    )


def report_dict(report: AgreementReport) -> dict[str, Any]:
    """The JSON-ready dict (str, int, finite float, bool, None, list, dict only)."""
    out: dict[str, Any] = {
        "guidelines": report.guidelines,
        "annotators": list(report.annotators),
        "labels": report.labels,
        "documents": report.documents,
        "documents_shared": report.documents_shared,
        "documents_common": report.documents_common,
        "spans_shared": report.spans_shared,
        "null_convention": NULL_CONVENTION,
        "spans": {"exact": _spans_dict(report, "exact"), "overlap": _spans_dict(report, "overlap")},
        "tokens": _tokens_dict(report),
        "unitizing_alpha": _unitizing_dict(report),
        "events": _events_dict(report),
        "per_document": [_document_dict(d) for d in report.per_document],
        "confusion": _confusion_list(report.confusion),
        "type_confusion": _confusion_list(report.type_confusion),
        "role_confusion": _confusion_list(report.role_confusion),
        "distributions": [_distribution_dict(d) for d in report.distributions],
        "disagreements": list(report.disagreements.dicts()),
        "disagreements_total": report.disagreements_total,
        "ignored": {
            "spans_outside_coverage": report.ignored.spans_outside_coverage,
            "events_outside_coverage": report.ignored.events_outside_coverage,
            "arguments_without_event": report.ignored.arguments_without_event,
        },
        "excluded": [_exclusion_dict(e) for e in report.excluded],
        "selection": _selection_dict(report.selection),
        "summary": [_summary_dict(row) for row in report.summary()],
    }
    if report.reference is not None:
        out["reference"] = report.reference
        out["against"] = [_against_dict(g) for g in report.against]
    return out


def _summary_dict(row: SummaryRow) -> dict[str, Any]:
    out: dict[str, Any] = {"key": row.key, "label": row.label}
    put(out, "value", row.value.score)
    out.update(items=row.items, unit=row.unit, documents=row.documents, scope=row.scope, over=row.over)
    if row.pairs is not None:
        out["pairs"] = row.pairs
    return out


def _confusion_list(rows: tuple[Confusion, ...]) -> list[dict[str, Any]]:
    return [{"label_a": c.label_a, "label_b": c.label_b, "count": c.count} for c in rows]


def _distribution_dict(d: Distribution) -> dict[str, Any]:
    return {
        "annotator": d.annotator,
        "documents": d.documents,
        "labels": dict(d.labels),
        "types": dict(d.types),
        "roles": dict(d.roles),
    }


def _scored_dict(s: Scored) -> dict[str, Any]:
    out: dict[str, Any] = {}
    put(out, "precision", s.precision.score)
    put(out, "recall", s.recall.score)
    put(out, "f1", s.f1.score)
    out.update(matched=s.matched, annotator=s.annotator, gold=s.gold)
    return out


def _against_dict(g: AgainstGold) -> dict[str, Any]:
    return {
        "annotator": g.annotator,
        "documents": g.documents,
        "spans": _scored_dict(g.spans),
        "spans_overlap": _scored_dict(g.spans_overlap),
        "per_label": {name: _scored_dict(s) for name, s in g.per_label.items()},
        "triggers": _scored_dict(g.triggers),
        "per_type": {name: _scored_dict(s) for name, s in g.per_type.items()},
        "arguments": _scored_dict(g.arguments),
        "arguments_on_matched": _scored_dict(g.arguments_on_matched),
    }


def _spans_dict(report: AgreementReport, mode: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    put(out, "f1", getattr(report, f"span_f1_{mode}").score)
    put_map(out, "per_label", {lab.label: getattr(lab, f"span_f1_{mode}").score for lab in report.per_label})
    out["per_label_spans"] = {lab.label: lab.spans for lab in report.per_label}
    rows = []
    for p in report.pairs:
        match: SpanMatch = getattr(p, mode)
        row: dict[str, Any] = {"a": p.a, "b": p.b}
        put(row, "f1", match.f1.score)
        row.update(matched=match.matched, a_count=match.a_count, b_count=match.b_count, documents=p.documents)
        put_map(row, "per_label", {name: v.score for name, v in match.per_label.items()})
        rows.append(row)
    out["pairs"] = rows
    return out


def _tokens_dict(report: AgreementReport) -> dict[str, Any]:
    pairs = []
    for p in report.pairs:
        row: dict[str, Any] = {"a": p.a, "b": p.b}
        put(row, "kappa", p.kappa.score)
        row["tokens"] = p.tokens
        pairs.append(row)
    out = _coefficients_dict(report.tokens, pairs)
    labelled = report.tokens.labelled
    if labelled is not None:
        labelled_pairs = []
        for p in report.pairs:
            row = {"a": p.a, "b": p.b}
            put(row, "kappa", p.kappa_labelled.score)
            row["tokens"] = p.tokens_labelled
            labelled_pairs.append(row)
        out["labelled"] = _coefficients_dict(labelled, labelled_pairs)
    per_label: dict[str, Any] = {}
    for lab in report.per_label:
        entry: dict[str, Any] = {}
        put(entry, "cohen_kappa", lab.cohen_kappa.score)
        put(entry, "fleiss_kappa", lab.fleiss_kappa.score)
        put(entry, "krippendorff_alpha", lab.krippendorff_alpha.score)
        per_label[lab.label] = entry
    out["per_label"] = per_label
    return out


def _coefficients_dict(tokens: TokenCoefficients, pairs: list[dict[str, Any]]) -> dict[str, Any]:
    cohen: dict[str, Any] = {}
    put(cohen, "mean", tokens.cohen_kappa.score)
    cohen["pairs"] = pairs
    out: dict[str, Any] = {"count": tokens.count, "cohen_kappa": cohen}
    put(out, "fleiss_kappa", tokens.fleiss_kappa.score)
    put(out, "krippendorff_alpha", tokens.krippendorff_alpha.score)
    out.update(
        fleiss_tokens=tokens.fleiss_tokens,
        fleiss_documents=tokens.fleiss_documents,
        krippendorff_tokens=tokens.krippendorff_tokens,
        krippendorff_documents=tokens.krippendorff_documents,
    )
    return out


def _unitizing_dict(report: AgreementReport) -> dict[str, Any]:
    unit = report.unitizing
    out: dict[str, Any] = {}
    put(out, "overall", unit.overall.score)
    put_map(out, "per_label", {lab.label: lab.alpha_u.score for lab in report.per_label})
    out["observed_disagreement"] = dict(unit.observed)
    out["expected_disagreement"] = dict(unit.expected)
    out["continuum_length"] = unit.continuum_length
    out["raters"] = unit.raters
    if unit.documents is not None:
        out["documents"] = unit.documents
    out["merged_units"] = unit.merged_units
    return out


def _events_dict(report: AgreementReport) -> dict[str, Any]:
    ev = report.events
    out: dict[str, Any] = {}
    put(out, "trigger_f1", ev.trigger_f1.score)
    put(out, "argument_f1", ev.argument_f1.score)
    put(out, "argument_f1_all", ev.argument_f1_all.score)
    out.update(triggers=ev.triggers, arguments=ev.arguments, arguments_on_matched=ev.arguments_on_matched)
    per_type: dict[str, dict[str, Any]] = {}
    for t in ev.types:
        entry: dict[str, Any] = {}
        put(entry, "trigger_f1", t.trigger_f1.score)
        put(entry, "argument_f1", t.argument_f1.score)
        put(entry, "argument_f1_all", t.argument_f1_all.score)
        per_type[t.type] = entry
    out["per_type"] = per_type
    rows = []
    for p in report.pairs:
        tr, ar = p.triggers, p.arguments
        row: dict[str, Any] = {"a": p.a, "b": p.b}
        put(row, "trigger_f1", tr.f1.score)
        row.update(matched_triggers=tr.matched, a_triggers=tr.a_count, b_triggers=tr.b_count)
        put(row, "argument_f1", ar.f1.score)
        row.update(matched_arguments=ar.matched, a_arguments=ar.a_count, b_arguments=ar.b_count)
        aa = p.arguments_all
        put(row, "argument_f1_all", aa.f1.score)
        row.update(matched_arguments_all=aa.matched, a_arguments_all=aa.a_count, b_arguments_all=aa.b_count)
        row["documents"] = p.documents
        rows.append(row)
    out["pairs"] = rows
    out["ignored_events"] = report.ignored.events_outside_coverage
    out["orphan_arguments"] = report.ignored.arguments_without_event
    return out


def _document_dict(d: DocumentAgreement) -> dict[str, Any]:
    out: dict[str, Any] = {"id": d.id, "annotators": d.annotators, "pairs": d.pairs}
    put(out, "span_f1_exact", d.span_f1_exact.score)
    put(out, "span_f1_overlap", d.span_f1_overlap.score)
    out.update(
        spans=d.spans,
        matched_exact=d.matched_exact,
        matched_overlap=d.matched_overlap,
        disagreements=d.disagreements,
    )
    return out


def _exclusion_dict(e: Exclusion) -> dict[str, Any]:
    out: dict[str, Any] = {"annotator": e.annotator, "doc_id": e.doc_id, "reason": e.reason}
    if e.files is not None:
        out["files"] = e.files
    return out


def _selection_dict(s: Selection) -> dict[str, Any]:
    return {
        "files": s.files,
        "excluded": s.excluded,
        "migrated": s.migrated,
        "migrated_from": dict(s.migrated_from),
        "not_done_skipped": s.not_done_skipped,
        "not_started_skipped": s.not_started_skipped,
        "needs_review": s.needs_review,
        "labels": None if s.labels is None else list(s.labels),
    }
