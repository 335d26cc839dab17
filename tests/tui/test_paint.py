"""Highlights: nested and same-extent spans are drawn distinguishable (underlined)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.annotations.model import DocumentAnnotations, Entity
from annotator.core.guidelines.schema import load_schema
from annotator.tui.paint import annotation_highlights
from tests.conftest import REPO

SCHEMA = load_schema(REPO / "guidelines", "2.0.0")
spans = st.lists(st.tuples(st.integers(0, 30), st.integers(1, 8), st.sampled_from(["PER", "ORG", "GPE"])), max_size=12)


@settings(max_examples=200, deadline=None)
@given(spans)
def test_an_annotation_is_underlined_exactly_when_inside_another_or_sharing_its_extent(items) -> None:
    entities = tuple(Entity(f"T{i}", s, s + n, label) for i, (s, n, label) in enumerate(items))
    doc = DocumentAnnotations("d", "0" * 64, "2.0.0", "t", "in_progress", entities)
    extents = [(e.start, e.end) for e in entities]
    for h in annotation_highlights(doc, SCHEMA):
        inside = any(o[0] <= h.start and h.end <= o[1] and o != (h.start, h.end) for o in extents)
        shared = extents.count((h.start, h.end)) > 1
        assert bool(h.style.underline) == (inside or shared)
