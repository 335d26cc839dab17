"""An export that fails leaves nothing: a folder fsync that fails after the export was renamed
into place removes it again, the command says so in one line (exit 2), and the retry works
(it is not refused as "output folder exists")."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

import annotator.core.export as export_module
from annotator.cli import main
from annotator.core import jsonio
from tests.conftest import assert_one_error
from tests.export.seed_annotations import annotated_workspace


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return annotated_workspace(tmp_path_factory.mktemp("export_faults") / "ws").root


def fail_last_fsync(monkeypatch: pytest.MonkeyPatch, calls: int) -> list[int]:
    """The export's ``calls``-th fsync (the folder's, after the rename) fails with ENOSPC."""
    seen = [0]

    def fsync(fd: int) -> None:
        seen[0] += 1
        if seen[0] == calls:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        os.fsync(fd)

    for module in (export_module, jsonio):  # the export's own fsyncs, and jsonio.fsync_folder's
        monkeypatch.setattr(module, "os", SimpleNamespace(**{**vars(os), "fsync": fsync}))
    return seen


@pytest.mark.parametrize("empty_folder", [False, True], ids=["new-out", "empty-out"])
def test_a_failed_fsync_after_the_rename_leaves_nothing_and_the_retry_works(
    template, tmp_path, monkeypatch, capsys, empty_folder
):
    root = shutil.copytree(template, tmp_path / "ws", symlinks=True)
    out = tmp_path / "out"
    argv = ["--workspace", str(root), "export", "--format", "conll", "--jobs", "1", "--out", str(out)]
    counted = fail_last_fsync(monkeypatch, 0)  # a clean run, counting
    assert main(argv) == 0, capsys.readouterr().err
    capsys.readouterr()
    shutil.rmtree(out)
    if empty_folder:
        out.mkdir()
    before = sorted(p.name for p in tmp_path.iterdir())
    fail_last_fsync(monkeypatch, counted[0])  # the last fsync: out's parent, after the rename
    status = main(argv)
    result = capsys.readouterr()
    assert_one_error(SimpleNamespace(code=status, out=result.out, err=result.err), "No space left", str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no export, no .partial folder
    assert not out.exists() or (empty_folder and not any(out.iterdir()))
    monkeypatch.setattr(export_module, "os", os)
    monkeypatch.setattr(jsonio, "os", os)
    assert main(argv) == 0, capsys.readouterr().err  # not refused: "output folder exists"
    assert (out / "manifest.json").is_file()
