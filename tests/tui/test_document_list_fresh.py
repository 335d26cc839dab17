"""The document list shows what is on disk: what this session did (mark done, `n`, Esc), files
other processes write while it is shown or while an annotation screen is, and the annotations a
guidelines migration leaves for review (in the list, its header and the annotation screen's)."""

from __future__ import annotations

import subprocess
import sys

import orjson

from annotator.core.annotations.model import DocumentAnnotations
from annotator.core.corpus import Corpus
from annotator.core.keymap import ANNOTATE, Context
from annotator.tui.app import make_app
from annotator.tui.screens import documents as documents_screen
from annotator.tui.screens.annotate import AnnotateScreen
from annotator.tui.widgets.document_list import DocumentList
from tests.conftest import SEED_IDS, document_1_0_0

SIZE = (140, 20)

WRITER = """
import sys
from pathlib import Path
from annotator.core.annotations.model import DocumentAnnotations
from annotator.core.annotations.store import AnnotationStore

annotations, annotator, doc_id, sha, status = sys.argv[1:]
AnnotationStore(Path(annotations), annotator).save(DocumentAnnotations(doc_id, sha, "2.0.0", annotator, status))
"""


def key(context: Context, action: str) -> str:
    """The key the keymap gives ``action`` (tests press what the annotator presses)."""
    return next(k.keys[0] for k in context.keys if k.action == action)


def other_process_saves(workspace, doc_id: str, status: str, annotator: str = "tester") -> None:
    """Another annotator process (the same annotator in a second terminal, git pull) writes a file."""
    sha = Corpus(workspace.corpus_dir).info(doc_id).sha256
    args = [str(workspace.annotations_dir), annotator, doc_id, sha, status]
    subprocess.run([sys.executable, "-c", WRITER, *args], check=True, timeout=60)


def header(app) -> str:
    return str(app.screen.query_one("#doc-header").render())


def row(documents: DocumentList, doc_id: str) -> str:
    documents.select(doc_id)
    return documents.render_line(1 + documents.index[doc_id] - documents.scroll_offset.y).text


async def wait_until(pilot, condition, what: str, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"never: {what}")


async def all_read(pilot, documents: DocumentList) -> None:
    await wait_until(pilot, lambda: len(documents.status) == len(SEED_IDS), "every status read")


async def test_marked_done_then_next_then_escape_shows_done(workspace) -> None:
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        documents = app.screen.query_one(DocumentList)
        await all_read(pilot, documents)
        assert "0 done" in header(app)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AnnotateScreen) and app.screen.document.id == SEED_IDS[0]
        await pilot.press(key(ANNOTATE, "done"), key(ANNOTATE, "app.next_document"))
        await pilot.pause()
        assert app.screen.document.id == SEED_IDS[1]
        await pilot.press("escape")
        await wait_until(pilot, lambda: documents.status.get(SEED_IDS[0]) == "done", "the first document done")
        await pilot.pause()
        assert documents.selected == SEED_IDS[1]  # the list is back at the document last shown
        assert " done " in row(documents, SEED_IDS[0])
        assert "1 done, 0 in progress, 4 not started" in header(app)


async def test_a_file_another_process_writes_appears_while_the_list_is_shown(workspace, monkeypatch) -> None:
    monkeypatch.setattr(documents_screen, "CHECK_EVERY", 0.2, raising=False)
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        documents = app.screen.query_one(DocumentList)
        await all_read(pilot, documents)
        other_process_saves(workspace, SEED_IDS[3], "done")
        await wait_until(pilot, lambda: documents.status.get(SEED_IDS[3]) == "done", "the other process's file")
        await wait_until(pilot, lambda: "1 done" in header(app), "the header counting it")
        assert " done " in row(documents, SEED_IDS[3])


async def test_files_written_while_a_document_is_open_appear_on_return(workspace) -> None:
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        documents = app.screen.query_one(DocumentList)
        await all_read(pilot, documents)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AnnotateScreen)
        other_process_saves(workspace, SEED_IDS[4], "done")  # never opened in this session
        other_process_saves(workspace, SEED_IDS[2], "in_progress")
        await pilot.press("escape")
        await wait_until(pilot, lambda: documents.status.get(SEED_IDS[4]) == "done", "the other process's file")
        await wait_until(pilot, lambda: documents.status.get(SEED_IDS[2]) == "in_progress", "its second file")
        await wait_until(pilot, lambda: "1 done, 1 in progress" in header(app), "the header counting them")


async def test_a_migrated_document_says_how_many_annotations_wait_for_review(workspace) -> None:
    doc_id = SEED_IDS[1]
    store_dir = workspace.annotations_dir / "tester"
    store_dir.mkdir(parents=True)
    sha = Corpus(workspace.corpus_dir).info(doc_id).sha256
    older: DocumentAnnotations = document_1_0_0(doc_id, sha).with_(annotator="tester")
    (store_dir / f"{doc_id}.json").write_bytes(orjson.dumps(older.to_json()))
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        documents = app.screen.query_one(DocumentList)
        await all_read(pilot, documents)
        # The file is on guidelines 1.0.0: opening it splits its two ORG into ORG / MEDIA for review.
        assert documents.review[doc_id] == 2 and documents.review[SEED_IDS[0]] == 0
        assert row(documents, doc_id).split()[:4] == [doc_id, "in", "progress", "2"]
        assert "to review" in documents.render_line(0).text
        assert "2 to review in 1 document(s)" in header(app)
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AnnotateScreen) and screen.document.id == doc_id
        assert "in progress · 2 to review" in screen.sub_title
        await pilot.press(key(ANNOTATE, "next_review"), key(ANNOTATE, "reviewed"))
        await pilot.pause()
        assert "in progress · 1 to review" in screen.sub_title
        await pilot.press("escape")
        await wait_until(pilot, lambda: documents.review.get(doc_id) == 1, "one left to review")
        await wait_until(pilot, lambda: "1 to review in 1 document(s)" in header(app), "the header's count")
