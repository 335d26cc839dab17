"""The published worked examples of /work/shared/reference/agreement.md, reproduced by the
agreement measures directly and through compute_report (tokens, documents, coverage)."""

from __future__ import annotations

import polars as pl
import pytest

from annotator.core.agreement import (
    Undefined,
    Value,
    alpha_u,
    cohen_kappa,
    compute_report,
    fleiss_kappa,
    krippendorff_alpha,
    unitizing_alpha,
)

# Artstein & Poesio 2008, p. 568: rows rater a, columns rater b.
COHEN_TABLE = [[46, 0, 0], [6, 32, 6], [0, 0, 10]]

# Fleiss 1971 (DKPro Fleiss1971Test): 30 items x 6 raters, categories 1..5.
FLEISS_ITEMS = [
    (4, 4, 4, 4, 4, 4), (2, 2, 2, 5, 5, 5), (2, 3, 3, 3, 3, 5), (5, 5, 5, 5, 5, 5), (2, 2, 2, 4, 4, 4),
    (1, 1, 3, 3, 3, 3), (3, 3, 3, 3, 5, 5), (1, 1, 3, 3, 3, 4), (1, 1, 4, 4, 4, 4), (5, 5, 5, 5, 5, 5),
    (1, 4, 4, 4, 4, 4), (1, 2, 4, 4, 4, 4), (2, 2, 2, 3, 3, 3), (1, 4, 4, 4, 4, 4), (2, 2, 4, 4, 4, 5),
    (3, 3, 3, 3, 3, 5), (1, 1, 1, 4, 5, 5), (1, 1, 1, 1, 1, 2), (2, 2, 4, 4, 4, 4), (1, 3, 3, 5, 5, 5),
    (5, 5, 5, 5, 5, 5), (2, 4, 4, 4, 4, 4), (2, 2, 4, 5, 5, 5), (1, 1, 4, 4, 4, 4), (1, 4, 4, 4, 4, 5),
    (2, 2, 2, 2, 2, 4), (1, 1, 1, 1, 5, 5), (2, 2, 4, 4, 4, 4), (1, 3, 3, 3, 3, 3), (5, 5, 5, 5, 5, 5),
]  # fmt: skip

# Krippendorff 2004 (DKPro Krippendorff2004Test): 4 coders x 12 units, "." missing.
KRIPPENDORFF_ROWS = [
    "B L P P L B C B L . . .",
    "B L P P L L C B L F . .",
    ". P P P L P C L L F B P",
    "B L P P L C C B L F B .",
]

# Krippendorff 2004 p. 254 (DKPro): continuum 150..450, (offset, length, rater, category).
K2004_UNITS = [
    (225, 70, 0, "c"), (370, 30, 0, "c"), (220, 80, 1, "c"), (355, 20, 1, "c"), (400, 20, 1, "c"),
    (180, 60, 0, "k"), (300, 50, 0, "k"), (180, 60, 1, "k"), (300, 50, 1, "k"),
]  # fmt: skip


def cohen_frame() -> pl.DataFrame:
    a, b = [], []
    for i, row in enumerate(COHEN_TABLE):
        for j, count in enumerate(row):
            a += [i] * count
            b += [j] * count
    return pl.DataFrame({"a": a, "b": b})


def krippendorff_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {f"c{i}": [None if v == "." else v for v in row.split()] for i, row in enumerate(KRIPPENDORFF_ROWS)}
    )


def units_2004() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "rater": [u[2] for u in K2004_UNITS],
            "label": [u[3] for u in K2004_UNITS],
            "start": [u[0] for u in K2004_UNITS],
            "end": [u[0] + u[1] for u in K2004_UNITS],
        }
    )


