"""The agreement report as a tidy CSV table, one value per row."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from annotator.core.agreement.report_model import AgreementReport, SummaryRow, Value
from annotator.core.text.printable import printable

CSV_COLUMNS = ("measure", "scope", "a", "b", "label", "value", "document", "reason")

Row = tuple[str, str, str, str, str, str, str, str]


def _row(measure: str, scope: str, value: Value, *, a: str = "", b: str = "", label: str = "",
         document: str = "") -> Row:  # fmt: skip
    """One row; names, ids and reasons come from files: ``printable``, so the table read in a
    terminal sends it no code."""
    shown = "" if value.number is None else repr(float(value.number))
    a, b, label, document, reason = map(printable, (a, b, label, document, value.reason or ""))
    return (measure, scope, a, b, label, shown, document, reason)


def _overall(row: SummaryRow) -> Row:
    return _row(row.key, "overall", row.value)


def _span_rows(report: AgreementReport, summary: dict[str, SummaryRow]) -> Iterator[Row]:
    for mode in ("exact", "overlap"):
        measure = f"span_f1_{mode}"
        yield _overall(summary[measure])
        for lab in report.per_label:
            yield _row(measure, "label", getattr(lab, measure), label=lab.label)
        for p in report.pairs:
            match = getattr(p, mode)
            yield _row(measure, "pair", match.f1, a=p.a, b=p.b)
            for name, value in match.per_label.items():
                yield _row(measure, "pair_label", value, a=p.a, b=p.b, label=name)


def _token_rows(report: AgreementReport, summary: dict[str, SummaryRow]) -> Iterator[Row]:
    yield _overall(summary["cohen_kappa"])
    for p in report.pairs:
        yield _row("cohen_kappa", "pair", p.kappa, a=p.a, b=p.b)
    yield _overall(summary["fleiss_kappa"])
    yield _overall(summary["krippendorff_alpha"])
    yield _overall(summary["unitizing_alpha"])
    for lab in report.per_label:
        yield _row("unitizing_alpha", "label", lab.alpha_u, label=lab.label)


def _event_rows(report: AgreementReport, summary: dict[str, SummaryRow]) -> Iterator[Row]:
    for measure, side in (("trigger_f1", "triggers"), ("argument_f1", "arguments")):
        yield _overall(summary[measure])
        for t in report.events.types:
            yield _row(measure, "type", getattr(t, measure), label=t.type)
        for p in report.pairs:
            yield _row(measure, "pair", getattr(p, side).f1, a=p.a, b=p.b)


def _document_rows(report: AgreementReport) -> Iterator[Row]:
    for d in report.per_document:
        yield _row("span_f1_exact", "document", d.span_f1_exact, document=d.id)
        yield _row("span_f1_overlap", "document", d.span_f1_overlap, document=d.id)


def to_csv(report: AgreementReport) -> str:
    """A tidy table, one value per row: measure, scope (overall, pair, label, pair_label,
    type, document), a, b, label (label or event type), value (empty when undefined),
    document, reason (why the value is undefined). The overall rows are the summary rows."""
    summary = {row.key: row for row in report.summary()}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(_span_rows(report, summary))
    writer.writerows(_token_rows(report, summary))
    writer.writerows(_event_rows(report, summary))
    writer.writerows(_document_rows(report))
    return buffer.getvalue()
