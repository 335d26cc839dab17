"""SpanIndex finds the spans touching a range as a look at every span does."""

from __future__ import annotations

import random
from dataclasses import dataclass

from annotator.core.annotations.span_index import LONG_SPAN, SpanIndex


@dataclass(frozen=True)
class S:
    start: int
    end: int


def test_touching_is_every_span_meeting_the_range_highest_index_first() -> None:
    rng = random.Random(7)
    spans = [
        S(s, s + rng.choice((1, 2, 5, 40, LONG_SPAN + 10))) for s in (rng.randrange(0, 20_000) for _ in range(3000))
    ]
    index = SpanIndex(spans)
    for _ in range(300):
        start = rng.randrange(0, 21_000)
        stop = start + rng.randrange(1, 200)
        expected = [i for i in range(len(spans) - 1, -1, -1) if spans[i].start < stop and spans[i].end > start]
        assert index.touching(start, stop) == expected
    assert SpanIndex([]).touching(0, 10) == []
