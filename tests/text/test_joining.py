"""Arabic joining against Unicode's ArabicShaping.txt (Debian's unicode-data package).

The file gives every character's joining type; characters it does not list that are of
general category Mn, Me or Cf are transparent (T): letters on both sides of them keep
joining. Dual-joining (D) letters take initial, medial and final forms between dual-
joining neighbours; non-joining (U) characters stop joining. The reader's shaped glyphs
must follow that, one glyph per character so every cell keeps its offsets.
"""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

import pytest

from annotator.core.text.shaping import cluster

PATH = Path("/usr/share/unicode/ArabicShaping.txt")
BEH, TEH = "\u0628", "\u062a"
BEH_INITIAL, TEH_FINAL, BEH_ISOLATED, TEH_ISOLATED = "\ufe91", "\ufe96", "\ufe8f", "\ufe95"


@pytest.fixture(scope="module")
def joining_types() -> dict[str, str]:
    if not PATH.exists():
        pytest.skip(f"{PATH} is missing: install Debian's unicode-data package (.ci/run does)")
    types = {}
    for line in PATH.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            code, _name, kind, _group = (f.strip() for f in line.split(";"))
            types[chr(int(code, 16))] = kind
    return types


def _transparent(types: dict[str, str]) -> list[str]:
    """Every transparent character: listed as T, or an unlisted Mn, Me or Cf."""
    out = [c for c, kind in types.items() if kind == "T"]
    for code in range(0x80, sys.maxunicode + 1):
        char = chr(code)
        if char not in types and unicodedata.category(char) in ("Mn", "Me", "Cf"):
            out.append(char)
    return out


def _shaped(text: str) -> str:
    """The letters of ``text`` as drawn: the first character of each cluster's glyph."""
    c = cluster(text, shape=True)
    return "".join(g[:1] for g in c.glyphs if g)


def test_letters_keep_joining_across_every_transparent_character(joining_types):
    transparent = [t for t in _transparent(joining_types) if t not in "\u200c\u200d"]
    wrong = [
        f"U+{ord(t):04X}"
        for t in transparent
        if _shaped(BEH + t + TEH)[:: len(_shaped(BEH + t + TEH)) - 1] != BEH_INITIAL + TEH_FINAL
    ]
    print(f"\n{len(transparent)} transparent characters checked between beh and teh")
    assert len(transparent) > 1000
    assert not wrong, f"joining stops at {len(wrong)} transparent characters: {wrong[:10]}"


def test_non_joining_characters_stop_joining(joining_types):
    non_joining = [c for c, kind in joining_types.items() if kind == "U" and unicodedata.category(c) != "Cf"]
    wrong = [
        f"U+{ord(u):04X}"
        for u in non_joining
        if (s := _shaped(BEH + u + TEH))[0] != BEH_ISOLATED or s[-1] != TEH_ISOLATED
    ]
    assert non_joining and not wrong, f"joining crosses {wrong[:10]}"


def test_dual_joining_letters_take_their_four_forms(joining_types):
    """Each dual-joining letter the shaper knows: isolated, then initial, medial, final
    between beh letters (each form read from the letter's presentation-form decomposition)."""
    forms: dict[str, dict[str, str]] = {}
    for code in list(range(0xFB50, 0xFE00)) + list(range(0xFE70, 0xFF00)):
        decomposition = unicodedata.decomposition(chr(code)).split()
        if len(decomposition) == 2 and decomposition[0] in ("<isolated>", "<initial>", "<medial>", "<final>"):
            forms.setdefault(chr(int(decomposition[1], 16)), {})[decomposition[0][1:-1]] = chr(code)
    checked = 0
    for letter, kind in joining_types.items():
        letter_forms = forms.get(letter, {})
        if kind != "D" or len(letter_forms) != 4:
            continue
        checked += 1
        assert _shaped(letter) == letter_forms["isolated"], f"U+{ord(letter):04X} alone"
        assert _shaped(letter + BEH)[0] == letter_forms["initial"], f"U+{ord(letter):04X} first"
        assert _shaped(BEH + letter + BEH)[1] == letter_forms["medial"], f"U+{ord(letter):04X} inside"
        assert _shaped(BEH + letter)[1] == letter_forms["final"], f"U+{ord(letter):04X} last"
    assert checked > 30


def test_zwj_keeps_cells_and_joins():
    """ZWJ makes a letter join towards it; the reader keeps one cell per letter."""
    c = cluster(BEH + "\u200d", shape=True)
    assert list(c.glyphs) == [BEH_INITIAL] and list(c.bounds) == [0, 2]
    c = cluster(BEH + "\u200d" + TEH + "\u064e", shape=True)
    assert [g[0] for g in c.glyphs] == [BEH_INITIAL, TEH_FINAL] and list(c.bounds) == [0, 2, 4]
