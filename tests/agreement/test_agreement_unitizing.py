"""Unitizing α_u: the vectorized implementation against a line-by-line port of DKPro's
sweep (KrippendorffAlphaUnitizingAgreement) on random continua, plus the corpus rules
(merging a rater's overlapping units, concatenating documents, undefined cases)."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.agreement import Undefined, Value, alpha_u, unitizing_alpha

PROPERTY = settings(max_examples=50, deadline=None)


# --------------------------------------------------------------------------- DKPro port


def _next(units, rater, category, i):
    """Index of the next unit of (rater, category) at or after position i of the sorted list."""
    while i < len(units) and not (units[i][2] == rater and units[i][3] == category):
        i += 1
    return i


def _distance(o1, l1, c1, o2, l2, c2):
    begin_diff, length_diff = o1 - o2, l1 - l2
    if c1 is not None and c2 is not None and -l1 < begin_diff < l2:
        return begin_diff**2 + (begin_diff + length_diff) ** 2
    if c1 is not None and c2 is None and -length_diff >= begin_diff >= 0:
        return l1 * l1
    if c1 is None and c2 is not None and -length_diff <= begin_diff <= 0:
        return l2 * l2
    return 0


def dkpro(units, raters, length, category):
    """(D_o, D_e) for one category; ``units``: (offset, length, rater, category) sorted by
    offset, one rater's units of one category never overlapping (DKPro's precondition)."""
    b, L, R = 0, length, raters
    observed = 0
    for r1 in range(R):
        for r2 in range(r1 + 1, R):
            i1, i2 = _next(units, r1, category, 0), _next(units, r2, category, 0)
            off1 = len1 = off2 = len2 = 0
            c1 = c2 = None
            pos = b
            while pos < b + L and (i1 < len(units) or i2 < len(units)):
                if pos == off1 + len1:
                    if i1 < len(units) and pos == units[i1][0]:
                        len1, c1 = units[i1][1], units[i1][3]
                        i1 = _next(units, r1, category, i1 + 1)
                    else:
                        len1, c1 = (units[i1][0] if i1 < len(units) else b + L) - pos, None
                    off1 = pos
                if pos == off2 + len2:
                    if i2 < len(units) and pos == units[i2][0]:
                        len2, c2 = units[i2][1], units[i2][3]
                        i2 = _next(units, r2, category, i2 + 1)
                    else:
                        len2, c2 = (units[i2][0] if i2 < len(units) else b + L) - pos, None
                    off2 = pos
                observed += _distance(off1, len1, c1, off2, len2, c2)
                pos = min(off1 + len1, off2 + len2)
    d_o = 2.0 * observed / (R * (R - 1) * L * L)
    mine = [u for u in units if u[3] == category]
    n_c = len(mine)
    squared = sum(u[1] * (u[1] - 1) for u in mine)
    gaps = []
    for r in range(R):
        i = _next(units, r, category, 0)
        offset = size = 0
        pos = b
        while pos < b + L:
            if pos == offset + size:
                if i < len(units) and pos == units[i][0]:
                    size = units[i][1]
                    i = _next(units, r, category, i + 1)
                else:
                    size = (units[i][0] if i < len(units) else b + L) - pos
                    gaps.append(size)
                offset = pos
            pos = offset + size
    total = 0.0
    for u in mine:
        unit_len = u[1]
        total += (n_c - 1) * (2 * unit_len**3 - 3 * unit_len**2 + unit_len) / 3 + unit_len * unit_len * sum(
            g - unit_len + 1 for g in gaps if g >= unit_len
        )
    d_e = total * (2.0 / L) / (R * L * (R * L - 1) - squared)
    return d_o, d_e


@st.composite
def continuum(draw):
    raters = draw(st.integers(2, 3))
    length = draw(st.integers(1, 40))
    units = []
    for r in range(raters):
        for category in ("A", "B"):
            pos = 0
            while pos < length and draw(st.integers(0, 3)):
                start = draw(st.integers(pos, length - 1))
                end = draw(st.integers(start + 1, length))
                units.append((start, end - start, r, category))
                pos = end + draw(st.integers(0, 1))  # sometimes touching, never overlapping
    return raters, length, sorted(units)


def frame(units) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "rater": [u[2] for u in units],
            "label": [u[3] for u in units],
            "start": [u[0] for u in units],
            "end": [u[0] + u[1] for u in units],
        },
        schema={"rater": pl.Int64, "label": pl.String, "start": pl.Int64, "end": pl.Int64},
    )


@PROPERTY
@given(continuum())
def test_alpha_u_matches_dkpro_sweep(case):
    raters, length, units = case
    result = alpha_u(frame(units), raters, length)
    categories = sorted({u[3] for u in units})
    if not categories:
        assert isinstance(result.overall, Undefined)
        return
    sums = [0.0, 0.0]
    for c in categories:
        d_o, d_e = dkpro(units, raters, length, c)
        sums[0] += d_o
        sums[1] += d_e
        assert result.observed[c] == pytest.approx(d_o, rel=1e-9, abs=1e-12)
        assert result.expected[c] == pytest.approx(d_e, rel=1e-9, abs=1e-12)
        want = 0.0 if d_o == pytest.approx(d_e, rel=1e-12, abs=0) else 1 - d_o / d_e
        assert result.per_label[c] == pytest.approx(want, rel=1e-9, abs=1e-9)
    d_o, d_e = sums[0] / len(categories), sums[1] / len(categories)
    want = 0.0 if d_o == pytest.approx(d_e, rel=1e-12, abs=0) else 1 - d_o / d_e
    assert result.overall == pytest.approx(want, rel=1e-9, abs=1e-9)


@st.composite
def overlapping_continuum(draw):
    raters = draw(st.integers(2, 3))
    length = draw(st.integers(2, 30))
    units = []
    for r in range(raters):
        for _ in range(draw(st.integers(0, 4))):
            start = draw(st.integers(0, length - 1))
            end = draw(st.integers(start + 1, length))
            units.append((start, end - start, r, "A"))
    return raters, length, sorted(units)


def merge(units):
    """Union of each rater's overlapping units (touching units stay apart)."""
    out = []
    for r in sorted({u[2] for u in units}):
        current = None
        for start, size, _, c in sorted(u for u in units if u[2] == r):
            end = start + size
            if current and start < current[1]:
                current[1] = max(current[1], end)
            else:
                if current:
                    out.append((current[0], current[1] - current[0], r, c))
                current = [start, end]
        out.append((current[0], current[1] - current[0], r, "A"))
    return sorted(out)


