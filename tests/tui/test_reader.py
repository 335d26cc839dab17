"""Pilot tests of the reader: open, move in visual order, scroll, click, next/previous."""

from __future__ import annotations

import pytest

from annotator.core.text.layout import visual
from annotator.tui.app import make_app
from annotator.tui.screens.annotate import AnnotateScreen as ReaderScreen
from annotator.tui.widgets.reader_view import ReaderView
from tests.conftest import SEED_IDS

SIZE = (100, 30)


async def open_first(pilot) -> ReaderView:
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(pilot.app.screen, ReaderScreen)
    return pilot.app.screen.query_one(ReaderView)


async def test_enter_opens_the_first_document(workspace) -> None:
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        reader = await open_first(pilot)
        assert app.screen.document.id == SEED_IDS[0]
        assert reader.text == (workspace.corpus_dir / f"{SEED_IDS[0]}.txt").read_text(encoding="utf-8")
        assert reader.cursor_span == (0, len("التحالف"))
        # The first word of the RTL headline sits at the right edge of the first row.
        row, col = reader.text_layout.locate(0)
        assert row == 0 and col == reader.text_layout.width - 1
        status = str(app.screen.query_one("#status").render())
        # Arabic in the status line is drawn like the reader draws it: reordered and shaped.
        assert "0-7" in status and visual("التحالف") in status and "التحالف" not in status


async def test_left_arrow_reads_forward_in_rtl_and_right_goes_back(workspace) -> None:
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        reader = await open_first(pilot)
        starts = []
        for _ in range(5):
            await pilot.press("left")
            starts.append(reader.cursor_span[0])
        assert starts == sorted(starts) and len(set(starts)) == 5
        text = reader.text
        assert text[slice(*reader.cursor_span)] == "في"  # التحالف يقصف أهدافاً للميليشيات الإيرانية في
        await pilot.press("right", "right")
        assert reader.cursor_span[0] == starts[2]


async def test_moving_past_the_left_edge_continues_on_the_next_row(workspace) -> None:
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        reader = await open_first(pilot)
        layout = reader.text_layout
        first_row_end = layout.lines[0].stop
        while reader.cursor_span[1] <= first_row_end and layout.row_of(reader.cursor_span[0]) == 0:
            before = reader.cursor_span
            await pilot.press("left")
            if reader.cursor_span == before:
                break
        assert layout.row_of(reader.cursor_span[0]) == 1
        # Entering an RTL row from its right edge: the first token of the row in reading order.
        assert (
            reader.cursor_span[0] == reader.token_at(layout.lines[1].start)
            or reader.cursor_span[0] >= layout.lines[1].start
        )


async def test_down_and_page_down_scroll_with_the_cursor(workspace) -> None:
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=(60, 12)) as pilot:
        reader = await open_first(pilot)
        await pilot.press("down")
        assert reader.text_layout.row_of(reader.cursor_span[0]) == 1
        for _ in range(4):
            await pilot.press("pagedown")
        await pilot.pause()
        row = reader.text_layout.row_of(reader.cursor_span[0])
        assert reader.scroll_y > 0
        assert reader.scroll_y <= row < reader.scroll_y + reader.scrollable_content_region.height
        await pilot.press("ctrl+end")
        await pilot.pause()
        assert reader.cursor == len(reader.tokens) - 1
        assert reader.scroll_y == reader.max_scroll_y
        await pilot.press("ctrl+home")
        await pilot.pause()
        assert reader.cursor == 0 and reader.scroll_y == 0


async def test_click_lands_on_the_token_under_the_mouse(workspace) -> None:
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        reader = await open_first(pilot)
        text = reader.text
        target = text.index("البوكمال")
        row, col = reader.text_layout.locate(target + 3)
        region = reader.content_region
        await pilot.click(offset=(region.x + col, region.y + row))
        await pilot.pause()
        assert text[slice(*reader.cursor_span)] == "البوكمال"
        assert reader.cursor_span[0] == target


async def test_next_and_previous_document(workspace) -> None:
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot)
        await pilot.press("n")
        assert app.screen.document.id == SEED_IDS[1]
        await pilot.press("n", "n", "n", "n")
        assert app.screen.document.id == SEED_IDS[-1]
        await pilot.press("p")
        assert app.screen.document.id == SEED_IDS[-2]
        await pilot.press("escape")
        assert not isinstance(app.screen, ReaderScreen)


