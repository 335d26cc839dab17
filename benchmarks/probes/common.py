"""What every in-app probe shares: the repository on sys.path, the frame clock, memory from
/proc, and the one JSON line a probe prints for the harness."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
for folder in (REPO, REPO / "benchmarks"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

import orjson  # noqa: E402


def memory_kib(field: str = "VmRSS") -> int:
    """VmRSS (resident now) or VmHWM (peak resident) of this process, in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def since_process_start() -> float:
    """Seconds since the harness started this process (it passes its monotonic clock in
    BENCH_T0; perf_counter is the same system-wide CLOCK_MONOTONIC on Linux)."""
    return time.perf_counter() - float(os.environ["BENCH_T0"])


def emit(value: float, **extra: Any) -> None:
    """The probe's result: one JSON line, the last line of stdout."""
    sys.stdout.write(orjson.dumps({"value": value, **extra}).decode() + "\n")
    sys.stdout.flush()


class FrameClock:
    """Times from a simulated key press to the next frame the app writes to its driver
    (Pilot's idle waits are not used: they sleep in 20 ms steps)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.frame = asyncio.Event()
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            self.frame.set()

        app._display = display

    async def key_to_frame(self, key: str) -> float:
        """Milliseconds from ``key`` to the frame that follows it."""
        await asyncio.sleep(0.03)  # let earlier frames drain
        self.frame.clear()
        t0 = time.perf_counter()
        self.app.simulate_key(key)
        await asyncio.wait_for(self.frame.wait(), 10)  # a frame late under load is slow, not lost
        return (time.perf_counter() - t0) * 1000
