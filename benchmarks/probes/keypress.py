"""Keypress to frame on one open document: cursor moves, labelling (edit, saved, repaint)
or undo of a label.

    python benchmarks/probes/keypress.py WORKSPACE DOC_ID cursor|label|undo

Prints {"value": median ms of the timed keys, "keys": how many were timed}.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
from pathlib import Path

from common import FrameClock, emit

LABEL_KEY = "3"  # the third label of the schema, on the token under the cursor
UNDO_KEY = "u"


async def timed_keys(clock: FrameClock, action: str) -> list[float]:
    samples = []
    for i in range(30):
        if action == "cursor":
            samples.append(await clock.key_to_frame("left" if (i // 10) % 2 == 0 else "down"))
            samples.append(await clock.key_to_frame("left" if (i // 10) % 2 == 0 else "down"))
        elif action == "label":
            samples.append(await clock.key_to_frame(LABEL_KEY))
            await clock.key_to_frame("left")
        else:
            await clock.key_to_frame(LABEL_KEY)
            samples.append(await clock.key_to_frame(UNDO_KEY))
            await clock.key_to_frame("left")
    return samples


async def main(workspace: Path, doc_id: str, action: str) -> None:
    from annotator.core.workspace import Workspace
    from annotator.tui.app import make_app

    app = make_app(Workspace.open(workspace), annotator="bench")
    async with app.run_test(size=(120, 34)) as pilot:
        app.open_document(doc_id)
        await pilot.pause()
        samples = await timed_keys(FrameClock(app), action)
        emit(statistics.median(samples), keys=len(samples), max_ms=max(samples))


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), sys.argv[2], sys.argv[3]))
