"""The agreement report as a standalone HTML page (inline CSS and SVG, nothing fetched):
summary cards, annotator × annotator heatmaps, per-label bars, event types, label
confusion, and the worst documents with their disagreements (Arabic right-to-left)."""

from __future__ import annotations

from annotator.core.agreement.render.charts import bars, h, heatmap
from annotator.core.agreement.report_model import AgreementReport, Disagreement, DocumentAgreement, Value

WORST_DOCUMENTS = 20  # documents listed
CONFUSIONS = 50  # label pairs listed

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
        f"by two or more, {report.documents_common} by all</p>",
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


def _pairs(report: AgreementReport) -> list[str]:
    maps = heatmap("Span F1, exact", report.annotators, lambda a, b: report.pair(a, b).exact.f1) + heatmap(
        "Span F1, overlap", report.annotators, lambda a, b: report.pair(a, b).overlap.f1
    )
    if not maps:
        return []
    out = [
        "<h2>Annotator pairs</h2>",
        f'<div class="maps">{maps}</div>',
        "<table><tr><th>a</th><th>b</th><th>Span F1 exact</th><th>Span F1 overlap</th><th>Cohen's κ</th>"
        "<th>Trigger F1</th><th>Argument F1</th><th>Documents both annotated</th></tr>",
    ]
    for p in report.pairs:
        out.append(
            f"<tr><td>{h(p.a)}</td><td>{h(p.b)}</td>{_cell(p.exact.f1)}{_cell(p.overlap.f1)}{_cell(p.kappa)}"
            f"{_cell(p.triggers.f1)}{_cell(p.arguments.f1)}"
            f'<td class="num">{p.documents}</td></tr>'
        )
    out.append("</table>")
    return out


def _labels(report: AgreementReport) -> list[str]:
    chart = bars(report.per_label)
    return ["<h2>Labels</h2>", chart] if chart else []


def _event_types(report: AgreementReport) -> list[str]:
    if not report.events.types:
        return []
    out = ["<h2>Event types</h2>", "<table><tr><th>Type</th><th>Trigger F1</th><th>Argument F1</th></tr>"]
    out += [f"<tr><td>{h(t.type)}</td>{_cell(t.trigger_f1)}{_cell(t.argument_f1)}</tr>" for t in report.events.types]
    out.append("</table>")
    return out


def _confusion(report: AgreementReport) -> list[str]:
    if not report.confusion:
        return []
    out = [
        "<h2>Label confusion (same extent, different labels)</h2>",
        "<table><tr><th>Label</th><th>Label</th><th>Count</th></tr>",
    ]
    out += [
        f'<tr><td>{h(c.label_a)}</td><td>{h(c.label_b)}</td><td class="num">{c.count}</td></tr>'
        for c in report.confusion[:CONFUSIONS]
    ]
    out.append("</table>")
    return out


def _snippet(item: Disagreement) -> str:
    if item.snippet is None:
        return '<td class="none">—</td>'
    s = item.snippet
    return f'<td dir="rtl" lang="ar">{h(s.before)}<mark>{h(s.text)}</mark>{h(s.after)}</td>'


def _document(report: AgreementReport, d: DocumentAgreement, items: list[Disagreement]) -> list[str]:
    out = [
        f'<div class="doc"><h3>{h(d.id)}</h3><p class="meta">span F1 exact '
        f"{h(d.span_f1_exact.text())}, overlap {h(d.span_f1_overlap.text())} · "
        f"{d.disagreements} disagreement(s) · {d.spans} span(s) by "
        f"{d.annotators} annotator(s)</p>"
    ]
    if items:
        out.append(
            "<table><tr><th>Extent</th><th>Text</th>" + "".join(f"<th>{h(a)}</th>" for a in report.annotators) + "</tr>"
        )
        for item in items:
            said = [item.said_by(a) for a in report.annotators]
            cells = "".join('<td class="none">not annotated</td>' if s is None else f"<td>{h(s)}</td>" for s in said)
            out.append(f"<tr><td>{item.start}–{item.end}</td>{_snippet(item)}{cells}</tr>")
        out.append("</table>")
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


SECTIONS = (_head, _summary, _pairs, _labels, _event_types, _confusion, _worst_documents, _excluded)


def to_html(report: AgreementReport) -> str:
    """A standalone HTML page, one section after another (empty ones left out)."""
    return "\n".join([*(line for section in SECTIONS for line in section(report)), "</body></html>"]) + "\n"
