"""Cases that once went wrong in the reader, each checked by hand against UAX #9."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from annotator.core.text.layout import Layout


def shown(text: str, mode: str = "app") -> str:
    return Layout.of_text(text, 200, mode).lines[0].text


def test_zwj_never_crashes_and_keeps_cells():
    for text in ("ب\u200dت", "a\u200db", "👨\u200d👩\u200d👧 عائلة", "بَ\u200d", "\u200d", "\u200dب", "لا\u200d"):
        layout = Layout.of_text(text, 10)
        for row, line in enumerate(layout.lines):
            assert cell_len(line.text) == line.cells
            for x, (start, end) in enumerate(line.cell_ranges()):
                assert layout.cell_at(row, line.indent + x) == (start, end)


def test_leading_rlm_makes_the_paragraph_rtl_without_moving_a_letter():
    # RLM is a strong right-to-left character: the paragraph is RTL, the Latin words keep their order.
    layout = Layout.of_text("\u200fabc def ghi", 20)
    assert layout.lines[0].text == "abc def ghi" and layout.lines[0].indent == 9


def test_tab_and_the_space_before_it_go_back_to_the_paragraph_level():
    assert shown("عربي abc\tdef") == "def abc ﻲﺑﺮﻋ"


def test_rlm_between_numbers_separates_them():
    assert shown("050\u200f123 رقم") == "ﻢﻗﺭ 123050"


def test_paragraph_direction_skips_isolates():
    layout = Layout.of_text("\u2066abc\u2069 عربي", 20)
    assert layout.lines[0].rtl


def test_a_mark_on_a_bracket_keeps_it_mirrored():
    line = Layout.of_text("عربي (\u0301ب)", 20).lines[0]
    assert line.text.startswith("(ﺏ)\u0301")  # "(" + mark drawn as ")" + mark, on the left


def test_a_paragraph_starting_with_a_mark_draws_it_on_its_own_cell():
    line = Layout.of_text("\u064eabc", 20).lines[0]
    assert line.glyphs[0] == "\u25cc\u064e" and line.cell_ranges()[0] == (0, 1)


def test_emoji_with_variation_selector_is_two_cells():
    line = Layout.of_text("\u2764\ufe0f x", 20).lines[0]
    assert line.cells == cell_len(line.text) == 4
    assert line.cell_ranges()[:3] == [(0, 2), (0, 2), (2, 3)]


def test_terminal_mode_sends_bidi_controls_and_zwnj():
    assert shown("می\u200cخواهم \u200fabc\u2067x\u2069", "terminal") == "می\u200cخواهم \u200fabc\u2067x\u2069"


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40),
    st.integers(1, 30),
    st.sampled_from(["app", "terminal"]),
)
def test_no_text_crashes_the_layout(text, width, mode):
    layout = Layout.of_text(text, width, mode)
    for line in layout.lines:
        assert cell_len(line.text) == line.cells
        assert len(line.cell_ranges()) == line.cells
    for offset in range(len(text) + 1):
        layout.locate(offset)
