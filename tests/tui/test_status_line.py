"""The annotation screen's status line speaks of the document shown: opening another one (n / p,
the corpus search, the list) starts with a clean status line."""

from __future__ import annotations

from annotator.core.corpus import Corpus
from annotator.core.keymap import ANNOTATE, APPLICATION, Context
from annotator.core.search import search_corpus
from annotator.tui.app import make_app
from annotator.tui.screens.annotate import AnnotateScreen
from annotator.tui.screens.corpus_search import CorpusSearchScreen
from tests.conftest import SEED_IDS

SIZE = (120, 34)
ONLY_IN_SECOND = "راجمات"  # a word of the second seed document only


def key(context: Context, action: str) -> str:
    return next(k.keys[0] for k in context.keys if k.action == action)


def status(app) -> str:
    return str(app.screen.query_one("#status").render())


async def said_something(pilot, app) -> None:
    """Mark the document done (and back): the status line says what was saved."""
    await pilot.press(key(ANNOTATE, "done"))
    await pilot.pause()
    assert "marked done" in status(app)


async def test_next_and_previous_start_with_a_clean_status_line(workspace) -> None:
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AnnotateScreen) and screen.document.id == SEED_IDS[0]
        await said_something(pilot, app)
        await pilot.press(key(ANNOTATE, "app.next_document"))
        await pilot.pause()
        assert app.screen is screen and screen.document.id == SEED_IDS[1]
        assert "saved" not in status(app) and "marked" not in status(app)
        assert status(app).strip()  # the line itself is there: position, token, labels under it
        await said_something(pilot, app)
        await pilot.press(key(ANNOTATE, "app.previous_document"))
        await pilot.pause()
        assert screen.document.id == SEED_IDS[0]
        assert "saved" not in status(app) and "marked" not in status(app)


async def test_a_document_opened_from_the_corpus_search_starts_clean(workspace) -> None:
    hits = [hit for batch in search_corpus(Corpus(workspace.corpus_dir), ONLY_IN_SECOND) for hit in batch]
    assert {hit.doc_id for hit in hits} == {SEED_IDS[1]}
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AnnotateScreen)
        await said_something(pilot, app)
        await pilot.press(key(APPLICATION, "search_corpus"), *ONLY_IN_SECOND, "enter")
        search = app.screen
        assert isinstance(search, CorpusSearchScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("enter")  # the first hit
        await pilot.pause()
        assert app.screen is screen and screen.document.id == SEED_IDS[1]
        assert "saved" not in status(app) and "marked" not in status(app)


async def test_a_document_opened_from_the_list_starts_clean(workspace) -> None:
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        await said_something(pilot, app)
        await pilot.press("escape", "down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, AnnotateScreen) and app.screen.document.id == SEED_IDS[1]
        assert "saved" not in status(app) and "marked" not in status(app)
