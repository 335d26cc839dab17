"""Process start to the first frame of the document list, headless.

    python benchmarks/probes/app_start.py WORKSPACE       (BENCH_T0 set by the harness)

Prints {"value": seconds}.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from common import FrameClock, emit, since_process_start


async def main(workspace: Path) -> None:
    from annotator.core.workspace import Workspace
    from annotator.tui.app import make_app

    app = make_app(Workspace.open(workspace), annotator="bench")
    clock = FrameClock(app)
    async with app.run_test(size=(120, 34)):
        await asyncio.wait_for(clock.frame.wait(), 60)
        emit(since_process_start())


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
