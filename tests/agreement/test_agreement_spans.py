"""Span F1 (exact, overlap), event trigger and argument F1 on a small hand-computed
example; identical annotators; symmetry; coverage and label selection; disagreements."""

from __future__ import annotations

import itertools

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.agreement import (
    Undefined,
    compute_report,
    disagreement_list,
    event_agreement,
    label_confusion,
    most_pairs_matching,
    span_f1,
)
from annotator.core.agreement.input import AgreementInput
from annotator.core.errors import AnnotatorError
from tests.agreement.test_agreement_references import oracle

SPANS = [
    # x in d1
    ("x", "d1", 0, 5, "PER"),
    ("x", "d1", 10, 15, "LOC"),
    ("x", "d1", 20, 30, "ORG"),
    ("x", "d1", 40, 45, "PER"),
    # y in d1
    ("y", "d1", 0, 5, "PER"),  # exact
    ("y", "d1", 11, 15, "LOC"),  # overlap
    ("y", "d1", 20, 25, "ORG"),  # two halves of x's ORG: one overlap match
    ("y", "d1", 25, 30, "ORG"),
    ("y", "d1", 50, 55, "MISC"),
    # x in d2, which y did not annotate: left out of the pair
    ("x", "d2", 0, 3, "PER"),
    # y in d4, which y did not annotate (not in coverage): ignored
    ("y", "d4", 0, 3, "PER"),
]
COVERAGE = [("x", "d1"), ("y", "d1"), ("x", "d2"), ("x", "d3"), ("y", "d3")]
EVENTS = [
    ("x", "d1", "e1", "Attack", 60, 66),
    ("x", "d1", "e2", "Meet", 70, 74),
    ("y", "d1", "f1", "Attack", 60, 66),
    ("y", "d1", "f2", "Meet", 70, 75),
    ("y", "d1", "f3", "Die", 80, 84),
]
ARGUMENTS = [
    ("x", "d1", "e1", "Attacker", 0, 5),
    ("x", "d1", "e1", "Target", 10, 15),
    ("x", "d1", "e2", "Entity", 20, 30),
    ("y", "d1", "f1", "Attacker", 0, 5),
    ("y", "d1", "f1", "Target", 11, 15),
    ("y", "d1", "f1", "Place", 50, 55),
    ("y", "d1", "f2", "Entity", 20, 30),
    ("y", "d1", "nope", "Entity", 20, 30),  # names no event: ignored
]


def tables(spans=SPANS, coverage=COVERAGE, events=EVENTS, arguments=ARGUMENTS):
    text_len = 100
    docs = sorted({d for _, d in coverage})
    return dict(
        spans=pl.DataFrame(spans, schema=["annotator", "doc_id", "start", "end", "label"], orient="row"),
        coverage=pl.DataFrame(coverage, schema=["annotator", "doc_id"], orient="row"),
        tokens=pl.DataFrame(
            [(d, i, i + 1) for d in docs for i in range(text_len)],
            schema=["doc_id", "start", "end"],
            orient="row",
        ),
        doc_lengths=pl.DataFrame([(d, text_len) for d in docs], schema=["doc_id", "length"], orient="row"),
        events=pl.DataFrame(events, schema=["annotator", "doc_id", "event_id", "type", "start", "end"], orient="row"),
        arguments=pl.DataFrame(
            arguments, schema=["annotator", "doc_id", "event_id", "role", "start", "end"], orient="row"
        ),
    )


def report(t=None, annotators=None, texts=None, **kwargs):
    t = t or tables()
    return compute_report(AgreementInput(
        "g1", t["spans"], t["coverage"], t["tokens"], t["doc_lengths"], t["events"], t["arguments"],
        annotators=None if annotators is None else tuple(annotators), texts=texts or {},
    ), **kwargs).to_dict()  # fmt: skip


# --------------------------------------------------------------------------- hand-computed


