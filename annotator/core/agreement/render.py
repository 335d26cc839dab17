"""Renderers of the agreement report dict (see :func:`compute_report`): Markdown, CSV, HTML.

All three read only the JSON-ready dict, so a report loaded back from JSON renders the
same. Undefined values (null + ``*_reason``) show as "n/a" with the reason (Markdown: in
the cell; CSV: in the ``reason`` column; HTML: in the cell's tooltip).
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Iterable, Mapping
from typing import Any

WORST_DOCUMENTS = 20  # documents listed in Markdown/HTML
CSV_COLUMNS = ("measure", "scope", "a", "b", "label", "value", "document", "reason")


# --------------------------------------------------------------------------- helpers


def _get(obj: Mapping[str, Any] | None, key: str) -> tuple[float | None, str | None]:
    """(value, reason) of ``key`` under the null convention."""
    if not obj:
        return None, "not computed"
    value = obj.get(key)
    return value, obj.get(f"{key}_reason") if value is None else None


def _map_get(obj: Mapping[str, Any] | None, key: str, name: str) -> tuple[float | None, str | None]:
    """(value, reason) of entry ``name`` of the map ``key`` under the null convention."""
    if not obj:
        return None, "not computed"
    value = (obj.get(key) or {}).get(name)
    return value, (obj.get(f"{key}_reasons") or {}).get(name) if value is None else None


def _num(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _pairs(section: Mapping[str, Any] | None) -> dict[tuple[str, str], Mapping[str, Any]]:
    out: dict[tuple[str, str], Mapping[str, Any]] = {}
    for row in (section or {}).get("pairs", []):
        out[(row["a"], row["b"])] = row
        out[(row["b"], row["a"])] = row
    return out


def _said(item: Mapping[str, Any], annotator: str) -> str | None:
    """What ``annotator`` said at a disagreement: "PER", "PER+ORG", "—" (nothing), None (did
    not annotate the document)."""
    said = item.get("said", {})
    if annotator not in said:
        return None
    labels = said[annotator]
    return "+".join(labels) if labels else "—"


def _worst(report: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The first documents of ``per_document`` (worst first) that have a disagreement."""
    return [d for d in report.get("per_document", []) if d.get("disagreements")][:WORST_DOCUMENTS]


def _labels(report: Mapping[str, Any]) -> list[str]:
    labels = list(report.get("labels", []))
    for section in ("exact", "overlap"):
        for name in report.get("spans", {}).get(section, {}).get("per_label", {}):
            if name not in labels:
                labels.append(name)
    return labels


# --------------------------------------------------------------------------- Markdown


def _md(text: Any) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _md_value(value: float | None, reason: str | None, digits: int = 3) -> str:
    if value is None:
        return f"n/a ({_md(reason)})" if reason else "n/a"
    return f"{value:.{digits}f}"


