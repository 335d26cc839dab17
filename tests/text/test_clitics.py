"""Peeling a clitic prefix off the front of a span (the `x` key), checked on seed words."""

from __future__ import annotations

from annotator.core.text.clitics import peel


def test_one_letter_proclitics_are_peeled():
    assert peel("والبوكمال", 0, 9) == 1
    assert peel("بالبوكمال", 0, 9) == 1
    assert peel("في والبوكمال", 3, 12) == 4  # offsets are into the whole text


def test_harakat_and_tatweel_go_with_the_clitic():
    assert peel('لـ"الحرس', 0, 8) == 2
    assert peel("وَالبوكمال", 0, 10) == 2


def test_nothing_to_peel():
    assert peel("البوكمال", 0, 8) is None  # alef is no clitic
    assert peel("و", 0, 1) is None  # nothing would be left
    assert peel("وـ", 0, 2) is None
