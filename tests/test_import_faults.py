"""Imports are all or nothing when a write fails: a full disk (ENOSPC) or a folder that is not
writable (EACCES) at any write leaves every file of the workspace as it was, the command says
what, where and why in one line, and the same import then succeeds.

The faults are injected inside ``annotator.core.jsonio`` (every atomic write goes through it):
its ``os`` and ``tempfile`` are wrapped so that the k-th call of any write step (creating the
temporary file, setting its mode, writing, fsync, opening a folder, the backup link, the
rename) fails, for k = 1, 2, ... until the import makes fewer calls than k.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from annotator.cli import main
from annotator.core import jsonio
from annotator.core.annotations.store import AnnotationStore
from annotator.core.corpus import Corpus
from annotator.core.errors import AnnotatorError
from annotator.core.export import ExportOptions, export
from annotator.core.workspace import init_workspace
from tests.conftest import assert_one_error
from tests.export.seed_annotations import DOC0, DOC1, DOC2, annotated_workspace
from tests.write_faults import WriteFaults


def Faults(monkeypatch: pytest.MonkeyPatch, code: int) -> WriteFaults:
    """jsonio armed: creating the temporary file, setting its mode, writing, fsync, opening a
    folder, the backup link, the rename."""
    steps = ("fchmod", "write", "fsync", "open", "link", "replace")
    return WriteFaults(monkeypatch, code, (jsonio,), steps, mkstemp=True)


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes (temporary files included), lock files aside:
    flock files stay by design and hold no data."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".locks" not in p.parts
    }


def fresh(template: Path, target: Path) -> Path:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(template, target, symlinks=True)
    return target


def each_fault(monkeypatch, code: int, attempt, check_retry) -> int:
    """Run ``attempt(k)`` with the k-th write step failing, for every k until it succeeds;
    each failure is checked by ``attempt`` itself, then ``check_retry(k)`` runs the same import
    without a fault. Returns how many faults were injected."""
    faults = Faults(monkeypatch, code)
    k = 0
    while True:
        k += 1
        faults.arm(k)
        failed = attempt(k)
        if not faults.fired:
            assert not failed, f"fault {k} was never reached, yet the import failed"
            return k - 1
        assert failed, f"the import succeeded although write step {k} failed"
        faults.arm(0)
        check_retry(k)


# --- import texts ---------------------------------------------------------------------------


@pytest.fixture
def texts(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    for name, text in (("a", "نص أول\n"), ("b", "نص ثانٍ\n"), ("c", "third text\n")):
        (src / f"{name}.txt").write_text(text, encoding="utf-8")
    return src


@pytest.fixture
def corpus_template(tmp_path: Path) -> Path:
    """A workspace whose corpus already holds a document (so the index is replaced, not created)."""
    ws = init_workspace(tmp_path / "template")
    old = tmp_path / "old.txt"
    old.write_text("already there\n", encoding="utf-8")
    Corpus(ws.corpus_dir).import_texts([old])
    return ws.root


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EACCES], ids=["ENOSPC", "EACCES"])
def test_import_texts_is_all_or_nothing_at_every_failing_write(
    monkeypatch, tmp_path, capsys, texts, corpus_template, code
):
    ws_root = tmp_path / "ws"
    before: dict[str, bytes] = {}

    def attempt(k: int) -> bool:
        nonlocal before
        fresh(corpus_template, ws_root)
        before = snapshot(ws_root)
        code_ = main(["--workspace", str(ws_root), "import", "texts", str(texts)])
        result = capsys.readouterr()
        if code_ == 0:
            return False
        line = assert_one_error(SimpleNamespace(code=code_, out=result.out, err=result.err), os.strerror(code))
        assert "nothing was imported" in line and str(ws_root / "corpus") in line, line
        assert snapshot(ws_root) == before, f"fault {k} left the corpus changed"
        return True

    def retry(k: int) -> None:
        assert main(["--workspace", str(ws_root), "import", "texts", str(texts)]) == 0, capsys.readouterr().err
        capsys.readouterr()
        assert Corpus(ws_root / "corpus").ids == ["a", "b", "c", "old"]

    injected = each_fault(monkeypatch, code, attempt, retry)
    # 4 files (a, b, c, the index) x (mkstemp, fchmod, write, fsync) + the index's backup link
    # + the folder opened for its fsync + 4 renames
    assert injected >= 22
    assert Corpus(ws_root / "corpus").ids == ["a", "b", "c", "old"]  # the last run, with no fault reached


def test_import_texts_core_raises_one_annotator_error_naming_the_file(monkeypatch, tmp_path, texts, corpus_template):
    faults = Faults(monkeypatch, errno.ENOSPC)
    ws_root = fresh(corpus_template, tmp_path / "ws")
    faults.arm(3)  # the write of a.txt's temporary file
    with pytest.raises(AnnotatorError) as info:
        Corpus(ws_root / "corpus").import_texts([texts])
    assert info.value.where == str(ws_root / "corpus" / "a.txt")
    assert info.value.why == "No space left on device"
    assert "nothing was imported" in info.value.what


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders: see the EACCES injection above")
def test_import_texts_into_a_read_only_corpus_folder(tmp_path, texts, corpus_template, capsys):
    ws_root = fresh(corpus_template, tmp_path / "ws")
    before = snapshot(ws_root)
    (ws_root / "corpus").chmod(0o555)
    try:
        code = main(["--workspace", str(ws_root), "import", "texts", str(texts)])
        result = capsys.readouterr()
    finally:
        (ws_root / "corpus").chmod(0o755)
    assert_one_error(SimpleNamespace(code=code, out=result.out, err=result.err), "Permission denied")
    assert snapshot(ws_root) == before
    assert main(["--workspace", str(ws_root), "import", "texts", str(texts)]) == 0


# --- import annotations ----------------------------------------------------------------------


@pytest.fixture
def annotated(tmp_path: Path) -> tuple[Path, Path]:
    """A workspace with gold annotations on three documents, and those as interchange JSON Lines."""
    ws = annotated_workspace(tmp_path / "template")
    result = export(ws, ExportOptions(format="jsonl", out=tmp_path / "exported"))
    lines = tmp_path / "gold.jsonl"
    shutil.copy(result.out / "all.jsonl", lines)
    return ws.root, lines


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EACCES], ids=["ENOSPC", "EACCES"])
@pytest.mark.parametrize("who", ["bob", "gold"], ids=["new-files", "replacing"])
def test_import_annotations_is_all_or_nothing_at_every_failing_write(
    monkeypatch, tmp_path, capsys, annotated, code, who
):
    template, lines = annotated
    ws_root = tmp_path / "ws"
    argv = ["--workspace", str(ws_root), "import", "annotations", str(lines), "--annotator", who]
    argv += ["--replace"] if who == "gold" else []

    def attempt(k: int) -> bool:
        fresh(template, ws_root)
        before = snapshot(ws_root)
        code_ = main(argv)
        result = capsys.readouterr()
        if code_ == 0:
            return False
        line = assert_one_error(SimpleNamespace(code=code_, out=result.out, err=result.err), os.strerror(code))
        assert "nothing was imported" in line and str(ws_root / "annotations" / who) in line, line
        assert snapshot(ws_root) == before, f"fault {k} left annotation files changed"
        return True

    def retry(k: int) -> None:
        assert main(argv) == 0, capsys.readouterr().err  # not refused: nothing was left behind
        assert "imported 3 document(s)" in capsys.readouterr().out
        store = AnnotationStore(ws_root / "annotations", who)
        assert all(store.read(d) is not None for d in (DOC0, DOC1, DOC2))

    injected = each_fault(monkeypatch, code, attempt, retry)
    assert injected >= 3 * 4 + 1 + 3  # three files written, the folder opened, three renames


def test_save_imported_takes_the_locks_before_it_reads_the_files(annotated, tmp_path, monkeypatch):
    """The existence and readability checks run under the editing locks: nothing can write
    the file between the check and the write."""
    import fcntl

    from annotator.core.interchange.jsonl import read_jsonl, save_imported
    from annotator.core.workspace import Workspace

    template, lines = annotated
    ws = Workspace.open(fresh(template, tmp_path / "ws"))
    parsed = read_jsonl(lines, ws, "gold")
    locked_when_read: list[bool] = []
    read = AnnotationStore.read

    def read_and_probe(self, doc_id):
        fd = os.open(self.lock(doc_id).path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            locked_when_read.append(False)
        except BlockingIOError:
            locked_when_read.append(True)
        finally:
            os.close(fd)
        return read(self, doc_id)

    monkeypatch.setattr(AnnotationStore, "read", read_and_probe)
    save_imported(ws, "gold", parsed, replace=True)
    assert locked_when_read and all(locked_when_read)


def test_a_lock_that_cannot_be_taken_is_one_line_and_nothing_written(annotated, tmp_path, monkeypatch, capsys):
    from annotator.core.annotations.store import DocumentLock

    template, lines = annotated
    ws_root = fresh(template, tmp_path / "ws")
    before = snapshot(ws_root)

    def refuse(self):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self.path))

    monkeypatch.setattr(DocumentLock, "acquire", refuse)
    code = main(["--workspace", str(ws_root), "import", "annotations", str(lines), "--annotator", "bob"])
    result = capsys.readouterr()
    assert_one_error(SimpleNamespace(code=code, out=result.out, err=result.err), "lock", "Permission denied")
    assert snapshot(ws_root) == before