def test_span_f1_exact_and_overlap_by_hand():
    t = tables()
    result = span_f1(t["spans"], t["coverage"])
    pair = result.exact.pairs[0]
    assert (pair.a, pair.b, pair.matched, pair.a_count, pair.b_count, pair.documents) == (
        "x",
        "y",
        1,
        4,
        5,
        2,
    )
    assert pair.f1 == pytest.approx(2 / 9)
    assert pair.per_label == pytest.approx({"LOC": 0.0, "MISC": 0.0, "ORG": 0.0, "PER": 2 / 3})
    over = result.overlap.pairs[0]
    assert over.matched == 3 and over.f1 == pytest.approx(6 / 9)
    assert over.per_label == pytest.approx({"LOC": 1.0, "MISC": 0.0, "ORG": 2 / 3, "PER": 2 / 3})
    assert result.exact.f1 == pytest.approx(2 / 9)  # one pair: the mean is the pair
    assert result.overlap.per_label["ORG"] == pytest.approx(2 / 3)


def test_events_by_hand():
    t = tables()
    result = event_agreement(t["events"], t["arguments"], t["coverage"])
    trig, arg = result.triggers.pairs[0], result.arguments.pairs[0]
    assert (trig.matched, trig.a_count, trig.b_count) == (1, 2, 3)
    assert trig.f1 == pytest.approx(0.4)
    # only arguments of the Attack trigger count: x {Attacker 0-5, Target 10-15}, y adds Place
    assert (arg.matched, arg.a_count, arg.b_count) == (1, 2, 3)
    assert arg.f1 == pytest.approx(0.4)
    assert result.triggers.per_label == pytest.approx({"Attack": 1.0, "Die": 0.0, "Meet": 0.0})
    assert result.arguments.per_label["Attack"] == pytest.approx(0.4)
    assert isinstance(result.arguments.per_label["Meet"], Undefined)
    assert result.orphan_arguments == 1
    # ACE-style, every argument: (type, role, extent) anywhere in the document; the Meet
    # triggers differ (70-74, 70-75) but their Entity 20-30 matches
    every = result.arguments_all.pairs[0]
    assert (every.matched, every.a_count, every.b_count) == (2, 3, 4) and every.f1 == pytest.approx(4 / 7)
    assert result.arguments_all.per_label["Attack"] == pytest.approx(0.4)
    assert result.arguments_all.per_label["Meet"] == 1.0
    assert isinstance(result.arguments_all.per_label["Die"], Undefined)


def test_each_annotators_distribution_by_hand():
    r = report()
    x, y = r["distributions"]
    assert x == {"annotator": "x", "documents": 3, "labels": {"LOC": 1, "ORG": 1, "PER": 3},
                 "types": {"Attack": 1, "Meet": 1}, "roles": {"Attacker": 1, "Entity": 1, "Target": 1}}  # fmt: skip
    assert y["documents"] == 2 and y["labels"] == {"LOC": 1, "MISC": 1, "ORG": 2, "PER": 1}  # d4 is not y's
    assert y["roles"] == {"Attacker": 1, "Entity": 1, "Place": 1, "Target": 1}  # the orphan is not counted


