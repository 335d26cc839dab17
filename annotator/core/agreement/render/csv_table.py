"""The agreement report as a tidy CSV table, one value per row."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from annotator.core.agreement.report_model import AgreementReport, Value
from annotator.core.text.printable import printable

CSV_COLUMNS = ("measure", "scope", "a", "b", "label", "value", "document", "reason", "items", "unit", "documents")
# items, unit, documents: what the value rests on (the summary rows' and the counts'), else empty

Row = tuple[str, str, str, str, str, str, str, str]


def _row(measure: str, scope: str, value: Value, *, a: str = "", b: str = "", label: str = "",
         document: str = "") -> Row:  # fmt: skip
    """One row; names, ids and reasons come from files: ``printable``, so the table read in a
    terminal sends it no code."""
    shown = "" if value.number is None else repr(float(value.number))
    a, b, label, document, reason = map(printable, (a, b, label, document, value.reason or ""))
    return (measure, scope, a, b, label, shown, document, reason)


Counted = tuple[str, ...]


def _counted(row: Row, items: int | None = None, unit: str = "", documents: int | None = None) -> Counted:
    """``row`` with what its value rests on (empty when the row does not say)."""
    return (*row, "" if items is None else str(items), unit, "" if documents is None else str(documents))


def _summary_rows(report: AgreementReport) -> Iterator[Counted]:
    for row in report.summary():
        yield _counted(_row(row.key, "overall", row.value), row.items, row.unit, row.documents)


def _span_rows(report: AgreementReport) -> Iterator[Counted]:
    for mode in ("exact", "overlap"):
        measure = f"span_f1_{mode}"
        for lab in report.per_label:
            yield _counted(_row(measure, "label", getattr(lab, measure), label=lab.label), lab.spans, "span")
        for p in report.pairs:
            match = getattr(p, mode)
            spans = match.a_count + match.b_count
            yield _counted(_row(measure, "pair", match.f1, a=p.a, b=p.b), spans, "span", p.documents)
            for name, value in match.per_label.items():
                yield _counted(_row(measure, "pair_label", value, a=p.a, b=p.b, label=name))


def _token_rows(report: AgreementReport) -> Iterator[Counted]:
    for p in report.pairs:
        yield _counted(_row("cohen_kappa", "pair", p.kappa, a=p.a, b=p.b), p.tokens, "token", p.documents)
        labelled = _row("cohen_kappa_labelled", "pair", p.kappa_labelled, a=p.a, b=p.b)
        yield _counted(labelled, p.tokens_labelled, "token", p.documents)
    for lab in report.per_label:
        for measure in ("cohen_kappa", "fleiss_kappa", "krippendorff_alpha"):
            yield _counted(_row(f"{measure}_label", "label", getattr(lab, measure), label=lab.label))
        yield _counted(_row("unitizing_alpha", "label", lab.alpha_u, label=lab.label))


def _event_rows(report: AgreementReport) -> Iterator[Counted]:
    for measure, side in (
        ("trigger_f1", "triggers"),
        ("argument_f1", "arguments"),
        ("argument_f1_all", "arguments_all"),
    ):
        for t in report.events.types:
            yield _counted(_row(measure, "type", getattr(t, measure), label=t.type))
        for p in report.pairs:
            match = getattr(p, side)
            yield _counted(
                _row(measure, "pair", match.f1, a=p.a, b=p.b), match.a_count + match.b_count, "", p.documents
            )


def _document_rows(report: AgreementReport) -> Iterator[Counted]:
    for d in report.per_document:
        yield _counted(_row("span_f1_exact", "document", d.span_f1_exact, document=d.id), d.spans, "span")
        yield _counted(_row("span_f1_overlap", "document", d.span_f1_overlap, document=d.id), d.spans, "span")


def _count(measure: str, annotator: str, name: str, n: int, unit: str, documents: int) -> Counted:
    return _counted(_row(measure, "annotator", Value(float(n)), a=annotator, label=name), n, unit, documents)


def _annotator_rows(report: AgreementReport) -> Iterator[Counted]:
    """How often each annotator used each label, event type and role."""
    for d in report.distributions:
        for measure, counts, unit in (("label_count", d.labels, "span"), ("type_count", d.types, "trigger"),
                                      ("role_count", d.roles, "argument")):  # fmt: skip
            for name, n in counts.items():
                yield _count(measure, d.annotator, name, n, unit, d.documents)


def _gold_rows(report: AgreementReport) -> Iterator[Counted]:
    """Each annotator against the reference: precision, recall, F1 per kind and name."""
    reference = report.reference or ""
    for g in report.against:
        kinds = [
            ("spans", "", g.spans),
            ("spans_overlap", "", g.spans_overlap),
            ("triggers", "", g.triggers),
            ("arguments", "", g.arguments),
            ("arguments_on_matched", "", g.arguments_on_matched),
        ]
        kinds += [("spans", name, s) for name, s in g.per_label.items()]
        kinds += [("triggers", name, s) for name, s in g.per_type.items()]  # fmt: skip
        for kind, name, s in kinds:
            for part in ("precision", "recall", "f1"):
                row = _row(f"{kind}_{part}", "against", getattr(s, part), a=g.annotator, b=reference, label=name)
                yield _counted(row, s.annotator, "", g.documents)


def to_csv(report: AgreementReport) -> str:
    """A tidy table, one value per row: measure, scope (overall, pair, label, pair_label,
    type, document, annotator, against), a, b (annotators; b the reference for "against"),
    label (label, event type or role), value (empty when undefined), document, reason (why
    the value is undefined), and what the value rests on where the row says: items, unit,
    documents. The overall rows come first: the summary rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for rows in (_summary_rows, _span_rows, _token_rows, _event_rows, _document_rows, _annotator_rows, _gold_rows):
        writer.writerows(rows(report))
    return buffer.getvalue()
