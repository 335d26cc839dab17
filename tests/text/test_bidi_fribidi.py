"""The reader's line order against GNU FriBidi, an independent UAX #9 implementation.

Random paragraphs mixing Arabic, Latin, both kinds of digits, marks, isolates, bidi
marks, tabs, brackets, emoji and ZWJ are laid out at several widths; every display line
is reordered by FriBidi (``fribidi_reorder_line`` on the paragraph's levels, which applies
L1 at the line's end) and must show the same clusters in the same order. FriBidi is
Debian's ``libfribidi0``, called through ctypes; the test skips without it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import re

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from annotator.core.text.bidi import REMOVED_BY_X9, paragraph_levels, resettable, visual_order
from annotator.core.text.layout import Layout
from tests.text.reader_order import project

_PATH = ctypes.util.find_library("fribidi")
if _PATH is None:
    pytest.skip("GNU FriBidi (libfribidi0) is not installed: .ci/run installs it", allow_module_level=True)
_LIB = ctypes.CDLL(_PATH)
_PAR_WRTL = 0x21  # FRIBIDI_PAR_WRTL: the first strong character, else right-to-left


def fribidi_lines(text: str, lines: list[tuple[int, int]]) -> tuple[int, list[list[int]], list[int]]:
    """(paragraph level, each line's logical indices in visual order, the paragraph's levels) by FriBidi."""
    n = len(text)
    chars = (ctypes.c_uint32 * n)(*map(ord, text))
    types = (ctypes.c_uint32 * n)()
    brackets = (ctypes.c_uint32 * n)()
    _LIB.fribidi_get_bidi_types(chars, n, types)
    _LIB.fribidi_get_bracket_types(chars, n, types, brackets)
    base = ctypes.c_uint32(_PAR_WRTL)  # no strong character: right-to-left, as the reader
    out = []
    for start, stop in lines:
        levels = (ctypes.c_int8 * n)()
        base = ctypes.c_uint32(_PAR_WRTL)
        assert _LIB.fribidi_get_par_embedding_levels_ex(types, brackets, n, ctypes.byref(base), levels)
        order = (ctypes.c_int * n)(*range(n))
        _LIB.fribidi_reorder_line(0, types, stop - start, start, base, levels, None, order)
        out.append(list(order[start:stop]))
    resolved = (ctypes.c_int8 * n)()
    base = ctypes.c_uint32(_PAR_WRTL)
    _LIB.fribidi_get_par_embedding_levels_ex(types, brackets, n, ctypes.byref(base), resolved)
    return base.value & 1, out, list(resolved)  # FriBidi's right-to-left directions are odd


def _icu_levels(text: str) -> list[int]:
    base, levels = paragraph_levels(text)
    return levels if levels is not None else [base] * len(text)


def _same_order(text: str, a: list[int], b: list[int]) -> bool:
    """Two engines' levels put the drawn characters of one unwrapped line in the same order."""
    keep = [i for i in range(len(text)) if not REMOVED_BY_X9.match(text, i)]
    base = _icu_base(text)
    return [keep[i] for i in visual_order([a[i] for i in keep], base)] == [
        keep[i] for i in visual_order([b[i] for i in keep], base)
    ]


def rust_levels(text: str) -> list[int]:
    """Levels by Rust's unicode-bidi, through python-bidi (test-only: it exposes levels only
    in its debug output, one per UTF-8 byte)."""
    bidi = pytest.importorskip("bidi", reason="python-bidi (the tie-break oracle) is in the test extra")
    debug = bidi.get_display(text, base_dir="R" if _icu_base(text) else "L", debug=True)
    per_byte = re.findall(r"Level\(\s*(\d+),", debug[debug.index("levels:") : debug.index("paragraphs:")])
    lead = [b & 0xC0 != 0x80 for b in text.encode("utf-8")]
    return [int(level) for level, first in zip(per_byte, lead) if first]


def _icu_base(text: str) -> int:
    return paragraph_levels(text)[0]


PIECES = [
    "عربي",
    "البوكمال",
    "لا",
    "بَ",
    "مّ",
    "ال",
    "abc",
    "Deir",
    "x",
    "123",
    "٤٥",
    "3.5",
    "١٢٣",
    " ",
    " ",
    " ",
    "\t",
    "(",
    ")",
    "[",
    "]",
    "«",
    "»",
    ".",
    ",",
    ":",
    "-",
    "+",
    "$",
    "%",
    "\u0301",
    "\u064e",
    "\u0651",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u200e",
    "\u200f",
    "\u061c",
    "\u200d",
    "\u200c",
    "😀",
    "\u2764\ufe0f",
    "👨\u200d👩\u200d👧",
    "\u00a0",
]


# Bidi marks and isolate controls are drawn nowhere: where they sit among the cells is not
# compared (FriBidi 1.0 keeps an isolate initiator that ends a line at its level, where
# UAX #9's rule L1 resets it); the levels they give the text around them are.
INVISIBLE = set("\u061c\u200e\u200f\u2066\u2067\u2068\u2069")


ISOLATE_CONTROLS = set("\u2066\u2067\u2068\u2069")


def _trailing(text: str, start: int, stop: int) -> str:
    """The characters rule L1 resets at the end of the line text[start:stop]."""
    i = stop
    while i > start and resettable(text[i - 1]):
        i -= 1
    return text[i:stop]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=30), st.sampled_from([7, 13, 40, 400]))
# A mark on a space hung past the line's edge: the spaces before it do not end the line (L1).
@example(["عربي", "لا", "abc", "Deir", " ", " ", "\u0301", "\u200e"], 13)
def test_every_line_in_fribidi_order(pieces, width):
    text = "".join(pieces)
    assume(len(re.findall("[\u2066-\u2068]", text)) <= 1)  # FriBidi 1.0 mis-ends an isolate followed by others
    layout = Layout.of_text(text, width, mode="app")
    spans = []
    for line in layout.lines:
        p = line.paragraph
        spans.append((p.clusters.bounds[line.first], p.clusters.bounds[line.end]))
    para, orders, levels = fribidi_lines(text, spans)
    if not _same_order(text, levels, _icu_levels(text)):
        # FriBidi 1.0 resolves some brackets with marks, and isolates, otherwise than ICU;
        # then a third implementation (Rust's unicode-bidi) must side with ICU.
        assert _same_order(text, rust_levels(text), _icu_levels(text)), f"ICU alone against two engines on {text!r}"
        return
    assert layout.lines[0].paragraph.base == para
    bounds = layout.lines[0].paragraph.clusters.bounds
    for line, order in zip(layout.lines, orders):
        visible = set(range(bounds[line.first], bounds[line.first + len(line.order)]))
        keep = {i for i in visible if not REMOVED_BY_X9.match(text, i) and text[i] not in INVISIBLE}
        expected = project(order, bounds, keep)
        if expected is None:  # FriBidi splits a cluster (a mark at another level): no cell reader can
            continue
        if ISOLATE_CONTROLS.intersection(_trailing(text, bounds[line.first], bounds[line.first + len(line.order)])):
            continue  # FriBidi 1.0's rule L1 stops at isolate controls that end a line; UAX #9 includes them
        got = [bounds[k] for k in line.order if keep.intersection(range(bounds[k], bounds[k + 1]))]
        assert got == expected, f"line {line.start}-{line.stop} of {text!r}"