def test_report_by_hand():
    r = report()
    assert r["annotators"] == ["x", "y"]
    assert r["spans"]["exact"]["f1"] == pytest.approx(2 / 9)
    assert r["spans"]["overlap"]["f1"] == pytest.approx(6 / 9)
    assert r["events"]["trigger_f1"] == pytest.approx(0.4)
    assert r["events"]["argument_f1"] == pytest.approx(0.4)
    assert r["events"]["per_type"]["Meet"]["argument_f1"] is None
    assert "matching trigger" in r["events"]["per_type"]["Meet"]["argument_f1_reason"]
    assert r["ignored"]["spans_outside_coverage"] == 1
    docs = {d["id"]: d for d in r["per_document"]}
    assert docs["d1"]["span_f1_exact"] == pytest.approx(2 / 9)
    assert docs["d1"]["span_f1_overlap"] == pytest.approx(6 / 9)
    assert docs["d2"]["span_f1_exact"] is None and "fewer than two" in docs["d2"]["span_f1_exact_reason"]
    assert docs["d3"]["span_f1_exact"] is None and "no annotator" in docs["d3"]["span_f1_exact_reason"]
    assert [d["id"] for d in r["per_document"]][0] == "d1"  # worst first, undefined last
    assert r["documents"] == 3 and r["documents_shared"] == 2 and r["documents_common"] == 2
    # tokens: d1 and d3 by both, d2 by x only
    assert r["tokens"]["cohen_kappa"]["pairs"][0]["tokens"] == 200
    assert r["tokens"]["count"] == 300
    assert r["unitizing_alpha"]["documents"] == 2


def test_disagreements_and_confusion():
    t = tables(
        spans=SPANS + [("x", "d1", 50, 55, "LOC")],  # same extent as y's MISC: a confusion
    )
    table = disagreement_list(t["spans"], t["coverage"])
    rows = {(r["doc_id"], r["start"], r["end"]): r for r in table.iter_rows(named=True)}
    assert ("d1", 0, 5) not in rows  # both said PER
    assert rows[("d1", 10, 15)]["x"] == ["LOC"] and rows[("d1", 10, 15)]["y"] == []
    assert rows[("d1", 50, 55)]["x"] == ["LOC"] and rows[("d1", 50, 55)]["y"] == ["MISC"]
    assert ("d2", 0, 3) not in rows  # only x annotated d2: no disagreement possible
    confusion = label_confusion(t["spans"], t["coverage"])
    assert confusion.to_dicts() == [{"label_a": "LOC", "label_b": "MISC", "count": 1}]
    r = report(t, texts={"d1": "ا" * 100})
    first = r["disagreements"][0]
    assert first["doc_id"] == "d1" and set(first["said"]) == {"x", "y"}
    assert first["text"] == "ا" * (first["end"] - first["start"])
    assert r["confusion"] == [{"label_a": "LOC", "label_b": "MISC", "count": 1}]
    entity = [d for d in r["disagreements"] if d["kind"] == "entity"]
    assert len(entity) == len(rows) and r["disagreements_total"] == len(r["disagreements"])
    assert len(report(t, max_disagreements=2)["disagreements"]) == 2


def test_event_disagreements_by_hand():
    """Triggers and arguments are listed like entities, with what kind of disagreement
    each is: x and y mark the Attack at 60-66; y takes x's Attacker 0-5 as Target, gives
    Target to 11-15 where x has 10-15, adds a Place; x types the trigger at 80-84 Attack,
    y Die; w annotated d1 but marked no event."""
    events = EVENTS + [("x", "d1", "e3", "Attack", 80, 84)]
    arguments = [a for a in ARGUMENTS if a[:4] != ("y", "d1", "f1", "Attacker")] + [("y", "d1", "f1", "Target", 0, 5)]
    t = tables(events=events, arguments=arguments, coverage=COVERAGE + [("w", "d1")])
    r = report(t, texts={"d1": "".join(chr(0x628 + i % 20) for i in range(100))})
    said = {
        (d["kind"], d["start"], d["end"]): (d["what"], d["said"], d.get("trigger"), d.get("without_event"))
        for d in r["disagreements"]
        if d["kind"] != "entity"
    }
    trigger = {"start": 60, "end": 66, "text": "".join(chr(0x628 + i % 20) for i in range(60, 66))}
    assert said[("argument", 0, 5)] == ("different roles", {"x": ["Attacker"], "y": ["Target"]}, trigger, ["w"])
    assert said[("argument", 10, 15)] == ("different entity", {"x": ["Target"], "y": []}, trigger, ["w"])
    assert said[("argument", 11, 15)] == ("different entity", {"x": [], "y": ["Target"]}, trigger, ["w"])
    assert said[("argument", 50, 55)] == ("missing argument", {"x": [], "y": ["Place"]}, trigger, ["w"])
    assert said[("trigger", 80, 84)][:2] == ("different event types, marked by some only",
                                            {"w": [], "x": ["Attack"], "y": ["Die"]})  # fmt: skip
    assert said[("trigger", 70, 74)][:2] == ("different extents, marked by some only",
                                            {"w": [], "x": ["Meet"], "y": []})  # fmt: skip
    assert said[("trigger", 60, 66)][0] == "marked by some only"  # w has no event there
    assert len(said) == 8  # 60-66, 70-74, 70-75, 80-84; four arguments of the Attack at 60-66
    assert r["type_confusion"] == [{"label_a": "Attack", "label_b": "Die", "count": 1}]
    assert r["role_confusion"] == [{"label_a": "Attacker", "label_b": "Target", "count": 1}]
    first = next(d for d in r["disagreements"] if d["kind"] == "argument")
    assert first["text"] == "".join(chr(0x628 + i % 20) for i in range(first["start"], first["end"]))


