"""The report's dict is JSON-ready (orjson, no NaN/inf, the null convention everywhere) and
the report renders to Markdown, CSV and a standalone HTML page."""

from __future__ import annotations

import csv
import io
import math
import random
import re
from dataclasses import replace
from html.parser import HTMLParser

import orjson
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.agreement import Undefined, Value, compute_report
from annotator.core.agreement.input import AgreementInput
from annotator.core.agreement.render import CSV_COLUMNS, as_bytes, to_csv, to_html, to_markdown
from tests.agreement.report_keys import REPORT_KEYS

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
    # every measure's null has a reason; what was left out is no measure: its nulls mean
    # "all labels" (selection.labels) and "the whole folder" (excluded[].doc_id)
    check_nulls({k: v for k, v in report.items() if k not in ("selection", "excluded")})


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
        tokens=pl.DataFrame([("d1", s, e) for s, e in tokens], schema=["doc_id", "start", "end"], orient="row"),
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


def build(t, texts=None, **kwargs):
    return compute_report(AgreementInput(
        "2.0.0", t["spans"], t["coverage"], t["tokens"], t["doc_lengths"], t["events"], t["arguments"],
        excluded=({"annotator": "ali", "doc_id": "d9", "reason": "draft"},), texts=texts or {},
    ), **kwargs)  # fmt: skip


def test_report_serializes_with_orjson_without_nan():
    report = build(small_tables(), texts={"d1": TEXT}).to_dict()
    check_json_ready(report)
    map_reasons_present(report)
    assert REPORT_KEYS <= set(report), REPORT_KEYS - set(report)
    for mode in ("exact", "overlap"):
        assert {"f1", "per_label", "pairs"} <= set(report["spans"][mode])
        assert {"a", "b", "f1", "matched", "a_count", "b_count"} <= set(report["spans"][mode]["pairs"][0])
    assert {"mean", "pairs"} <= set(report["tokens"]["cohen_kappa"])
    assert {"a", "b", "kappa"} <= set(report["tokens"]["cohen_kappa"]["pairs"][0])
    assert {"overall", "per_label"} <= set(report["unitizing_alpha"])
    assert {"trigger_f1", "argument_f1", "per_type"} <= set(report["events"])
    assert {"id", "span_f1_exact"} <= set(report["per_document"][0])
    assert report["excluded"] == [{"annotator": "ali", "doc_id": "d9", "reason": "draft"}]


def test_empty_study_is_all_null_with_reasons():
    report = compute_report(AgreementInput(
        "1.0.0",
        pl.DataFrame(schema=SPAN_SCHEMA),
        pl.DataFrame(schema={"annotator": pl.String, "doc_id": pl.String}),
    ))  # fmt: skip
    as_dict = report.to_dict()
    check_json_ready(as_dict)
    assert as_dict["spans"]["exact"]["f1"] is None and as_dict["spans"]["exact"]["f1_reason"]
    assert as_dict["tokens"]["krippendorff_alpha"] is None and as_dict["tokens"]["krippendorff_alpha_reason"]
    assert as_dict["unitizing_alpha"]["overall"] is None and as_dict["unitizing_alpha"]["overall_reason"]
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
    check_json_ready(report.to_dict())
    map_reasons_present(report.to_dict())
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
    assert float(overall["span_f1_exact"]) == report.to_dict()["spans"]["exact"]["f1"]
    page = to_html(report)
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and "<style>" in page
    checker = _Checker()
    checker.feed(page)
    checker.close()
    assert checker.stack == [] and checker.external == [] and checker.rtl >= 1
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in page
    assert "<script" not in page
    assert "&lt;script&gt;" in to_html(replace(report, guidelines="<script>"))


# --------------------------------------------------------------------------- summary rows