def one_token_docs(values: dict[str, list[str | None]]) -> dict[str, pl.DataFrame]:
    """Tables where each item is a one-character document with one token; rater r labels it
    v with a span, or did not annotate the document when v is None."""
    n = len(next(iter(values.values())))
    docs = [f"d{i:03d}" for i in range(n)]
    spans = {"annotator": [], "doc_id": [], "start": [], "end": [], "label": []}
    coverage = {"annotator": [], "doc_id": []}
    for rater, column in values.items():
        for doc, v in zip(docs, column, strict=True):
            if v is None:
                continue
            coverage["annotator"].append(rater)
            coverage["doc_id"].append(doc)
            spans["annotator"].append(rater)
            spans["doc_id"].append(doc)
            spans["start"].append(0)
            spans["end"].append(1)
            spans["label"].append(str(v))
    return {
        "spans": pl.DataFrame(
            spans,
            schema={
                "annotator": pl.String,
                "doc_id": pl.String,
                "start": pl.Int64,
                "end": pl.Int64,
                "label": pl.String,
            },
        ),
        "coverage": pl.DataFrame(coverage, schema={"annotator": pl.String, "doc_id": pl.String}),
        "tokens": pl.DataFrame({"doc_id": docs, "start": [0] * n, "end": [1] * n}),
        "doc_lengths": pl.DataFrame({"doc_id": docs, "length": [1] * n}),
    }


def report_of(tables: dict[str, pl.DataFrame]) -> dict:
    from annotator.core.agreement.input import AgreementInput

    return compute_report(
        AgreementInput("test", tables["spans"], tables["coverage"], tables.get("tokens"), tables.get("doc_lengths"))
    ).to_dict()


# --------------------------------------------------------------------------- coding measures


def test_cohen_artstein_poesio_2008():
    assert cohen_kappa(cohen_frame(), "a", "b") == pytest.approx(0.8013, abs=1e-4)


def test_cohen_through_tokens_with_o():
    # category 0 is "no entity" (token label O), 1 and 2 are labels X and Y
    frame = cohen_frame()
    names = {0: None, 1: "X", 2: "Y"}
    docs = ["d1"] * frame.height
    spans = pl.concat(
        [
            pl.DataFrame(
                {
                    "annotator": rater,
                    "doc_id": "d1",
                    "start": list(range(frame.height)),
                    "label": [names[v] for v in frame[col]],
                }
            )
            .filter(pl.col("label").is_not_null())
            .with_columns(end=pl.col("start") + 1)
            .select("annotator", "doc_id", "start", "end", "label")
            for rater, col in (("a", "a"), ("b", "b"))
        ]
    )
    tables = {
        "spans": spans,
        "coverage": pl.DataFrame({"annotator": ["a", "b"], "doc_id": ["d1", "d1"]}),
        "tokens": pl.DataFrame(
            {"doc_id": docs, "start": list(range(frame.height)), "end": [i + 1 for i in range(frame.height)]}
        ),
        "doc_lengths": pl.DataFrame({"doc_id": ["d1"], "length": [frame.height]}),
    }
    report = report_of(tables)
    assert report["tokens"]["cohen_kappa"]["pairs"][0]["kappa"] == pytest.approx(0.8013, abs=1e-4)
    assert report["tokens"]["cohen_kappa"]["mean"] == pytest.approx(0.8013, abs=1e-4)


def test_fleiss_1971():
    frame = pl.DataFrame([list(x) for x in FLEISS_ITEMS], schema=[f"r{i}" for i in range(6)], orient="row")
    assert fleiss_kappa(frame, frame.columns) == pytest.approx(0.4302, abs=1e-4)


def test_fleiss_1971_through_report():
    values = {f"r{i}": [str(item[i]) for item in FLEISS_ITEMS] for i in range(6)}
    report = report_of(one_token_docs(values))
    assert report["tokens"]["fleiss_kappa"] == pytest.approx(0.4302, abs=1e-4)


def test_krippendorff_2004_alpha_nominal():
    frame = krippendorff_frame()
    assert krippendorff_alpha(frame, frame.columns) == pytest.approx(0.7434, abs=1e-4)


def test_krippendorff_2004_through_report_missing_documents():
    frame = krippendorff_frame()
    report = report_of(one_token_docs({c: frame[c].to_list() for c in frame.columns}))
    assert report["tokens"]["krippendorff_alpha"] == pytest.approx(0.7434, abs=1e-4)
    # Fleiss needs items every rater labelled: units 2..9 of the 12 (1-based 2, 3, ..., 9)
    assert report["tokens"]["fleiss_kappa"] is not None


# --------------------------------------------------------------------------- unitizing


