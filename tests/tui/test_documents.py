"""The document list: statuses for the current annotator and gold, moving, opening, size."""

from __future__ import annotations

from annotator.core.annotations.model import DocumentAnnotations, Entity
from annotator.core.annotations.store import AnnotationStore
from annotator.core.corpus import Corpus, DocumentInfo
from annotator.tui.app import make_app
from annotator.tui.screens.annotate import AnnotateScreen
from annotator.tui.widgets.document_list import DocumentList
from tests.conftest import SEED_IDS


async def wait_for_statuses(pilot, documents: DocumentList, count: int) -> None:
    for _ in range(200):
        await pilot.pause(0.02)
        if len(documents.status) >= count:
            return
    raise AssertionError(f"statuses not read: {len(documents.status)} of {count}")


async def test_statuses_moving_and_opening(workspace) -> None:
    info = Corpus(workspace.corpus_dir).info(SEED_IDS[1])
    AnnotationStore(workspace.annotations_dir, "tester").save(
        DocumentAnnotations(SEED_IDS[1], info.sha256, "2.0.0", "tester", "done", (Entity("T1", 0, 3, "ORG"),))
    )
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=(120, 20)) as pilot:
        documents = app.screen.query_one(DocumentList)
        await wait_for_statuses(pilot, documents, len(SEED_IDS))
        assert documents.status[SEED_IDS[1]] == "done" and documents.status[SEED_IDS[0]] == "not_started"
        rows = [documents.render_line(y).text for y in range(1, 3)]
        assert "not started" in rows[0] and " done " in rows[1]
        assert "1 done" in str(app.screen.query_one("#doc-header").render())
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, AnnotateScreen) and app.screen.document.id == SEED_IDS[1]
        await pilot.press("s")  # done -> in progress
        await pilot.press("escape")
        await wait_for_statuses(pilot, documents, len(SEED_IDS))
        await pilot.pause(0.1)
        assert documents.status[SEED_IDS[1]] == "in_progress"
        assert documents.selected == SEED_IDS[1]


async def test_a_large_corpus_lists_every_document(workspace, tmp_path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(3000):
        (folder / f"n{i:05d}.txt").write_text(f"خبر رقم {i}\n", encoding="utf-8")
    Corpus(workspace.corpus_dir).import_texts([folder])
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=(120, 20)) as pilot:
        documents = app.screen.query_one(DocumentList)
        assert len(documents.infos) == 3005
        first_screen = [documents.render_line(y).text.split()[0] for y in range(1, 7)]
        assert first_screen == [*SEED_IDS, "n00000"]  # the first documents, in id order
        await pilot.press("end")
        assert documents.selected == "n02999"  # ids in sorted order: the seeds (digits) come first
        await wait_for_statuses(pilot, documents, 3005)
        assert "3,005 documents" in str(app.screen.query_one("#doc-header").render())


def test_the_id_column_is_as_wide_as_the_widest_id_shown() -> None:
    """Ids are measured in cells as shown: a wide character takes two, a control its symbol."""
    infos = [DocumentInfo("doc", "0" * 64, 1, ""), DocumentInfo("文書文書文書", "0" * 64, 1, "")]
    assert DocumentList(infos, "app").id_width == 12
    assert DocumentList(infos[:1], "app").id_width == 8  # never narrower than the header
    assert DocumentList([DocumentInfo("a_long_plain_id", "0" * 64, 1, "")], "app").id_width == 15
