"""String-matching suggestions for a seed article against a big workspace's lexicon.

    python benchmarks/probes/suggest.py WORKSPACE ANNOTATOR

Builds the annotator's lexicon (warm when the row's prepare built it once: every file
stat'ed, the kept totals read, no file), then times ``match`` on each seed article 20
times. Prints {"value": median ms over the seed articles' medians (the slowest article's
median as "max_ms"), "build_s": the lexicon build, "entries": its size}.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from common import REPO, emit


def main(workspace: Path, annotator: str) -> None:
    from annotator.core.suggestions.lexicon import Lexicon
    from annotator.core.suggestions.matching import match
    from annotator.core.workspace import Workspace

    t0 = time.perf_counter()
    lexicon = Lexicon.for_annotator(Workspace.open(workspace), annotator)
    build = time.perf_counter() - t0
    medians = []
    for path in sorted((REPO / "corpus").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        times = []
        for _ in range(20):
            t = time.perf_counter()
            match(text, lexicon)
            times.append((time.perf_counter() - t) * 1000)
        medians.append(statistics.median(times))
    emit(
        round(statistics.median(medians), 2),
        max_ms=round(max(medians), 2),
        build_s=round(build, 2),
        entries=len(lexicon),
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
