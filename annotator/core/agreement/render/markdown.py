"""The agreement report as a Markdown document: summary, pairs, labels, event types,
each annotator against the reference, what each annotator marked, the confusion tables,
the documents with most disagreement and their disagreements (the first
:data:`DISAGREEMENTS`; the JSON and CSV have them all)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from annotator.core.agreement.report_model import AgreementReport, Scored, Value
from annotator.core.text.printable import printable

WORST_DOCUMENTS = 20  # documents listed
DISAGREEMENTS = 200  # disagreements listed, worst documents first
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
    out = [
        "# Inter-annotator agreement",
        "",
        f"- Guidelines: {_md(report.guidelines)}",
        f"- Annotators: {', '.join(_md(a) for a in report.annotators) or 'none'}",
        f"- Documents: {report.documents} annotated, {report.documents_shared} by two or more, "
        f"{report.documents_common} by all",
    ]
    if report.reference is not None:
        out.append(f"- Reference: {_md(report.reference)}")
    return out


def _summary(report: AgreementReport) -> list[str]:
    rows = ([_md(row.label), _value(row.value), _md(row.over)] for row in report.summary())
    return _section("Summary", _table(["Measure", "Value", "Over"], rows))


def _pairs(report: AgreementReport) -> list[str]:
    if not report.pairs:
        return []
    header = ["a", "b", "Documents", "Span F1 exact", "Span F1 overlap", "Cohen's κ", "Cohen's κ, labelled tokens",
              "Trigger F1", "Argument F1, matched triggers", "Argument F1, all", "Exact matched / a / b"]  # fmt: skip
    rows = (
        [_md(p.a), _md(p.b), p.documents, _value(p.exact.f1), _value(p.overlap.f1), _value(p.kappa),
         _value(p.kappa_labelled), _value(p.triggers.f1), _value(p.arguments.f1), _value(p.arguments_all.f1),
         f"{p.exact.matched} / {p.exact.a_count} / {p.exact.b_count}"]
        for p in report.pairs
    )  # fmt: skip
    return _section("Annotator pairs", _table(header, rows))


def _labels(report: AgreementReport) -> list[str]:
    if not report.per_label:
        return []
    header = ["Label", "Spans", "Span F1 exact", "Span F1 overlap", "α_u", "Cohen's κ", "Fleiss' κ", "Krippendorff's α"]
    rows = (
        [_md(lab.label), lab.spans, _value(lab.span_f1_exact), _value(lab.span_f1_overlap), _value(lab.alpha_u),
         _value(lab.cohen_kappa), _value(lab.fleiss_kappa), _value(lab.krippendorff_alpha)]
        for lab in report.per_label
    )  # fmt: skip
    title = "Labels (F1 and Cohen's κ: means over pairs; κ and α: this label against every other token)"
    return _section(title, _table(header, rows))


def _event_types(report: AgreementReport) -> list[str]:
    if not report.events.types:
        return []
    rows = (
        [_md(t.type), _value(t.trigger_f1), _value(t.argument_f1), _value(t.argument_f1_all)]
        for t in report.events.types
    )
    header = ["Type", "Trigger F1", "Argument F1, matched triggers", "Argument F1, all"]
    return _section("Event types (means over pairs)", _table(header, rows))


def _scored(s: Scored) -> list[str]:
    return [_value(s.precision), _value(s.recall), _value(s.f1), f"{s.matched} / {s.annotator} / {s.gold}"]


def _against(report: AgreementReport) -> list[str]:
    if report.reference is None:
        return []
    ref = _md(report.reference)
    header = ["Annotator", "Documents", "Spans P", "R", "F1", "matched / marked / reference", "Overlap F1",
              "Triggers P", "R", "F1", "Arguments P", "R", "F1"]  # fmt: skip
    rows = (
        [_md(g.annotator), g.documents, *_scored(g.spans), _value(g.spans_overlap.f1), *_scored(g.triggers)[:3],
         *_scored(g.arguments)[:3]]
        for g in report.against
    )  # fmt: skip
    out = _section(f"Each annotator against {ref} (precision, recall, F1; arguments ACE-style)", _table(header, rows))
    if report.against:
        header = ["", "Name", *(f"{_md(g.annotator)} P / R / F1" for g in report.against)]
        detail = []
        for kind, per in (("label", "per_label"), ("event type", "per_type")):
            for name in sorted({n for g in report.against for n in getattr(g, per)}):
                scores = [getattr(g, per).get(name) for g in report.against]
                cells = [
                    "" if s is None else f"{s.precision.text()} / {s.recall.text()} / {s.f1.text()}" for s in scores
                ]
                detail.append([kind, _md(name), *cells])
        if detail:
            out += _section(f"Per label and event type, against {ref}", _table(header, detail))
    return out


def _distributions(report: AgreementReport) -> list[str]:
    names = [_md(a) for a in report.annotators]
    out: list[str] = []
    for what, title, counts in report.distribution_tables():
        out += _section(title, _table([what.capitalize(), *names], ([_md(name), *n] for name, n in counts)))
    return out


def _confusion(report: AgreementReport) -> list[str]:
    out: list[str] = []
    for title, rows in report.confusion_tables():
        out += _section(title, _table(["", "", "Count"], ([_md(c.label_a), _md(c.label_b), c.count] for c in rows)))
    return out


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
    items = report.disagreements[:DISAGREEMENTS]
    if not items:
        return []
    with_text = any(item.snippet is not None for item in items)
    header = (
        ["Document", "Kind", "What", "Where"] + (["Text"] if with_text else []) + [_md(a) for a in report.annotators]
    )
    rows = []
    for item in items:
        row = [_md(item.doc_id), item.kind, _md(item.what), item.where()]
        if with_text:
            row.append(_md(item.text()))
        row += [_md(item.shown_by(a)) for a in report.annotators]
        rows.append(row)
    title = f"Disagreements ({len(items)} of {report.disagreements_total}, worst documents first)"
    out = _section(title, _table(header, rows))
    more = report.disagreements_total - len(items)
    if more:
        out += ["", f"{more} more (the JSON report and `--disagreements FILE.csv` list them all)"]
    return out


def _excluded(report: AgreementReport) -> list[str]:
    if not report.excluded:
        return []
    return ["", "## Excluded", "", *(f"- {_md(e.describe())}" for e in report.excluded)]


SECTIONS = (_heading, _summary, _pairs, _labels, _event_types, _against, _distributions, _confusion, _worst_documents,
            _disagreements, _excluded)  # fmt: skip


def to_markdown(report: AgreementReport) -> str:
    """The report as a Markdown document, one section after another (empty ones left out)."""
    return "\n".join(line for section in SECTIONS for line in section(report)) + "\n"
