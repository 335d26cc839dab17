"""Splits that do not move when the corpus grows, and one CoNLL column count for a whole export."""

from __future__ import annotations

from collections import Counter

import orjson
import pytest

from annotator.core.export import ExportOptions, export, split_documents
from annotator.core.export.split import RULE, split_of
from annotator.synthetic import generate
from tests.export.seed_annotations import DOC0, DOC1, DOC2, annotated_workspace


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("split") / "ws", docs=40, annotators=1, entities=4, events=1)


def test_documents_keep_their_split_when_the_corpus_grows(synth, tmp_path):
    first = ExportOptions(
        format="conll", docs=tuple(synth.doc_ids[:30]), split=(80, 10, 10), seed=7, out=tmp_path / "a"
    )
    before = export(synth.workspace, first)
    after = export(synth.workspace, ExportOptions(format="conll", split=(80, 10, 10), seed=7, out=tmp_path / "b"))
    place = {d: name for name, ids in after.manifest["documents"].items() for d in ids}
    assert len(place) == 40
    for name, ids in before.manifest["documents"].items():
        assert all(place[d] == name for d in ids), name  # by rank, 3 of these 30 moved
    assert before.manifest["options"]["split_rule"] == RULE
    assert orjson.loads((tmp_path / "b" / "manifest.json").read_bytes())["options"]["split_rule"] == RULE


@pytest.mark.parametrize("seed", range(10))
def test_no_document_moves_whatever_is_added_or_left_out(seed):
    ids = [f"syn{i:05d}" for i in range(1200)]
    everything = split_documents(ids, (80, 10, 10), seed)
    place = {d: name for name, group in everything.items() for d in group}
    for subset in (ids[:30], ids[:40], ids[::3], ids[1000:]):
        for name, group in split_documents(subset, (80, 10, 10), seed).items():
            assert all(place[d] == name for d in group)


def test_the_rule_is_the_hash_of_seed_and_id_and_the_sizes_follow_the_percentages():
    # The manifest's rule, computed here independently of split_of.
    import hashlib

    def by_rule(doc_id: str, seed: int, split: tuple[int, int, int]) -> str:
        n = int.from_bytes(hashlib.sha256(f"{seed}:{doc_id}".encode()).digest()[:8], "big")
        u = n / 2**64
        return "train" if u < split[0] / 100 else "dev" if u < (split[0] + split[1]) / 100 else "test"

    ids = [f"doc{i:05d}" for i in range(10_000)]
    for split in [(80, 10, 10), (34, 33, 33), (0, 0, 100), (100, 0, 0), (0, 100, 0)]:
        groups = split_documents(ids, split, seed=11)
        assert sorted(sum(groups.values(), [])) == ids and all(g == sorted(g) for g in groups.values())
        sizes = Counter({name: len(groups[name]) for name in groups})
        for name, percent in zip(("train", "dev", "test"), split):
            assert abs(sizes[name] - 100 * percent) <= 200, (split, sizes)  # 10,000 ids: within 2 points
        assert all(by_rule(d, 11, split) == name for name, group in groups.items() for d in group[:500])
    assert split_documents(ids[:50], (80, 10, 10), 11) != split_documents(ids[:50], (80, 10, 10), 12)
    assert split_of("doc00001", (80, 10, 10), 11) == split_of("doc00001", (80, 10, 10), 11)


def test_nested_columns_are_as_many_in_every_split_file(tmp_path):
    ws = annotated_workspace(tmp_path / "ws")
    options = ExportOptions(format="conll", nested="columns", events=True, split=(34, 33, 33), seed=10)
    options.out = tmp_path / "out"
    result = export(ws, options)
    # 000 and 001 are two levels deep, 002 one: alone in its file it would get one column fewer
    assert result.manifest["documents"] == {"train": [DOC0], "dev": [DOC1], "test": [DOC2]}
    widths = set()
    for name in ("train", "dev", "test"):
        text = (result.out / f"{name}.conll").read_text(encoding="utf-8")
        widths |= {len(line.split("\t")) for line in text.split("\n") if line and not line.startswith("-DOCSTART-")}
    assert widths == {4}  # token, two levels, triggers: in every file (the file of 002 alone had 3)
    assert result.manifest["entity_columns"] == 2
    assert result.manifest["columns"] == ["token", "ner", "ner_2", "trigger"]
