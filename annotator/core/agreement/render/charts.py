"""Inline SVG charts of the HTML report: the annotator × annotator heatmap and the
per-label bars. No script, nothing fetched; each value's tooltip gives it or its reason."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

from annotator.core.agreement.report_model import LabelAgreement, Value
from annotator.core.text.printable import printable


def h(text: Any) -> str:
    """``text`` escaped for HTML text and attribute values, and with no terminal code in it
    (``printable``): the page is data for a browser and for ``cat`` alike."""
    return html.escape(printable(str(text)), quote=True)


def _color(value: Value) -> str:
    """Red (0 or below) through amber to green (1); grey when undefined."""
    if value.number is None:
        return "#e3e6eb"
    v = max(0.0, min(1.0, value.number))
    return f"hsl({round(120 * v)},65%,{round(78 - 20 * v)}%)"


def _tip(name: str, value: Value) -> str:
    return f"{name}: " + (value.text() if value.number is not None else f"n/a — {value.reason}")


def heatmap(title: str, annotators: Sequence[str], cell: Callable[[str, str], Value]) -> str:
    """A square of ``cell(a, b)`` for every two annotators (empty for fewer than two)."""
    n = len(annotators)
    if n < 2:
        return ""
    size, label_w, top = 56, max(60, 8 * max(len(a) for a in annotators) + 12), 28
    width, height = label_w + n * size + label_w // 2 + 4, top + label_w + n * size + 4
    parts = [
        f'<figure><svg width="{width}" height="{height}" role="img" '
        f'aria-label="{h(title)}" font-family="system-ui,sans-serif" font-size="12">',
        f'<text x="0" y="16" font-weight="600">{h(title)}</text>',
    ]
    grid_top = top + label_w
    for i, a in enumerate(annotators):
        y = grid_top + i * size + size / 2 + 4
        parts.append(f'<text x="{label_w - 6}" y="{y}" text-anchor="end">{h(a)}</text>')
        x = label_w + i * size + size / 2
        parts.append(f'<text transform="translate({x + 4},{grid_top - 6}) rotate(-60)">{h(a)}</text>')
    for i, a in enumerate(annotators):
        for j, b in enumerate(annotators):
            x, y = label_w + j * size, grid_top + i * size
            if i == j:
                parts.append(f'<rect x="{x}" y="{y}" width="{size}" height="{size}" fill="#f7f8fa" stroke="#fff"/>')
                continue
            value = cell(a, b)
            parts.append(
                f'<g><title>{h(_tip(f"{a} × {b}", value))}</title><rect x="{x}" y="{y}" width="{size}" '
                f'height="{size}" fill="{_color(value)}" stroke="#fff"/>'
                f'<text x="{x + size / 2}" y="{y + size / 2 + 4}" text-anchor="middle">'
                f"{h(value.text(2))}</text></g>"
            )
    parts.append("</svg></figure>")
    return "".join(parts)


SERIES: tuple[tuple[str, Callable[[LabelAgreement], Value], str], ...] = (
    ("exact F1", lambda lab: lab.span_f1_exact, "#3b6fb6"),
    ("overlap F1", lambda lab: lab.span_f1_overlap, "#8fb3e3"),
    ("α_u", lambda lab: lab.alpha_u, "#d08a2e"),
)


def bars(labels: Sequence[LabelAgreement]) -> str:
    """Per label, one bar per :data:`SERIES` (empty without labels)."""
    if not labels:
        return ""
    label_w, bar_w, bar_h, gap = max(70, 8 * max(len(lab.label) for lab in labels) + 12), 320, 12, 10
    group_h = len(SERIES) * bar_h + gap
    legend_h = 22
    height = legend_h + len(labels) * group_h + 4
    width = label_w + bar_w + 60
    parts = [
        f'<svg width="{width}" height="{height}" role="img" '
        f'aria-label="per-label agreement" font-family="system-ui,sans-serif" font-size="11">'
    ]
    x = label_w
    for name, _, color in SERIES:
        parts.append(
            f'<rect x="{x}" y="4" width="10" height="10" fill="{color}"/><text x="{x + 14}" y="13">{h(name)}</text>'
        )
        x += 14 + 8 * len(name) + 16
    for k, lab in enumerate(labels):
        y0 = legend_h + k * group_h
        parts.append(
            f'<text x="{label_w - 6}" y="{y0 + len(SERIES) * bar_h / 2 + 4}" text-anchor="end">{h(lab.label)}</text>'
        )
        for s, (name, pick, color) in enumerate(SERIES):
            value = pick(lab)
            y = y0 + s * bar_h
            w = 0 if value.number is None else max(0.0, min(1.0, value.number)) * bar_w
            parts.append(
                f'<g><title>{h(_tip(f"{lab.label}, {name}", value))}</title><rect x="{label_w}" y="{y}" '
                f'width="{w:.1f}" height="{bar_h - 2}" fill="{color}"/>'
                f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h - 3}">{h(value.text(2))}</text></g>'
            )
    parts.append("</svg>")
    return "".join(parts)
