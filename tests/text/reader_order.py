"""The order in which the reader draws a paragraph, as character indices, for oracle tests.

The reader draws clusters (a base character and its marks), so an oracle's visual order
of characters is compared cluster by cluster: each cluster where its characters are, and
characters that UAX #9 removes (rule X9: embeddings, overrides, boundary neutrals) left out
on both sides. An oracle order that splits a cluster (a mark at another level than its
base) cannot be drawn by any cell-based reader: ``project`` returns None for it.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence

from annotator.core.text.layout import Layout


def reader_clusters(text: str, direction: int | None) -> tuple[list[int], list[int], int]:
    """(cluster bounds, cluster starts left to right, paragraph level) for one unwrapped line."""
    layout = Layout.of_text(text, width=10 * len(text) + 10, mode="app", direction=direction)
    assert len(layout.lines) == 1, "a paragraph without newlines is one line at this width"
    line = layout.lines[0]
    paragraph = line.paragraph
    bounds = paragraph.clusters.bounds
    starts = [bounds[k] for k in line.order]
    return bounds, starts, paragraph.base


def project(order: Iterable[int], bounds: Sequence[int], keep: set[int]) -> list[int] | None:
    """Character indices in visual order -> the clusters they belong to, in visual order
    (first characters' indices), only clusters holding a character of ``keep``; None if
    a cluster's characters are not next to each other."""
    out: list[int] = []
    seen: set[int] = set()
    for i in order:
        if i not in keep:
            continue
        k = bisect_right(bounds, i) - 1
        if out and out[-1] == bounds[k]:
            continue
        if bounds[k] in seen:
            return None
        seen.add(bounds[k])
        out.append(bounds[k])
    return out


def reader_order(text: str, direction: int | None, keep: set[int]) -> tuple[list[int], list[int], int]:
    """(cluster bounds, the reader's visual order of clusters that hold a character of
    ``keep`` as their first indices, paragraph level) for one unwrapped paragraph."""
    bounds, starts, base = reader_clusters(text, direction)
    out = [s for s in starts if any(i in keep for i in range(s, bounds[bisect_right(bounds, s)]))]
    return bounds, out, base