@PROPERTY
@given(overlapping_continuum())
def test_overlapping_units_of_one_rater_are_merged(case):
    raters, length, units = case
    result = alpha_u(frame(units), raters, length)
    if not units:
        assert isinstance(result.overall, Undefined)
        return
    merged = merge(units)
    d_o, d_e = dkpro(merged, raters, length, "A")
    assert result.observed["A"] == pytest.approx(d_o, rel=1e-9, abs=1e-12)
    assert result.expected["A"] == pytest.approx(d_e, rel=1e-9, abs=1e-12)
    assert result.merged == len(units) - len(merged)


def test_identical_annotators_give_one_and_swapping_changes_nothing():
    spans = pl.DataFrame(
        {
            "annotator": ["x", "x", "x", "y", "y", "y"],
            "doc_id": ["d1", "d1", "d2", "d1", "d1", "d2"],
            "start": [0, 5, 2, 0, 5, 2],
            "end": [3, 9, 4, 3, 9, 4],
            "label": ["PER", "LOC", "PER", "PER", "LOC", "PER"],
        }
    )
    coverage = pl.DataFrame({"annotator": ["x", "x", "y", "y"], "doc_id": ["d1", "d2", "d1", "d2"]})
    lengths = pl.DataFrame({"doc_id": ["d1", "d2"], "length": [12, 6]})
    result = unitizing_alpha(spans, coverage, lengths)
    assert result.overall == 1.0
    assert result.per_label == {"LOC": 1.0, "PER": 1.0}
    changed = spans.with_columns(end=pl.when(pl.col("annotator") == "y").then(pl.col("end") + 1).otherwise("end"))
    one = unitizing_alpha(changed, coverage, lengths, annotators=["x", "y"])
    other = unitizing_alpha(changed, coverage, lengths, annotators=["y", "x"])
    assert one.overall == pytest.approx(other.overall, abs=1e-12)
    assert one.per_label == pytest.approx(other.per_label, abs=1e-12)


def test_unitizing_uses_documents_every_annotator_annotated():
    spans = pl.DataFrame(
        {
            "annotator": ["x", "y", "x"],
            "doc_id": ["d1", "d1", "d2"],
            "start": [0, 0, 0],
            "end": [2, 2, 2],
            "label": ["A"] * 3,
        }
    )
    coverage = pl.DataFrame({"annotator": ["x", "y", "x"], "doc_id": ["d1", "d1", "d2"]})
    lengths = pl.DataFrame({"doc_id": ["d1", "d2"], "length": [10, 10]})
    result = unitizing_alpha(spans, coverage, lengths)
    assert result.documents == 1 and result.length == 10 and result.overall == 1.0


def test_unitizing_undefined_cases():
    spans = pl.DataFrame({"annotator": ["x"], "doc_id": ["d1"], "start": [0], "end": [2], "label": ["A"]})
    lengths = pl.DataFrame({"doc_id": ["d1", "d2"], "length": [10, 10]})
    alone = unitizing_alpha(spans, pl.DataFrame({"annotator": ["x"], "doc_id": ["d1"]}), lengths)
    assert isinstance(alone.overall, Undefined) and "two" in alone.overall.reason
    apart = unitizing_alpha(spans, pl.DataFrame({"annotator": ["x", "y"], "doc_id": ["d1", "d2"]}), lengths)
    assert isinstance(apart.overall, Undefined) and "every" in apart.overall.reason
    labelled = unitizing_alpha(
        spans, pl.DataFrame({"annotator": ["x", "y"], "doc_id": ["d1", "d1"]}), lengths, labels=["A", "B"]
    )
    assert isinstance(labelled.per_label["B"], Undefined)
    assert Value.of(labelled.per_label["B"]).number is None and Value.of(labelled.per_label["B"]).reason