# --------------------------------------------------------------------------- identical, symmetric


def test_identical_annotators_give_one_everywhere():
    spans = [s for s in SPANS if s[0] == "x"]
    spans += [("z", *s[1:]) for s in spans]
    coverage = [c for c in COVERAGE if c[0] == "x"]
    coverage += [("z", c[1]) for c in coverage]
    events = [e for e in EVENTS if e[0] == "x"]
    events += [("z", *e[1:]) for e in events]
    arguments = [a for a in ARGUMENTS if a[0] == "x"]
    arguments += [("z", *a[1:]) for a in arguments]
    r = report(tables(spans, coverage, events, arguments))
    assert r["spans"]["exact"]["f1"] == 1.0 and r["spans"]["overlap"]["f1"] == 1.0
    assert set(r["spans"]["exact"]["per_label"].values()) == {1.0}
    assert set(r["spans"]["overlap"]["per_label"].values()) == {1.0}
    assert r["tokens"]["cohen_kappa"]["mean"] == 1.0
    assert r["tokens"]["fleiss_kappa"] == 1.0
    assert r["tokens"]["krippendorff_alpha"] == 1.0
    assert r["unitizing_alpha"]["overall"] == 1.0
    assert set(r["unitizing_alpha"]["per_label"].values()) == {1.0}
    assert r["events"]["trigger_f1"] == 1.0 and r["events"]["argument_f1"] == 1.0
    assert r["disagreements"] == [] and r["confusion"] == []


def _pair_values(r: dict) -> dict:
    out = {}
    for section, key in (("exact", "f1"), ("overlap", "f1")):
        for p in r["spans"][section]["pairs"]:
            out[(section, frozenset((p["a"], p["b"])))] = (p[key], p["matched"], p["per_label"])
    for p in r["tokens"]["cohen_kappa"]["pairs"]:
        out[("kappa", frozenset((p["a"], p["b"])))] = p["kappa"]
    for p in r["events"]["pairs"]:
        out[("events", frozenset((p["a"], p["b"])))] = (p["trigger_f1"], p["argument_f1"])
    return out


