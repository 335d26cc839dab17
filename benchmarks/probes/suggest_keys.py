"""Keypress to frame in the annotation screen while the session's lexicon is being built.

    python benchmarks/probes/suggest_keys.py WORKSPACE ANNOTATOR DOC_ID

Opens DOC_ID as ANNOTATOR (which starts the lexicon's build: the row drops
.cache/suggestions/ first, so that it takes seconds at 100,000 documents), then presses
cursor keys, timing each to its frame, until the lexicon is built (at most 1,000 keys). Prints
{"value": median ms of the keys pressed during the build, "max_ms", "p90_ms", "keys": how
many, "build_s": from the document's opening to the lexicon built}.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

from common import FrameClock, emit


async def main(workspace: Path, annotator: str, doc_id: str) -> None:
    from annotator.core.workspace import Workspace
    from annotator.tui.app import make_app

    app = make_app(Workspace.open(workspace), annotator=annotator)
    async with app.run_test(size=(120, 34)) as pilot:
        t0 = time.perf_counter()
        app.open_document(doc_id)
        await pilot.pause()
        clock = FrameClock(app)
        samples: list[float] = []
        while annotator not in app._lexicons and len(samples) < 1000:
            samples.append(await clock.key_to_frame("left" if (len(samples) // 10) % 2 == 0 else "right"))
        while annotator not in app._lexicons:
            await asyncio.sleep(0.05)
        build = time.perf_counter() - t0
        if not samples:
            raise SystemExit("the lexicon was built before a key could be pressed: nothing measured")
        ordered = sorted(samples)
        emit(
            round(statistics.median(samples), 1),
            max_ms=round(ordered[-1], 1),
            p90_ms=round(ordered[int(0.9 * (len(ordered) - 1))], 1),
            keys=len(samples),
            build_s=round(build, 2),
        )


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), sys.argv[2], sys.argv[3]))