# The headline measures as the JSON has them: CSV name, label, path of the value (the
# reason is beside it, under "<last>_reason").
SUMMARY = [
    ("span_f1_exact", "Span F1, exact (mean over pairs)", ("spans", "exact", "f1")),
    ("span_f1_overlap", "Span F1, overlap (mean over pairs)", ("spans", "overlap", "f1")),
    ("cohen_kappa", "Cohen's κ on tokens (mean over pairs)", ("tokens", "cohen_kappa", "mean")),
    ("fleiss_kappa", "Fleiss' κ on tokens", ("tokens", "fleiss_kappa")),
    ("krippendorff_alpha", "Krippendorff's α on tokens (nominal)", ("tokens", "krippendorff_alpha")),
    ("cohen_kappa_labelled", "Cohen's κ on labelled tokens (mean over pairs)",
     ("tokens", "labelled", "cohen_kappa", "mean")),
    ("fleiss_kappa_labelled", "Fleiss' κ on labelled tokens", ("tokens", "labelled", "fleiss_kappa")),
    ("krippendorff_alpha_labelled", "Krippendorff's α on labelled tokens (nominal)",
     ("tokens", "labelled", "krippendorff_alpha")),
    ("unitizing_alpha", "Krippendorff's α_u (unitizing, characters)", ("unitizing_alpha", "overall")),
    ("trigger_f1", "Event trigger F1 (mean over pairs)", ("events", "trigger_f1")),
    ("argument_f1", "Event argument F1 on matched triggers (mean over pairs)", ("events", "argument_f1")),
    ("argument_f1_all", "Event argument F1, all arguments (ACE-style, mean over pairs)",
     ("events", "argument_f1_all")),
]  # fmt: skip


def json_summary(as_dict: dict) -> list[tuple[str, str, float | None, str | None]]:
    """(key, label, value, reason) of each headline measure, read from the JSON dict."""
    out = []
    for key, label, path in SUMMARY:
        holder = as_dict
        for step in path[:-1]:
            holder = holder[step]
        out.append((key, label, holder[path[-1]], holder.get(f"{path[-1]}_reason")))
    return out


def markdown_summary(md: str) -> list[tuple[str, ...]]:
    """The summary rows as a Markdown reader sees them (backslash escapes undone)."""
    lines = md.splitlines()
    start = lines.index("## Summary") + 4  # title, blank, header, rule
    rows = []
    for line in lines[start:]:
        if not line.startswith("| "):
            break
        rows.append(tuple(re.sub(r"\\(.)", r"\1", cell.strip()) for cell in line[2:-2].split(" | ")))
    return rows


