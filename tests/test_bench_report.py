"""The pure parts of `make bench` (benchmarks/report.py, benchmarks/rows.py): budget checks,
BENCHMARKS.md rendered from results.json, the notes file, and the untimed file change."""

from __future__ import annotations

import sys
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import report
import rows


def result(**fields) -> dict:
    base = {
        "row": "agreement-cold",
        "size": 10_000,
        "title": "`annotator agreement`, cold",
        "unit": "s",
        "samples": [2.0, 1.0, 3.0],
        "peak_mib": 900.0,
        "extras": {},
        "limits": [["median", "<=", 2.5, "≤ 2.5 s"], ["peak_mib", "<=", 2048, "≤ 2 GB"]],
        "error": None,
        "profile": None,
        "date": "2026-11-29",
    }
    return {**base, **fields}


def test_a_row_meets_its_budget_only_when_every_limit_holds():
    assert report.stats([2.0, 1.0, 3.0]) == {"median": 2.0, "min": 1.0, "max": 3.0}
    assert report.verdict(result()) == "met"
    assert report.verdict(result(samples=[2.6, 2.6, 1.0])) == "NOT MET"
    assert report.verdict(result(peak_mib=3000.0)) == "NOT MET"
    assert report.verdict(result(error="did not finish in 900 s", samples=[])) == "NOT MET"
    assert report.verdict(result(limits=[])) == ""
    heavy = [["heavy", "empty", 0, "no polars/textual"]]
    assert report.verdict(result(limits=heavy, extras={"heavy": []})) == "met"
    assert report.verdict(result(limits=heavy, extras={"heavy": ["polars"]})) == "NOT MET"
    at_least = [["median", ">=", 2e6, "≥ 2 M chars/s"]]
    assert report.verdict(result(limits=at_least, unit="chars/s", samples=[2.1e6])) == "met"
    assert report.verdict(result(limits=at_least, unit="chars/s", samples=[1.9e6])) == "NOT MET"


def test_the_markdown_shows_every_row_and_explains_the_ones_that_miss():
    results = {
        "date": "2026-11-30",
        "machine": {"cpu": "AMD EPYC", "cores": 2, "ram_gib": 24, "os": "Debian", "python": "3.11.7", "polars": "2"},
        "rows": {
            "agreement-cold@10000": result(date="2026-11-30"),
            "agreement-cold@100000": result(
                size=100_000, error="did not finish in 900 s", samples=[], date="2026-11-30"
            ),
            "layout": result(
                row="layout",
                size=None,
                title="layout",
                unit="chars/s",
                samples=[1.5e6, 1.2e6, 1.4e6],
                peak_mib=130.0,
                limits=[["median", ">=", 2e6, "≥ 2 M chars/s"]],
                profile="ncalls tottime cumtime\n1 0.1 5.0 layout.py:18(main)",
            ),
        },
    }
    notes = report.parse_notes("# Why\nintro\n\n## layout\nPython work per cluster.\n\nSecond line.\n## help\nx\n")
    assert notes == {"layout": "Python work per cluster.\n\nSecond line.", "help": "x"}
    never = {
        "row": "help",
        "size": None,
        "title": "`annotator --help`",
        "unit": "s",
        "limits": [["median", "<=", 0.3, "≤ 0.3 s"]],
    }
    order = {"layout": {}, "agreement-cold@10000": {}, "agreement-cold@100000": {}, "help": never}
    text = report.render(results, notes, order)
    assert "AMD EPYC (2 cores), 24 GiB RAM, Debian, Python 3.11.7, polars 2" in text
    table = [line for line in text.splitlines() if line.startswith("| ")]
    assert (
        table[2]
        == "| layout | - | 1.40 M chars/s | 1.20 M chars/s | 1.50 M chars/s | 3 | 130 MiB | ≥ 2 M chars/s | NOT MET |"
    )
    assert table[3].endswith("| 10,000 × 3 | 2.00 s | 1.00 s | 3.00 s | 3 | 900 MiB | ≤ 2.5 s; ≤ 2 GB | met |")
    assert "| 100,000 × 3 | did not finish in 900 s |" in table[4] and table[4].endswith("NOT MET |")
    assert table[5] == "| `annotator --help` | - | not measured yet |  |  | 0 | - | ≤ 0.3 s |  |"
    missed = text.split("## Not within budget")[1]
    assert "### `help`" not in missed
    assert "### `layout`" in missed and "Python work per cluster.\n\nSecond line." in missed
    assert "1 0.1 5.0 layout.py:18(main)" in missed
    assert "### `agreement-cold@100000`" in missed and "(no explanation in benchmarks/notes.md yet)" in missed
    assert "### `agreement-cold@10000`" not in missed
    assert "- `layout`: 2026-11-29" in text.split("## Results from earlier runs")[1]


def test_ten_changed_files_get_another_label_and_stay_valid(tmp_path):
    folder = tmp_path / "annotations" / "ann1"
    folder.mkdir(parents=True)
    entities = [{"id": "T1", "start": 0, "end": 3, "label": "PER"}, {"id": "T2", "start": 4, "end": 6, "label": "GPE"}]
    for i in range(12):
        (folder / f"d{i:02d}.json").write_bytes(orjson.dumps({"doc_id": f"d{i:02d}", "entities": entities}))
    rows.change_ten_files(tmp_path, 0)
    labels = [orjson.loads((folder / f"d{i:02d}.json").read_bytes())["entities"][0]["label"] for i in range(12)]
    assert labels == ["GPE"] * 10 + ["PER"] * 2
    assert sorted(p.name for p in folder.iterdir()) == [f"d{i:02d}.json" for i in range(12)]
