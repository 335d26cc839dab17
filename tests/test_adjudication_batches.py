"""Adjudication in worker processes writes the same gold as one process, and still cleans up."""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson

from annotator.core.adjudication import run
from annotator.core.workspace import Workspace
from annotator.synthetic import generate


def _gold(root: Path) -> dict[str, dict]:
    out = {}
    for path in sorted((root / "annotations" / "gold").glob("*.json")):
        data = orjson.loads(path.read_bytes())
        data.pop("created", None)
        data.pop("modified", None)
        out[path.name] = data
    return out


def test_worker_batches_write_the_gold_one_process_writes(tmp_path, monkeypatch):
    base = tmp_path / "base"
    generate(base, docs=12, entities=6, events=2, gold=False)
    one, many = tmp_path / "one", tmp_path / "many"
    shutil.copytree(base, one)
    shutil.copytree(base, many)
    stale = many / "annotations" / "gold" / ".syn00003.json.deadbeef.tmp"
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_bytes(b"{")  # a write a crash cut short: taking the document's lock removes it

    single = run.adjudicate(Workspace.open(one), "majority", workers=1)
    monkeypatch.setattr(run, "PARALLEL_MIN", 1)
    monkeypatch.setattr(run, "BATCH", 5)
    batched = run.adjudicate(Workspace.open(many), "majority", workers=2)

    assert batched.outcomes == single.outcomes
    assert [o.state for o in batched.outcomes] == ["created"] * 12
    assert _gold(many) == _gold(one)
    assert not stale.exists()
