"""Layout speed (clusters, shaping, BiDi, wrap, map) of the seed corpus repeated 40 times.

    python benchmarks/probes/layout.py

Prints {"value": chars/s of a first layout at width 80 (median of 5 in this process, each
with the shaper's cache of words emptied first, so each is a first time),
"rewrap": chars/s of a re-wrap at width 79, "chars": ...}.
"""

from __future__ import annotations

import statistics
import time

from common import emit
from corpora import corpus_text


def main() -> None:
    from annotator.core.text import shaping
    from annotator.core.text.layout import Layout, paragraphs_of

    text = "\n".join([corpus_text()] * 40)
    cold, rewrap = [], []
    for _ in range(5):
        shaping._shape_word.cache_clear()  # the words shaped by the previous run
        t0 = time.perf_counter()
        paragraphs = paragraphs_of(text)
        Layout(paragraphs, 80)
        t1 = time.perf_counter()
        Layout(paragraphs, 79)
        t2 = time.perf_counter()
        cold.append(len(text) / (t1 - t0))
        rewrap.append(len(text) / (t2 - t1))
    emit(statistics.median(cold), rewrap=round(statistics.median(rewrap)), chars=len(text))


if __name__ == "__main__":
    main()
