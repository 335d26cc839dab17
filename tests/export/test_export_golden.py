"""Each export format on the seed documents (done ones: 000 and 001) against files kept in tests/golden.

Regenerate after a deliberate format change with ``UPDATE_GOLDEN=1 pytest tests/export``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import orjson
import pytest

from annotator.core.export import ExportOptions, export
from tests.export.seed_annotations import DOC0, DOC1, annotated_workspace

GOLDEN = Path(__file__).resolve().parents[1] / "golden"

CASES = {
    "jsonl": (dict(format="jsonl"), ["all.jsonl"]),
    "conll": (dict(format="conll"), ["all.conll"]),
    "conll-nested": (
        dict(format="conll", nested="columns", tokens="clitic", events=True, scheme="bioes"),
        ["all.conll"],
    ),
    "hf": (dict(format="hf", tokens="clitic"), ["all.jsonl", "labels.json"]),
}


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    return annotated_workspace(tmp_path_factory.mktemp("golden") / "ws")


@pytest.mark.parametrize("case", CASES)
def test_export_matches_golden(ws, tmp_path, case):
    options, files = CASES[case]
    result = export(ws, ExportOptions(done_only=True, out=tmp_path / case, command=["annotator", "export"], **options))
    manifest = orjson.loads((result.out / "manifest.json").read_bytes())
    assert manifest["documents"] == {"all": [DOC0, DOC1]}
    assert sorted(manifest["files"]) == sorted(files)
    for name in files:
        produced, golden = result.out / name, GOLDEN / case / name
        if os.environ.get("UPDATE_GOLDEN"):
            golden.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(produced, golden)
        assert produced.read_bytes() == golden.read_bytes(), f"{case}/{name} differs from tests/golden"