def test_every_measure_is_symmetric_in_the_annotators():
    spans = SPANS + [("w", "d1", 0, 6, "PER"), ("w", "d1", 20, 30, "ORG"), ("w", "d3", 1, 2, "LOC")]
    coverage = COVERAGE + [("w", "d1"), ("w", "d3")]
    events = EVENTS + [("w", "d1", "g1", "Attack", 60, 66)]
    arguments = ARGUMENTS + [("w", "d1", "g1", "Target", 11, 15)]
    t = tables(spans, coverage, events, arguments)
    results = [report(t, annotators=order) for order in itertools.permutations(["w", "x", "y"])]
    first = results[0]
    for other in results[1:]:
        for key in ("f1", "per_label"):
            assert other["spans"]["exact"][key] == pytest.approx(first["spans"]["exact"][key])
            assert other["spans"]["overlap"][key] == pytest.approx(first["spans"]["overlap"][key])
        for key in ("fleiss_kappa", "krippendorff_alpha"):
            assert other["tokens"][key] == pytest.approx(first["tokens"][key])
        assert other["tokens"]["cohen_kappa"]["mean"] == pytest.approx(first["tokens"]["cohen_kappa"]["mean"])
        assert other["unitizing_alpha"]["overall"] == pytest.approx(first["unitizing_alpha"]["overall"])
        assert other["unitizing_alpha"]["per_label"] == pytest.approx(first["unitizing_alpha"]["per_label"])
        for key in ("trigger_f1", "argument_f1"):
            assert other["events"][key] == pytest.approx(first["events"][key])
        assert _pair_values(other) == pytest.approx(_pair_values(first))
        assert sorted(other["per_document"], key=lambda d: d["id"]) == sorted(
            first["per_document"], key=lambda d: d["id"]
        )
        assert other["confusion"] == first["confusion"]


# --------------------------------------------------------------------------- selection, errors


def test_label_selection_and_annotator_selection():
    t = tables()
    only_per = report(t, labels=["PER", "GPE"])
    assert only_per["labels"] == ["GPE", "PER"]
    assert only_per["spans"]["exact"]["f1"] == pytest.approx(2 / 3)
    assert only_per["spans"]["exact"]["per_label"]["GPE"] is None
    assert only_per["spans"]["exact"]["per_label_reasons"]["GPE"]
    alone = report(t, annotators=["x"])
    assert alone["spans"]["exact"]["f1"] is None and alone["spans"]["exact"]["f1_reason"] == "fewer than two annotators"
    assert alone["tokens"]["fleiss_kappa"] is None and alone["tokens"]["fleiss_kappa_reason"]
    assert alone["tokens"]["cohen_kappa"]["mean"] is None
    assert alone["unitizing_alpha"]["overall"] is None
    apart = tables(coverage=[("x", "d1"), ("y", "d3")])
    r = report(apart)
    assert r["spans"]["exact"]["pairs"][0]["f1"] is None
    assert "no document was annotated by both" in r["spans"]["exact"]["pairs"][0]["f1_reason"]
    assert r["tokens"]["fleiss_kappa"] is None and r["unitizing_alpha"]["overall"] is None
    no_lengths = compute_report(AgreementInput("g1", t["spans"], t["coverage"])).to_dict()
    assert no_lengths["unitizing_alpha"]["overall_reason"] == "no document lengths were given"
    assert no_lengths["tokens"]["cohen_kappa"]["pairs"][0]["kappa"] is None
    assert no_lengths["spans"]["exact"]["f1"] == pytest.approx(2 / 9)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.update(spans=t["spans"].with_columns(end=pl.col("start"))), "bad interval"),
        (lambda t: t.update(spans=t["spans"].drop("label")), "missing column"),
        (lambda t: t.update(spans=t["spans"].with_columns(label=pl.lit("O"))), "reserved"),
        (lambda t: t.update(tokens=pl.concat([t["tokens"], t["tokens"].head(1)])), "overlapping tokens"),
        (lambda t: t.update(doc_lengths=t["doc_lengths"].head(1)), "without a length"),
        (lambda t: t.update(doc_lengths=t["doc_lengths"].with_columns(length=pl.lit(20))), "end after"),
    ],
)
def test_bad_input_raises_annotator_error(change, message):
    t = tables()
    change(t)
    with pytest.raises(AnnotatorError, match=message):
        report(t)


# --------------------------------------------------------------------------- matching