async def test_document_text_is_never_markup_or_terminal_codes(workspace) -> None:
    from annotator.core.corpus import Corpus

    source = workspace.root / "hostile.txt"
    source.write_text("نص [bold]عريض[/bold] \\ \x1b[31mأحمر\x1b[0m \x9b [link=x]y[/link]\n", encoding="utf-8")
    Corpus(workspace.corpus_dir).import_texts([source])
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        app.open_document("hostile")
        await pilot.pause()
        reader = app.screen.query_one(ReaderView)
        drawn = "".join(reader.render_line(y).text for y in range(2))
        assert "[bold]" in drawn and "[link=x]" in drawn and "\\" in drawn
        assert "\x1b" not in drawn and "\x9b" not in drawn and "\u241b" in drawn


@pytest.mark.parametrize("mode", ["terminal"])
async def test_terminal_mode_draws_logical_text(workspace, mode: str) -> None:
    app = make_app(workspace, bidi=mode, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        reader = await open_first(pilot)
        first_row = reader.render_line(0).text.rstrip()
        assert first_row.startswith("التحالف يقصف")


async def test_a_long_document_shows_its_start_at_once_and_the_rest_follows(workspace) -> None:
    from annotator.core.text.layout import Layout
    from annotator.tui.widgets.reader_view import LAYOUT_CHUNK

    seed = (workspace.corpus_dir / f"{SEED_IDS[0]}.txt").read_text(encoding="utf-8")
    long_text = "\n".join([seed] * (3 * LAYOUT_CHUNK // len(seed) + 2))
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        reader = await open_first(pilot)
        reader.load(long_text)
        assert not reader.laid_out  # only the first part so far...
        assert reader.text_layout.locate(0) == (0, reader.text_layout.width - 1)
        await pilot.press("left")  # ...and keys work meanwhile
        assert reader.cursor == 1
        for _ in range(200):
            await pilot.pause(0.01)
            if reader.laid_out:
                break
        assert reader.laid_out
        full = Layout.of_text(long_text, reader.text_layout.width)
        assert [line.text for line in reader.text_layout.lines] == [line.text for line in full.lines]
        await pilot.press("ctrl+end")
        assert reader.text_layout.row_of(reader.cursor_span[0]) == len(full) - 1


async def test_character_mode_stops_once_per_cell(workspace) -> None:
    # ب + U+08F0 (open fathatan) + ت: two cells, two stops; the fathatan stays with the beh.
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        reader = await open_first(pilot)
        reader.load("ب\u08f0ت قال")
        reader.set_fine(True)
        stops = [reader.cursor_span]
        for _ in range(3):
            await pilot.press("left")
            stops.append(reader.cursor_span)
        assert stops == [(0, 2), (2, 3), (4, 5), (5, 6)]


async def test_rows_drawn_from_the_cache_are_the_rows_drawn_afresh(workspace) -> None:
    """Every row is cached under a key of what it is drawn from: after any change, what the
    cache gives is what drawing the row again gives."""
    from rich.style import Style

    from annotator.tui.widgets.reader_view import Highlight

    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=(60, 16)) as pilot:
        reader = await open_first(pilot)

        def drawn() -> list[list]:
            return [list(reader.render_line(y)) for y in range(reader.scrollable_content_region.height)]

        async def check() -> None:
            await pilot.pause()
            cached = drawn()
            reader._cache.clear()
            assert cached == drawn()

        await check()
        for key in ("left", "left", "shift+left", "shift+left", "down", "escape", "end", "pagedown", "up"):
            await pilot.press(key)
            await check()
        reader.set_highlights([Highlight(0, 20, Style(bgcolor="red"))])
        await check()
        reader.set_selection(5, 30)
        await check()
        reader.set_fine(True)
        await check()
        reader.diacritics = False
        await check()
        reader.set_mode("terminal")
        await check()


async def test_a_one_line_document_opens_in_parts_and_the_cursor_reaches_its_end(workspace) -> None:
    from annotator.core.text.layout import Layout
    from annotator.tui.widgets.reader_view import LAYOUT_CHUNK

    seed = (workspace.corpus_dir / f"{SEED_IDS[0]}.txt").read_text(encoding="utf-8").replace("\n", " ")
    one_line = " ".join([seed] * (LAYOUT_CHUNK // len(seed) + 2))
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        reader = await open_first(pilot)
        reader.load(one_line)
        assert not reader.laid_out  # one paragraph, laid out as far as its first part
        await pilot.press("ctrl+end")
        assert reader.cursor_span[1] == len(one_line.rstrip())
        for _ in range(300):
            await pilot.pause(0.01)
            if reader.laid_out:
                break
        assert reader.laid_out
        full = Layout.of_text(one_line, reader.text_layout.width)
        assert [line.text for line in reader.text_layout.lines] == [line.text for line in full.lines]
        assert reader.text_layout.row_of(reader.cursor_span[0]) == len(full) - 1