def test_unitizing_tiny_case():
    units = pl.DataFrame({"rater": [0, 1, 1, 1], "label": ["A"] * 4, "start": [1, 2, 4, 6], "end": [9, 3, 5, 7]})
    result = alpha_u(units, raters=2, length=10)
    assert result.observed["A"] == pytest.approx(0.9100, abs=1e-4)  # Σδ² = 91
    assert result.expected["A"] == pytest.approx(0.53519, abs=1e-4)
    assert result.per_label["A"] == pytest.approx(-0.7003, abs=1e-4)
    assert result.overall == pytest.approx(-0.7003, abs=1e-4)


def test_unitizing_krippendorff_2004():
    result = alpha_u(units_2004(), raters=2, length=300, begin=150)
    assert result.observed["c"] == pytest.approx(0.0144, abs=1e-4)
    assert result.expected["c"] == pytest.approx(0.0532, abs=1e-4)
    assert result.per_label["c"] == pytest.approx(0.7286, abs=1e-4)
    assert result.observed["k"] == pytest.approx(0.0, abs=1e-12)
    assert result.expected["k"] == pytest.approx(0.0490, abs=1e-4)
    assert result.per_label["k"] == pytest.approx(1.0, abs=1e-4)
    assert result.overall == pytest.approx(0.8591, abs=5e-4)


def test_unitizing_2004_on_two_concatenated_documents():
    # the continuum 150..450 cut at 300 into two documents (no unit crosses 300)
    units = units_2004()
    spans = units.select(
        annotator=pl.format("r{}", "rater"),
        doc_id=pl.when(pl.col("start") < 300).then(pl.lit("doc-a")).otherwise(pl.lit("doc-b")),
        start=pl.when(pl.col("start") < 300).then(pl.col("start") - 150).otherwise(pl.col("start") - 300),
        end=pl.when(pl.col("start") < 300).then(pl.col("end") - 150).otherwise(pl.col("end") - 300),
        label="label",
    )
    coverage = pl.DataFrame({"annotator": ["r0", "r0", "r1", "r1"], "doc_id": ["doc-a", "doc-b"] * 2})
    lengths = pl.DataFrame({"doc_id": ["doc-b", "doc-a"], "length": [150, 150]})
    result = unitizing_alpha(spans, coverage, lengths)
    assert result.overall == pytest.approx(0.8591, abs=5e-4)
    assert result.per_label["c"] == pytest.approx(0.7286, abs=1e-4)
    assert result.documents == 2 and result.length == 300


def test_unitizing_tiny_case_through_report():
    spans = pl.DataFrame(
        {
            "annotator": ["r0", "r1", "r1", "r1"],
            "doc_id": ["d"] * 4,
            "start": [1, 2, 4, 6],
            "end": [9, 3, 5, 7],
            "label": ["A"] * 4,
        }
    )
    tables = {
        "spans": spans,
        "coverage": pl.DataFrame({"annotator": ["r0", "r1"], "doc_id": ["d", "d"]}),
        "tokens": pl.DataFrame({"doc_id": ["d"] * 10, "start": list(range(10)), "end": list(range(1, 11))}),
        "doc_lengths": pl.DataFrame({"doc_id": ["d"], "length": [10]}),
    }
    report = report_of(tables)
    assert report["unitizing_alpha"]["per_label"]["A"] == pytest.approx(-0.7003, abs=1e-4)
    assert report["unitizing_alpha"]["overall"] == pytest.approx(-0.7003, abs=1e-4)


def test_unitizing_single_unit_is_zero():
    units = pl.DataFrame({"rater": [0], "label": ["X"], "start": [0], "end": [1]})
    assert alpha_u(units, raters=3, length=20).overall == 0.0


def test_unitizing_empty_study_is_undefined():
    units = pl.DataFrame(schema={"rater": pl.Int64, "label": pl.String, "start": pl.Int64, "end": pl.Int64})
    result = alpha_u(units, raters=3, length=20)
    assert isinstance(result.overall, Undefined)
    assert "no" in result.overall.reason
    as_json = Value.of(result.overall)  # what the report writes: null and the reason
    assert as_json.number is None and as_json.reason
