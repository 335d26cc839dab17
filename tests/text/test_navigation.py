"""The reader's cursor moves (core/text/navigation.py) without an app: on the seed articles
at several widths, in both units (tokens, characters) and on mixed-direction lines.

What a row shows is read back from the layout's cell map (``Layout.cell_at``, cell by
cell) here, not from the navigator; orders on mixed lines are worked out by hand from
UAX #9.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.text.characters import INVISIBLE_SEPARATORS
from annotator.core.text.layout import MODES, Layout, paragraphs_of
from annotator.core.text.navigation import Cursor, Navigator, Units, character_units, token_units
from annotator.core.text.tokens import tokenize
from tests.conftest import SEED_IDS, seed_text

WIDTHS = (9, 23, 50, 100)
# The seeds whose paragraphs are all right-to-left (002 has an English one).
RTL_SEEDS = [doc for doc in SEED_IDS if all(p.base == 1 for p in paragraphs_of(seed_text(doc)) if p.text)]


def units_of(layout: Layout, text: str, unit: str) -> Units:
    tokens = token_units(text)
    return tokens if unit == "tokens" else character_units(tokens.spans, layout.paragraphs)


def on_seed(doc: str, width: int, mode: str = "app", unit: str = "tokens") -> tuple[Layout, Units, Navigator]:
    """A seed article laid out at ``width``, its units and their navigator."""
    text = seed_text(doc)
    layout = Layout.of_text(text, width, mode)
    units = units_of(layout, text, unit)
    return layout, units, Navigator(layout, units)


def shown(layout: Layout, units: Units, row: int) -> list[tuple[int, int]]:
    """(leftmost column, unit) of what ``row`` shows, left to right, read cell by cell."""
    owner = {offset: i for i, (start, end) in enumerate(units.spans) for offset in range(start, end)}
    leftmost: dict[int, int] = {}
    for col in range(layout.width):
        cell = layout.cell_at(row, col)
        unit = next((owner[o] for o in range(*cell) if o in owner), None) if cell else None
        if unit is not None:
            leftmost.setdefault(unit, col)
    return sorted((col, unit) for unit, col in leftmost.items())


def walk(step, start: int) -> list[int]:
    """The units a key visits from ``start`` until it goes no further."""
    seen = [start]
    while (following := step(seen[-1])) != seen[-1]:
        assert following not in seen, "the cursor came back to a unit it left"
        seen.append(following)
    return seen


@pytest.mark.parametrize("unit", ["tokens", "characters"])
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("doc", RTL_SEEDS)
def test_left_reads_an_arabic_article_forward_row_after_row(doc: str, width: int, unit: str) -> None:
    layout, units, navigator = on_seed(doc, width, unit=unit)
    visited = walk(navigator.left, 0)
    assert sorted(visited) == list(range(len(units)))  # every unit once
    rows = [layout.locate(units[i][0])[0] for i in visited]
    assert rows == sorted(rows)  # rows in reading order
    for row in set(rows):  # on each row right to left, as the cell map shows them
        on_row = [i for i, r in zip(visited, rows) if r == row]
        drawn = [i for _, i in reversed(shown(layout, units, row)) if layout.locate(units[i][0])[0] == row]
        assert on_row == drawn
    # → goes back the same way.
    assert walk(navigator.right, visited[-1]) == visited[::-1]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("doc", SEED_IDS)
def test_in_terminal_mode_right_reads_forward_in_logical_order(doc: str, width: int) -> None:
    _, units, navigator = on_seed(doc, width, "terminal")
    assert walk(navigator.right, 0) == list(range(len(units)))


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("doc", SEED_IDS)
def test_up_and_down_keep_the_column(doc: str, width: int) -> None:
    layout, units, navigator = on_seed(doc, width)
    for i in range(0, len(units), 7):
        row, col = layout.locate(units[i][0])
        for step, move in ((1, navigator.down), (-1, navigator.up)):
            target = row + step
            while 0 <= target < len(layout) and not [u for _, u in shown(layout, units, target) if u != i]:
                target += step  # an empty line is passed
            if not 0 <= target < len(layout):
                assert move(i) == i
                continue
            nearest = min((abs(c - col), u) for c, u in shown(layout, units, target) if u != i)[1]
            assert move(i) == nearest


@pytest.mark.parametrize("width", (23, 50))
@pytest.mark.parametrize("doc", SEED_IDS)
def test_page_down_and_up_go_as_many_rows_and_stop_at_the_ends(doc: str, width: int) -> None:
    layout, units, navigator = on_seed(doc, width)
    page = 10
    row_of = lambda i: layout.locate(units[i][0])[0]  # noqa: E731
    filled = [r for r in range(len(layout)) if shown(layout, units, r)]  # rows with something to stop on
    i = 0
    while row_of(i) + page <= filled[-1]:
        following = navigator.down(i, page)
        assert row_of(following) == min(r for r in filled if r >= row_of(i) + page)  # empty rows are passed
        back = navigator.up(following, page)
        assert row_of(back) == max(r for r in filled if r <= row_of(following) - page)
        i = following
    last = navigator.down(i, page)  # less than a page left: the last row with something on it
    assert row_of(last) == filled[-1] and navigator.down(last, page) == last
    assert navigator.up(0, page) == 0


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("doc", SEED_IDS)
def test_home_and_end_are_the_row_s_first_and_last_units_in_reading_order(doc: str, width: int) -> None:
    layout, units, navigator = on_seed(doc, width)
    for i in range(0, len(units), 5):
        line = layout.lines[layout.locate(units[i][0])[0]]
        starting_here = [u for u in range(len(units)) if line.start <= units[u][0] < line.stop]
        assert navigator.line_start(i) == starting_here[0]
        assert navigator.line_end(i) == starting_here[-1]
    assert navigator.document_start() == 0 and navigator.document_end() == len(units) - 1


def test_a_mixed_line_is_walked_in_the_order_it_is_drawn() -> None:
    # An RTL line holding an English name: drawn "مليون 3.5 العدد إن John Smith قال", so
    # from قال ← meets Smith before John.
    text = "قال John Smith إن العدد 3.5 مليون"
    units = token_units(text)
    navigator = Navigator(Layout.of_text(text, 100), units)
    words = lambda indices: [text[slice(*units[i])] for i in indices]  # noqa: E731
    assert words(walk(navigator.left, 0)) == ["قال", "Smith", "John", "إن", "العدد", "3.5", "مليون"]
    assert words(walk(navigator.right, 6)) == ["مليون", "3.5", "العدد", "إن", "John", "Smith", "قال"]
    assert words([navigator.line_start(1), navigator.line_end(1)]) == ["قال", "مليون"]
    # An LTR line holding Arabic: drawn "He said بكم مرحبا today"; → reads it.
    text = "He said مرحبا بكم today"
    units = token_units(text)
    navigator = Navigator(Layout.of_text(text, 100), units)
    assert words(walk(navigator.right, 0)) == ["He", "said", "بكم", "مرحبا", "today"]


def test_rows_of_both_directions() -> None:
    text = "سطر عربي أول\nThe second line\nسطر ثالث"
    units = token_units(text)
    navigator = Navigator(Layout.of_text(text, 100), units)
    words = lambda indices: [text[slice(*units[i])] for i in indices]  # noqa: E731
    # Past the left end of the Arabic row: the row below, entered at its right end.
    assert words([navigator.left(2)]) == ["line"]
    # Past the right end of the English row: the row below, entered at its left end.
    assert words([navigator.right(5)]) == ["ثالث"]
    # Past the left end of the English row: the row above (its right end).
    assert words([navigator.left(3)]) == ["سطر"]
    assert navigator.right(0) == 0  # the start of the document: nowhere to go


def test_a_word_wider_than_the_row_is_stepped_over_once() -> None:
    text = "في الاستخباراتيين هنا"
    units = token_units(text)
    layout = Layout.of_text(text, 8)
    assert layout.row_of(units[1][0]) != layout.row_of(units[1][1] - 1)  # cut across rows
    navigator = Navigator(layout, units)
    assert walk(navigator.left, 0) == [0, 1, 2]
    assert navigator.down(1) == 2 and navigator.up(2) == 1


def test_character_mode_stops_once_per_cell() -> None:
    # The case: ب + U+08F0 (open fathatan) + ت is two cells, so two stops.
    text = "ب\u08f0ت"
    layout = Layout.of_text(text, 10)
    units = character_units(tokenize(text), layout.paragraphs)
    assert units.spans == [(0, 2), (2, 3)] and layout.lines[0].cells == 2
    assert walk(Navigator(layout, units).left, 0) == [0, 1]
    # A lam-alef is one cell drawn by the app, two letters for a terminal that shapes itself.
    for mode, spans in (("app", [(0, 2)]), ("terminal", [(0, 1), (1, 2)])):
        layout = Layout.of_text("لا", 10, mode)
        assert character_units(tokenize("لا"), layout.paragraphs).spans == spans
    # A mark on a space is a token of its own: its stop is the space's cell, and it is reached.
    text = "ب \u064e ت"
    layout = Layout.of_text(text, 10)
    units = character_units(tokenize(text), layout.paragraphs)
    assert units.spans == [(0, 1), (2, 3), (4, 5)]
    assert walk(Navigator(layout, units).left, 0) == [0, 1, 2]


def test_a_selection_grows_from_its_anchor_by_whole_units() -> None:
    text = seed_text(SEED_IDS[0])
    layout = Layout.of_text(text, 60)
    characters = character_units(tokenize(text), layout.paragraphs)
    navigator = Navigator(layout, characters)
    start = text.index("البوكمال")
    cursor = Cursor(characters.at(start))
    for _ in range(2):  # shift+← twice: reading forward in Arabic
        cursor = cursor.extended_to(navigator.left(cursor.index))
    s, e = cursor.selection(characters)
    assert text[s:e] == "الب"
    assert cursor.moved_to(cursor.index).selection(characters) is None
    tokens = token_units(text)
    selected = Cursor.selecting(tokens, start + 1, start + 4)
    assert selected.selection(tokens) == (start, start + len("البوكمال"))  # whole tokens


def test_a_click_finds_the_unit_under_the_cell() -> None:
    text = seed_text(SEED_IDS[0])
    layout = Layout.of_text(text, 60)
    units = token_units(text)
    target = text.index("البوكمال")
    row, col = layout.locate(target + 3)
    assert units[units.at(layout.cell_at(row, col)[0])] == (target, target + len("البوكمال"))


ALPHABET = list("ابتثجحخدسشصعفقكلمنهويءأإآىة لا()«».،0123456789abc\t\x01") + [
    chr(c)
    for c in (
        0x064B,
        0x064E,
        0x0651,
        0x0670,
        0x0640,
        0x08F0,
        0x0301,
        0x200B,
        0x200C,
        0x200D,
        0x200E,
        0x200F,
        0x061C,
        0x202B,
        0x202C,
        0x2067,
        0x2069,
        0xFEFF,
        0x2028,
        0x2060,
        0x00AD,
        0x1F44D,
        0x1F3FB,
        0xFE0F,
        0x4E00,
        0x1160,
        0x00A0,
    )
]


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(ALPHABET), max_size=50), st.sampled_from(MODES))
def test_character_units_are_the_clusters_inside_tokens(text: str, mode: str) -> None:
    paragraphs = paragraphs_of(text, mode)
    tokens = tokenize(text)
    expected = []
    for paragraph in paragraphs:
        bounds = paragraph.clusters.bounds
        for k in range(len(bounds) - 1):
            a, z = paragraph.start + bounds[k], paragraph.start + bounds[k + 1]
            meeting = [(s, e) for s, e in tokens if s < z and e > a]
            assert len(meeting) <= 1, f"tokens {meeting} cut the cluster {text[a:z]!r}"
            if meeting:
                s, e = meeting[0]
                expected.append((max(a, s), min(z, e)))
                # Left out: the white space a mark is drawn on, a zero-width separator the cluster ends with.
                assert s <= a or (s == a + 1 and text[a].isspace())
                assert e >= z or text[e] in INVISIBLE_SEPARATORS or text[e].isspace()
    units = character_units(tokens, paragraphs).spans
    assert units == expected  # one stop per cluster that holds part of a token
    for s, e in tokens:  # and together they are the token
        inside = [u for u in units if s <= u[0] < e]
        assert inside[0][0] == s and inside[-1][1] == e and all(a[1] == b[0] for a, b in zip(inside, inside[1:]))
