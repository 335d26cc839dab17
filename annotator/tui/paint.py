"""Highlights for a document's annotations: label colours, nesting, triggers, search hits."""

from __future__ import annotations

from rich.color import Color
from rich.style import Style

from annotator.core.annotations import DocumentAnnotations
from annotator.core.guidelines import Schema
from annotator.tui.widgets.reader_view import Highlight

_INK = Color.parse("#101010")
_REVIEW = Style(strike=False, overline=True)
SEARCH_HIT = Style(bgcolor="#d7d700", color="#000000", bold=True)


def annotation_highlights(doc: DocumentAnnotations, schema: Schema) -> list[Highlight]:
    """Outer spans first so inner (nested) ones paint over them, underlined to stay distinct.

    Entities are drawn as their label colour behind dark text; event triggers in bold
    italic; annotations a migration left for review get an overline.
    """
    colours = {label.name: label.colour for label in schema.labels}
    colours.update({event.name: event.colour for event in schema.events})
    items = [(e.start, e.end, e.label, False, bool(e.needs_review)) for e in doc.entities]
    items += [(e.start, e.end, e.type, True, bool(e.needs_review)) for e in doc.events]
    items.sort(key=lambda x: (-(x[1] - x[0]), x[0]))
    out: list[Highlight] = []
    for start, end, name, trigger, review in items:
        nested = any(o[0] <= start and end <= o[1] and (o[0], o[1]) != (start, end) for o in items)
        same_extent = sum(1 for o in items if (o[0], o[1]) == (start, end)) > 1
        style = Style(bgcolor=colours.get(name, "#888888"), color=_INK)
        if nested or same_extent:
            style += Style(underline=True)
        if trigger:
            style += Style(bold=True, italic=True)
        if review:
            style += _REVIEW
        out.append(Highlight(start, end, style))
    return out
