"""Freshness: what the document list reads again, without reading every file: documents opened
in the session, files changed in the watched folders (found by the folder's own change or a
periodic listing), files edited in place on the rows shown, and doubtful (too recent) ones."""

from __future__ import annotations

import os
import time
from pathlib import Path

from annotator.core.annotations import freshness
from annotator.core.annotations.freshness import Freshness, annotation_files

OLD = 1_600_000_000 * 10**9  # an mtime long past: a signature to trust


def _write(folder: Path, doc_id: str, data: bytes, *, mtime_ns: int | None = OLD) -> Path:
    path = folder / f"{doc_id}.json"
    path.write_bytes(data)
    if mtime_ns is not None:
        os.utime(path, ns=(mtime_ns, mtime_ns))
    return path


def _age_folder(folder: Path) -> None:
    os.utime(folder, ns=(OLD, OLD))


def _watched(tmp_path: Path, **kwargs) -> tuple[Path, Freshness]:
    folder = tmp_path / "amal"
    folder.mkdir()
    _write(folder, "a", b"{1}")
    _write(folder, "b", b"{2}")
    _age_folder(folder)
    watch = Freshness([folder], **kwargs)
    watch.begin()
    return folder, watch


def test_the_files_are_json_documents_only(tmp_path: Path) -> None:
    (tmp_path / ".locks").mkdir()
    for name in ("a.json", ".a.json.abcdefgh.tmp", "b.json.mine-2024", ".hidden.json", "c.txt"):
        (tmp_path / name).write_bytes(b"{}")
    assert set(annotation_files(tmp_path)) == {"a"}
    assert annotation_files(tmp_path / "missing") == {}


def test_nothing_changed_nothing_to_read(tmp_path: Path) -> None:
    _, watch = _watched(tmp_path)
    assert watch.stale(["a", "b", "c"]) == []
    assert watch.stale() == []


def test_opened_documents_come_first_then_changed_files(tmp_path: Path) -> None:
    folder, watch = _watched(tmp_path)
    watch.touch("z")
    _write(folder, "c", b"{3}")  # a new file: the folder changes
    (folder / "a.json").unlink()  # one went
    _age_folder(folder)
    os.utime(folder, ns=(OLD + 10**9, OLD + 10**9))
    assert watch.stale() == ["z", "a", "c"]
    assert watch.stale() == []  # each once


def test_a_file_edited_in_place_on_screen_is_read_again(tmp_path: Path) -> None:
    folder, watch = _watched(tmp_path)
    path = folder / "b.json"
    with open(path, "r+b") as handle:  # in place: the folder does not change
        handle.write(b"{9}")
    os.utime(path, ns=(OLD + 5, OLD + 5))
    _age_folder(folder)
    assert watch.stale(["a"]) == []  # not on screen, not listed yet
    assert watch.stale(["a", "b"]) == ["b"]
    assert watch.stale(["a", "b"]) == []


def test_a_folder_is_listed_again_after_full_every_seconds(tmp_path: Path) -> None:
    folder, watch = _watched(tmp_path, full_every=0.0)
    path = folder / "a.json"
    with open(path, "r+b") as handle:
        handle.write(b"{8}")
    os.utime(path, ns=(OLD + 7, OLD + 7))
    _age_folder(folder)
    assert watch.stale() == ["a"]


def test_a_recent_signature_is_doubtful_until_it_is_old_enough(tmp_path: Path, monkeypatch) -> None:
    """Written within the file system's clock tick of the look, a second write may keep the same
    signature: the file is read again at the next look, until its mtime is older than MARGIN_NS."""
    folder, watch = _watched(tmp_path)
    monkeypatch.setattr(freshness, "MARGIN_NS", 10**9)
    now = time.time_ns()
    _write(folder, "a", b"{5}", mtime_ns=now)
    _age_folder(folder)
    os.utime(folder, ns=(OLD + 10**9, OLD + 10**9))
    assert watch.stale() == ["a"]
    assert watch.stale() == ["a"]  # the same signature, still too recent to trust
    os.utime(folder / "a.json", ns=(OLD, OLD))  # the clock moved on (its mtime now long past)
    assert watch.stale() == ["a"]  # a last read: the signature changed since
    assert watch.stale() == []


def test_before_the_first_listing_only_opened_documents(tmp_path: Path) -> None:
    folder, gold = tmp_path / "amal", tmp_path / "gold"  # no gold folder yet
    folder.mkdir()
    watch = Freshness([folder, gold])
    watch.touch("a")
    _write(folder, "b", b"{}")
    _age_folder(folder)
    assert watch.stale(["b"]) == ["a"]  # the full read, after begin(), reads the rest
    watch.begin()
    gold.mkdir()
    _write(gold, "g", b"{}")
    _age_folder(gold)
    assert watch.stale() == ["g"]  # a folder that appears is listed
