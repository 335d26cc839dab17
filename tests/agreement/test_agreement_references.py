"""Property tests: the token-level measures against scikit-learn, statsmodels, the
krippendorff package and nltk on random label data; token labelling against a naive
Python implementation."""

from __future__ import annotations

import math
import warnings

import polars as pl
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from annotator.core.agreement import (
    Undefined,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    token_label_matrix,
)
from annotator.core.agreement.kappa import label_patterns


def oracle(module: str):
    """A reference implementation from the 'oracles' extra (make test installs it), or a skip.
    Imported by the tests that use it, not at collection: nltk alone takes about 5 s to import,
    which every test process would pay."""
    return pytest.importorskip(module, reason=f"{module} is in the 'oracles' extra (make test installs it)")


PROPERTY = settings(max_examples=50, deadline=None)


@st.composite
def label_table(draw, *, missing: bool, min_raters: int = 2, max_raters: int = 5):
    """A list of rows (items) of labels per rater; None is a missing value."""
    raters = draw(st.integers(min_raters, max_raters))
    labels = draw(st.integers(1, 4))
    items = draw(st.integers(1, 40))
    value = st.integers(0, labels - 1)
    if missing:
        value = st.one_of(st.none(), value)
    return [[draw(value) for _ in range(raters)] for _ in range(items)]


def frame_of(rows: list[list[int | None]]) -> pl.DataFrame:
    raters = len(rows[0])
    return pl.DataFrame(
        {f"r{j}": [row[j] for row in rows] for j in range(raters)},
        schema={f"r{j}": pl.Int64 for j in range(raters)},
    )


def close(ours, theirs) -> bool:
    if isinstance(ours, Undefined):
        return theirs is None or (isinstance(theirs, float) and math.isnan(theirs))
    return theirs is not None and not math.isnan(theirs) and ours == pytest.approx(theirs, abs=1e-9)


# --------------------------------------------------------------------------- Cohen


