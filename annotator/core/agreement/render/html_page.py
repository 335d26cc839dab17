"""The agreement report as a standalone HTML page (inline CSS and SVG, nothing fetched):
summary cards, annotator × annotator heatmaps, per-label bars and table, event types, each
annotator against the reference, what each annotator marked, the confusion tables, and
the worst documents with their disagreements of every kind (Arabic right-to-left)."""

from __future__ import annotations

from annotator.core.agreement.render.charts import bars, h, heatmap
from annotator.core.agreement.report_model import AgreementReport, Disagreement, DocumentAgreement, Scored, Value

WORST_DOCUMENTS = 20  # documents listed
CONFUSIONS = 50  # label pairs listed
PER_DOCUMENT = 100  # disagreements listed per document

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans","Noto Naskh Arabic",sans-serif;
 margin:2rem;color:#1d2430;background:#fff;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}
h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #d6dbe3;padding-bottom:.2rem}
.meta{color:#55606e;margin:.2rem 0}
table{border-collapse:collapse;margin:.5rem 0}
th,td{border:1px solid #d6dbe3;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f2f4f7}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.na{color:#8a94a3;font-style:italic}
.cards{display:flex;flex-wrap:wrap;gap:.6rem}
.card{border:1px solid #d6dbe3;border-radius:6px;padding:.5rem .8rem;min-width:11rem}
.card .v{font-size:1.4rem;font-weight:600}
.card .k{color:#55606e;font-size:.85rem}
.card .n{color:#8a94a3;font-size:.8rem}
.maps{display:flex;flex-wrap:wrap;gap:2rem}
[dir=rtl]{font-family:"Noto Naskh Arabic","Amiri","Arial",sans-serif;font-size:1.1rem}
mark{background:#ffe58a;padding:0 .1rem}
.doc{margin-top:1.2rem}
.doc h3{font-size:1rem;margin:.2rem 0}
.none{color:#8a94a3}
"""


def _cell(value: Value) -> str:
    if value.number is None:
        return f'<td class="num na" title="{h(value.reason)}">n/a</td>'
    return f'<td class="num">{value.text()}</td>'


def _head(report: AgreementReport) -> list[str]:
    return [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Inter-annotator agreement</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Inter-annotator agreement</h1>",
        f'<p class="meta">Guidelines: <b>{h(report.guidelines)}</b> · Annotators: '
        f"{h(', '.join(report.annotators) or 'none')}</p>",
        f'<p class="meta">Documents: {report.documents} annotated, {report.documents_shared} '
        f"by two or more, {report.documents_common} by all"
        + ("" if report.reference is None else f" · Reference: {h(report.reference)}")
        + "</p>",
    ]


def _summary(report: AgreementReport) -> list[str]:
    out = ["<h2>Summary</h2>", '<div class="cards">']
    for row in report.summary():
        value = row.value
        shown = (
            h(value.text()) if value.number is not None else f'<span class="na" title="{h(value.reason)}">n/a</span>'
        )
        out.append(
            f'<div class="card"><div class="v">{shown}</div><div class="k">{h(row.label)}</div>'
            f'<div class="n">over {h(row.over)}</div></div>'
        )
    out.append("</div>")
    return out


def _table(header: list[str], rows: list[str]) -> list[str]:
    return ["<table><tr>" + "".join(f"<th>{h(c)}</th>" for c in header) + "</tr>", *rows, "</table>"]


def _pairs(report: AgreementReport) -> list[str]:
    maps = heatmap("Span F1, exact", report.annotators, lambda a, b: report.pair(a, b).exact.f1) + heatmap(
        "Span F1, overlap", report.annotators, lambda a, b: report.pair(a, b).overlap.f1
    )
    if not maps:
        return []
    header = ["a", "b", "Span F1 exact", "Span F1 overlap", "Cohen's κ", "Cohen's κ, labelled tokens", "Trigger F1",
              "Argument F1, matched triggers", "Argument F1, all", "Documents both annotated"]  # fmt: skip
    rows = [
        f"<tr><td>{h(p.a)}</td><td>{h(p.b)}</td>{_cell(p.exact.f1)}{_cell(p.overlap.f1)}{_cell(p.kappa)}"
        f"{_cell(p.kappa_labelled)}{_cell(p.triggers.f1)}{_cell(p.arguments.f1)}{_cell(p.arguments_all.f1)}"
        f'<td class="num">{p.documents}</td></tr>'
        for p in report.pairs
    ]
    return ["<h2>Annotator pairs</h2>", f'<div class="maps">{maps}</div>', *_table(header, rows)]


def _labels(report: AgreementReport) -> list[str]:
    chart = bars(report.per_label)
    if not chart:
        return []
    header = ["Label", "Spans", "Cohen's κ", "Fleiss' κ", "Krippendorff's α"]
    rows = [
        f'<tr><td>{h(lab.label)}</td><td class="num">{lab.spans}</td>{_cell(lab.cohen_kappa)}'
        f"{_cell(lab.fleiss_kappa)}{_cell(lab.krippendorff_alpha)}</tr>"
        for lab in report.per_label
    ]
    note = '<p class="meta">κ and α: each label against every other token; Cohen\'s κ: mean over pairs</p>'
    return ["<h2>Labels</h2>", chart, note, *_table(header, rows)]


def _event_types(report: AgreementReport) -> list[str]:
    if not report.events.types:
        return []
    rows = [
        f"<tr><td>{h(t.type)}</td>{_cell(t.trigger_f1)}{_cell(t.argument_f1)}{_cell(t.argument_f1_all)}</tr>"
        for t in report.events.types
    ]
    header = ["Type", "Trigger F1", "Argument F1, matched triggers", "Argument F1, all"]
    return ["<h2>Event types</h2>", *_table(header, rows)]


def _scored(s: Scored) -> str:
    return f"{_cell(s.precision)}{_cell(s.recall)}{_cell(s.f1)}"


def _against(report: AgreementReport) -> list[str]:
    if report.reference is None:
        return []
    header = ["Annotator", "Documents", "Spans P", "R", "F1", "Overlap F1", "Triggers P", "R", "F1",
              "Arguments P", "R", "F1"]  # fmt: skip
    rows = [
        f'<tr><td>{h(g.annotator)}</td><td class="num">{g.documents}</td>{_scored(g.spans)}'
        f"{_cell(g.spans_overlap.f1)}{_scored(g.triggers)}{_scored(g.arguments)}</tr>"
        for g in report.against
    ]
    out = [f"<h2>Each annotator against {h(report.reference)}</h2>", *_table(header, rows)]
    for title, per in (("label", "per_label"), ("event type", "per_type")):
        names = sorted({n for g in report.against for n in getattr(g, per)})
        if not names:
            continue
        header = [title.capitalize(), *(f"{a} {x}" for a in (g.annotator for g in report.against) for x in "PRF")]
        rows = []
        for name in names:
            cells = ""
            for g in report.against:
                s = getattr(g, per).get(name)
                cells += _scored(s) if s is not None else "<td></td>" * 3
            rows.append(f"<tr><td>{h(name)}</td>{cells}</tr>")
        out += _table(header, rows)
    return out


def _distributions(report: AgreementReport) -> list[str]:
    out: list[str] = []
    for what, title, counts in report.distribution_tables():
        rows = [
            f"<tr><td>{h(name)}</td>" + "".join(f'<td class="num">{n}</td>' for n in used) + "</tr>"
            for name, used in counts
        ]
        out += [f"<h2>{h(title)}</h2>", *_table([what.capitalize(), *report.annotators], rows)]
    return out


def _confusion(report: AgreementReport) -> list[str]:
    out: list[str] = []
    for title, confusions in report.confusion_tables():
        rows = [
            f'<tr><td>{h(c.label_a)}</td><td>{h(c.label_b)}</td><td class="num">{c.count}</td></tr>'
            for c in confusions[:CONFUSIONS]
        ]
        out += [f"<h2>{h(title)}</h2>", *_table(["", "", "Count"], rows)]
    return out


def _snippet(item: Disagreement) -> str:
    if item.snippet is None:
        return '<td class="none">—</td>'
    s = item.snippet
    marked = f'<span dir="rtl" lang="ar">{h(s.before)}<mark>{h(s.text)}</mark>{h(s.after)}</span>'
    if item.trigger is not None and item.trigger.text is not None:
        marked += f' ← <span dir="rtl" lang="ar">{h(item.trigger.text)}</span>'
    return f"<td>{marked}</td>"


def _document(report: AgreementReport, d: DocumentAgreement, items: list[Disagreement]) -> list[str]:
    out = [
        f'<div class="doc"><h3>{h(d.id)}</h3><p class="meta">span F1 exact '
        f"{h(d.span_f1_exact.text())}, overlap {h(d.span_f1_overlap.text())} · "
        f"{d.disagreements} disagreement(s) · {d.spans} span(s) by "
        f"{d.annotators} annotator(s)</p>"
    ]
    if items:
        header = ["Kind", "What", "Where", "Text", *report.annotators]
        rows = []
        for item in items[:PER_DOCUMENT]:
            said = [item.said_by(a) for a in report.annotators]
            cells = "".join('<td class="none">not annotated</td>' if s is None else f"<td>{h(s)}</td>" for s in said)
            rows.append(
                f"<tr><td>{item.kind}</td><td>{h(item.what)}</td><td>{h(item.where())}</td>{_snippet(item)}{cells}</tr>"
            )
        out += _table(header, rows)
        if len(items) > PER_DOCUMENT:
            out.append(f'<p class="meta">{len(items) - PER_DOCUMENT} more in this document</p>')
    out.append("</div>")
    return out


def _worst_documents(report: AgreementReport) -> list[str]:
    docs = report.disputed_documents()[:WORST_DOCUMENTS]
    if not docs:
        return []
    by_doc: dict[str, list[Disagreement]] = {}
    for item in report.disagreements:
        by_doc.setdefault(item.doc_id, []).append(item)
    out = [f"<h2>Documents with the most disagreement (first {len(docs)})</h2>"]
    for d in docs:
        out += _document(report, d, by_doc.get(d.id, []))
    return out


def _excluded(report: AgreementReport) -> list[str]:
    if not report.excluded:
        return []
    return ["<h2>Excluded</h2>", "<ul>", *(f"<li>{h(e.describe())}</li>" for e in report.excluded), "</ul>"]


SECTIONS = (_head, _summary, _pairs, _labels, _event_types, _against, _distributions, _confusion, _worst_documents,
            _excluded)  # fmt: skip


def to_html(report: AgreementReport) -> str:
    """A standalone HTML page, one section after another (empty ones left out)."""
    return "\n".join([*(line for section in SECTIONS for line in section(report)), "</body></html>"]) + "\n"
