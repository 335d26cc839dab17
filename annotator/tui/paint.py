"""Highlights for a document's annotations: label colours, nesting, triggers, search hits."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from rich.color import Color
from rich.style import Style

from annotator.core.annotations.model import DocumentAnnotations
from annotator.core.guidelines.schema import Schema
from annotator.core.suggestions.model import Suggestion
from annotator.tui.widgets.reader_view import Highlight

_INK = Color.parse("#101010")
_REVIEW = Style(strike=False, overline=True)
SEARCH_HIT = Style(bgcolor="#d7d700", color="#000000", bold=True)


def annotation_highlights(doc: DocumentAnnotations, schema: Schema) -> list[Highlight]:
    """Outer spans first so inner (nested) ones paint over them, underlined to stay distinct.

    Entities are drawn as their label colour behind dark text; event triggers in bold (not
    italic: Konsole finds no italic Arabic face and draws boxes); annotations a migration
    left for review get an overline.
    """
    colours = {label.name: label.colour for label in schema.labels}
    colours.update({event.name: event.colour for event in schema.events})
    items = [(e.start, e.end, e.label, False, bool(e.needs_review)) for e in doc.entities]
    items += [(e.start, e.end, e.type, True, bool(e.needs_review)) for e in doc.events]
    items.sort(key=lambda x: (x[0] - x[1], x[0]))
    shared = Counter((x[0], x[1]) for x in items)
    inner = _nested(shared)
    styles: dict[tuple[str, bool, bool, bool], Style] = {}  # a few kinds, however many annotations
    out: list[Highlight] = []
    for start, end, name, trigger, review in items:
        kind = (name, (start, end) in inner or shared[start, end] > 1, trigger, review)
        style = styles.get(kind)
        if style is None:
            style = styles[kind] = _style(colours.get(name, "#888888"), *kind[1:])
        out.append(Highlight(start, end, style))
    return out


def suggestion_highlights(suggestions: Iterable[Suggestion], schema: Schema) -> list[Highlight]:
    """Suggestions are not annotations: the text in the label's colour, underlined, on the
    reader's own background (annotations paint over them)."""
    colours = {label.name: label.colour for label in schema.labels}
    styles: dict[str, Style] = {}
    out: list[Highlight] = []
    for s in suggestions:
        style = styles.get(s.label)
        if style is None:
            style = styles[s.label] = Style(color=colours.get(s.label, "#888888"), underline=True, bold=True)
        out.append(Highlight(s.start, s.end, style))
    return out


def _style(colour: str, underline: bool, trigger: bool, review: bool) -> Style:
    style = Style(bgcolor=colour, color=_INK)
    if underline:
        style += Style(underline=True)
    if trigger:
        style += Style(bold=True)
    if review:
        style += _REVIEW
    return style


def _nested(extents) -> set[tuple[int, int]]:
    """The extents lying inside another, different extent: one sweep in (start, -end) order,
    where an extent is inside an earlier one exactly when some earlier end reaches its end."""
    inner: set[tuple[int, int]] = set()
    reach = -1
    for start, end in sorted(extents, key=lambda x: (x[0], -x[1])):
        if reach >= end:
            inner.add((start, end))
        reach = max(reach, end)
    return inner
