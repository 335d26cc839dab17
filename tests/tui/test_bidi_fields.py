"""Text fields and side panels draw Arabic as the reader does ('app' mode): typed with the
real keys through Pilot, and checked against the core layout for the same text and against
hand-checked presentation forms (so a test does not only compare the code with itself)."""

from __future__ import annotations

import pytest
from textual.app import App
from textual.coordinate import Coordinate

from annotator.core.corpus import Corpus
from annotator.core.text.display_text import ELLIPSIS, cells
from annotator.core.text.layout import Layout, visual
from annotator.tui.app import AnnotatorApp, make_app
from annotator.tui.commands import BidiCommandInput, BidiCommandPalette, open_command_palette
from annotator.tui.screens.annotate import AnnotateScreen
from annotator.tui.screens.modals import AskNameScreen
from annotator.tui.widgets.annotation_panel import AnnotationPanel
from annotator.tui.widgets.bidi_input import BidiInput
from annotator.tui.widgets.document_list import DocumentList
from annotator.tui.widgets.guidelines_view import GuidelinesView

SIZE = (120, 34)
# Hand-checked (Presentation Forms-B, drawn left to right): دير = dal isolated, ya initial,
# ra final, reversed; الزور = alef, lam initial, zain final, waw, ra, reversed.
DIR_ALZOUR = "دير الزور"
DIR_ALZOUR_DRAWN = "\ufead\ufeed\ufeb0\ufedf\ufe8d \ufeae\ufef3\ufea9"  # the second word at the LEFT
SALMA_DRAWN = "\ufef0\ufee4\ufee0\ufeb3"  # سلمى: sin initial, lam medial, mim medial, alef maksura final; reversed
TAIRATAYN_DRAWN = "\ufee6\ufef4\ufe97\ufeae\ufe8b\ufe8e\ufec3"  # طائرتين


def row(field: BidiInput) -> str:
    return field.render_line(0).text


def expected_row(value: str, width: int) -> str:
    """What the field must show for a short value: the layout's visual line, right-aligned
    when the value is a right-to-left paragraph (as the reader aligns it)."""
    line = Layout.of_text(value, width, "app").lines[0]
    return (" " * line.indent + line.text).ljust(width)


def expected_cursor(value: str, offset: int, width: int) -> int:
    """The cursor's column by the layout's own locate, for a value laid out at the field's width."""
    return Layout.of_text(value, width, "app").locate(offset)[1]


def cursor_is_painted(field: BidiInput, col: int) -> bool:
    """The cell at ``col`` carries the input cursor's style."""
    strip = field.render_line(0)
    style = next(iter(strip.crop(col, col + 1))).style
    cursor = field.get_component_rich_style("input--cursor")
    return style is not None and (style.bgcolor == cursor.bgcolor or style.reverse == cursor.reverse is True)


async def open_document(pilot) -> AnnotateScreen:
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(pilot.app.screen, AnnotateScreen)
    return pilot.app.screen


