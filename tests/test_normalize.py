"""Search normalization: the offset map, find_all on the seeds, and random-text properties."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyarabic import araby

from annotator.core.text.normalize import Normalized, find_all, normalize
from annotator.core.text.tokens import tokenize

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
SEEDS = {path.stem: path.read_text(encoding="utf-8") for path in sorted(CORPUS.glob("*.txt"))}
RLM, ZWNJ = "\u200f", "\u200c"
ALPHABET = (
    "ابتثجسكلمنهويءأإآٱىةؤئ"
    "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0670\u0640"
    "abcXYZß0123456789٠١٢٣٤٥٦٧٨٩٫٬.,"
    "،؛؟!?:()«»“”\"'"
    f"  \n\u00a0{ZWNJ}\u200d{RLM}\u200e\u061c"
    "ﻻﻷ\ufe70"
)
random_text = st.text(alphabet=ALPHABET, max_size=80)


def check_origin(text: str, normalized: Normalized) -> None:
    origin = normalized.origin
    assert len(origin) == len(normalized.text) + 1
    assert origin[-1] == len(text)
    assert all(0 <= a <= b for a, b in zip(origin, origin[1:]))
    assert all(a < len(text) for a in origin[:-1])


def hit_texts(text: str, query: str) -> list[str]:
    return [text[s:e] for s, e in find_all(text, query)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("قتيلاً وعلُّق", "قتيلا وعلق"),
        ("إسلام آية ٱلحمد أحمد على", "اسلام ايه الحمد احمد علي"),
        ("الأئمة مسؤول شيء", "الائمه مسؤول شيء"),  # hamza on waw/yeh and bare hamza kept
        ("لـ”الحرس قتـ ـلى", "ل”الحرس قت لي"),
        ("ﻻ ﻷ ﷲ", "لا لا الله"),
        ("ﷺ.", "صلي الله عليه وسلم."),
        ("John DOE Straße", "john doe strasse"),
        (f"بي{ZWNJ}ت{RLM} \u200dx\u061c\u200e", "بيت x"),
        ("a\u00a0b\tc\n", "a b\tc\n"),
        ("\ufe70ب\ufe71", "ب"),  # isolated harakat forms leave no space behind
        ("٣٫٥ ١٬٠٠٠", "٣٫٥ ١٬٠٠٠"),
    ],
)
def test_normalized_text(text: str, expected: str) -> None:
    normalized = normalize(text)
    assert normalized.text == expected
    check_origin(text, normalized)


def test_every_pyarabic_tashkeel_mark_and_superscript_alef_is_removed() -> None:
    marks = "".join(araby.TASHKEEL) + "\u0670" + araby.TATWEEL
    assert normalize(f"ب{marks}ت").text == "بت"


def test_every_arabic_mark_of_the_character_table_is_removed() -> None:
    """The marks pyarabic does not list too: open tanween (U+08F0-U+08F2) and the other
    extended Arabic marks, so that a search finds a word however it is vocalised."""
    from annotator.core.text.characters import ARABIC_MARKS

    assert normalize("كتاب\u08f0").text == "كتاب"
    assert find_all("وجدوا كتابࣰ في البيت", "كتاب") == [(6, 11)]
    assert normalize("ب" + "".join(sorted(ARABIC_MARKS)) + "ت").text == "بت"


def test_teh_marbuta_is_optional() -> None:
    assert normalize("مدرسة").text == "مدرسه"
    assert normalize("مدرسة", teh_marbuta=False).text == "مدرسة"
    assert find_all("في المدرسه", "المدرسة") == [(3, 10)]
    assert find_all(normalize("في المدرسه", teh_marbuta=False), "المدرسة") == []


def test_origin_of_expanded_and_removed_characters() -> None:
    normalized = normalize("xﻻً y")
    assert normalized.text == "xلا y"
    assert normalized.origin == [0, 1, 1, 3, 4, 5]


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (0, 5, (0, 6)),  # trailing tanween after the last letter is included
        (0, 4, (0, 4)),
        (1, 3, (1, 3)),
        (6, 10, (8, 14)),  # shadda and damma inside stay inside, the RLM after does not
        (5, 6, (6, 7)),  # the RLM after the space is not
        (6, 6, (8, 8)),
    ],
)
def test_to_original(start: int, end: int, expected: tuple[int, int]) -> None:
    normalized = normalize(f"قتيلاً {RLM}وعلُّق{RLM} ")
    assert normalized.text == "قتيلا وعلق "
    assert normalized.to_original(start, end) == expected


def test_a_span_inside_a_ligature_covers_the_ligature() -> None:
    text = "ﻻ شيء"
    normalized = normalize(text)
    assert normalized.to_original(1, 2) == (0, 1)
    assert hit_texts(text, "ا") == ["ﻻ"]


def test_seed_search_for_albukamal() -> None:
    text = SEEDS["000_cc412d3027dac405"]
    hits = find_all(text, "البوكمال")
    assert len(hits) == text.count("البوكمال") == 7
    assert all(text[s:e] == "البوكمال" for s, e in hits)
    # Substring search: the word with a proclitic is found too.
    text = SEEDS["001_e759c1a521474da3"]
    hits = find_all(text, "البوكمال")
    assert len(hits) == text.count("البوكمال") == 7
    assert any(text[s - 1] == "و" for s, _ in hits)


@pytest.mark.parametrize(
    ("doc_id", "query", "expected"),
    [
        ("001_e759c1a521474da3", "قتيلا", ["قتيلاً"]),
        ("000_cc412d3027dac405", "الاناضول", ["الأناضول"]),
        ("000_cc412d3027dac405", "وعلق", ["وعلُّق"]),
        ("003_33e370e3201f700f", "قت لى", ["قتـ ـلى"]),
        ("003_33e370e3201f700f", "مقرات .. غارات", []),
        ("000_cc412d3027dac405", "الاربعاء", ["الأربعاء"]),
        ("000_cc412d3027dac405", "اضافه", ["إضافةً"]),
        ("000_cc412d3027dac405", "امريكيه", ["أمريكية"] * 3),
        ("000_cc412d3027dac405", "حزب الله", ["حزب الله"]),
    ],
)
def test_seed_search(doc_id: str, query: str, expected: list[str]) -> None:
    assert hit_texts(SEEDS[doc_id], query) == expected


@pytest.mark.parametrize("doc_id", SEEDS)
def test_seed_hits_map_back(doc_id: str) -> None:
    text = SEEDS[doc_id]
    normalized = normalize(text)
    check_origin(text, normalized)
    for query in ("البوكمال", "ميليشيات", "الإيرانية", "دير الزور", "قتيلا", "أميركية", "ة"):
        needle = normalize(query).text
        for start, end in find_all(normalized, query):
            assert normalize(text[start:end]).text == needle


def test_presentation_forms_are_found() -> None:
    text = "ﻻ شيء، ولا ﻷحد"
    assert hit_texts(text, "لا") == ["ﻻ", "لا", "ﻷ"]


@pytest.mark.parametrize("query", ["", "ًّ", "ـ", RLM])
def test_a_query_that_normalizes_to_nothing_matches_nothing(query: str) -> None:
    assert find_all("نص ًّ ـ", query) == []


def test_matches_do_not_overlap() -> None:
    assert find_all("ببببب", "بب") == [(0, 2), (2, 4)]


@settings(max_examples=200, deadline=None)
@given(random_text)
def test_random_text_origin_map(text: str) -> None:
    normalized = normalize(text)
    check_origin(text, normalized)
    pieces = [normalize(char).text for char in text]
    assert normalized.text == "".join(pieces)
    assert normalized.origin[:-1] == [i for i, piece in enumerate(pieces) for _ in piece]


@settings(max_examples=200, deadline=None)
@given(random_text, st.data())
def test_random_token_is_found(text: str, data: st.DataObject) -> None:
    spans = tokenize(text)
    if not spans:
        return
    start, end = data.draw(st.sampled_from(spans))
    needle = normalize(text[start:end]).text
    hits = find_all(text, text[start:end])
    if not needle:
        assert hits == []
        return
    for hit_start, hit_end in hits:
        assert needle in normalize(text[hit_start:hit_end]).text
    # The token's first character that survives normalization starts a match, or lies
    # inside an earlier match (non-overlapping search; an RLM between two words joins
    # them in the normalized text).
    core = next(i for i in range(start, end) if normalize(text[i]).text)
    containing = [(s, e) for s, e in hits if s <= core < e]
    assert containing
    if containing[0][0] == core:
        assert containing[0][1] >= end
