"""`import texts` reads regular files inside what it was given: a symbolic link (to a file or a
folder) that leads outside the folder being imported is refused and named, one inside it is
followed; a fifo, a device or a socket is refused at once instead of being waited on."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.core.corpus import Corpus
from annotator.core.errors import AnnotatorError
from annotator.core.workspace import Workspace, init_workspace


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return init_workspace(tmp_path / "ws")


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file outside every folder imported (as /etc/shadow would be)."""
    path = tmp_path / "private" / "secret.txt"
    path.parent.mkdir()
    path.write_text("root:$6$secret\n", encoding="utf-8")
    return path


def folder(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "good.txt").write_text("نص جيد\n", encoding="utf-8")
    return src


def refused(ws: Workspace, paths: list[Path]) -> str:
    corpus_before = sorted(p.name for p in ws.corpus_dir.iterdir())
    with pytest.raises(AnnotatorError) as info:
        Corpus(ws.corpus_dir).import_texts(paths)
    assert sorted(p.name for p in ws.corpus_dir.iterdir()) == corpus_before  # nothing written
    return str(info.value)


def test_a_link_to_a_file_outside_the_folder_is_refused_and_named(ws, tmp_path, secret):
    src = folder(tmp_path)
    (src / "shadow.txt").symlink_to(secret)
    message = refused(ws, [src])
    assert message.splitlines() == [
        f"{src / 'shadow.txt'}: symbolic link leads outside the folder being imported (to {secret}; not followed)"
    ]
    assert "secret" not in Corpus(ws.corpus_dir)


def test_a_link_to_etc_passwd_never_becomes_a_document(ws, tmp_path):
    src = folder(tmp_path)
    (src / "passwd.txt").symlink_to("/etc/passwd")
    assert "symbolic link leads outside the folder being imported" in refused(ws, [src])


def test_a_linked_folder_outside_is_refused_and_its_files_not_read(ws, tmp_path, secret):
    src = folder(tmp_path)
    (src / "more").symlink_to(secret.parent, target_is_directory=True)
    message = refused(ws, [src])
    assert f"{src / 'more'}: symbolic link leads outside the folder being imported" in message


def test_a_link_given_as_a_file_must_stay_in_its_own_folder(ws, tmp_path, secret):
    src = folder(tmp_path)
    link = src / "given.txt"
    link.symlink_to(secret)
    message = refused(ws, [link])
    assert str(link) in message and "leads outside" in message and str(src) in message


def test_a_link_that_loops_is_refused(ws, tmp_path):
    src = folder(tmp_path)
    (src / "loop.txt").symlink_to(src / "loop.txt")
    assert "loop.txt" in refused(ws, [src])


def test_links_inside_the_folder_are_followed(ws, tmp_path):
    src = folder(tmp_path)
    (src / "sub").mkdir()
    (src / "sub" / "inner.txt").write_text("داخل\n", encoding="utf-8")
    (src / "alias.txt").symlink_to(src / "sub" / "inner.txt")  # a second name for a file inside
    (src / "sub" / "up").symlink_to(src, target_is_directory=True)  # a loop back: walked once
    added, _ = Corpus(ws.corpus_dir).import_texts([src])
    assert sorted(i.id for i in added) == ["alias", "good", "inner"]
    assert Corpus(ws.corpus_dir).text("alias") == "داخل\n"


def test_a_folder_given_through_a_link_is_imported(ws, tmp_path):
    src = folder(tmp_path)
    link = tmp_path / "linked"
    link.symlink_to(src, target_is_directory=True)
    added, _ = Corpus(ws.corpus_dir).import_texts([link])
    assert [i.id for i in added] == ["good"]


def test_a_fifo_is_refused_at_once_not_waited_on(ws, tmp_path):
    """Run in a child process with a timeout: before, reading the fifo blocked for ever."""
    src = folder(tmp_path)
    os.mkfifo(src / "pipe.txt")
    code = (
        "import sys\nfrom pathlib import Path\nfrom annotator.cli import main\n"
        f"sys.exit(main(['--workspace', {str(ws.root)!r}, 'import', 'texts', {str(src)!r}]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines() == [f"annotator: error: {src / 'pipe.txt'}: file is not a regular file (a fifo)"]
    assert len(Corpus(ws.corpus_dir)) == 0


def test_a_fifo_given_by_name_is_refused(ws, tmp_path):
    src = folder(tmp_path)
    os.mkfifo(src / "pipe.txt")
    assert "not a regular file (a fifo)" in refused(ws, [src / "pipe.txt"])


def test_a_link_to_a_device_inside_is_refused(ws, tmp_path):
    src = folder(tmp_path)
    (src / "zero.txt").symlink_to("/dev/zero")  # outside: refused as a link before anything else
    assert "leads outside" in refused(ws, [src])


def test_a_socket_is_refused(ws, tmp_path):
    src = folder(tmp_path)
    path = src / "s.txt"
    with socket.socket(socket.AF_UNIX) as sock:
        try:
            sock.bind(str(path))
        except OSError as exc:  # a path too long for AF_UNIX
            pytest.skip(str(exc))
        assert "not a regular file (a socket)" in refused(ws, [src])


def test_a_folder_named_like_a_text_is_walked_not_read(ws, tmp_path):
    src = folder(tmp_path)
    (src / "dir.txt").mkdir()
    (src / "dir.txt" / "x.txt").write_text("x\n", encoding="utf-8")
    added, _ = Corpus(ws.corpus_dir).import_texts([src])
    assert sorted(i.id for i in added) == ["good", "x"]
