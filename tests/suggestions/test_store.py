"""The suggestions store: model files per source, decisions per annotator (kept apart, under a lock),
and the counts ``annotator status`` shows."""

from __future__ import annotations

import threading
from pathlib import Path

import orjson
import pytest

from annotator.cli import main
from annotator.core.errors import AnnotatorError
from annotator.core.suggestions.model import ACCEPTED, REJECTED, Decision
from annotator.core.suggestions.store import (
    DecisionStore,
    ModelDocument,
    check_source,
    decision_counts,
    model_sources,
    read_model,
    write_models,
)
from annotator.core.workspace import Workspace
from tests.conftest import copy_workspace


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace.open(copy_workspace(tmp_path / "ws"))


def decision(start: int, label: str, verdict, source: str = "ner") -> Decision:
    return Decision(start, start + 3, label, source, verdict, "2026-01-01T00:00:00.000+00:00")


def test_model_files_round_trip_per_source_and_ignore_another_text(tmp_path):
    text = "في البوكمال اليوم"
    write_models(tmp_path, "ner-a", [ModelDocument("d1", "sha-1", ((3, 11, "GPE", 0.5), (12, 17, "TIMEX", None)))])
    write_models(tmp_path, "ner-b", [ModelDocument("d1", "sha-1", ((3, 11, "LOC", 1.0),))])
    (tmp_path / "suggestions" / "models" / "not a name").mkdir()
    assert model_sources(tmp_path) == ["ner-a", "ner-b"]
    got = read_model(tmp_path, "ner-a", "d1", text, "sha-1")
    assert [(s.text, s.label, s.score, s.source) for s in got] == [
        ("البوكمال", "GPE", 0.5, "ner-a"),
        ("اليوم", "TIMEX", None, "ner-a"),
    ]
    assert read_model(tmp_path, "ner-a", "d1", text, "sha-2") == []  # the text changed since
    assert read_model(tmp_path, "ner-a", "d2", text, "sha-1") == []  # no file


def test_a_bad_model_file_is_named(tmp_path):
    write_models(tmp_path, "ner", [ModelDocument("d1", "s", ((3, 99, "GPE", None),))])
    with pytest.raises(AnnotatorError, match=r"d1\.json:suggestions\[0\]"):
        read_model(tmp_path, "ner", "d1", "short text", "s")


@pytest.mark.parametrize("name", ["annotations", "guidelines", "gold", "a/b", ""])
def test_built_in_and_bad_source_names_are_refused(name):
    with pytest.raises(AnnotatorError):
        check_source(name)


def test_decisions_of_two_annotators_are_kept_apart(ws):
    amal, omar = DecisionStore(ws, "amal"), DecisionStore(ws, "omar")
    amal.record("d1", [decision(0, "GPE", REJECTED)])
    omar.record("d1", [decision(0, "GPE", ACCEPTED), decision(5, "ORG", REJECTED)])
    assert [(d.key, d.verdict) for d in amal.read("d1")] == [((0, 3, "GPE"), REJECTED)]
    assert amal.rejected("d1") == {(0, 3, "GPE")}
    assert omar.rejected("d1") == {(5, 8, "ORG")}
    assert amal.read("d2") == []


def test_a_later_decision_on_the_same_span_and_label_replaces_the_earlier(ws):
    store = DecisionStore(ws, "amal")
    store.record("d1", [decision(0, "GPE", REJECTED), decision(5, "ORG", REJECTED)])
    store.record("d1", [decision(0, "GPE", ACCEPTED)])
    assert {d.key: d.verdict for d in store.read("d1")} == {(0, 3, "GPE"): ACCEPTED, (5, 8, "ORG"): REJECTED}
    assert len(store.read("d1")) == 2


def test_two_writers_of_one_file_lose_nothing(ws):
    stores = [DecisionStore(ws, "amal") for _ in range(2)]

    def write(store: DecisionStore, first: int) -> None:
        for start in range(first, first + 40, 2):
            store.record("d1", [decision(start * 10, "GPE", REJECTED)])

    threads = [threading.Thread(target=write, args=(s, i)) for i, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(DecisionStore(ws, "amal").read("d1")) == 40


def test_counts_per_source_label_and_verdict_are_what_was_recorded(ws, capsys):
    DecisionStore(ws, "amal").record("d1", [decision(0, "GPE", ACCEPTED), decision(5, "GPE", REJECTED)])
    DecisionStore(ws, "amal").record("d2", [decision(0, "GPE", ACCEPTED, "annotations")])
    DecisionStore(ws, "omar").record("d1", [decision(0, "GPE", ACCEPTED), decision(9, "ORG", REJECTED)])
    bad = DecisionStore(ws, "omar").path("d3")
    bad.write_text("{not json", encoding="utf-8")
    counts, problems = decision_counts(ws.root)
    got = {(c.source, c.label): (c.accepted, c.rejected, c.rate) for c in counts}
    assert got == {("annotations", "GPE"): (1, 0, 1.0), ("ner", "GPE"): (2, 1, 2 / 3), ("ner", "ORG"): (0, 1, 0.0)}
    assert len(problems) == 1 and "d3.json" in problems[0]
    assert main(["--workspace", str(ws.root), "status", "--format", "json"]) == 0
    report = orjson.loads(capsys.readouterr().out)["suggestions"]
    assert {(d["source"], d["label"], d["accepted"], d["rejected"]) for d in report["decisions"]} == {
        ("annotations", "GPE", 1, 0),
        ("ner", "GPE", 2, 1),
        ("ner", "ORG", 0, 1),
    }
    assert len(report["unreadable"]) == 1
    assert main(["--workspace", str(ws.root), "status"]) == 0
    table = capsys.readouterr().out
    assert "Suggestions decided" in table and "67%" in table and "d3.json" in table
