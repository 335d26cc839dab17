"""`annotator init` is all or nothing when a write fails: a full disk (ENOSPC) or a folder that
is not writable (EACCES) at any write leaves the target as it was (absent, empty, or holding a
checkout's files), the command says what, where and why in one line, and the same init then
makes a complete workspace, every bundled file byte for byte.

The faults are injected where init writes: the ``os`` of ``annotator.core.workspace`` (its
folders, the renames into place) and of ``annotator.bundled`` (the copied files, the config,
the fsyncs) are wrapped so that the k-th call of any write step (mkdir, open, write, fsync,
rename) fails, for k = 1, 2, ... until init makes fewer calls than k.
"""

from __future__ import annotations

import errno
import os
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest

from annotator import bundled
from annotator.cli import main
from annotator.core import jsonio, workspace
from annotator.core.workspace import BUNDLED_GUIDELINES, CONFIG_NAME, GITIGNORE, Workspace
from tests.conftest import assert_one_error
from tests.write_faults import WriteFaults


def Faults(monkeypatch: pytest.MonkeyPatch, code: int) -> WriteFaults:
    """init's modules armed: mkdir, open, write, fsync, rename."""
    return WriteFaults(monkeypatch, code, (workspace, bundled, jsonio), ("mkdir", "open", "write", "fsync", "rename"))


def tree(root: Path) -> dict[str, bytes | None]:
    """Every file (its bytes) and folder (None) under ``root``."""
    return {str(p.relative_to(root)): None if p.is_dir() else p.read_bytes() for p in sorted(root.rglob("*"))}


def files(root: Path) -> dict[str, bytes]:
    return {k: v for k, v in tree(root).items() if v is not None}


def new_folder(world: Path) -> Path:
    return world / "deep" / "new"  # two folders to make


def empty_folder(world: Path) -> Path:
    (world / "empty" / "corpus").mkdir(parents=True)
    return world / "empty"


def checkout(world: Path) -> Path:
    root = world / "checkout"
    (root / ".git").mkdir(parents=True)
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (root / "README.md").write_text("# our project\n")
    (root / ".gitignore").write_text("mine\n")
    return root


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EACCES], ids=["ENOSPC", "EACCES"])
@pytest.mark.parametrize(
    ("target", "example"),
    [(new_folder, True), (empty_folder, True), (checkout, False)],
    ids=["new-folder-example", "empty-folder-example", "checkout"],
)
def test_init_is_all_or_nothing_at_every_failing_write(monkeypatch, tmp_path, capsys, code, target, example):
    faults = Faults(monkeypatch, code)
    k = 0
    while True:
        k += 1
        world = tmp_path / f"world{k}"
        world.mkdir()
        root = target(world)
        before = tree(world)
        argv = ["init", str(root), *(["--example"] if example else [])]
        faults.arm(k)
        status = main(argv)
        result = capsys.readouterr()
        if not faults.fired:
            assert status == 0, result.err
            break
        line = assert_one_error(SimpleNamespace(code=status, out=result.out, err=result.err), os.strerror(code))
        assert "cannot create the workspace, nothing was written" in line, line
        where = Path(line.removeprefix("annotator: error: ").split(": cannot create")[0])
        assert where == root or root in where.parents or where in root.parents, line  # a folder made for it
        assert ".annotator-init." not in line, line  # the path the file was to have, not the staging one
        assert tree(world) == before, f"fault {k} left the target changed"
        faults.arm(0)
        assert main(argv) == 0, capsys.readouterr().err  # not refused: nothing was left behind
        capsys.readouterr()
        complete(root, example, {n: b for n, b in before.items() if b is not None}, world)
    assert k > 40  # the faults reached every kind of step: folders, files, fsyncs, renames
    complete(root, example, {n: b for n, b in before.items() if b is not None}, world)


def complete(root: Path, example: bool, before_files: dict[str, bytes], world: Path) -> None:
    """A whole workspace at ``root``, the bundled files byte for byte, what was there kept."""
    ws = Workspace.open(root)
    assert ws.config.guidelines == workspace.DEFAULT_GUIDELINES
    assert files(root / "guidelines") == files(BUNDLED_GUIDELINES)
    assert files(root / "corpus") == (files(Path(str(bundled.seed_corpus()))) if example else {})
    assert (root / "annotations").is_dir() and (root / "exports").is_dir()
    assert tomllib.loads((root / CONFIG_NAME).read_text(encoding="utf-8"))["project"]["name"] == root.name
    after = files(world)
    assert all(after.get(name) == data for name, data in before_files.items())  # a README, their .gitignore
    if ".gitignore" not in {Path(n).name for n in before_files}:
        assert (root / ".gitignore").read_text(encoding="utf-8") == GITIGNORE
    assert not [p for p in root.rglob("*") if p.name.endswith(".tmp")]


def test_a_staging_folder_a_killed_init_left_is_removed(tmp_path):
    root = tmp_path / "ws"
    (root / ".annotator-init.0123abcd.tmp" / "guidelines").mkdir(parents=True)
    workspace.init_workspace(root)
    assert not [p for p in root.iterdir() if p.name.endswith(".tmp")]