async def test_search_box_draws_arabic_right_to_left_with_the_cursor_where_the_layout_says(workspace) -> None:
    app = make_app(workspace, bidi="app", annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_document(pilot)
        await pilot.press("slash")
        box = screen.query_one("#search", BidiInput)
        box.cursor_blink = False  # the cursor is always drawn: no blink phase in the check
        assert box.has_focus
        width = box.scrollable_content_region.width
        # The English placeholder reads left to right, cursor on its first cell.
        assert row(box).rstrip() == "search (diacritics, tatweel and alef forms ignored)"[:width].rstrip()
        await pilot.press(*DIR_ALZOUR)
        assert box.value == DIR_ALZOUR  # typing is logical
        assert row(box) == expected_row(DIR_ALZOUR, width)
        assert row(box).endswith(DIR_ALZOUR_DRAWN) and row(box).startswith(" ")  # right-aligned, words swapped
        # At the end of a right-to-left value the cursor is at its LEFT end.
        end = expected_cursor(DIR_ALZOUR, len(DIR_ALZOUR), width)
        assert box.cursor_cell == end == width - len(DIR_ALZOUR_DRAWN) - 1
        assert cursor_is_painted(box, end)
        # Home: the logical start, the value's right end (the د).
        await pilot.press("home")
        assert box.cursor_position == 0 and box.cursor_cell == expected_cursor(DIR_ALZOUR, 0, width) == width - 1
        # ← reads forward in a right-to-left value: to the ي, one cell to the left.
        await pilot.press("left")
        assert box.cursor_position == 1 and box.cursor_cell == expected_cursor(DIR_ALZOUR, 1, width) == width - 2
        await pilot.press("right")
        assert box.cursor_position == 0
        # Typing inserts at the logical cursor; backspace and delete are logical.
        await pilot.press("left", "left", "left", "left")  # after دير and the space
        await pilot.press(*"و")
        assert box.value == "دير والزور"
        assert row(box) == expected_row("دير والزور", width)
        await pilot.press("backspace")
        assert box.value == DIR_ALZOUR
        await pilot.press("home", "delete")
        assert box.value == "ير الزور"
        # Selection (shift+← reads forward): the selected logical characters are painted.
        await pilot.press("end", "ctrl+u")
        assert box.value == ""
        await pilot.press(*DIR_ALZOUR, "home", "shift+left", "shift+left", "shift+left")
        assert box.selection == (0, 3) and box.selected_text == "دير"
        strip = box.render_line(0)
        selection = box.get_component_rich_style("input--selection")
        styles = [next(iter(strip.crop(x, x + 1))).style for x in range(width)]
        painted = [x for x, style in enumerate(styles) if style and style.bgcolor == selection.bgcolor]
        assert painted == [width - 3, width - 2, width - 1]  # the three letters of دير, at the right
        assert box.cursor_cell == width - 4 and cursor_is_painted(box, width - 4)  # on the space after them
        await pilot.press("end", "ctrl+u", *"البوكمال", "enter")  # the search runs on the logical value
        await pilot.pause()
        assert screen.hits and all(screen.reader.text[s:e] == "البوكمال" for s, e in screen.hits)


async def test_a_long_value_scrolls_to_keep_the_cursor_seen(workspace) -> None:
    app = make_app(workspace, bidi="app", annotator="tester")
    async with app.run_test(size=(60, 30)) as pilot:
        screen = await open_document(pilot)
        await pilot.press("slash")
        box = screen.query_one("#search", BidiInput)
        width = box.scrollable_content_region.width
        value = "قصفت طائرات مجهولة الهوية مواقع للميليشيات الإيرانية في ريف البوكمال شرق دير الزور"
        await pilot.press(*value[:3])  # typed, then the rest set at once (a search runs per change)
        box.value = value
        box.cursor_position = len(value)
        await pilot.pause()
        drawn = visual(value)
        assert len(drawn) > width
        # Typing at the end: the logical end (the left of the line) is shown, cursor at column 0.
        assert box.cursor_cell == 0
        assert row(box) == (" " + drawn)[:width]
        await pilot.press("home")
        await pilot.pause()
        # The start (the right end) is shown, the cursor on the first letter at the right edge.
        assert box.cursor_cell == width - 1
        assert row(box) == drawn[-width:]
        assert row(box).endswith(visual("قصفت طائرات"))


async def test_a_click_puts_the_cursor_on_the_clicked_letter(workspace) -> None:
    app = make_app(workspace, bidi="app", annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_document(pilot)
        await pilot.press("slash", *DIR_ALZOUR)
        box = screen.query_one("#search", BidiInput)
        width = box.scrollable_content_region.width
        left = box.content_region.x - box.region.x
        # The د of دير is the rightmost cell; the ا of الزور the fifth from the left of the text.
        await pilot.click(box, offset=(left + width - 1, box.content_region.y - box.region.y))
        assert box.cursor_position == 0
        start = width - len(DIR_ALZOUR_DRAWN)
        await pilot.click(box, offset=(left + start + 4, box.content_region.y - box.region.y))
        assert box.cursor_position == DIR_ALZOUR.index("الزور")


async def test_terminal_mode_field_is_textual_input_unchanged(workspace) -> None:
    app = make_app(workspace, bidi="terminal", annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_document(pilot)
        await pilot.press("slash", *DIR_ALZOUR)
        box = screen.query_one("#search", BidiInput)
        assert row(box).startswith(DIR_ALZOUR)  # logical: the terminal reorders and shapes
        await pilot.press("left")
        assert box.cursor_position == len(DIR_ALZOUR) - 1  # ← is Input's: logically back


async def test_corpus_search_field_and_its_placeholder(workspace) -> None:
    app = make_app(workspace, bidi="app", annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+f")
        await pilot.pause()
        query = app.screen.query_one("#corpus-query", BidiInput)
        assert query.has_focus
        width = query.scrollable_content_region.width
        placeholder = "e.g. الاناضول finds الأناضول"
        # A left-to-right placeholder with Arabic words: each word drawn right-to-left in place.
        assert row(query).rstrip() == visual(placeholder)
        assert row(query).startswith("e.g. " + visual("الاناضول") + " finds ")
        await pilot.press(*"الاناضول")
        assert row(query) == expected_row("الاناضول", width)
        assert row(query).endswith("\ufedd\ufeee\ufebf\ufe8e\ufee7\ufefb\ufe8d")  # lam-alef one ligature (FEFB)
        assert query.cursor_cell == expected_cursor("الاناضول", len("الاناضول"), width)
        await pilot.press("enter")
        await pilot.pause()
        label = app.screen.query_one("Label").render_line(0).text
        assert "hits for «" + visual("الاناضول") + "»" in label


async def test_corpus_search_label_shows_markup_as_typed(workspace) -> None:
    app = make_app(workspace, bidi="app", annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+f")
        await pilot.pause()
        await pilot.press(*"[red]zz", "enter")
        await app.workers.wait_for_complete()  # the search runs in a worker thread
        await pilot.pause()
        assert "0 hits for «[red]zz»" in app.screen.query_one("Label").render_line(0).text


async def test_name_prompt_draws_latin_and_arabic(workspace, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    app = make_app(workspace, bidi="app")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, AskNameScreen)
        name = app.screen.query_one("#name", BidiInput)
        name.cursor_blink = False
        width = name.scrollable_content_region.width
        assert row(name).startswith("e.g. salma")
        await pilot.press(*"salma")
        assert row(name) == expected_row("salma", width) and row(name).startswith("salma")
        assert name.cursor_cell == 5 == expected_cursor("salma", 5, width)
        await pilot.press("ctrl+u", *"سلمى")
        assert row(name) == expected_row("سلمى", width)
        assert row(name).rstrip().endswith(SALMA_DRAWN) and row(name).endswith(SALMA_DRAWN)
        assert name.cursor_cell == width - 5
        await pilot.press("enter")  # not a valid name: the reason is shown as text
        await pilot.pause()
        assert isinstance(app.screen, AskNameScreen)


async def test_command_palette_input_draws_arabic(workspace) -> None:
    app = make_app(workspace, bidi="app", annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        open_command_palette(app)
        await pilot.pause()
        assert isinstance(app.screen, BidiCommandPalette)
        field = app.focused
        assert isinstance(field, BidiCommandInput)
        width = field.scrollable_content_region.width
        await pilot.press(*"البوكمال")
        assert row(field) == expected_row("البوكمال", width)
        assert row(field).endswith(visual("البوكمال"))
        await pilot.press("ctrl+u", *"open 000")
        await pilot.pause(0.3)
        assert row(field).startswith("open 000")


@pytest.mark.skipif(
    AnnotatorApp.action_command_palette is App.action_command_palette,
    reason="app.py does not open BidiCommandPalette yet (action_command_palette = open_command_palette)",
)
async def test_ctrl_p_opens_the_bidi_palette(workspace) -> None:
    app = make_app(workspace, bidi="app", annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, BidiCommandPalette)
        assert isinstance(app.focused, BidiCommandInput)


MANUAL = """**Rockets**: `طائرتين مسيرتين ملغومتين فوق ريف البوكمال الشرقي قرب الحدود العراقية السورية`.

طائرتين مسيرتين ملغومتين فوق ريف البوكمال الشرقي قرب الحدود العراقية السورية مساء السبت الماضي.

- [bold]not markup[/bold] \x1b[2J"""


async def test_guidelines_panel_wraps_examples_in_reading_order(workspace) -> None:
    app = make_app(workspace, bidi="app", annotator="tester")
    app.manual = {**app.manual, "ORG": MANUAL}
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_document(pilot)
        await pilot.press("2", "h")  # التحالف -> ORG, then the guidelines of the label under the cursor
        await pilot.pause()
        view = screen.query_one("#manual", GuidelinesView)
        rows = view.text_rows
        width = view.scrollable_content_region.width
        assert rows[0].strip() == "ORG"
        # The Arabic-only paragraph: its own lines from the layout, right-aligned, first words first.
        paragraph = MANUAL.split("\n\n")[1]
        lines = Layout.of_text(paragraph, width, "app").lines
        assert len(lines) >= 2
        start = rows.index((" " * lines[0].indent + lines[0].text).ljust(width))
        assert rows[start : start + len(lines)] == [(" " * ln.indent + ln.text).ljust(width) for ln in lines]
        assert rows[start].rstrip().endswith(TAIRATAYN_DRAWN)  # hand-checked: the first word, at the right
        assert visual("السبت الماضي.") in rows[start + len(lines) - 1]  # the last words on the last row
        # The English line with the example: the example's first word on the first row,
        # its last words on a later row.
        first = next(i for i, r in enumerate(rows) if r.startswith("Rockets"))
        assert TAIRATAYN_DRAWN in rows[first]
        assert visual("السورية") not in rows[first] and visual("السورية") in rows[first + 1] + rows[first + 2]
        # Data, never markup or control sequences.
        item = next(r for r in rows if "not markup" in r)
        assert "[bold]not markup[/bold]" in item and "\u241b[2J" in item and "\x1b" not in item


async def test_annotation_panel_cuts_a_long_name_keeping_its_start(workspace) -> None:
    app = make_app(workspace, bidi="app", annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_document(pilot)
        reader = screen.reader
        await pilot.press(*["shift+left"] * 7, "2")  # the first eight words of the document -> ORG
        await pilot.pause()
        panel = screen.query_one(AnnotationPanel)
        await pilot.pause()
        [entity] = screen.doc.entities
        span = reader.text[entity.start : entity.end]
        assert len(visual(span)) > 20  # too long for the panel
        cell = panel.get_cell_at(Coordinate(0, 2))
        shown = cell.plain
        cap = panel.caps([(0, 0, entity.id, "ORG", "", False)])[0]
        assert cells(shown, "terminal") <= cap
        assert shown.startswith(ELLIPSIS)  # the logical end: at the left
        assert shown.endswith(visual(span.split()[0] + " " + span.split()[1]))  # the first words, at the right
        assert visual(span.split()[-1]) not in shown
        assert shown[1:] in visual(span) or shown[1:].endswith(visual(span.split()[0]))
        drawn = panel.render_line(1).text
        assert shown in drawn


async def test_document_list_cuts_a_long_title_keeping_its_start(workspace, tmp_path) -> None:
    folder = tmp_path / "long"
    folder.mkdir()
    title = "طائرتين مسيرتين ملغومتين فوق ريف البوكمال الشرقي قرب الحدود العراقية السورية مساء السبت الماضي"
    (folder / "zz_long.txt").write_text(title + "\nنص.\n", encoding="utf-8")
    Corpus(workspace.corpus_dir).import_texts([folder])
    app = make_app(workspace, bidi="app", annotator="tester")
    async with app.run_test(size=(90, 20)) as pilot:
        await pilot.pause()
        documents = app.screen.query_one(DocumentList)
        line = documents.render_line(1 + documents.index["zz_long"]).text
        assert line.rstrip().endswith(TAIRATAYN_DRAWN)  # the title's first word at the right end
        assert ELLIPSIS in line and visual("الماضي") not in line
        title_part = line[line.index(ELLIPSIS) :].rstrip()
        assert title_part.startswith(ELLIPSIS)  # the ellipsis at the title's left (its logical end)


async def test_guidelines_panel_follows_a_change_of_mode(workspace) -> None:
    app = make_app(workspace, bidi="app", annotator="tester")
    app.manual = {**app.manual, "ORG": MANUAL}
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_document(pilot)
        await pilot.press("2", "h")
        await pilot.pause()
        view = screen.query_one("#manual", GuidelinesView)
        assert any(TAIRATAYN_DRAWN in r for r in view.text_rows)
        screen.set_mode("terminal")  # what the display check (F2) does on the open screen
        await pilot.pause()
        paragraph = MANUAL.split("\n\n")[1]
        width = view.scrollable_content_region.width
        lines = [line.text.ljust(width) for line in Layout.of_text(paragraph, width, "terminal").lines]
        rows = view.text_rows
        start = rows.index(lines[0])
        # Logical order, left-aligned, for the terminal to reorder; no scrollbar beside the rows.
        assert rows[start : start + len(lines)] == lines and lines[0].startswith("طائرتين مسيرتين")
        assert not any(TAIRATAYN_DRAWN in r for r in rows)
        assert view.has_class("-terminal") and view.styles.scrollbar_size_vertical == 0
