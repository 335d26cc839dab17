"""A running ``annotator serve`` for the tests: a free localhost port, its output kept."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Served:
    url: str
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@contextmanager
def serving(workspace: Path, log: Path, *args: str) -> Iterator[Served]:
    """``annotator serve`` on ``workspace`` until the block ends (then stopped as Ctrl+C would)."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "annotator", "--workspace", str(workspace), "serve", "--port", str(port), *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=os.environ.copy(),
        )
    served = Served(f"http://127.0.0.1:{port}/", process, log)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(served.url, timeout=2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"annotator serve did not start:\n{served.output()}") from None
                time.sleep(0.1)
        yield served
    finally:
        process.send_signal(2)  # SIGINT: textual-serve's Ctrl+C
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
