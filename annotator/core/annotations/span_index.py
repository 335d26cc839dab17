"""Spans found by the range they touch, without looking at all of them.

A document may hold a million annotations (the reliability suite's hostile file): the reader
paints a row, and the annotation screen names what is under the cursor, from the few spans
there. Short spans are found by their start (bisect, reaching back by the longest of them);
long ones (over ``LONG_SPAN`` characters, rare) are looked at every time.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from typing import Protocol

LONG_SPAN = 4_096


class _Span(Protocol):
    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


class SpanIndex:
    """An index over ``spans`` (anything with ``start`` and ``end``), built once in O(n log n)."""

    def __init__(self, spans: Sequence[_Span]) -> None:
        self.spans = spans
        short: list[int] = []
        self.long: list[int] = []
        reach = 0
        for i, span in enumerate(spans):
            length = span.end - span.start
            if length > LONG_SPAN:
                self.long.append(i)
            else:
                short.append(i)
                reach = max(reach, length)
        short.sort(key=lambda i: spans[i].start)
        self.order = short
        self.starts = [spans[i].start for i in short]
        self.reach = reach  # a short span starting earlier than this before a range ends before it

    def touching(self, start: int, stop: int) -> list[int]:
        """Indexes (into ``spans``) of the spans meeting ``[start, stop)``, highest first."""
        spans = self.spans
        lo = bisect_left(self.starts, start - self.reach)
        hi = bisect_left(self.starts, stop)
        found = [i for i in self.order[lo:hi] if spans[i].end > start]
        found += [i for i in self.long if spans[i].start < stop and spans[i].end > start]
        found.sort(reverse=True)
        return found