def _md_table(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> list[str]:
    header = list(header)
    out = ["| " + " | ".join(_md(h) for h in header) + " |", "|" + "---|" * len(header)]
    out.extend("| " + " | ".join(str(c) for c in row) + " |" for row in rows)
    return out


def _summary_rows(report: Mapping[str, Any]) -> list[tuple[str, float | None, str | None]]:
    spans = report.get("spans", {})
    tokens = report.get("tokens", {})
    events = report.get("events", {})
    return [
        ("Span F1, exact (mean over pairs)", *_get(spans.get("exact"), "f1")),
        ("Span F1, overlap (mean over pairs)", *_get(spans.get("overlap"), "f1")),
        ("Cohen's κ on tokens (mean over pairs)", *_get(tokens.get("cohen_kappa"), "mean")),
        ("Fleiss' κ on tokens", *_get(tokens, "fleiss_kappa")),
        ("Krippendorff's α on tokens (nominal)", *_get(tokens, "krippendorff_alpha")),
        ("Krippendorff's α_u (unitizing, characters)", *_get(report.get("unitizing_alpha"), "overall")),
        ("Event trigger F1 (mean over pairs)", *_get(events, "trigger_f1")),
        ("Event argument F1 (mean over pairs)", *_get(events, "argument_f1")),
    ]


def to_markdown(report: Mapping[str, Any]) -> str:
    """The report as a Markdown document (summary, pairs, labels, events, worst documents)."""
    annotators = list(report.get("annotators", []))
    lines = [
        "# Inter-annotator agreement",
        "",
        f"- Guidelines: {_md(report.get('guidelines', ''))}",
        f"- Annotators: {', '.join(_md(a) for a in annotators) or 'none'}",
        f"- Documents: {report.get('documents', 0)} annotated, "
        f"{report.get('documents_shared', 0)} by two or more, "
        f"{report.get('documents_common', 0)} by all",
        "",
        "## Summary",
        "",
    ]
    lines += _md_table(
        ["Measure", "Value"], ([name, _md_value(v, r)] for name, v, r in _summary_rows(report))
    )

    exact, overlap = (
        _pairs(report.get("spans", {}).get("exact")),
        _pairs(report.get("spans", {}).get("overlap")),
    )
    cohen = _pairs(report.get("tokens", {}).get("cohen_kappa"))
    events = _pairs(report.get("events"))
    rows = []
    for row in report.get("spans", {}).get("exact", {}).get("pairs", []):
        key = (row["a"], row["b"])
        rows.append(
            [
                _md(row["a"]),
                _md(row["b"]),
                _md_value(*_get(exact.get(key), "f1")),
                _md_value(*_get(overlap.get(key), "f1")),
                _md_value(*_get(cohen.get(key), "kappa")),
                _md_value(*_get(events.get(key), "trigger_f1")),
                _md_value(*_get(events.get(key), "argument_f1")),
                f"{row.get('matched', 0)} / {row.get('a_count', 0)} / {row.get('b_count', 0)}",
            ]
        )
    if rows:
        lines += ["", "## Annotator pairs", ""]
        header = [
            "a",
            "b",
            "Span F1 exact",
            "Span F1 overlap",
            "Cohen's κ",
            "Trigger F1",
            "Argument F1",
            "Exact matched / a / b",
        ]
        lines += _md_table(header, rows)

    labels = _labels(report)
    if labels:
        spans = report.get("spans", {})
        unit = report.get("unitizing_alpha")
        lines += ["", "## Labels (means over pairs)", ""]
        lines += _md_table(
            ["Label", "Span F1 exact", "Span F1 overlap", "α_u"],
            (
                [
                    _md(lab),
                    _md_value(*_map_get(spans.get("exact"), "per_label", lab)),
                    _md_value(*_map_get(spans.get("overlap"), "per_label", lab)),
                    _md_value(*_map_get(unit, "per_label", lab)),
                ]
                for lab in labels
            ),
        )

    per_type = report.get("events", {}).get("per_type", {})
    if per_type:
        lines += ["", "## Event types (means over pairs)", ""]
        lines += _md_table(
            ["Type", "Trigger F1", "Argument F1"],
            (
                [_md(t), _md_value(*_get(v, "trigger_f1")), _md_value(*_get(v, "argument_f1"))]
                for t, v in per_type.items()
            ),
        )

    confusion = report.get("confusion", [])
    if confusion:
        lines += ["", "## Label confusion (same extent, different labels)", ""]
        lines += _md_table(
            ["Label", "Label", "Count"],
            ([_md(c["label_a"]), _md(c["label_b"]), c["count"]] for c in confusion),
        )

    docs = _worst(report)
    if docs:
        lines += ["", f"## Documents with the most disagreement (first {len(docs)})", ""]
        lines += _md_table(
            ["Document", "Span F1 exact", "Span F1 overlap", "Disagreements", "Spans", "Annotators"],
            (
                [
                    _md(d["id"]),
                    _md_value(*_get(d, "span_f1_exact")),
                    _md_value(*_get(d, "span_f1_overlap")),
                    d.get("disagreements", 0),
                    d.get("spans", 0),
                    d.get("annotators", 0),
                ]
                for d in docs
            ),
        )

    items = report.get("disagreements", [])
    if items:
        total = report.get("disagreements_total", len(items))
        lines += ["", f"## Disagreements ({len(items)} of {total}, worst documents first)", ""]
        with_text = any("text" in i for i in items)
        header = ["Document", "Extent"] + (["Text"] if with_text else []) + [_md(a) for a in annotators]
        rows = []
        for item in items:
            row = [_md(item["doc_id"]), f"{item['start']}–{item['end']}"]
            if with_text:
                row.append(_md(item.get("text", "")))
            row += [_md(s) if (s := _said(item, a)) is not None else "(not annotated)" for a in annotators]
            rows.append(row)
        lines += _md_table(header, rows)

    excluded = report.get("excluded", [])
    if excluded:
        lines += ["", "## Excluded", ""]
        lines += [f"- {_md(e if isinstance(e, str) else _describe(e))}" for e in excluded]
    return "\n".join(lines) + "\n"


def _describe(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


# --------------------------------------------------------------------------- CSV


def _csv_rows(report: Mapping[str, Any]) -> Iterable[tuple[Any, ...]]:
    def row(
        measure: str,
        scope: str,
        obj: Mapping[str, Any] | None,
        key: str,
        *,
        a: str = "",
        b: str = "",
        label: str = "",
        document: str = "",
        is_map: bool = False,
    ) -> tuple[Any, ...]:
        value, reason = _map_get(obj, key, label) if is_map else _get(obj, key)
        return (
            measure,
            scope,
            a,
            b,
            label,
            "" if value is None else repr(float(value)),
            document,
            reason or "",
        )

    spans = report.get("spans", {})
    for mode in ("exact", "overlap"):
        section = spans.get(mode, {})
        measure = f"span_f1_{mode}"
        yield row(measure, "overall", section, "f1")
        for lab in section.get("per_label", {}):
            yield row(measure, "label", section, "per_label", label=lab, is_map=True)
        for p in section.get("pairs", []):
            yield row(measure, "pair", p, "f1", a=p["a"], b=p["b"])
            for lab in p.get("per_label", {}):
                yield row(measure, "pair_label", p, "per_label", a=p["a"], b=p["b"], label=lab, is_map=True)
    tokens = report.get("tokens", {})
    cohen = tokens.get("cohen_kappa", {})
    yield row("cohen_kappa", "overall", cohen, "mean")
    for p in cohen.get("pairs", []):
        yield row("cohen_kappa", "pair", p, "kappa", a=p["a"], b=p["b"])
    yield row("fleiss_kappa", "overall", tokens, "fleiss_kappa")
    yield row("krippendorff_alpha", "overall", tokens, "krippendorff_alpha")
    unit = report.get("unitizing_alpha", {})
    yield row("unitizing_alpha", "overall", unit, "overall")
    for lab in unit.get("per_label", {}):
        yield row("unitizing_alpha", "label", unit, "per_label", label=lab, is_map=True)
    events = report.get("events", {})
    for measure in ("trigger_f1", "argument_f1"):
        yield row(measure, "overall", events, measure)
        for t, v in events.get("per_type", {}).items():
            yield row(measure, "type", v, measure, label=t)
        for p in events.get("pairs", []):
            yield row(measure, "pair", p, measure, a=p["a"], b=p["b"])
    for d in report.get("per_document", []):
        for measure in ("span_f1_exact", "span_f1_overlap"):
            yield row(measure, "document", d, measure, document=d["id"])


def to_csv(report: Mapping[str, Any]) -> str:
    """A tidy table, one value per row: measure, scope (overall, pair, label, pair_label,
    type, document), a, b, label (label or event type), value (empty when undefined),
    document, reason (why the value is undefined)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(_csv_rows(report))
    return buffer.getvalue()


# --------------------------------------------------------------------------- HTML

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
.maps{display:flex;flex-wrap:wrap;gap:2rem}
[dir=rtl]{font-family:"Noto Naskh Arabic","Amiri","Arial",sans-serif;font-size:1.1rem}
mark{background:#ffe58a;padding:0 .1rem}
.doc{margin-top:1.2rem}
.doc h3{font-size:1rem;margin:.2rem 0}
.none{color:#8a94a3}
"""


def _h(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _h_value(value: float | None, reason: str | None) -> str:
    if value is None:
        return f'<td class="num na" title="{_h(reason or "undefined")}">n/a</td>'
    return f'<td class="num">{value:.3f}</td>'


def _color(value: float | None) -> str:
    """Red (0 or below) through amber to green (1)."""
    if value is None:
        return "#e3e6eb"
    v = max(0.0, min(1.0, value))
    return f"hsl({round(120 * v)},65%,{round(78 - 20 * v)}%)"


def _heatmap(title: str, annotators: list[str], section: Mapping[str, Any] | None) -> str:
    n = len(annotators)
    if n < 2:
        return ""
    pairs = _pairs(section)
    cell, label_w, top = 56, max(60, 8 * max(len(a) for a in annotators) + 12), 28
    width, height = label_w + n * cell + label_w // 2 + 4, top + label_w + n * cell + 4
    parts = [
        f'<figure><svg width="{width}" height="{height}" role="img" '
        f'aria-label="{_h(title)}" font-family="system-ui,sans-serif" font-size="12">',
        f'<text x="0" y="16" font-weight="600">{_h(title)}</text>',
    ]
    grid_top = top + label_w
    for i, a in enumerate(annotators):
        y = grid_top + i * cell + cell / 2 + 4
        parts.append(f'<text x="{label_w - 6}" y="{y}" text-anchor="end">{_h(a)}</text>')
        x = label_w + i * cell + cell / 2
        parts.append(f'<text transform="translate({x + 4},{grid_top - 6}) rotate(-60)">{_h(a)}</text>')
    for i, a in enumerate(annotators):
        for j, b in enumerate(annotators):
            x, y = label_w + j * cell, grid_top + i * cell
            if i == j:
                parts.append(
                    f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="#f7f8fa" stroke="#fff"/>'
                )
                continue
            value, reason = _get(pairs.get((a, b)), "f1")
            tip = f"{a} × {b}: " + (f"{value:.3f}" if value is not None else f"n/a — {reason}")
            parts.append(
                f'<g><title>{_h(tip)}</title><rect x="{x}" y="{y}" width="{cell}" height="{cell}" '
                f'fill="{_color(value)}" stroke="#fff"/>'
                f'<text x="{x + cell / 2}" y="{y + cell / 2 + 4}" text-anchor="middle">'
                f"{_h(_num(value, 2))}</text></g>"
            )
    parts.append("</svg></figure>")
    return "".join(parts)


def _bars(report: Mapping[str, Any]) -> str:
    labels = _labels(report)
    if not labels:
        return ""
    spans = report.get("spans", {})
    series = [
        ("exact F1", spans.get("exact"), "per_label", "#3b6fb6"),
        ("overlap F1", spans.get("overlap"), "per_label", "#8fb3e3"),
        ("α_u", report.get("unitizing_alpha"), "per_label", "#d08a2e"),
    ]
    label_w, bar_w, bar_h, gap = max(70, 8 * max(len(x) for x in labels) + 12), 320, 12, 10
    group_h = len(series) * bar_h + gap
    legend_h = 22
    height = legend_h + len(labels) * group_h + 4
    width = label_w + bar_w + 60
    parts = [
        f'<svg width="{width}" height="{height}" role="img" '
        f'aria-label="per-label agreement" font-family="system-ui,sans-serif" font-size="11">'
    ]
    x = label_w
    for name, _, _, color in series:
        parts.append(
            f'<rect x="{x}" y="4" width="10" height="10" fill="{color}"/>'
            f'<text x="{x + 14}" y="13">{_h(name)}</text>'
        )
        x += 14 + 8 * len(name) + 16
    for k, lab in enumerate(labels):
        y0 = legend_h + k * group_h
        parts.append(
            f'<text x="{label_w - 6}" y="{y0 + len(series) * bar_h / 2 + 4}" text-anchor="end">'
            f"{_h(lab)}</text>"
        )
        for s, (name, section, key, color) in enumerate(series):
            value, reason = _map_get(section, key, lab)
            y = y0 + s * bar_h
            tip = f"{lab}, {name}: " + (f"{value:.3f}" if value is not None else f"n/a — {reason}")
            w = 0 if value is None else max(0.0, min(1.0, value)) * bar_w
            parts.append(
                f'<g><title>{_h(tip)}</title><rect x="{label_w}" y="{y}" width="{w:.1f}" '
                f'height="{bar_h - 2}" fill="{color}"/>'
                f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h - 3}">{_h(_num(value, 2))}</text></g>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _snippet(item: Mapping[str, Any]) -> str:
    if "text" not in item:
        return '<td class="none">—</td>'
    return (
        f'<td dir="rtl" lang="ar">{_h(item.get("before", ""))}<mark>{_h(item["text"])}</mark>'
        f"{_h(item.get('after', ''))}</td>"
    )


def to_html(report: Mapping[str, Any]) -> str:
    """A standalone HTML page (inline CSS and SVG, nothing fetched): summary, annotator ×
    annotator heatmaps of pair span F1, per-label bars, event types, label confusion, and
    the worst documents with their disagreements (Arabic text right-to-left)."""
    annotators = list(report.get("annotators", []))
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Inter-annotator agreement</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Inter-annotator agreement</h1>",
        f'<p class="meta">Guidelines: <b>{_h(report.get("guidelines", ""))}</b> · Annotators: '
        f"{_h(', '.join(annotators) or 'none')}</p>",
        f'<p class="meta">Documents: {report.get("documents", 0)} annotated, '
        f"{report.get('documents_shared', 0)} "
        f"by two or more, {report.get('documents_common', 0)} by all</p>",
        "<h2>Summary</h2>",
        '<div class="cards">',
    ]
    for name, value, reason in _summary_rows(report):
        shown = (
            _h(_num(value))
            if value is not None
            else f'<span class="na" title="{_h(reason or "")}">n/a</span>'
        )
        out.append(f'<div class="card"><div class="v">{shown}</div><div class="k">{_h(name)}</div></div>')
    out.append("</div>")

    spans = report.get("spans", {})
    maps = _heatmap("Span F1, exact", annotators, spans.get("exact")) + _heatmap(
        "Span F1, overlap", annotators, spans.get("overlap")
    )
    if maps:
        out += ["<h2>Annotator pairs</h2>", f'<div class="maps">{maps}</div>']
        cohen = _pairs(report.get("tokens", {}).get("cohen_kappa"))
        events = _pairs(report.get("events"))
        overlap = _pairs(spans.get("overlap"))
        out.append(
            "<table><tr><th>a</th><th>b</th><th>Span F1 exact</th><th>Span F1 overlap</th><th>Cohen's κ</th>"
            "<th>Trigger F1</th><th>Argument F1</th><th>Documents both annotated</th></tr>"
        )
        for p in spans.get("exact", {}).get("pairs", []):
            key = (p["a"], p["b"])
            out.append(
                f"<tr><td>{_h(p['a'])}</td><td>{_h(p['b'])}</td>{_h_value(*_get(p, 'f1'))}"
                f"{_h_value(*_get(overlap.get(key), 'f1'))}{_h_value(*_get(cohen.get(key), 'kappa'))}"
                f"{_h_value(*_get(events.get(key), 'trigger_f1'))}"
                f"{_h_value(*_get(events.get(key), 'argument_f1'))}"
                f'<td class="num">{p.get("documents", 0)}</td></tr>'
            )
        out.append("</table>")

    bars = _bars(report)
    if bars:
        out += ["<h2>Labels</h2>", bars]

    per_type = report.get("events", {}).get("per_type", {})
    if per_type:
        out += [
            "<h2>Event types</h2>",
            "<table><tr><th>Type</th><th>Trigger F1</th><th>Argument F1</th></tr>",
        ]
        for t, v in per_type.items():
            out.append(
                f"<tr><td>{_h(t)}</td>{_h_value(*_get(v, 'trigger_f1'))}"
                f"{_h_value(*_get(v, 'argument_f1'))}</tr>"
            )
        out.append("</table>")

    confusion = report.get("confusion", [])
    if confusion:
        out += [
            "<h2>Label confusion (same extent, different labels)</h2>",
            "<table><tr><th>Label</th><th>Label</th><th>Count</th></tr>",
        ]
        for c in confusion[:50]:
            out.append(
                f"<tr><td>{_h(c['label_a'])}</td><td>{_h(c['label_b'])}</td>"
                f'<td class="num">{c["count"]}</td></tr>'
            )
        out.append("</table>")

    docs = _worst(report)
    by_doc: dict[str, list[Mapping[str, Any]]] = {}
    for item in report.get("disagreements", []):
        by_doc.setdefault(item["doc_id"], []).append(item)
    if docs:
        out.append(f"<h2>Documents with the most disagreement (first {len(docs)})</h2>")
        for d in docs:
            out.append(
                f'<div class="doc"><h3>{_h(d["id"])}</h3><p class="meta">span F1 exact '
                f"{_h(_num(d.get('span_f1_exact')))}, overlap {_h(_num(d.get('span_f1_overlap')))} · "
                f"{d.get('disagreements', 0)} disagreement(s) · {d.get('spans', 0)} span(s) by "
                f"{d.get('annotators', 0)} annotator(s)</p>"
            )
            items = by_doc.get(d["id"], [])
            if items:
                out.append(
                    "<table><tr><th>Extent</th><th>Text</th>"
                    + "".join(f"<th>{_h(a)}</th>" for a in annotators)
                    + "</tr>"
                )
                for item in items:
                    cells = []
                    for a in annotators:
                        said = _said(item, a)
                        cells.append(
                            '<td class="none">not annotated</td>' if said is None else f"<td>{_h(said)}</td>"
                        )
                    out.append(
                        f"<tr><td>{item['start']}–{item['end']}</td>{_snippet(item)}{''.join(cells)}</tr>"
                    )
                out.append("</table>")
            out.append("</div>")

    excluded = report.get("excluded", [])
    if excluded:
        out += ["<h2>Excluded</h2>", "<ul>"]
        out += [f"<li>{_h(e if isinstance(e, str) else _describe(e))}</li>" for e in excluded]
        out.append("</ul>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
