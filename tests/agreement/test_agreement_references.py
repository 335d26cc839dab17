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


# --------------------------------------------------------------------------- labelled tokens, per label


def _report_of(case, **extra):
    from annotator.core.agreement import compute_report
    from annotator.core.agreement.input import AgreementInput

    annotators, _, tokens, coverage, spans = case
    frames = (
        pl.DataFrame(spans, schema=["annotator", "doc_id", "start", "end", "label"], orient="row"),
        pl.DataFrame(coverage, schema=["annotator", "doc_id"], orient="row"),
        pl.DataFrame(tokens, schema=["doc_id", "start", "end"], orient="row"),
    )
    report = compute_report(AgreementInput("1", *frames, annotators=tuple(annotators), **extra))
    matrix = token_label_matrix(*frames, annotators=annotators)
    return report, [[row[a] for a in annotators] for row in matrix.iter_rows(named=True)]


def _cohen(rows, i, j):
    cohen_kappa_score = oracle("sklearn.metrics").cohen_kappa_score
    both = [(r[i], r[j]) for r in rows if r[i] is not None and r[j] is not None]
    if not both:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(cohen_kappa_score([x for x, _ in both], [y for _, y in both]))


def _fleiss(rows):
    np, inter_rater = oracle("numpy"), oracle("statsmodels.stats.inter_rater")
    complete = [r for r in rows if all(v is not None for v in r)]
    if not complete:
        return None
    table, _ = inter_rater.aggregate_raters(np.array(complete, dtype=object))
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return float(inter_rater.fleiss_kappa(table, method="fleiss"))


def _alpha(rows):
    np, kd_alpha = oracle("numpy"), oracle("krippendorff").alpha
    values = sorted({v for r in rows for v in r if v is not None})
    pairable = [r for r in rows if sum(v is not None for v in r) >= 2]
    if len({v for r in pairable for v in r if v is not None}) < 2:
        return None
    data = np.array([[np.nan if r[j] is None else values.index(r[j]) for r in rows] for j in range(len(rows[0]))])
    return float(kd_alpha(reliability_data=data, level_of_measurement="nominal"))


def _check_coefficients(rows, n, cohen_pairs, cohen_mean, fleiss, alpha):
    pairs_ = [(i, j) for i in range(n) for j in range(i + 1, n)]
    theirs = [_cohen(rows, i, j) for i, j in pairs_]
    for ours, ref in zip(cohen_pairs, theirs, strict=True):
        assert close(ours.score, ref), (ours, ref)
    defined = [ours.number for ours in cohen_pairs if ours.number is not None]
    if defined:
        assert cohen_mean.number == pytest.approx(sum(defined) / len(defined), abs=1e-9)
    if n >= 2:
        assert close(fleiss.score, _fleiss(rows))
        assert close(alpha.score, _alpha(rows))


@PROPERTY
@given(span_study())
def test_labelled_token_coefficients_match_references(case):
    """Without the tokens every annotator of the document left "O": the same coefficients
    (scikit-learn, statsmodels, krippendorff) on the token matrix with those rows dropped."""
    report, rows = _report_of(case)
    n = len(case[0])
    labelled = [r for r in rows if any(v not in (None, "O") for v in r)]
    coefficients = report.tokens.labelled
    assert coefficients.count == len(labelled)
    _check_coefficients(labelled, n, [p.kappa_labelled for p in report.pairs], coefficients.cohen_kappa,
                        coefficients.fleiss_kappa, coefficients.krippendorff_alpha)  # fmt: skip
    assert [p.tokens_labelled for p in report.pairs] == [
        sum(r[i] is not None and r[j] is not None for r in labelled) for i in range(n) for j in range(i + 1, n)
    ]


@PROPERTY
@given(span_study())
def test_per_label_token_coefficients_match_references(case):
    """Each label against every other token: the references on the matrix coded label / not."""
    report, rows = _report_of(case)
    n = len(case[0])
    for lab in report.per_label:
        binary = [[None if v is None else v == lab.label for v in r] for r in rows]
        cohen_pairs = []
        for i in range(n):
            for j in range(i + 1, n):
                ref = _cohen(binary, i, j)
                cohen_pairs.append(ref)
        defined = [k for k in cohen_pairs if k is not None and not math.isnan(k)]
        if defined:
            assert lab.cohen_kappa.number == pytest.approx(sum(defined) / len(defined), abs=1e-9)
        else:
            assert lab.cohen_kappa.number is None
        if n >= 2:
            assert close(lab.fleiss_kappa.score, _fleiss(binary))
            assert close(lab.krippendorff_alpha.score, _alpha(binary))


# --------------------------------------------------------------------------- against gold


@st.composite
def gold_study(draw):
    """Two annotators and a reference ("gold") on one or two documents: spans in slots that
    never overlap within one annotator (one label per extent), events with typed triggers
    in their own slots and arguments (role, extent); some documents not done by some."""
    docs = [f"d{i}" for i in range(draw(st.integers(1, 2)))]
    people = ["a", "b", "gold"]
    coverage = [(p, d) for p in people for d in docs if draw(st.booleans()) or p == "gold"]
    spans, events, arguments = [], [], []
    for p, d in coverage:
        for slot in draw(st.sets(st.integers(0, 7), max_size=6)):
            width = draw(st.integers(1, 2))
            spans.append((p, d, slot * 3, slot * 3 + width, draw(st.sampled_from(["LOC", "ORG", "PER"]))))
        for k, slot in enumerate(draw(st.sets(st.integers(10, 14), max_size=3))):
            events.append((p, d, f"e{k}", draw(st.sampled_from(["Attack", "Meet"])), slot * 3, slot * 3 + 2))
            for _ in range(draw(st.integers(0, 3))):
                s = draw(st.integers(0, 7)) * 3
                arguments.append((p, d, f"e{k}", draw(st.sampled_from(["Agent", "Place"])), s, s + 2))
    return docs, coverage, spans, events, arguments


