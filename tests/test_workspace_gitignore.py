"""`annotator init` keeps temporary and lock files out of git, checked with git itself."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from annotator.core.workspace import init_workspace


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_ignores_temp_and_lock_files_of_a_new_workspace(tmp_path):
    ws = init_workspace(tmp_path / "ws")
    (ws.root / "annotations" / "salma" / ".locks").mkdir(parents=True)
    (ws.root / "annotations" / "salma" / ".locks" / "doc.lock").write_text("123")
    (ws.root / "annotations" / "salma" / ".doc.json.abc.tmp").write_text("{")
    (ws.root / "annotations" / "salma" / "doc.json").write_text("{}")
    subprocess.run(["git", "init", "-q"], cwd=ws.root, check=True)
    listed = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=ws.root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "annotations/salma/doc.json" in listed
    assert ".lock" not in listed and ".tmp" not in listed


def test_an_existing_gitignore_is_left_alone(tmp_path):
    root = tmp_path / "ws"
    root.mkdir()
    (root / ".gitignore").write_text("mine\n")
    init_workspace(root)
    assert (root / ".gitignore").read_text() == "mine\n"