def brute_force(a, b):
    """Best (matches, total overlap) over every one-to-one matching: most pairs first."""

    def overlap(x, y):
        return max(0, min(x[1], y[1]) - max(x[0], y[0]))

    best = (0, 0)
    small, large, flip = (a, b, False) if len(a) <= len(b) else (b, a, True)
    for k in range(len(small) + 1):
        for chosen in itertools.combinations(range(len(small)), k):
            for targets in itertools.permutations(range(len(large)), k):
                pairs = [(small[i], large[j]) for i, j in zip(chosen, targets, strict=True)]
                if all(overlap(x, y) > 0 for x, y in pairs):
                    best = max(best, (len(pairs), sum(overlap(x, y) for x, y in pairs)))
    return best


def matching_value(a, b, matched):
    """(pairs, total overlap) of a matching, checked one-to-one and overlapping."""
    assert len({i for i, _ in matched}) == len(matched) == len({j for _, j in matched})
    assert all(min(a[i][1], b[j][1]) > max(a[i][0], b[j][0]) for i, j in matched)
    return len(matched), sum(min(a[i][1], b[j][1]) - max(a[i][0], b[j][0]) for i, j in matched)


intervals = st.lists(st.tuples(st.integers(0, 20), st.integers(1, 8)).map(lambda t: (t[0], t[0] + t[1])), max_size=4)


def test_overlap_matching_counts_pairs_before_overlap():
    """The issue's case: pairing [8,20) with [5,15) shares the most code points but leaves
    two spans unmatched; two pairs are possible."""
    x, y = [(0, 10), (8, 20)], [(5, 15), (18, 19)]
    assert most_pairs_matching(x, y) == [(0, 0), (1, 1)]
    spans = [("x", "d", s, e, "ORG") for s, e in x] + [("y", "d", s, e, "ORG") for s, e in y]
    frame = pl.DataFrame(spans, schema=["annotator", "doc_id", "start", "end", "label"], orient="row")
    coverage = pl.DataFrame([("x", "d"), ("y", "d")], schema=["annotator", "doc_id"], orient="row")
    result = span_f1(frame, coverage).overlap
    assert result.pairs[0].matched == 2 and result.f1 == 1.0


@settings(max_examples=200, deadline=None)
@given(intervals, intervals)
def test_overlap_matching_is_optimal(a, b):
    assert matching_value(a, b, most_pairs_matching(a, b)) == brute_force(a, b)


many_intervals = st.lists(
    st.tuples(st.integers(0, 40), st.integers(1, 12)).map(lambda t: (t[0], t[0] + t[1])), min_size=1, max_size=12
)


@settings(max_examples=100, deadline=None)
@given(many_intervals, many_intervals)
def test_overlap_matching_matches_scipy_assignment(a, b):
    """Larger cases against scipy's linear_sum_assignment on a cost that puts the number of
    pairs first; past EXACT_LIMIT (lowered here) the fallback still finds the most pairs."""
    np = oracle("numpy")
    linear_sum_assignment = oracle("scipy.optimize").linear_sum_assignment
    from annotator.core.agreement import spans as spans_module

    def overlap(x, y):
        return max(0, min(x[1], y[1]) - max(x[0], y[0]))

    big = 1 + sum(e - s for s, e in a)
    weight = np.array([[big + overlap(x, y) if overlap(x, y) else 0 for y in b] for x in a])
    rows, cols = linear_sum_assignment(weight, maximize=True)
    theirs = [(int(i), int(j)) for i, j in zip(rows, cols, strict=True) if weight[i, j] > 0]
    assert matching_value(a, b, most_pairs_matching(a, b)) == matching_value(a, b, theirs)
    limit = spans_module.EXACT_LIMIT
    try:
        spans_module.EXACT_LIMIT = 0
        fallback = most_pairs_matching(a, b)
    finally:
        spans_module.EXACT_LIMIT = limit
    assert matching_value(a, b, fallback)[0] == len(theirs)
