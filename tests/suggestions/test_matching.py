"""String matching: names found through clitics and spelling variants, at character-exact offsets."""

from __future__ import annotations

from annotator.core.suggestions.lexicon import Lexicon
from annotator.core.suggestions.matching import match
from annotator.core.suggestions.model import GUIDELINES, STRINGS


def lexicon(*entries: tuple[str, str]) -> Lexicon:
    lx = Lexicon()
    for text, label in entries:
        lx.add(text, label)
    return lx


def found(text: str, lx: Lexicon) -> list[tuple[str, str]]:
    """(the text each suggestion's offsets cut from ``text``, its label)."""
    out = []
    for s in match(text, lx):
        assert s.text == text[s.start : s.end]
        out.append((text[s.start : s.end], s.label))
    return out


def test_a_name_is_found_after_its_clitics_which_stay_outside_the_span():
    lx = lexicon(("البوكمال", "GPE"))
    text = "وصلت القوات بالبوكمال ثم والبوكمال وفي البوكمال، وبالبوكمال."
    assert found(text, lx) == [("البوكمال", "GPE")] * 4
    starts = [s.start for s in match(text, lx)]
    assert starts == [
        text.index("بالبوكمال") + 1,
        text.index("والبوكمال") + 1,
        text.index(" البوكمال،") + 1,
        text.index("وبالبوكمال") + 2,
    ]


def test_lam_with_the_article_written_lam_lam_starts_the_span_at_the_second_lam():
    lx = lexicon(("البوكمال", "GPE"))
    text = "عاد للبوكمال ثم وللبوكمال"
    spans = match(text, lx)
    first, second = text.index("للبوكمال") + 1, text.index("وللبوكمال") + 2
    assert [(s.start, s.end) for s in spans] == [(first, first + 7), (second, second + 7)]
    assert [text[s.start : s.end] for s in spans] == ["لبوكمال", "لبوكمال"]
    assert text[spans[0].start - 1] == "ل" and text[spans[1].start - 2 : spans[1].start] == "ول"


def test_a_clitic_with_a_tatweel_before_a_quoted_name_of_two_tokens():
    lx = lexicon(("الحرس الثوري", "ORG"))
    text = 'قال مصدر لـ"الحرس الثوري" إن'
    assert found(text, lx) == [("الحرس الثوري", "ORG")]


def test_diacritics_tatweel_and_alef_hamza_forms_in_the_document_still_match():
    lx = lexicon(("البوكمال", "GPE"), ("إيران", "GPE"), ("الأنبار", "GPE"))
    text = "في البُوكَمَالِ و البوكـــمال وفي ايران وآيران والانبار."
    assert found(text, lx) == [
        ("البُوكَمَالِ", "GPE"),
        ("البوكـــمال", "GPE"),
        ("ايران", "GPE"),
        ("آيران", "GPE"),  # و + a madda alef
        ("الانبار", "GPE"),
    ]


def test_the_longest_entry_wins_and_matches_do_not_overlap():
    lx = lexicon(("الحرس", "PER"), ("الحرس الثوري", "ORG"), ("الثوري", "NORP"))
    text = "عناصر الحرس الثوري والحرس"
    assert found(text, lx) == [("الحرس الثوري", "ORG"), ("الحرس", "PER")]


def test_a_name_that_starts_with_a_clitic_letter_is_not_cut():
    lx = lexicon(("بغداد", "GPE"), ("غداد", "PER"))
    assert found("في بغداد وبغداد", lx) == [("بغداد", "GPE"), ("بغداد", "GPE")]


def test_a_longer_word_that_holds_the_name_is_not_suggested():
    lx = lexicon(("البوكمال", "GPE"))
    assert found("الطريق البوكمالي والبوكماليون", lx) == []


def test_one_letter_entries_never_fire():
    lx = lexicon(("و", "ORG"), ("5", "CARDINAL"))
    assert len(lx) == 0
    assert found("و 5 و", lx) == []


def test_the_most_frequent_label_wins_and_the_score_is_its_share():
    lx = lexicon(("البوكمال", "GPE"), ("البوكمال", "GPE"), ("البوكمال", "LOC"), ("البوكمال", "GPE"))
    [s] = match("بالبوكمال", lx)
    assert (s.label, s.score, s.source) == ("GPE", 0.75, STRINGS)
    assert "3 of 4" in s.why and "LOC" in s.why
    lx.remove("البوكمال", "GPE")
    lx.remove("البوكمال", "GPE")
    [s] = match("بالبوكمال", lx)
    assert s.score == 0.5  # a tie: GPE (first by name) with half the counts
    lx.remove("البوكمال", "LOC")
    lx.remove("البوكمال", "GPE")
    assert match("بالبوكمال", lx) == []


def test_a_guidelines_example_counts_once_and_names_its_source():
    lx = Lexicon()
    lx.add("دير الزور", "GPE", GUIDELINES)
    [s] = match("في دير الزور", lx)
    assert (s.label, s.source, s.score) == ("GPE", GUIDELINES, 1.0)
    lx.add("دير الزور", "LOC")
    [s] = match("في دير الزور", lx)
    assert s.score == 0.5 and s.source == STRINGS and s.label == "LOC"  # the tie goes to annotations
