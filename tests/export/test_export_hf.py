"""The Hugging Face export loads with datasets.load_dataset("json", ...) and its tags are in labels.json."""

from __future__ import annotations

import orjson
import pytest

from annotator.core.export import ExportOptions, export
from tests.export.seed_annotations import annotated_workspace


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    return annotated_workspace(tmp_path_factory.mktemp("hf") / "ws")


def test_load_dataset_reads_the_export(ws, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    oracle = "datasets is a reference reader from the 'oracles' extra (make test installs it)"
    datasets = pytest.importorskip("datasets", reason=oracle)

    result = export(
        ws, ExportOptions(format="hf", tokens="clitic", events=True, split=(34, 33, 33), seed=1, out=tmp_path / "out")
    )
    files = {
        name: str(result.out / f"{name}.jsonl")
        for name in ("train", "dev", "test")
        if result.manifest["documents"][name]
    }
    loaded = datasets.load_dataset("json", data_files=files, cache_dir=str(tmp_path / "cache"))
    labels = orjson.loads((result.out / "labels.json").read_bytes())
    triggers = orjson.loads((result.out / "trigger_labels.json").read_bytes())
    assert labels[0] == "O" and triggers[0] == "O"
    rows = sum(loaded[name].num_rows for name in files)
    assert rows == result.manifest["counts"]["sentences"]
    seen = set()
    for name in files:
        for row in loaded[name]:
            assert len(row["tokens"]) == len(row["ner_tags"]) == len(row["trigger_tags"]) > 0
            assert row["id"].startswith(row["doc_id"] + ":")
            seen.update(row["ner_tags"])
            assert set(row["trigger_tags"]) <= set(triggers)
    assert seen <= set(labels)
    assert {"B-GPE", "I-LOC", "B-TIMEX", "I-TIMEX"} <= seen


def test_nested_columns_are_refused_for_hf(ws, tmp_path):
    from annotator.core.errors import AnnotatorError

    with pytest.raises(AnnotatorError, match="hf has one tag per token"):
        export(ws, ExportOptions(format="hf", nested="columns", out=tmp_path / "out"))