class _Cards(HTMLParser):
    """(label, shown value, over) of each summary card; an undefined value shows as
    "n/a (reason)" with the reason taken from its tooltip."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self.part: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("class") == "card":
            self.rows.append(["", "", ""])
        elif self.rows and attrs.get("class") in ("v", "k", "n"):
            self.part = attrs["class"]
        elif self.part == "v" and attrs.get("class") == "na":
            self.rows[-1][1] = f"({attrs['title']})"

    def handle_endtag(self, tag):
        if tag == "div":
            self.part = None

    def handle_data(self, data):
        if self.part == "v":
            self.rows[-1][1] = f"{data} {self.rows[-1][1]}".strip()
        elif self.part == "k":
            self.rows[-1][0] += data
        elif self.part == "n":
            self.rows[-1][2] += data.removeprefix("over ")


def html_summary(page: str) -> list[tuple[str, ...]]:
    cards = _Cards()
    cards.feed(page)
    return [tuple(row) for row in cards.rows]


def terminal_summary(report) -> list[tuple[str, ...]]:
    from rich.console import Console

    from annotator.cli.agreement_cmd import terminal_tables

    console = Console(record=True, width=400, color_system=None, file=io.StringIO())
    for part in terminal_tables(report):
        console.print(part)
    lines = console.export_text().splitlines()
    rows = []
    for line in lines[lines.index(next(x for x in lines if x.startswith("Summary"))) + 4 :]:
        if not line.startswith("│"):
            break
        rows.append(tuple(cell.strip() for cell in line.strip("│").split("│")))
    return rows


def csv_summary(report) -> list[tuple[str, float | None, str | None]]:
    rows = csv.DictReader(io.StringIO(to_csv(report)))
    return [
        (r["measure"], float(r["value"]) if r["value"] else None, r["reason"] or None)
        for r in rows
        if r["scope"] == "overall"
    ]


def without_tokens_lengths_events():
    t = small_tables()
    t.update(tokens=None, doc_lengths=None, events=None, arguments=None)
    return t


SHARED, COMMON = "document two or more annotators did", "document every annotator did"
SHARES, ALL = "documents two or more annotators did", "documents every annotator did"


@pytest.mark.parametrize(
    ("tables", "over"),
    [
        # hand-counted: d1 by all three (d2 by ali only): 5 spans, 6 tokens of which 4 labelled
        # (by someone), 2 triggers (ali's and sara's, the same) and 2 arguments on them;
        # argument F1 on matched triggers only for ali-sara; α_u's continuum is d1
        (small_tables, [
            f"3 pairs · 5 spans · 1 {SHARED}", f"3 pairs · 5 spans · 1 {SHARED}", f"3 pairs · 6 tokens · 1 {SHARED}",
            f"6 tokens · 1 {COMMON}", f"6 tokens · 1 {SHARED}", f"3 pairs · 4 tokens · 1 {SHARED}",
            f"4 tokens · 1 {COMMON}", f"4 tokens · 1 {SHARED}", f"{len(TEXT)} characters · 1 {COMMON}",
            f"3 pairs · 2 triggers · 1 {SHARED}", f"1 pair · 2 arguments · 1 {SHARED}",
            f"3 pairs · 2 arguments · 1 {SHARED}",
        ]),
        # no tokens, lengths or events: only span F1 is defined
        (without_tokens_lengths_events, [
            f"3 pairs · 5 spans · 1 {SHARED}", f"3 pairs · 5 spans · 1 {SHARED}", f"0 pairs · 0 tokens · 0 {SHARES}",
            f"0 tokens · 0 {ALL}", f"0 tokens · 0 {SHARES}", f"0 pairs · 0 tokens · 0 {SHARES}", f"0 tokens · 0 {ALL}",
            f"0 tokens · 0 {SHARES}", f"0 characters · 0 {ALL}", f"0 pairs · 0 triggers · 1 {SHARED}",
            f"0 pairs · 0 arguments · 1 {SHARED}", f"0 pairs · 0 arguments · 1 {SHARED}",
        ]),
    ],
)  # fmt: skip
def test_every_renderer_shows_the_same_summary_rows(tables, over):
    report = build(tables(), texts={"d1": TEXT})
    from_json = json_summary(orjson.loads(as_bytes(report, "json")))
    assert [(key, label) for key, label, _, _ in from_json] == [(key, label) for key, label, _ in SUMMARY]
    assert any(value is None for _, _, value, _ in from_json) == (tables is without_tokens_lengths_events)
    shown = [
        (label, f"{value:.3f}" if value is not None else f"n/a ({reason})", n)
        for (_, label, value, reason), n in zip(from_json, over, strict=True)
    ]
    assert [(r.label, r.value.explained(), r.over) for r in report.summary()] == shown
    assert markdown_summary(to_markdown(report)) == shown
    assert html_summary(to_html(report)) == shown
    assert terminal_summary(report) == shown
    assert csv_summary(report) == [(key, value, reason) for key, _, value, reason in from_json]


def test_a_value_is_a_finite_number_or_none_with_a_reason():
    assert Value.of(float("nan")) == Value(None, "the value is not a finite number")
    assert Value.of(Undefined("no pair")).explained() == "n/a (no pair)"
    assert Value.of(2).number == 2.0 and Value.of(2).explained() == "2.000"
    for bad in ((float("nan"), None), (float("inf"), None), (None, None), (None, ""), (0.5, "why")):
        with pytest.raises(ValueError):
            Value(*bad)


def test_reasons_name_labels_never_codes():
    """Both annotators marked one token PER and nothing else: reasons that name a label say
    PER or O, never the internal code (0, 1)."""
    t = small_tables()
    t["spans"] = t["spans"].filter(pl.col("annotator") == "ali").with_columns(label=pl.lit("PER"))
    t["coverage"] = pl.DataFrame([("ali", "d1"), ("sara", "d1")], schema=["annotator", "doc_id"], orient="row")
    t["spans"] = pl.concat([t["spans"], t["spans"].with_columns(annotator=pl.lit("sara"))])
    t["tokens"] = pl.DataFrame([("d1", 4, 8)], schema=["doc_id", "start", "end"], orient="row")
    report = build(t)
    reasons = [report.pairs[0].kappa.reason, report.tokens.fleiss_kappa.reason,
               report.tokens.krippendorff_alpha.reason]  # fmt: skip
    assert all(r and "label, PER" in r for r in reasons), reasons
    t["spans"] = t["spans"].clear()
    reasons = [build(t).tokens.fleiss_kappa.reason]
    assert reasons == ["chance agreement is 1: every rater gave every item the same label, O (no entity)"]


def many_documents(docs: int = 3000, seed: int = 7) -> AgreementInput:
    """Three annotators on ``docs`` short documents: large enough that polars aggregates in
    parallel (where a float sum's order, and so its last bit, used to vary)."""
    rng = random.Random(seed)
    spans, tokens, lengths, coverage = [], [], [], []
    for d in range(docs):
        doc = f"d{d:05}"
        lengths.append((doc, 60))
        tokens += [(doc, i, i + 4) for i in range(0, 60, 5)]
        for a in ("a", "b", "c"):
            coverage.append((a, doc))
            for _ in range(rng.randint(0, 5)):
                s = rng.randrange(0, 55, 5)
                spans.append((a, doc, s, s + 4 + 5 * rng.randint(0, 1), rng.choice("XYZ")))
    return AgreementInput(
        "1",
        pl.DataFrame(spans, schema=["annotator", "doc_id", "start", "end", "label"], orient="row"),
        pl.DataFrame(coverage, schema=["annotator", "doc_id"], orient="row"),
        pl.DataFrame(tokens, schema=["doc_id", "start", "end"], orient="row"),
        pl.DataFrame(lengths, schema=["doc_id", "length"], orient="row"),
    )


def test_a_report_is_the_same_bytes_run_after_run():
    """Per-document means once differed in the last bit between runs on the same tables."""
    data = many_documents()
    first, *others = [{fmt: as_bytes(compute_report(data), fmt) for fmt in ("json", "markdown", "csv", "html")}
                      for _ in range(3)]  # fmt: skip
    for other in others:
        for fmt, payload in first.items():
            assert other[fmt] == payload, fmt


def test_every_format_shows_argument_disagreements_and_the_reference():
    """ali's Agent is 4-17, sara's 4-8 on the same Meet: listed as argument disagreements
    (different entity) in every format, with the trigger's text; omar taken as the
    reference gives each of the others precision, recall and F1 in every format."""
    from rich.console import Console

    from annotator.cli.agreement_cmd import terminal_tables
    from annotator.core.agreement.render import to_disagreements_csv

    t = small_tables()
    report = compute_report(AgreementInput(
        "2.0.0", t["spans"], t["coverage"], t["tokens"], t["doc_lengths"], t["events"], t["arguments"],
        texts={"d1": TEXT}, reference="omar",
    ))  # fmt: skip
    assert report.annotators == ("ali", "sara") and [g.annotator for g in report.against] == ["ali", "sara"]
    arguments = [d for d in report.disagreements if d.kind == "argument"]
    assert [(d.start, d.end, d.what, d.trigger.text) for d in arguments] == [
        (4, 8, "different entity", TEXT[0:3]),
        (4, 17, "different entity", TEXT[0:3]),
    ]
    md, page = to_markdown(report), to_html(report)
    console = Console(record=True, width=300, color_system=None, file=io.StringIO())
    for part in terminal_tables(report):
        console.print(part)
    terminal = console.export_text()
    for shown in (md, page, terminal):
        assert "different entity" in shown and "argument" in shown
        assert "against omar" in shown
    assert TEXT[4:17] in md and TEXT[0:3] in page
    assert "Role" in md and "Agent" in md  # each annotator's roles
    listing = list(csv.DictReader(io.StringIO(to_disagreements_csv(report))))
    assert len(listing) == report.disagreements_total
    row = next(r for r in listing if r["kind"] == "argument")
    assert (row["trigger_start"], row["trigger_end"], row["trigger_text"]) == ("0", "3", TEXT[0:3])
    tidy = list(csv.DictReader(io.StringIO(to_csv(report))))
    against = [r for r in tidy if r["scope"] == "against"]
    assert {r["a"] for r in against} == {"ali", "sara"} and {r["b"] for r in against} == {"omar"}
    as_json = report.to_dict()
    assert as_json["reference"] == "omar" and as_json["against"][0]["spans"]["f1"] is not None
    check_json_ready(as_json)
