"""Open one document in the app: milliseconds from the call to the first frame that shows
the reader, and the memory the open took as a multiple of the text file's size.

    python benchmarks/probes/open_document.py WORKSPACE DOC_ID

Prints {"value": ms, "memory_x": (VmRSS after - before) / text bytes,
"peak_x": (VmHWM after - VmRSS before) / text bytes, "text_bytes": ...}; "after" is once
the reader has laid the whole text out (or 60 s passed).
"""

from __future__ import annotations

import asyncio
import gc
import sys
import time
from pathlib import Path

from common import FrameClock, emit, memory_kib


async def main(workspace: Path, doc_id: str) -> None:
    from annotator.core.workspace import Workspace
    from annotator.tui.app import make_app
    from annotator.tui.widgets.reader_view import ReaderView

    text_bytes = (workspace / "corpus" / f"{doc_id}.txt").stat().st_size
    app = make_app(Workspace.open(workspace), annotator="bench")
    clock = FrameClock(app)
    async with app.run_test(size=(120, 34)) as pilot:
        await asyncio.wait_for(clock.frame.wait(), 60)
        await pilot.pause()
        gc.collect()
        before = memory_kib("VmRSS")
        await asyncio.sleep(0.05)
        clock.frame.clear()
        t0 = time.perf_counter()
        app.open_document(doc_id)
        while True:
            await asyncio.wait_for(clock.frame.wait(), 30)
            clock.frame.clear()
            if app.screen.query(ReaderView):
                break
        first = (time.perf_counter() - t0) * 1000
        reader = app.screen.query_one(ReaderView)
        deadline = time.perf_counter() + 60
        while not reader.laid_out and time.perf_counter() < deadline:
            await asyncio.sleep(0.01)
        after, peak = memory_kib("VmRSS"), memory_kib("VmHWM")
        emit(
            first,
            memory_x=round((after - before) * 1024 / text_bytes, 2),
            peak_x=round((peak - before) * 1024 / text_bytes, 2),
            text_bytes=text_bytes,
            laid_out=reader.laid_out,
        )


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), sys.argv[2]))
