"""Token splitting, span-to-tag conversion and back, nesting, sentences (annotator.core.export.tagging)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.annotations.model import DocumentAnnotations, Entity
from annotator.core.corpus import sha256_text
from annotator.core.export.tagging import (
    clitic_split,
    decode,
    label_list,
    levels,
    outermost,
    sentence_ranges,
    tag_document,
    tags,
)
from annotator.core.text.tokens import INVISIBLE_SEPARATORS, tokenize

BLANKS = set(INVISIBLE_SEPARATORS)
# Arabic letters and marks, clitic-looking words, digits, punctuation, white space and invisible marks.
ALPHABET = st.sampled_from(list('بالبوكمالوللتحالف لـ“”"«».،؟!٣3,٫-\n\u00a0\u200f\u200c\u064b\u0651ـxY_'))


def doc_with(text: str, spans: list[tuple[int, int, str]]) -> DocumentAnnotations:
    entities = tuple(Entity(f"T{i}", s, e, label) for i, (s, e, label) in enumerate(spans, 1))
    return DocumentAnnotations("d", sha256_text(text), "2.0.0", "x", "done", entities)


def test_clitic_split_cuts_a_proclitic_off_its_entity():
    text = "قصف بالبوكمال أمس"
    start = text.index("البوكمال")
    tagged = tag_document(text, doc_with(text, [(start, start + 8, "GPE")]), tokens="clitic")
    assert list(zip(tagged.words, tagged.columns[0])) == [("قصف", "O"), ("ب", "O"), ("البوكمال", "B-GPE"), ("أمس", "O")]
    word = tag_document(text, doc_with(text, [(start, start + 8, "GPE")]), tokens="word")
    assert list(zip(word.words, word.columns[0]))[1] == ("بالبوكمال", "B-GPE")


@settings(max_examples=300, deadline=None)
@given(st.text(ALPHABET, max_size=60), st.lists(st.integers(-2, 62), max_size=8))
def test_splitting_never_loses_or_reorders_characters(text, cuts):
    tokens = clitic_split(tokenize(text), cuts)
    assert "".join(text[s:e] for s, e in tokens) == "".join(c for c in text if not c.isspace() and c not in BLANKS)
    assert all(s < e for s, e in tokens)
    assert all(a[1] <= b[0] for a, b in zip(tokens, tokens[1:]))
    inside = {c for c in cuts if any(s < c < e for s, e in tokenize(text))}
    starts = {s for s, _ in tokens}
    assert inside <= starts


@settings(max_examples=200, deadline=None)
@given(st.text(ALPHABET, min_size=1, max_size=60), st.data())
def test_exported_documents_keep_every_character(text, data):
    n = len(text)
    spans = []
    for _ in range(data.draw(st.integers(0, 4))):
        s = data.draw(st.integers(0, n - 1))
        e = data.draw(st.integers(s + 1, n))
        spans.append((s, e, data.draw(st.sampled_from(["GPE", "LOC"]))))
    for mode in ("word", "clitic"):
        tagged = tag_document(text, doc_with(text, spans), tokens=mode, nested="columns")
        assert "".join(tagged.words) == "".join(c for c in text if not c.isspace() and c not in BLANKS)
        covered = [k for a, b in tagged.sentences for k in range(a, b)]
        assert covered == list(range(len(tagged.words)))
        assert all(len(column) == len(tagged.words) for column in tagged.columns)


@st.composite
def separate_spans(draw):
    n = draw(st.integers(1, 30))
    cuts = sorted(draw(st.sets(st.integers(0, n), max_size=10)))
    spans = [
        (a, b, draw(st.sampled_from(["PER", "GPE", "ORG"]))) for a, b in zip(cuts, cuts[1:]) if draw(st.booleans())
    ]
    return n, spans


@settings(max_examples=300, deadline=None)
@given(separate_spans(), st.sampled_from(["iob2", "bioes", "bilou"]))
def test_tags_decode_back_to_their_spans(case, scheme):
    n, spans = case
    assert decode(tags(n, spans, scheme)) == spans


def test_decode_reads_iob1_iob2_bioes_and_bilou():
    assert decode(["I-PER", "I-PER", "B-PER", "O", "I-LOC"]) == [(0, 2, "PER"), (2, 3, "PER"), (4, 5, "LOC")]
    assert decode(["B-PER", "I-PER", "I-GPE", "O"]) == [(0, 2, "PER"), (2, 3, "GPE")]
    assert decode(["S-PER", "B-GPE", "I-GPE", "E-GPE", "S-GPE"]) == [(0, 1, "PER"), (1, 4, "GPE"), (4, 5, "GPE")]
    assert decode(["U-PER", "B-GPE", "I-GPE", "L-GPE", "U-GPE"]) == [(0, 1, "PER"), (1, 4, "GPE"), (4, 5, "GPE")]
    assert tags(5, [(0, 1, "PER"), (1, 4, "GPE"), (4, 5, "GPE")], "bilou") == [
        "U-PER",
        "B-GPE",
        "I-GPE",
        "L-GPE",
        "U-GPE",
    ]


def test_outermost_keeps_the_longest_then_earliest_then_label():
    kept, dropped = outermost([(2, 4, "GPE"), (0, 5, "LOC"), (5, 7, "PER"), (6, 8, "ORG"), (9, 10, "B"), (9, 10, "A")])
    assert kept == [(0, 5, "LOC"), (5, 7, "PER"), (9, 10, "A")]
    assert sorted(dropped) == [(2, 4, "GPE"), (6, 8, "ORG"), (9, 10, "B")]


def test_levels_put_outer_spans_first():
    rows, repeats = levels([(2, 4, "GPE"), (0, 5, "LOC"), (3, 4, "PER"), (6, 7, "GPE"), (6, 7, "GPE")])
    assert rows == [[(0, 5, "LOC"), (6, 7, "GPE")], [(2, 4, "GPE")], [(3, 4, "PER")]]
    assert repeats == [(6, 7, "GPE")]


def test_sentences_are_merged_where_an_entity_crosses_a_break():
    text = "زار د. محمد دمشق. ثم عاد."
    start = text.index("د.")
    tagged = tag_document(text, doc_with(text, [(start, text.index(" دمشق"), "PER")]))
    assert [tagged.words[a:b] for a, b in tagged.sentences] == [
        ["زار", "د", ".", "محمد", "دمشق", "."],
        ["ثم", "عاد", "."],
    ]
    assert tagged.merged_sentences == 1
    assert sentence_ranges([0, 5, 9], [(0, 4), (5, 8), (9, 12)], []) == ([(0, 1), (1, 2), (2, 3)], 0)


def test_label_list_is_stable():
    assert label_list(["PER", "GPE", "PER"]) == ["O", "B-GPE", "I-GPE", "B-PER", "I-PER"]
    assert label_list(["PER"], "bioes") == ["O", "B-PER", "I-PER", "E-PER", "S-PER"]
    assert label_list(["PER"], "bilou") == ["O", "B-PER", "I-PER", "L-PER", "U-PER"]


def test_spans_inside_words_are_widened_dropped_or_named_and_always_counted():
    text = "قصف والبوكمال و دير الزور"
    inner = text.index("البوكمال")
    spans = [(inner, inner + 8, "GPE"), (text.index("دير"), len(text), "LOC"), (3, 4, "PER")]  # the last: a space
    widened = tag_document(text, doc_with(text, spans))
    assert list(zip(widened.words, widened.columns[0]))[1] == ("والبوكمال", "B-GPE")
    assert (widened.widened, widened.dropped_misaligned, widened.unaligned) == (1, 0, 1)
    assert widened.first_misaligned is not None
    assert widened.first_misaligned.describe() == "d T1 GPE [5, 13) 'البوكمال' is part of the token(s) 'والبوكمال'"
    dropped = tag_document(text, doc_with(text, spans), misaligned="drop")
    assert dropped.columns[0] == ["O", "O", "O", "B-LOC", "I-LOC"]
    assert (dropped.widened, dropped.dropped_misaligned, dropped.labels) == (0, 1, {"LOC": 1})
    clitic = tag_document(text, doc_with(text, spans), tokens="clitic", misaligned="error")
    assert (clitic.widened, clitic.dropped_misaligned, clitic.first_misaligned) == (0, 0, None)
    assert clitic.words[1:3] == ["و", "البوكمال"]
