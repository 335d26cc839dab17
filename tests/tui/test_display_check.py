"""F2, the display check in the app, and the layout of 'terminal' mode: a terminal that
reorders each row as one paragraph must never find Arabic sharing a row with a panel."""

from __future__ import annotations

from annotator.core.annotations.model import DocumentAnnotations, Entity
from annotator.core.annotations.store import AnnotationStore
from annotator.core.corpus import Corpus
from annotator.core.identity import remembered_bidi
from annotator.core.terminal import detect
from annotator.tui.app import make_app
from annotator.tui.screens.annotate import AnnotateScreen
from annotator.tui.screens.curate import CurateScreen
from annotator.tui.screens.modals import DisplayCheckScreen
from annotator.tui.widgets.document_list import DocumentList
from annotator.tui.widgets.reader_view import ReaderView
from tests.conftest import SEED_IDS

SIZE = (120, 40)


def assert_rows_to_themselves(screen) -> None:
    """Each reader spans the full width with no scrollbar beside its lines; the side panel
    is below the main reader, full width."""
    width = screen.size.width
    readers = list(screen.query(ReaderView))
    assert readers
    for reader in readers:
        assert reader.region.x == 0 and reader.region.width == width, (reader.id, reader.region)
        assert reader.styles.scrollbar_size_vertical == 0
    side, main = screen.query_one("#side"), screen.query_one("#reader")
    assert side.region.width == width and side.region.y >= main.region.bottom, (side.region, main.region)


async def test_f2_answer_is_remembered_and_lays_the_open_document_out_again(workspace) -> None:
    app = make_app(workspace, annotator="tester")  # the workspace says auto; this environment: app mode
    key = app.bidi_display.profile.key
    async with app.run_test(size=SIZE) as pilot:
        assert app.bidi == "app"
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AnnotateScreen)
        side_by_side = screen.query_one("#side").region
        assert side_by_side.x > 0  # beside the reader in app mode
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, DisplayCheckScreen)
        shown = [str(label.render()) for label in app.screen.query("#check-1, #check-2")]
        assert shown[0].startswith("1 ") and shown[1].startswith("2 ")
        assert "العربية" in shown[1] and "العربية" not in shown[0]  # 2 logical, 1 as the app draws it
        await pilot.press("2")
        await pilot.pause()
        assert app.screen is screen and app.bidi == "terminal" and screen.mode == "terminal"
        assert remembered_bidi(key) == "terminal"
        assert screen.reader.mode == "terminal" and screen.reader.text_layout.mode == "terminal"
        assert_rows_to_themselves(screen)
        await pilot.press("f2", "1")
        await pilot.pause()
        assert app.bidi == "app" and screen.reader.text_layout.mode == "app"
        assert screen.query_one("#side").region == side_by_side
        assert remembered_bidi(key) == "app"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.query_one(DocumentList).mode == "app"


async def test_escape_leaves_everything_as_it_was(workspace) -> None:
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", "escape")
        await pilot.pause()
        assert app.bidi == "app" and remembered_bidi(app.bidi_display.profile.key) is None


async def test_terminal_mode_puts_the_side_panel_below_the_text(workspace) -> None:
    app = make_app(workspace, bidi="terminal", annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", "h")  # the guidelines panel too
        await pilot.pause()
        assert_rows_to_themselves(app.screen)


async def test_an_undetectable_bidi_terminal_gets_terminal_mode_and_the_same_layout(workspace, monkeypatch) -> None:
    monkeypatch.setenv("TERM_PROGRAM", "Apple_Terminal")
    app = make_app(workspace, annotator="tester")
    assert app.bidi_display.profile == detect({"TERM_PROGRAM": "Apple_Terminal", "TERM": "xterm-256color"})
    async with app.run_test(size=SIZE) as pilot:
        assert app.bidi == "terminal"
        await pilot.press("enter")
        await pilot.pause()
        assert_rows_to_themselves(app.screen)


async def test_curation_in_terminal_mode_keeps_every_reader_on_rows_of_its_own(workspace) -> None:
    doc = SEED_IDS[0]
    info = Corpus(workspace.corpus_dir).info(doc)
    for who, label in (("ali", "GPE"), ("sara", "LOC")):
        AnnotationStore(workspace.annotations_dir, who).save(
            DocumentAnnotations(doc, info.sha256, "2.0.0", who, "done", (Entity("T1", 0, 7, label),))
        )
    app = make_app(workspace, bidi="terminal", annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CurateScreen)
        assert len(app.screen.query(ReaderView)) == 3  # ali, sara, gold
        assert_rows_to_themselves(app.screen)
