"""The agreement's parsed-table cache: whatever it holds, the tables are those read from the files."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from annotator.core.agreement import cache as agreement_cache
from annotator.core.agreement.input import STAGE_FILES, STAGE_TEXTS, AgreementInput, load_chunks, load_tables
from annotator.core.agreement.report import compute_report
from annotator.core.workspace import Workspace
from annotator.synthetic import generate

TABLES = ("spans", "coverage", "tokens", "doc_lengths", "events", "arguments")
COUNTS = ("files", "not_done", "not_started", "review")


def age(*paths: Path, seconds: int = 100) -> None:
    """Each file (every file of a folder) last modified ``seconds`` earlier: not racily clean."""
    for path in paths:
        if path.is_dir():
            age(*path.iterdir(), seconds=seconds)
        else:
            st = path.stat()
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - seconds * 10**9))


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    generate(tmp_path / "ws", docs=24, done=0.6, entities=12, events=3)
    age(tmp_path / "ws")
    return Workspace.open(tmp_path / "ws")


def sorted_frame(frame: pl.DataFrame | None) -> pl.DataFrame | None:
    return None if frame is None else frame.sort(frame.columns)


def same(a: AgreementInput, b: AgreementInput) -> None:
    for name in TABLES:
        x, y = sorted_frame(getattr(a, name)), sorted_frame(getattr(b, name))
        assert x is not None and y is not None and x.equals(y), name
    for name in (*COUNTS, "excluded", "annotators", "reference", "guidelines"):
        assert getattr(a, name) == getattr(b, name), name
    assert dict(a.migrated) == dict(b.migrated)
    assert dict(a.texts) == dict(b.texts)


def loaded(ws: Workspace, **options: Any) -> tuple[AgreementInput, list[tuple[str, int, int]]]:
    seen: list[tuple[str, int, int]] = []
    return load_tables(ws, progress=lambda *a: seen.append(a), **options), seen


def read_again(seen: list[tuple[str, int, int]], stage: str = STAGE_FILES) -> int:
    """How many files (or texts) a load read, from its progress."""
    return max((total for s, _, total in seen if s == stage), default=0)


def test_cold_warm_and_uncached_loads_give_the_same_tables_and_report(ws: Workspace):
    uncached = load_tables(ws, use_cache=False, against="gold")
    assert not (ws.root / ".cache").exists()
    cold, seen_cold = loaded(ws, against="gold")
    warm, seen_warm = loaded(ws, against="gold")
    assert read_again(seen_cold) == 24 * 4 and read_again(seen_cold, STAGE_TEXTS) == 24
    assert read_again(seen_warm) == 0 and read_again(seen_warm, STAGE_TEXTS) == 0
    assert (ws.root / ".cache" / "agreement" / "CACHEDIR.TAG").exists()
    same(uncached, cold)
    same(uncached, warm)
    assert compute_report(warm).to_dict() == compute_report(uncached).to_dict()


@pytest.mark.parametrize(
    "options",
    [
        {"done_only": True},
        {"annotators": ["ann3", "ann1"]},
        {"docs": ["syn00003", "syn00011", "syn00020"]},
        {"against": "ann2", "done_only": True},
        {"against": "gold", "annotators": ["ann2"], "docs": ["syn00001", "syn00002"]},
    ],
)
def test_a_selection_from_the_cache_is_the_selection_read_from_the_files(ws: Workspace, options: dict[str, Any]):
    load_tables(ws)  # the cache filled with everyone's files
    same(load_tables(ws, use_cache=False, **options), load_tables(ws, **options))
    same(load_tables(ws, use_cache=False), load_tables(ws))  # a partial selection spoils nothing


def test_edited_replaced_deleted_and_added_files_and_a_changed_text_are_seen(ws: Workspace):
    load_tables(ws)
    folder = ws.annotations_dir
    edited = folder / "ann1" / "syn00002.json"
    raw = edited.read_bytes()
    label = b'"PER"' if b'"PER"' in raw else b'"LOC"'
    other = b'"ORG"' if label != b'"ORG"' else b'"LOC"'
    edited.write_bytes(raw.replace(label, other, 1))  # same size, in place
    replaced = folder / "ann2" / "syn00005.json"
    (folder / "ann2" / "new.tmp").write_bytes(replaced.read_bytes().replace(b'"done"', b'"in_progress"'))
    os.replace(folder / "ann2" / "new.tmp", replaced)
    deleted = folder / "ann3" / "syn00007.json"
    kept_bytes = deleted.read_bytes()
    deleted.unlink()
    text = ws.corpus_dir / "syn00009.txt"
    text.write_bytes(text.read_bytes() + b" ")  # no longer the text the index names
    age(edited, replaced, text)
    after, seen = loaded(ws, done_only=True)
    assert read_again(seen) == 2 and read_again(seen, STAGE_TEXTS) == 1
    same(load_tables(ws, use_cache=False, done_only=True), after)
    assert any(x["doc_id"] == "syn00009" and "no longer matches" in x["reason"] for x in after.excluded)
    assert ("ann3", "syn00007") not in after.coverage.rows()
    deleted.write_bytes(kept_bytes)
    age(deleted)
    back, seen = loaded(ws, done_only=True)
    assert read_again(seen) == 1
    same(load_tables(ws, use_cache=False, done_only=True), back)


def test_a_file_changed_just_before_it_was_read_is_read_again(tmp_path: Path):
    generate(tmp_path / "ws", docs=3)
    ws = Workspace.open(tmp_path / "ws")
    load_tables(ws)  # every file is younger than the margin: none trusted next time
    _, seen = loaded(ws)
    assert read_again(seen) == 9


def test_corrupt_truncated_and_foreign_shards_are_rebuilt_silently(ws: Workspace):
    whole = load_tables(ws)
    shards = sorted((ws.root / ".cache" / "agreement").glob("*/shard-*.parquet"))
    assert len(shards) >= 3
    shards[0].write_bytes(shards[0].read_bytes()[:50])
    shards[1].write_bytes(b"not parquet at all")
    pl.DataFrame({"kind": [1], "something": ["else"]}).write_parquet(shards[2])
    again, seen = loaded(ws)
    same(whole, again)
    assert read_again(seen) > 0
    assert all(agreement_cache.Cache(shards[0].parent).read(int(p.stem[-3:])) is not None for p in shards[:3])


def test_a_cache_that_cannot_be_written_is_done_without(ws: Workspace, monkeypatch: pytest.MonkeyPatch):
    def refuse(path: Path, data: bytes) -> None:
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr(agreement_cache, "atomic_write_bytes", refuse)
    first = load_tables(ws, done_only=True)
    same(load_tables(ws, use_cache=False, done_only=True), first)
    assert not list((ws.root / ".cache").glob("**/*.parquet"))


def test_chunks_cover_disjoint_documents_and_add_up_to_the_whole(ws: Workspace):
    whole = load_tables(ws, done_only=True)
    chunks = list(load_chunks(ws, done_only=True, max_docs=5))
    assert len(chunks) > 2
    docs = [set(c.coverage["doc_id"]) for c in chunks]
    assert sum(map(len, docs)) == len(set().union(*docs))
    for name in TABLES:
        parts = pl.concat([getattr(c, name) for c in chunks])
        assert sorted_frame(parts).equals(sorted_frame(getattr(whole, name))), name  # type: ignore[union-attr]
    for name in COUNTS:
        assert sum(getattr(c, name) for c in chunks) == getattr(whole, name), name
    excluded = sorted((x for c in chunks for x in c.excluded), key=lambda x: (x["annotator"], x["doc_id"] or ""))
    assert excluded == list(whole.excluded)
    assert [x["annotator"] for c in chunks for x in c.excluded if x["doc_id"] is None] == ["gold"]
    assert any(x["annotator"] == "gold" for x in chunks[0].excluded)
    assert {d: t for c in chunks for d, t in c.texts.items()} == dict(whole.texts)


def test_the_cli_report_is_the_same_with_and_without_the_cache(ws: Workspace, tmp_path: Path):
    from annotator.cli import main

    reports = []
    for options in (["--no-cache"], [], []):  # uncached, cold, warm
        out = tmp_path / f"report{len(reports)}.json"
        assert (
            main(
                ["-w", str(ws.root), "agreement", "--against", "gold", "--format", "json", "--out", str(out)] + options
            )
            == 0
        )
        reports.append(out.read_bytes())
        if not options:
            assert list((ws.root / ".cache" / "agreement").glob("*/shard-*.parquet"))
        else:
            assert not (ws.root / ".cache").exists()
    assert reports[0] == reports[1] == reports[2]


def test_a_load_made_of_many_parts_is_the_load_made_of_one(ws: Workspace, monkeypatch: pytest.MonkeyPatch):
    from annotator.core.agreement import input as agreement_input

    one = load_tables(ws, against="gold", use_cache=False)
    monkeypatch.setattr(agreement_input, "CHUNK_DOCS", 4)
    same(one, load_tables(ws, against="gold"))
    same(one, load_tables(ws, against="gold"))
