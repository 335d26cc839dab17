"""The reader against Unicode's own BiDi conformance files (UAX #9, rules up to L2).

BidiCharacterTest.txt lists real character sequences with a paragraph direction, the
resolved paragraph level and the visual order; BidiTest.txt lists sequences of BiDi
classes, here drawn with one representative character per class. Both come with Debian's
``unicode-data`` package. Every line the reader can express (one paragraph: no paragraph
separator inside, and no cluster split between levels) must come out in the expected
order; the figures are printed (``pytest -s``) and the test fails on any mismatch.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.core.text.bidi import LTR, RTL, base_level, paragraph_levels
from tests.text.reader_order import project, reader_order

UNICODE = Path("/usr/share/unicode")
PARAGRAPH_SEPARATORS = set("\n\r\x1c\x1d\x1e\x85\u2029")


def _need(name: str) -> Path:
    path = UNICODE / name
    if not path.exists():
        pytest.skip(f"{path} is missing: install Debian's unicode-data package (.ci/run does)")
    return path


def _check(text: str, direction: int | None, para: int, levels: list[str], order: list[int]) -> str:
    """'ok', 'mismatch', 'inexpressible' or 'icu' (ICU's own levels differ from the file's)
    for one test case. ``direction`` None is auto: a paragraph with no strong character is
    left-to-right in UAX #9 and right-to-left in this Arabic reader, so those are checked
    with their direction given."""
    if PARAGRAPH_SEPARATORS.intersection(text):
        return "inexpressible"
    if direction is None and base_level(text, LTR) != base_level(text, RTL):
        direction = para
    keep = {i for i, level in enumerate(levels) if level != "x"}
    bounds, got, base = reader_order(text, direction, keep)
    expected = project(order, bounds, keep)
    if expected is None:
        return "inexpressible"
    if got == expected and base == para:
        return "ok"
    return "icu" if _icu_deviates(text, direction, levels) else "mismatch"


def _icu_deviates(text: str, direction: int | None, levels: list[str]) -> bool:
    """True when ICU itself resolves a level the file does not expect (known ICU deviations:
    brackets under directional overrides, bracket pairs nested deeper than 63)."""
    _, resolved = paragraph_levels(text, direction)
    if resolved is None:
        return False
    return any(e != "x" and int(e) != r for e, r in zip(levels, resolved))


def test_bidi_character_test_every_expressible_line():
    figures = {"ok": 0, "mismatch": 0, "inexpressible": 0, "icu": 0}
    mismatches = []
    for number, line in enumerate(_need("BidiCharacterTest.txt").read_text(encoding="utf-8").splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        codes, direction, para, levels, order = line.split(";")
        text = "".join(chr(int(c, 16)) for c in codes.split())
        result = _check(
            text,
            None if direction == "2" else int(direction),
            int(para),
            levels.split(),
            [int(i) for i in order.split()],
        )
        figures[result] += 1
        if result == "mismatch":
            mismatches.append(f"line {number}: {codes}")
    print(f"\nBidiCharacterTest.txt: {figures}")
    assert figures["ok"] > 90_000
    assert figures["icu"] <= 30  # ICU 77's known deviations (override and deep-bracket lines)
    assert not mismatches, f"{len(mismatches)} lines differ, first: {mismatches[:5]}"


# One character per BiDi class for BidiTest.txt.
REPRESENTATIVE = {
    "L": "a",
    "R": "\u05d0",
    "AL": "\u0627",
    "EN": "1",
    "ES": "+",
    "ET": "$",
    "AN": "\u0661",
    "CS": ",",
    "NSM": "\u0300",
    "BN": "\u00ad",
    "B": "\u2029",
    "S": "\t",
    "WS": " ",
    "ON": "!",
    "LRE": "\u202a",
    "LRO": "\u202d",
    "RLE": "\u202b",
    "RLO": "\u202e",
    "PDF": "\u202c",
    "LRI": "\u2066",
    "RLI": "\u2067",
    "FSI": "\u2068",
    "PDI": "\u2069",
}


PARTS = 4  # BidiTest.txt is checked in four interleaved parts, so test workers share it


@pytest.mark.parametrize("part", range(PARTS))
def test_bidi_test_every_expressible_case(part):
    figures = {"ok": 0, "mismatch": 0, "inexpressible": 0, "icu": 0}
    mismatches = []
    levels: list[str] = []
    for number, line in enumerate(_need("BidiTest.txt").read_text(encoding="utf-8").splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        if line.startswith("@Levels:"):
            levels = line.split(":", 1)[1].split()
            continue
        if line.startswith("@Reorder:"):
            order = [int(i) for i in line.split(":", 1)[1].split()]
            continue
        if line.startswith("@"):
            continue
        if number % PARTS != part:
            continue
        classes, bitset = line.split(";")
        text = "".join(REPRESENTATIVE[c] for c in classes.split())
        for bit, direction in ((1, None), (2, 0), (4, 1)):
            if not int(bitset) & bit:
                continue
            kept = [level for level in levels if level != "x"]
            para = direction if direction is not None else _auto_level(classes.split())
            if direction is None and para is None:  # no strong character: the reader's default is RTL
                para, direction = 0, 0
            result = _check(text, direction, para, levels, order) if kept or not text else "ok"
            figures[result] += 1
            if result == "mismatch":
                mismatches.append(f"line {number}: {classes} ({'auto' if bit == 1 else direction})")
    print(f"\nBidiTest.txt, part {part + 1} of {PARTS}: {figures}")
    assert figures["ok"] > 700_000 // PARTS
    assert figures["icu"] <= 1000 // PARTS
    assert not mismatches, f"{len(mismatches)} cases differ, first: {mismatches[:5]}"


def _auto_level(classes: list[str]) -> int | None:
    """Rules P2, P3: the first strong class outside isolates, None if there is none."""
    depth = 0
    for c in classes:
        if c in ("LRI", "RLI", "FSI"):
            depth += 1
        elif c == "PDI" and depth:
            depth -= 1
        elif depth == 0 and c in ("L", "R", "AL"):
            return 0 if c == "L" else 1
        elif c == "B":
            break
    return None
