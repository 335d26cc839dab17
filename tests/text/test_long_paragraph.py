"""A long paragraph laid out a part at a time gives what laying it out whole gives."""

from __future__ import annotations

import pytest

from annotator.core.text.layout import Layout, Paragraph, stream_lines
from annotator.core.text.navigation import Units, token_units
from annotator.core.text.tokens import tokenize
from tests.conftest import SEED_IDS, seed_text

ONE_LINE = " ".join(seed_text(doc_id).replace("\n", " ") for doc_id in SEED_IDS)
MIXED = (
    "قال الوزير (في مؤتمر صحفي) إن 3.5% من السكان [أي ١٢٠٠ شخص] زاروا New York City في عام 2024، "
    "وأضاف: «the results are good» ثم غادر. "
)
ENGLISH = "The minister said (at a press conference) that 3.5% of them, قال الوزير, left in 2024. "


def rows(layout: Layout) -> list[tuple[int, int, list[int], list[str], int]]:
    return [(line.start, line.stop, list(line.order), list(line.glyphs), line.indent) for line in layout.lines]


def in_parts(text: str, width: int, mode: str = "app", part: int = 500) -> Layout:
    layout = Layout([Paragraph(0, text, mode, True, part=part)], width, mode)
    assert layout.growing  # laid out only as far as the first part so far
    while layout.growing:
        layout.grow()
    return layout


@pytest.mark.parametrize(
    "text", [ONE_LINE[:20_000], MIXED * 60, ENGLISH * 60, (MIXED + ENGLISH) * 30], ids=["seed", "mixed", "ltr", "both"]
)
@pytest.mark.parametrize("width", [13, 80])
def test_a_paragraph_in_parts_is_laid_out_as_whole(text: str, width: int) -> None:
    whole = Layout([Paragraph(0, text, "app", True)], width)
    parted = in_parts(text, width)
    assert rows(parted) == rows(whole)
    assert parted.paragraphs[0].levels == whole.paragraphs[0].levels
    assert parted.paragraphs[0].base == whole.paragraphs[0].base


def test_a_paragraph_in_terminal_mode_in_parts_is_laid_out_as_whole() -> None:
    text = (MIXED + ENGLISH) * 30
    assert rows(in_parts(text, 50, "terminal")) == rows(Layout([Paragraph(0, text, "terminal", True)], 50, "terminal"))


def test_an_explicit_embedding_keeps_a_paragraph_whole() -> None:
    """An embedding or isolate may span any cut: the paragraph after one is analysed whole."""
    text = MIXED * 20 + "\u2067" + ENGLISH * 20 + "\u2069" + MIXED * 20
    paragraph = Paragraph(0, text, "app", True, part=500)
    while paragraph.analysed <= text.index("\u2067"):
        paragraph.more()
    assert paragraph.complete  # parts up to the isolate, then the rest whole
    assert rows(in_parts(text, 40)) == rows(Layout([Paragraph(0, text, "app", True)], 40))


def test_a_bracket_open_at_a_cut_moves_the_cut_past_its_pair() -> None:
    text = "قال (" + "الوزير " * 200 + ") ثم " + "غادر " * 200
    paragraph = Paragraph(0, text, "app", True, part=100)
    assert paragraph.analysed > text.index(")")


def test_streamed_lines_are_the_layout_lines_and_come_before_the_paragraph_is_analysed() -> None:
    text = ONE_LINE[:15_000] + "\n" + (MIXED + ENGLISH) * 20 + "\n\n" + ONE_LINE[:5_000]
    lines = stream_lines(text, 61, part=1000)
    first = next(lines)
    assert not first.paragraph.complete  # written out before the rest is analysed: memory stays bounded
    streamed = [(first.indent, first.text)] + [(line.indent, line.text) for line in lines]
    assert streamed == [(line.indent, line.text) for line in Layout.of_text(text, 61).lines]


def test_tokens_found_in_parts_are_the_tokens_of_the_whole_text() -> None:
    text = (ONE_LINE[:30_000] + " 3.5 ،x\u064e (\u064e) لا ") * 2
    units = token_units(text)
    assert units[0] == tokenize(text)[0]
    assert units.spans == tokenize(text)
    assert Units(tokenize(text)).spans == units.spans
