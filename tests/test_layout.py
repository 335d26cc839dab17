"""The reader's layout: every cell knows its logical range and every offset its cell."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from annotator.core.text.layout import Layout
from tests.conftest import SEED_IDS, seed_text

WIDTHS = (20, 47, 80, 133)
HIDDEN_OK = set(" \t\n\u00a0\u200c\u200d\u200e\u200f\u061c")


def on_hidden_space(text: str, offset: int) -> bool:
    """A mark written on white space is hidden with that space at a wrap."""
    while offset > 0 and unicodedata.category(text[offset]) in ("Mn", "Me", "Cf"):
        offset -= 1
    return text[offset] in HIDDEN_OK


def check_round_trip(text: str, layout: Layout) -> None:
    """Visual -> logical -> visual for every cell, logical -> visual -> logical for every offset."""
    shown: set[int] = set()
    for row, line in enumerate(layout.lines):
        assert line.indent + line.cells <= layout.width or line.cells <= 2
        assert cell_len(line.text) == line.cells
        ranges = line.cell_ranges()
        for x, (start, end) in enumerate(ranges):
            col = line.indent + x
            assert layout.cell_at(row, col) == (start, end)
            r, c = layout.locate(start)
            assert r == row
            assert layout.cell_at(r, c) == (start, end)
            assert c == line.indent + ranges.index((start, end))  # the cluster's first cell
            shown.update(range(start, end))
        # The visible clusters of a line are a permutation of a logical run.
        assert sorted(line.order) == list(range(line.first, line.first + len(line.order)))
        assert layout.cell_at(row, line.indent - 1) is None
        assert layout.cell_at(row, line.indent + line.cells) is None
    for offset in range(len(text)):
        row, col = layout.locate(offset)
        span = layout.cell_at(row, col)
        if span is not None and span[0] <= offset < span[1]:
            continue
        # Not drawn: only white space hidden at a wrap, a newline, or invisible marks.
        assert offset not in shown
        assert text[offset] in HIDDEN_OK or on_hidden_space(text, offset), (offset, repr(text[offset]))
    drawn = {i for i, ch in enumerate(text) if ch not in HIDDEN_OK and not on_hidden_space(text, i)}
    assert drawn <= shown


@pytest.mark.parametrize("doc_id", SEED_IDS)
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("mode", ["app", "terminal"])
def test_seed_round_trip(doc_id: str, width: int, mode: str) -> None:
    text = seed_text(doc_id)
    check_round_trip(text, Layout.of_text(text, width, mode))


def visual(text: str, width: int = 80, mode: str = "app") -> list[str]:
    return [line.text for line in Layout.of_text(text, width, mode).lines]


def test_numbers_and_latin_keep_their_order_inside_arabic() -> None:
    assert visual("قال 900 جندي") == ["ﻱﺪﻨﺟ 900 ﻝﺎﻗ"]
    assert visual("في عام 2020 قال John Smith") == ["John Smith ﻝﺎﻗ 2020 ﻡﺎﻋ ﻲﻓ"]


def test_brackets_are_mirrored_in_right_to_left_runs() -> None:
    # Logical "(2020)" inside Arabic must still look like "(2020)" on screen.
    assert visual("في (2020) قال") == ["ﻝﺎﻗ (2020) ﻲﻓ"]
    assert visual("قال [مصدر]") == ["[ﺭﺪﺼﻣ] ﻝﺎﻗ"]


def test_quotes_stay_with_their_words() -> None:
    assert visual("شبكة “فرات بوست” قالت") == ["ﺖﻟﺎﻗ ”ﺖﺳﻮﺑ ﺕﺍﺮﻓ“ ﺔﻜﺒﺷ"]


def test_rtl_lines_are_right_aligned_and_wrap_in_reading_order() -> None:
    text = "الأولى الثانية الثالثة الرابعة"
    layout = Layout.of_text(text, 16)
    first = layout.lines[0]
    assert first.indent + first.cells == 16  # flush right (trailing space hangs left)
    # The first word of the paragraph is at the right edge of the first row.
    assert layout.cell_at(0, 15) == (0, 1)
    assert layout.lines[-1].stop == len(text)


def test_ltr_paragraph_is_left_aligned() -> None:
    layout = Layout.of_text("Reuters reported 3 strikes", 40)
    assert layout.lines[0].indent == 0
    assert layout.lines[0].text == "Reuters reported 3 strikes"


def test_lam_alef_is_one_cell_for_two_offsets() -> None:
    text = "لا"
    layout = Layout.of_text(text, 10)
    line = layout.lines[0]
    assert line.text == "\ufefb" and line.cells == 1
    assert layout.cell_at(0, 9) == (0, 2)
    assert layout.locate(0) == layout.locate(1) == (0, 9)
    # Joined to the letter before it, the ligature takes its final form.
    assert visual("فلا") == ["\ufefc\ufed3"]
    # After a letter that does not join forward (alef), it stays isolated.
    assert visual("الا") == ["\ufefb\ufe8d"]


def test_harakat_stay_in_their_cell_and_can_be_hidden() -> None:
    text = "قتيلاً وعلُّق"
    shown = Layout.of_text(text, 40)
    hidden = Layout.of_text(text, 40, diacritics=False)
    assert "\u064b" in shown.lines[0].text and "\u0651" in shown.lines[0].text
    assert "\u064b" not in hidden.lines[0].text and "\u0651" not in hidden.lines[0].text
    # Hiding diacritics is display only: the cell map is the same.
    assert shown.lines[0].cell_ranges() == hidden.lines[0].cell_ranges()
    row, col = shown.locate(text.index("\u064b"))
    assert shown.cell_at(row, col) == (3, 6)  # lam + alef + fathatan in one cell


def test_control_characters_are_shown_harmlessly() -> None:
    text = "نص [bold]x[/bold] \\ \x1b[31m أحمر \x9b end\x07"
    layout = Layout.of_text(text, 80)
    drawn = "".join(line.text for line in layout.lines)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in drawn)
    assert "\u241b" in drawn and "[bold]" in drawn and "\\" in drawn
    check_round_trip(text, layout)


def test_terminal_mode_keeps_logical_order_unshaped() -> None:
    text = "قال 900 جندي"
    assert visual(text, mode="terminal") == [text]


MIXED = st.lists(
    st.sampled_from(
        list("ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأإةى")
        + list("\u064b\u064e\u064f\u0650\u0651\u0652\u0640")
        + list("abcXYZ")
        + list("0123456789٠١٢٣٫٬")
        + list(' ،؛؟.,!()[]«»“”"-')
        + ["\n", "\u00a0", "\u200c", "\u200f", "\t", "لا", "لَا", "中", "\x1b", "John", "(2020)"]
    ),
    max_size=120,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=MIXED, width=st.integers(min_value=1, max_value=60), mode=st.sampled_from(["app", "terminal"]))
def test_random_mixed_text_round_trips(text: str, width: int, mode: str) -> None:
    check_round_trip(text, Layout.of_text(text, width, mode))