def _gold_report(case):
    from annotator.core.agreement import compute_report
    from annotator.core.agreement.input import AgreementInput

    _, coverage, spans, events, arguments = case
    return compute_report(AgreementInput(
        "1",
        pl.DataFrame(spans, schema=["annotator", "doc_id", "start", "end", "label"], orient="row"),
        pl.DataFrame(coverage, schema=["annotator", "doc_id"], orient="row"),
        events=pl.DataFrame(events, schema=["annotator", "doc_id", "event_id", "type", "start", "end"], orient="row"),
        arguments=pl.DataFrame(arguments, schema=["annotator", "doc_id", "event_id", "role", "start", "end"],
                               orient="row"),
        annotators=("a", "b"),
        reference="gold",
    ))  # fmt: skip


def _check_scored(ours, p, r, f, label=""):
    assert close(ours.precision.score, p) and close(ours.recall.score, r), (label, ours, p, r)
    assert close(ours.f1.score, f), (label, ours, f)


@PROPERTY
@given(gold_study())
def test_against_gold_matches_sklearn(case):
    """Precision, recall and F1 of each annotator against gold, per label and overall, equal
    scikit-learn's precision_recall_fscore_support on the same items: every extent either
    side marked in the documents both did, "O" where a side marked nothing."""
    prfs = oracle("sklearn.metrics").precision_recall_fscore_support
    _, coverage, spans, events, arguments = case
    report = _gold_report(case)
    assert report.annotators == ("a", "b") and report.reference == "gold"

    def sklearn_scores(me, items, names):
        shared = {d for p, d in coverage if p == me} & {d for p, d in coverage if p == "gold"}
        mine = {(x[1], x[2], x[3]): x[4] for x in items if x[0] == me and x[1] in shared}
        gold = {(x[1], x[2], x[3]): x[4] for x in items if x[0] == "gold" and x[1] in shared}
        keys = sorted(set(mine) | set(gold))
        if not keys:  # nothing on either side: every value undefined (scikit-learn refuses)
            return dict.fromkeys(names, (None, None, None)), (None, None, None), shared
        y_true, y_pred = [gold.get(k, "O") for k in keys], [mine.get(k, "O") for k in keys]
        out = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for name in names:
                p, r, f, _ = prfs(y_true, y_pred, labels=[name], average=None, zero_division=math.nan)
                out[name] = (float(p[0]), float(r[0]), float(f[0]))
            p, r, f, _ = prfs(y_true, y_pred, labels=sorted(names), average="micro", zero_division=math.nan)
        return out, (float(p), float(r), float(f)), shared

    triggers = [(p, d, s, e, t) for p, d, _, t, s, e in events]
    for g in report.against:
        per_label, overall, shared = sklearn_scores(g.annotator, spans, ["LOC", "ORG", "PER"])
        assert g.documents == len(shared)
        if not shared:
            continue
        _check_scored(g.spans, *overall)
        for name, scored in g.per_label.items():
            _check_scored(scored, *per_label[name], name)
        per_type, overall, _ = sklearn_scores(g.annotator, triggers, ["Attack", "Meet"])
        _check_scored(g.triggers, *overall)
        for name, scored in g.per_type.items():
            _check_scored(scored, *per_type[name], name)


def _ace_items(events, arguments, who, docs):
    types = {(p, d, e): t for p, d, e, t, _, _ in events}
    return {
        (d, types[(p, d, e)], role, s, end)
        for p, d, e, role, s, end in arguments
        if p == who and d in docs and (p, d, e) in types
    }


@PROPERTY
@given(gold_study())
def test_ace_argument_f1_matches_sklearn(case):
    """Argument F1 over all arguments, between annotators and against gold: scikit-learn's
    f1_score on which (event type, role, extent) items each side has."""
    f1_score = oracle("sklearn.metrics").f1_score
    prfs = oracle("sklearn.metrics").precision_recall_fscore_support
    _, coverage, _, events, arguments = case
    report = _gold_report(case)

    def docs_of(who):
        return {d for p, d in coverage if p == who}

    def sides(x, y):
        shared = docs_of(x) & docs_of(y)
        mine, theirs = _ace_items(events, arguments, x, shared), _ace_items(events, arguments, y, shared)
        keys = sorted(mine | theirs)
        return [k in mine for k in keys], [k in theirs for k in keys], shared

    pred, true, shared = sides("a", "b")
    ours = report.pairs[0].arguments_all
    if not shared or not (any(pred) or any(true)):
        assert ours.f1.number is None
    else:
        assert ours.f1.number == pytest.approx(float(f1_score(true, pred)), abs=1e-12)
    for g in report.against:
        pred, true, shared = sides(g.annotator, "gold")
        if not shared:
            continue
        if not pred:
            _check_scored(g.arguments, None, None, None)
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p, r, f, _ = prfs(true, pred, average="binary", zero_division=math.nan)
        _check_scored(g.arguments, float(p), float(r), float(f))
