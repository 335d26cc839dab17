"""display_text.fit: a text cut to a number of cells keeps its logical start, with the
ellipsis at its logical end (the left of a right-to-left text). No Textual here."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.text.display_text import ELLIPSIS, cells, fit, right_aligned
from annotator.core.text.layout import Layout, visual

# Hand-checked presentation forms (Unicode Arabic Presentation Forms-B):
# دير = dal isolated FEA9, ya initial FEF3, ra final FEAE; drawn reversed.
DIR = "\ufeae\ufef3\ufea9"
# الزور = alef isolated FE8D, lam initial FEDF, zain final FEB0, waw isolated FEED, ra isolated FEAD; reversed.
ALZOUR = "\ufead\ufeed\ufeb0\ufedf\ufe8d"


def test_a_text_that_fits_is_drawn_whole_words_in_reading_order() -> None:
    # Two words: the first (دير) at the right, the second (الزور) at the left.
    assert fit("دير الزور", 20) == ALZOUR + " " + DIR
    assert fit("دير الزور", 9) == visual("دير الزور")  # exactly as wide as the room


def test_a_right_to_left_text_keeps_its_start_at_the_right_and_the_ellipsis_at_the_left() -> None:
    assert fit("دير الزور", 4) == ELLIPSIS + DIR  # hand-checked
    assert fit("دير الزور", 4) == visual("دير" + ELLIPSIS)  # the engine on the kept text
    assert fit("دير الزور", 8).endswith(DIR) and fit("دير الزور", 8).startswith(ELLIPSIS)


def test_a_left_to_right_text_keeps_its_start_at_the_left() -> None:
    assert fit("hello world", 5) == "hell" + ELLIPSIS
    assert fit("hello world", 7) == "hello" + ELLIPSIS  # the space before the cut is dropped
    title = fit("Attack on البوكمال city", 14)
    assert title.startswith("Attack on ") and title.endswith(ELLIPSIS) and cells(title, "terminal") <= 14


def test_the_cut_is_between_clusters() -> None:
    # lam-alef is one cell (one ligature) and is never split.
    assert fit("لا لا لا", 2) == ELLIPSIS + "\ufefb"
    # A letter keeps its harakat (terminal mode: logical text, easy to read back).
    assert fit("مُحَمَّد عَلِي", 3, "terminal") == "مُحَ" + ELLIPSIS


def test_a_word_cut_inside_keeps_its_joining_form() -> None:
    # مسيرتين cut after مسي: the ya stays medial (FEF4), not final, so the word visibly goes on.
    cut = fit("مسيرتين", 4)
    assert cut == ELLIPSIS + "\ufef4\ufeb4\ufee3"


def test_the_joining_form_at_the_cut_is_the_shapers() -> None:
    # المُسيّرة cut after المُسيّ: the ya carries a shadda and still joins the ra after it,
    # so it stays medial (FEF4) under its shadda.
    assert fit("المُسيّرة", 6) == ELLIPSIS + "\ufef4\u0651\ufeb4\ufee4\u064f\ufedf\ufe8d"
    # A letter that never joins the next one (dal) keeps its final form: no joiner is added.
    assert fit("مدرسة", 3) == visual("مد" + ELLIPSIS)
    # ٹ (U+0679, Urdu tteh) joins like any dual-joining letter: initial form FB68 (FB66 is
    # isolated). The shaper knows it; no list of letters is needed.
    assert fit("ٹیلا", 2) == ELLIPSIS + "\ufb68"


def test_the_cut_text_keeps_the_direction_of_the_whole() -> None:
    # "2024 report": left-to-right; the kept "2024" alone has no strong letter but stays left-to-right.
    assert fit("2024 report about it", 5) == "2024" + ELLIPSIS
    assert not right_aligned("2024 report")
    assert right_aligned("دير الزور") and not right_aligned("دير الزور", "terminal")


def test_terminal_mode_keeps_logical_order() -> None:
    assert fit("دير الزور", 4, "terminal") == "دير" + ELLIPSIS


def test_edges() -> None:
    assert fit("abc", 0) == "" and fit("abc", -3) == ""
    assert fit("abcdef", 1) == ELLIPSIS
    assert fit("", 5) == ""
    assert fit("a\nb", 5) == "a b"  # one line
    assert fit("\x1b[31mred", 20) == "\u241b[31mred"  # control characters are shown, never sent


_TEXT = st.text(alphabet=st.sampled_from(list("دير الزور بالبوكمال لا مُحَ abc 12 «»()") + [" "]), max_size=40)


@settings(max_examples=300, deadline=None)
@given(_TEXT, st.integers(min_value=1, max_value=30), st.sampled_from(["app", "terminal"]))
def test_never_wider_than_the_room_and_whole_when_it_fits(text: str, width: int, mode: str) -> None:
    out = fit(text, width, mode)
    drawn = Layout.of_text(out, 4 * len(out) + 4, "terminal").lines[0].cells if out else 0
    assert drawn <= width
    if cells(text, mode) <= width:
        assert out == visual(text, mode)
    else:
        assert ELLIPSIS in out


@settings(max_examples=300, deadline=None)
@given(_TEXT, st.integers(min_value=1, max_value=30))
def test_terminal_mode_keeps_a_logical_prefix(text: str, width: int) -> None:
    out = fit(text, width, "terminal")
    if cells(text, "terminal") > width:
        kept = out.lstrip("\u200e\u200f").removesuffix(ELLIPSIS)
        assert text.startswith(kept)


def test_chrome_rows_start_left_to_right_in_terminal_mode():
    """A per-row BiDi terminal takes a row's direction from its first strong character: a
    status line starting '174-182 البوكمال' would be laid out right to left without the LRM."""
    from annotator.core.text.bidi import LTR, base_level
    from annotator.core.text.display_text import row_start

    row = "174-182 البوكمال  WORD"
    assert base_level(row) != LTR
    assert base_level(row_start("terminal") + row) == LTR
    assert row_start("app") == ""
