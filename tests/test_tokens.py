"""Tokenization: seed documents, constructed cases, and properties on random text."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from annotator.core.text.tokens import INVISIBLE_SEPARATORS, token_texts, tokenize

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
SEEDS = {path.stem: path.read_text(encoding="utf-8") for path in sorted(CORPUS.glob("*.txt"))}

RLM, LRM, ALM, ZWNJ, ZWJ, NBSP = "\u200f", "\u200e", "\u061c", "\u200c", "\u200d", "\u00a0"
ZWSP, BOM, WORD_JOINER, LINE_SEPARATOR = "\u200b", "\ufeff", "\u2060", "\u2028"
# Explicit bidi controls, spelled out (UAX #9, table 4): each a cluster of its own.
BIDI_CONTROLS = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
LAM, ALEFS = "\u0644", "\u0622\u0623\u0625\u0627"

# Random text mixing everything the tokenizer has a rule for.
ALPHABET = (
    "ابتثجحخدذرزسشصضطظعغفقكلمنهويءأإآٱىةؤئ"
    "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0670"  # harakat, shadda, sukun, U+0670
    "\u08f0\u0301"  # open fathatan, a Latin acute accent
    "\u0640"  # tatweel
    "abcXYZ"
    "0123456789٠١٢٣٤٥٦٧٨٩۰۵"
    "٫٬.,"
    "،؛؟!?:;()[]-/«»“”\"'″‘’"
    f"  \t\n{NBSP}{ZWNJ}{ZWJ}{RLM}{LRM}{ALM}{ZWSP}{BOM}{WORD_JOINER}{LINE_SEPARATOR}"
    "ﻻ👍\U0001f3fb\ufe0f"  # a ligature, an emoji, a skin tone, VS16
    "لللااا"  # lam-alef often
)
random_text = st.text(alphabet=ALPHABET, max_size=80)


def separator(char: str) -> bool:
    return char.isspace() or char in INVISIBLE_SEPARATORS


def drawn_on_cell_before(char: str) -> bool:
    """No cell of its own as Rich measures it, and not a bidi control: drawn on the cell of
    the character before it."""
    return ord(char) >= 0xA0 and cell_len(char) == 0 and char not in BIDI_CONTROLS


def ligature_end(text: str, j: int) -> int | None:
    """Where a lam-alef ligature whose lam is ``text[j - 1]`` ends its inside (the alef's
    offset), if one does: zero-width characters but ZWNJ between them."""
    if not j or text[j - 1] != LAM:
        return None
    k = j
    while k < len(text) and drawn_on_cell_before(text[k]) and text[k] != ZWNJ:
        k += 1
    return k if k > j and k < len(text) and text[k] in ALEFS else None


def reference_tokenize(text: str) -> list[tuple[int, int]]:
    """The token rules spelled out character by character (slow, obviously right)."""

    def in_word(char: str) -> bool:
        return unicodedata.category(char)[0] in "LN"

    def continues(char: str) -> bool:
        return drawn_on_cell_before(char) and not separator(char)

    spans = []
    i = 0
    while i < len(text):
        char = text[i]
        # White space, and zero-width characters drawn on a cell no token holds.
        if separator(char) or (continues(char) and i and drawn_on_cell_before(text[i - 1])):
            i += 1
            continue
        j = i + 1
        if in_word(char) or continues(char):
            while j < len(text):
                if (k := ligature_end(text, j)) is not None:
                    j = k
                elif in_word(text[j]) or continues(text[j]):
                    j += 1
                elif text[j] in "٫٬.," and text[j - 1].isdecimal() and j + 1 < len(text) and text[j + 1].isdecimal():
                    j += 2
                else:
                    break
        else:
            while j < len(text) and continues(text[j]):
                j += 1
        spans.append((i, j))
        i = j
    return spans


def check_tokens(text: str, spans: list[tuple[int, int]]) -> None:
    """Ordered, disjoint, in range, no white space (but inside a lam-alef), and every visible
    char in one token (but zero-width ones drawn on the cell of a zero-width separator)."""
    covered = [0] * len(text)
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        previous_end = end
        token = text[start:end]
        inside_ligatures = {k for j in range(start + 1, end) if (a := ligature_end(text, j)) for k in range(j, a)}
        assert not any(separator(text[i]) for i in range(start, end) if i not in inside_ligatures), token
        for i in range(start, end):
            covered[i] += 1
    for i, char in enumerate(text):
        if separator(char):
            continue
        on_uncovered_cell = (
            i and drawn_on_cell_before(char) and drawn_on_cell_before(text[i - 1]) and not covered[i - 1]
        )
        assert covered[i] == (0 if on_uncovered_cell else 1), (i, char)


def test_the_bidi_marks_are_separators() -> None:
    assert {RLM, LRM, ALM} <= INVISIBLE_SEPARATORS
    assert token_texts(f"كلمة{RLM}أخرى {ALM}ثالثة{LRM}") == ["كلمة", "أخرى", "ثالثة"]


@pytest.mark.parametrize("doc_id", SEEDS)
def test_seed_tokens_follow_the_rules(doc_id: str) -> None:
    text = SEEDS[doc_id]
    spans = tokenize(text)
    check_tokens(text, spans)
    assert spans == reference_tokenize(text)


def seed_tokens() -> set[str]:
    return {token for text in SEEDS.values() for token in token_texts(text)}


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("لـ”الحرس الثوري”", ["لـ", "”", "الحرس", "الثوري", "”"]),
        ("قتـ ـلى", ["قتـ", "ـلى"]),
        ("ديرالزور 24″،", ["ديرالزور", "24", "″", "،"]),
        ('لـ"العربي الجديد"', ["لـ", '"', "العربي", "الجديد", '"']),
        ("بـ(منظمة الأمن الخارجي)", ["بـ", "(", "منظمة", "الأمن", "الخارجي", ")"]),
        ("الجنود الأمريكيين.\\", ["الجنود", "الأمريكيين", ".", "\\"]),
        ("الخميس/الجمعة", ["الخميس", "/", "الجمعة"]),
        ("مقرات.. غارات", ["مقرات", ".", ".", "غارات"]),
    ],
)
def test_seed_fragments(fragment: str, expected: list[str]) -> None:
    assert any(fragment in text for text in SEEDS.values()), "fragment not in the seeds"
    assert token_texts(fragment) == expected


# The seeds hold no "بالبوكمال" (the reference's example) but "والبوكمال" and "بديرالزور".
@pytest.mark.parametrize("word", ["والبوكمال", "بديرالزور", "2020", "900", "قتيلاً", "وعلُّق", "و2500"])
def test_seed_words_are_whole_tokens(word: str) -> None:
    assert word in seed_tokens()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("قصف بالبوكمال.", ["قصف", "بالبوكمال", "."]),
        ("٣٫٥", ["٣٫٥"]),
        ("٢٬٠٠٠ دينار", ["٢٬٠٠٠", "دينار"]),
        ("۱۲۳۴٫۵", ["۱۲۳۴٫۵"]),
        ("1,000.", ["1,000", "."]),
        ("3.5, 7,", ["3.5", ",", "7", ","]),
        ("1..2 ٣٫", ["1", ".", ".", "2", "٣", "٫"]),
        ("(2020)", ["(", "2020", ")"]),
        ("«كلمة»", ["«", "كلمة", "»"]),
        ("؟!", ["؟", "!"]),
        ("‘قال’ ، ؛", ["‘", "قال", "’", "،", "؛"]),
        (f"می{ZWNJ}خواهم {ZWJ}x", [f"می{ZWNJ}خواهم", f"{ZWJ}x"]),
        (f"كلمة{RLM} {RLM}أخرى", ["كلمة", "أخرى"]),
        (f"John\tفرات{NBSP}24\n", ["John", "فرات", "24"]),
        ("20% x_y", ["20", "%", "x", "_", "y"]),
        ("\u0651 ً", ["\u0651", "ً"]),
        # Zero-width characters go with the character whose cell they are drawn on.
        ("(\u064eب)", ["(\u064e", "ب", ")"]),
        ("ب\u08f0ت", ["ب\u08f0ت"]),
        ("👍\U0001f3fb x", ["👍\U0001f3fb", "x"]),
        (f"a{WORD_JOINER}b", [f"a{WORD_JOINER}b"]),
        (f"كلمة{ZWSP}أخرى", ["كلمة", "أخرى"]),
        (f"ب{ZWSP}\u064e ت", ["ب", "ت"]),  # the fatha is drawn on the beh's cell, not in its token
        (f"ل{ZWSP}ا", [f"ل{ZWSP}ا"]),  # one lam-alef ligature, one cell, one token
        ("", []),
    ],
)
def test_constructed_cases(text: str, expected: list[str]) -> None:
    assert token_texts(text) == expected
    assert [text[s:e] for s, e in tokenize(text)] == expected


@settings(max_examples=200, deadline=None)
@given(random_text)
def test_random_text_tokens(text: str) -> None:
    spans = tokenize(text)
    check_tokens(text, spans)
    assert spans == reference_tokenize(text)


@settings(max_examples=300, deadline=None)
@given(random_text)
def test_fast_bounds_equal_the_matches_of_the_token_pattern(text):
    from annotator.core.text.tokens import _TOKEN, token_bounds

    starts, ends = token_bounds(text)
    assert list(zip(starts, ends)) == [m.span() for m in _TOKEN.finditer(text)]
