"""The agreement report as a Markdown document: summary, pairs, labels, event types,
label confusion, the documents with most disagreement and their disagreements."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from annotator.core.agreement.report_model import AgreementReport, Value
from annotator.core.text.printable import printable

WORST_DOCUMENTS = 20  # documents listed
# What would make data Markdown (emphasis, code, links, HTML, entities, strike-through) or
# end a table cell: escaped with a backslash, which CommonMark allows before any punctuation.
_ESCAPED = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|&~"})


def _md(text: Any) -> str:
    """Data (a name, an id, a snippet of text, a reason) as literal Markdown on one line:
    nothing in it is markup or a terminal code (``printable``)."""
    return printable(str(text).replace("\n", " ")).translate(_ESCAPED)


def _value(value: Value) -> str:
    return _md(value.explained())


def _table(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> list[str]:
    header = list(header)
    out = ["| " + " | ".join(_md(h) for h in header) + " |", "|" + "---|" * len(header)]
    out.extend("| " + " | ".join(str(c) for c in row) + " |" for row in rows)
    return out


def _section(title: str, table: list[str]) -> list[str]:
    return ["", f"## {title}", "", *table]


def _heading(report: AgreementReport) -> list[str]:
    return [
        "# Inter-annotator agreement",
        "",
        f"- Guidelines: {_md(report.guidelines)}",
        f"- Annotators: {', '.join(_md(a) for a in report.annotators) or 'none'}",
        f"- Documents: {report.documents} annotated, {report.documents_shared} by two or more, "
        f"{report.documents_common} by all",
    ]


def _summary(report: AgreementReport) -> list[str]:
    rows = ([_md(row.label), _value(row.value), _md(row.over)] for row in report.summary())
    return _section("Summary", _table(["Measure", "Value", "Over"], rows))


def _pairs(report: AgreementReport) -> list[str]:
    if not report.pairs:
        return []
    header = ["a", "b", "Span F1 exact", "Span F1 overlap", "Cohen's κ", "Trigger F1", "Argument F1",
              "Exact matched / a / b"]  # fmt: skip
    rows = (
        [_md(p.a), _md(p.b), _value(p.exact.f1), _value(p.overlap.f1), _value(p.kappa),
         _value(p.triggers.f1), _value(p.arguments.f1), f"{p.exact.matched} / {p.exact.a_count} / {p.exact.b_count}"]
        for p in report.pairs
    )  # fmt: skip
    return _section("Annotator pairs", _table(header, rows))


def _labels(report: AgreementReport) -> list[str]:
    if not report.per_label:
        return []
    rows = (
        [_md(lab.label), _value(lab.span_f1_exact), _value(lab.span_f1_overlap), _value(lab.alpha_u)]
        for lab in report.per_label
    )
    return _section("Labels (means over pairs)", _table(["Label", "Span F1 exact", "Span F1 overlap", "α_u"], rows))


def _event_types(report: AgreementReport) -> list[str]:
    if not report.events.types:
        return []
    rows = ([_md(t.type), _value(t.trigger_f1), _value(t.argument_f1)] for t in report.events.types)
    return _section("Event types (means over pairs)", _table(["Type", "Trigger F1", "Argument F1"], rows))


def _confusion(report: AgreementReport) -> list[str]:
    if not report.confusion:
        return []
    rows = ([_md(c.label_a), _md(c.label_b), c.count] for c in report.confusion)
    return _section("Label confusion (same extent, different labels)", _table(["Label", "Label", "Count"], rows))


def _worst_documents(report: AgreementReport) -> list[str]:
    docs = report.disputed_documents()[:WORST_DOCUMENTS]
    if not docs:
        return []
    header = ["Document", "Span F1 exact", "Span F1 overlap", "Disagreements", "Spans", "Annotators"]
    rows = (
        [_md(d.id), _value(d.span_f1_exact), _value(d.span_f1_overlap), d.disagreements, d.spans, d.annotators]
        for d in docs
    )
    return _section(f"Documents with the most disagreement (first {len(docs)})", _table(header, rows))


def _disagreements(report: AgreementReport) -> list[str]:
    items = report.disagreements
    if not items:
        return []
    with_text = any(item.snippet is not None for item in items)
    header = ["Document", "Extent"] + (["Text"] if with_text else []) + [_md(a) for a in report.annotators]
    rows = []
    for item in items:
        row = [_md(item.doc_id), f"{item.start}–{item.end}"]
        if with_text:
            row.append(_md(item.snippet.text if item.snippet is not None else ""))
        row += [_md(s) if (s := item.said_by(a)) is not None else "(not annotated)" for a in report.annotators]
        rows.append(row)
    title = f"Disagreements ({len(items)} of {report.disagreements_total}, worst documents first)"
    return _section(title, _table(header, rows))


def _excluded(report: AgreementReport) -> list[str]:
    if not report.excluded:
        return []
    return ["", "## Excluded", "", *(f"- {_md(e.describe())}" for e in report.excluded)]


SECTIONS = (_heading, _summary, _pairs, _labels, _event_types, _confusion, _worst_documents, _disagreements,
            _excluded)  # fmt: skip


def to_markdown(report: AgreementReport) -> str:
    """The report as a Markdown document, one section after another (empty ones left out)."""
    return "\n".join(line for section in SECTIONS for line in section(report)) + "\n"