@PROPERTY
@given(label_table(missing=False, min_raters=2, max_raters=2))
def test_cohen_matches_sklearn(rows):
    cohen_kappa_score = oracle("sklearn.metrics").cohen_kappa_score
    frame = frame_of(rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = float(cohen_kappa_score(frame["r0"].to_numpy(), frame["r1"].to_numpy()))
    assert close(cohen_kappa(frame, "r0", "r1"), theirs)
    # the label-pattern table gives the same value as the full table
    patterns = label_patterns(frame, ["r0", "r1"])
    assert close(cohen_kappa(patterns, "r0", "r1", weight="_n"), theirs)


@PROPERTY
@given(label_table(missing=True, min_raters=2, max_raters=2))
def test_cohen_with_missing_uses_items_both_labelled(rows):
    cohen_kappa_score = oracle("sklearn.metrics").cohen_kappa_score
    both = [r for r in rows if r[0] is not None and r[1] is not None]
    ours = cohen_kappa(frame_of(rows), "r0", "r1")
    if not both:
        assert isinstance(ours, Undefined)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = float(cohen_kappa_score([r[0] for r in both], [r[1] for r in both]))
    assert close(ours, theirs)


@PROPERTY
@given(label_table(missing=False, min_raters=2, max_raters=4))
def test_cohen_matches_nltk_pairwise_and_mean(rows):
    AnnotationTask = oracle("nltk.metrics.agreement").AnnotationTask
    frame = frame_of(rows)
    raters = frame.columns
    ours = {(a, b): cohen_kappa(frame, a, b) for i, a in enumerate(raters) for b in raters[i + 1 :]}
    assume(all(not isinstance(k, Undefined) for k in ours.values()))
    task = AnnotationTask(
        data=[(c, str(i), str(v)) for i, row in enumerate(rows) for c, v in zip(raters, row, strict=True)]
    )
    for (a, b), k in ours.items():
        assert k == pytest.approx(task.kappa_pairwise(a, b), abs=1e-9)
    assert sum(ours.values()) / len(ours) == pytest.approx(task.kappa(), abs=1e-9)


# --------------------------------------------------------------------------- Fleiss


@PROPERTY
@given(label_table(missing=False, min_raters=2, max_raters=5))
def test_fleiss_matches_statsmodels_and_nltk_pi(rows):
    np, inter_rater = oracle("numpy"), oracle("statsmodels.stats.inter_rater")
    AnnotationTask = oracle("nltk.metrics.agreement").AnnotationTask
    frame = frame_of(rows)
    ours = fleiss_kappa(frame, frame.columns)
    table, _ = inter_rater.aggregate_raters(np.array(rows))
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        theirs = float(inter_rater.fleiss_kappa(table, method="fleiss"))
    assert close(ours, theirs)
    if not isinstance(ours, Undefined):
        task = AnnotationTask(data=[(f"c{j}", str(i), str(v)) for i, row in enumerate(rows) for j, v in enumerate(row)])
        assert ours == pytest.approx(task.pi(), abs=1e-9)
        patterns = label_patterns(frame, frame.columns)
        assert fleiss_kappa(patterns, frame.columns, weight="_n") == pytest.approx(ours, abs=1e-12)


@PROPERTY
@given(label_table(missing=True, min_raters=2, max_raters=4))
def test_fleiss_uses_items_every_rater_labelled(rows):
    complete = [r for r in rows if all(v is not None for v in r)]
    ours = fleiss_kappa(frame_of(rows), [f"r{j}" for j in range(len(rows[0]))])
    if not complete:
        assert isinstance(ours, Undefined)
        return
    theirs = fleiss_kappa(frame_of(complete), [f"r{j}" for j in range(len(rows[0]))])
    assert ours == theirs


# --------------------------------------------------------------------------- Krippendorff


@PROPERTY
@given(label_table(missing=True, min_raters=2, max_raters=5))
def test_krippendorff_matches_package_and_nltk(rows):
    np, kd_alpha = oracle("numpy"), oracle("krippendorff").alpha
    AnnotationTask = oracle("nltk.metrics.agreement").AnnotationTask
    frame = frame_of(rows)
    ours = krippendorff_alpha(frame, frame.columns)
    pairable = [[v for v in row if v is not None] for row in rows]
    pairable = [vs for vs in pairable if len(vs) >= 2]
    values = {v for vs in pairable for v in vs}
    if len(values) < 2:  # no pairable unit, or a single value: α is undefined here
        assert isinstance(ours, Undefined)
        return
    data = np.array([[np.nan if row[j] is None else row[j] for row in rows] for j in range(len(rows[0]))], dtype=float)
    assert ours == pytest.approx(kd_alpha(reliability_data=data, level_of_measurement="nominal"), abs=1e-9)
    task = AnnotationTask(
        data=[(f"c{j}", str(i), str(v)) for i, row in enumerate(rows) for j, v in enumerate(row) if v is not None]
    )
    assert ours == pytest.approx(task.alpha(), abs=1e-9)
    patterns = label_patterns(frame, frame.columns)
    assert krippendorff_alpha(patterns, frame.columns, weight="_n") == pytest.approx(ours, abs=1e-12)


# --------------------------------------------------------------------------- token labels


@st.composite
def span_study(draw):
    """One or two documents of whitespace-separated tokens and random (possibly nested or
    overlapping) spans by up to three annotators, some documents not annotated."""
    docs = {}
    tokens = []
    for d in range(draw(st.integers(1, 2))):
        doc = f"doc{d}"
        pos, count = 0, draw(st.integers(1, 8))
        for _ in range(count):
            length = draw(st.integers(1, 4))
            tokens.append((doc, pos, pos + length))
            pos += length + 1
        docs[doc] = pos
    annotators = ["a", "b", "c"][: draw(st.integers(1, 3))]
    coverage = [(a, d) for a in annotators for d in docs if draw(st.booleans())]
    spans = []
    for a, d in coverage:
        for _ in range(draw(st.integers(0, 4))):
            start = draw(st.integers(0, docs[d] - 1))
            end = draw(st.integers(start + 1, docs[d]))
            spans.append((a, d, start, end, draw(st.sampled_from(["LOC", "ORG", "PER"]))))
    return annotators, docs, tokens, coverage, spans


def naive_label(spans, annotator, doc, start, end):
    hits = [s for s in spans if s[0] == annotator and s[1] == doc and s[2] < end and start < s[3]]
    if not hits:
        return "O"
    best = min(hits, key=lambda s: (-(s[3] - s[2]), s[2], s[4]))
    return best[4]


@PROPERTY
@given(span_study())
def test_token_labels_match_naive_implementation(case):
    annotators, docs, tokens, coverage, spans = case
    frames = dict(
        spans=pl.DataFrame(spans, schema=["annotator", "doc_id", "start", "end", "label"], orient="row"),
        coverage=pl.DataFrame(coverage, schema=["annotator", "doc_id"], orient="row"),
        tokens=pl.DataFrame(tokens, schema=["doc_id", "start", "end"], orient="row"),
    )
    matrix = token_label_matrix(frames["spans"], frames["coverage"], frames["tokens"], annotators=annotators)
    covered_docs = {d for _, d in coverage}
    expected = [t for t in tokens if t[0] in covered_docs]
    assert matrix.height == len(expected)
    for row in matrix.iter_rows(named=True):
        for a in annotators:
            want = (
                naive_label(spans, a, row["doc_id"], row["start"], row["end"])
                if (a, row["doc_id"]) in coverage
                else None
            )
            assert row[a] == want, (a, row)
