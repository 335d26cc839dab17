"""The report dict is JSON-ready (orjson, no NaN/inf, the null convention everywhere) and
renders to Markdown, CSV and a standalone HTML page."""

from __future__ import annotations

import csv
import io
import math
from html.parser import HTMLParser

import orjson
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.agreement import compute_report
from annotator.core.agreement.render import CSV_COLUMNS, to_csv, to_html, to_markdown

SPAN_SCHEMA = {
    "annotator": pl.String,
    "doc_id": pl.String,
    "start": pl.Int64,
    "end": pl.Int64,
    "label": pl.String,
}
TEXT = "ذهب محمد بن سلمان إلى الرياض يوم الاثنين لحضور اجتماع مجلس الوزراء"


def walk(value, path="$"):
    """Yield (path, key, parent) for every dict entry, checking every float is finite."""
    if isinstance(value, dict):
        for k, v in value.items():
            assert isinstance(k, str), path
            yield path, k, value
            yield from walk(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from walk(v, f"{path}[{i}]")
    elif isinstance(value, float):
        assert math.isfinite(value), path
    else:
        assert value is None or isinstance(value, (str, int, bool)), (path, type(value))


def check_nulls(obj, name=None, holder=None):
    """Every null x has a sibling x_reason, or sits in a map m whose sibling m_reasons names it."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if v is None:
                own = isinstance(obj.get(f"{k}_reason"), str)
                in_map = holder is not None and isinstance((holder.get(f"{name}_reasons") or {}).get(k), str)
                assert own or in_map, f"{name}.{k} is null without a reason"
            check_nulls(v, k, obj)
    elif isinstance(obj, list):
        for v in obj:
            check_nulls(v)


def check_json_ready(report: dict) -> None:
    data = orjson.dumps(report)
    assert b"NaN" not in data and b"Infinity" not in data
    assert orjson.loads(data) == report
    for _ in walk(report):  # every float finite, only JSON types
        pass
    check_nulls(report)


def map_reasons_present(report: dict) -> None:
    """Every null in a per_label/per_type style map has its reason in <map>_reasons."""

    def visit(obj):
        if isinstance(obj, dict):
            for k, v in obj.items():
                if isinstance(v, dict) and k.startswith("per_label"):
                    for name, x in v.items():
                        if x is None:
                            assert obj[f"{k}_reasons"][name]
                visit(v)
        elif isinstance(obj, list):
            for v in obj:
                visit(v)

    visit(report)


def small_tables():
    tokens = [(0, 3), (4, 8), (9, 11), (12, 17), (18, 21), (22, 28)]
    spans = [
        ("ali", "d1", 4, 17, "PER"), ("ali", "d1", 22, 28, "LOC"),
        ("sara", "d1", 4, 8, "PER"), ("sara", "d1", 22, 28, "GPE"),
        ("omar", "d1", 4, 17, "PER"),
    ]  # fmt: skip
    return dict(
        spans=pl.DataFrame(spans, schema=["annotator", "doc_id", "start", "end", "label"], orient="row"),
        coverage=pl.DataFrame(
            [("ali", "d1"), ("sara", "d1"), ("omar", "d1"), ("ali", "d2")],
            schema=["annotator", "doc_id"],
            orient="row",
        ),
        tokens=pl.DataFrame(
            [("d1", s, e) for s, e in tokens], schema=["doc_id", "start", "end"], orient="row"
        ),
        doc_lengths=pl.DataFrame([("d1", len(TEXT)), ("d2", 5)], schema=["doc_id", "length"], orient="row"),
        events=pl.DataFrame(
            [("ali", "d1", "e", "Meet", 0, 3), ("sara", "d1", "e", "Meet", 0, 3)],
            schema=["annotator", "doc_id", "event_id", "type", "start", "end"],
            orient="row",
        ),
        arguments=pl.DataFrame(
            [("ali", "d1", "e", "Agent", 4, 17), ("sara", "d1", "e", "Agent", 4, 8)],
            schema=["annotator", "doc_id", "event_id", "role", "start", "end"],
            orient="row",
        ),
    )


def build(t, **kwargs):
    return compute_report(
        t["spans"], t["coverage"], t["tokens"], t["doc_lengths"], t["events"], t["arguments"],
        guidelines="2.0.0", excluded=[{"doc_id": "d9", "reason": "draft"}], **kwargs,
    )  # fmt: skip


def test_report_serializes_with_orjson_without_nan():
    report = build(small_tables(), texts={"d1": TEXT})
    check_json_ready(report)
    map_reasons_present(report)
    for key in (
        "guidelines",
        "annotators",
        "documents",
        "spans",
        "tokens",
        "unitizing_alpha",
        "events",
        "per_document",
        "confusion",
        "disagreements",
        "excluded",
    ):
        assert key in report
    for mode in ("exact", "overlap"):
        assert {"f1", "per_label", "pairs"} <= set(report["spans"][mode])
        assert {"a", "b", "f1", "matched", "a_count", "b_count"} <= set(report["spans"][mode]["pairs"][0])
    assert {"mean", "pairs"} <= set(report["tokens"]["cohen_kappa"])
    assert {"a", "b", "kappa"} <= set(report["tokens"]["cohen_kappa"]["pairs"][0])
    assert {"overall", "per_label"} <= set(report["unitizing_alpha"])
    assert {"trigger_f1", "argument_f1", "per_type"} <= set(report["events"])
    assert {"id", "span_f1_exact"} <= set(report["per_document"][0])
    assert report["excluded"] == [{"doc_id": "d9", "reason": "draft"}]


def test_empty_study_is_all_null_with_reasons():
    report = compute_report(
        pl.DataFrame(schema=SPAN_SCHEMA),
        pl.DataFrame(schema={"annotator": pl.String, "doc_id": pl.String}),
        None, None, None, None, guidelines="1.0.0", excluded=[],
    )  # fmt: skip
    check_json_ready(report)
    assert report["spans"]["exact"]["f1"] is None and report["spans"]["exact"]["f1_reason"]
    assert report["tokens"]["krippendorff_alpha"] is None and report["tokens"]["krippendorff_alpha_reason"]
    assert report["unitizing_alpha"]["overall"] is None and report["unitizing_alpha"]["overall_reason"]
    for render in (to_markdown, to_csv, to_html):
        assert render(report)


@st.composite
def random_tables(draw):
    annotators = ["a", "b", "c"][: draw(st.integers(1, 3))]
    docs = {f"d{i}": draw(st.integers(4, 30)) for i in range(draw(st.integers(1, 3)))}
    coverage = [(a, d) for a in annotators for d in docs if draw(st.booleans())]
    spans, events, arguments = [], [], []
    for a, d in coverage:
        for _ in range(draw(st.integers(0, 4))):
            s = draw(st.integers(0, docs[d] - 1))
            spans.append((a, d, s, draw(st.integers(s + 1, docs[d])), draw(st.sampled_from(["X", "Y"]))))
        for k in range(draw(st.integers(0, 2))):
            s = draw(st.integers(0, docs[d] - 1))
            events.append((a, d, f"e{k}", draw(st.sampled_from(["T1", "T2"])), s, s + 1))
            if draw(st.booleans()):
                arguments.append((a, d, f"e{k}", "R", 0, 1))
    tokens = [(d, i, i + 1) for d, n in docs.items() for i in range(0, n, 2)]
    return dict(
        spans=pl.DataFrame(
            spans,
            schema={
                "annotator": pl.String,
                "doc_id": pl.String,
                "start": pl.Int64,
                "end": pl.Int64,
                "label": pl.String,
            },
            orient="row",
        ),
        coverage=pl.DataFrame(coverage, schema={"annotator": pl.String, "doc_id": pl.String}, orient="row"),
        tokens=pl.DataFrame(tokens, schema=["doc_id", "start", "end"], orient="row"),
        doc_lengths=pl.DataFrame(list(docs.items()), schema=["doc_id", "length"], orient="row"),
        events=pl.DataFrame(
            events,
            schema={
                "annotator": pl.String,
                "doc_id": pl.String,
                "event_id": pl.String,
                "type": pl.String,
                "start": pl.Int64,
                "end": pl.Int64,
            },
            orient="row",
        ),
        arguments=pl.DataFrame(
            arguments,
            schema={
                "annotator": pl.String,
                "doc_id": pl.String,
                "event_id": pl.String,
                "role": pl.String,
                "start": pl.Int64,
                "end": pl.Int64,
            },
            orient="row",
        ),
    )


@settings(max_examples=50, deadline=None)
@given(random_tables())
def test_random_reports_are_json_ready_and_render(t):
    report = build(t)
    check_json_ready(report)
    map_reasons_present(report)
    rows = list(csv.DictReader(io.StringIO(to_csv(report))))
    for row in rows:
        assert (row["value"] == "") == bool(row["reason"]), row
    to_markdown(report)
    to_html(report)


class _Checker(HTMLParser):
    VOID = {"meta", "br", "img", "link", "input", "hr"}

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.rtl = 0
        self.external = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("dir") == "rtl" and attrs.get("lang") == "ar":
            self.rtl += 1
        for name in ("src", "href"):
            if name in attrs:
                self.external.append(attrs[name])
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        pass  # self-closing SVG elements

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-3:])
        self.stack.pop()


def test_renderers():
    report = build(small_tables(), texts={"d1": TEXT})
    md = to_markdown(report)
    assert "# Inter-annotator agreement" in md and "| ali | omar |" in md and "محمد بن سلمان" in md
    table = list(csv.reader(io.StringIO(to_csv(report))))
    assert tuple(table[0]) == CSV_COLUMNS
    measures = {row[0] for row in table[1:]}
    assert {
        "span_f1_exact",
        "span_f1_overlap",
        "cohen_kappa",
        "fleiss_kappa",
        "krippendorff_alpha",
        "unitizing_alpha",
        "trigger_f1",
        "argument_f1",
    } <= measures
    overall = {row[0]: row[5] for row in table[1:] if row[1] == "overall"}
    assert float(overall["span_f1_exact"]) == report["spans"]["exact"]["f1"]
    page = to_html(report)
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and "<style>" in page
    checker = _Checker()
    checker.feed(page)
    checker.close()
    assert checker.stack == [] and checker.external == [] and checker.rtl >= 1
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in page
    assert "<script" not in page
    assert "&lt;script&gt;" in to_html({**report, "guidelines": "<script>"})
