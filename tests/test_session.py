"""One session per annotator name: a second session under a name already open is read-only."""

from __future__ import annotations

from annotator.core.annotations.session import open_session
from annotator.core.corpus import Corpus
from tests.conftest import SEED_IDS


def _open(session, doc_id: str = SEED_IDS[0]):
    corpus = Corpus(session.store.directory.parents[1] / "corpus")
    info = corpus.info(doc_id)
    return session.store.open(doc_id, info.sha256, "2.0.0")


def test_a_second_session_under_an_open_name_opens_every_document_read_only(workspace) -> None:
    first = open_session(workspace, "salma")
    second = open_session(workspace, "salma")
    other = open_session(workspace, "omar")
    try:
        assert first.read_only is None and other.read_only is None
        assert second.read_only is not None and "salma is open in another session" in second.read_only
        assert f"pid {__import__('os').getpid()}" in second.read_only  # who holds it
        opened = _open(second)  # a document the first session never opened
        assert opened.read_only == second.read_only and opened.lock is None
        mine = _open(first)
        assert mine.read_only is None and mine.lock is not None
        mine.lock.release()
    finally:
        for session in (first, second, other):
            session.close()


def test_the_name_is_free_again_once_its_session_ends(workspace) -> None:
    first = open_session(workspace, "salma")
    first.close()
    again = open_session(workspace, "salma")
    try:
        assert again.read_only is None
        assert not (workspace.annotations_dir / "salma").exists(), "looking is not annotating: no folder made"
    finally:
        again.close()
