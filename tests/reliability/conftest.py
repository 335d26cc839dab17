"""The reliability suite (issue 10): slow, so the fast run does not collect it.

``make reliability`` runs it with ANNOTATOR_RELIABILITY=1 and ANNOTATOR_RELIABILITY_REPORT
naming the file (RELIABILITY.md) that gets the figures of the run, failures included.
Without the variable, ``pytest tests`` and ``make test`` collect nothing here; a test file
named on the command line still runs.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

collect_ignore_glob = [] if os.environ.get("ANNOTATOR_RELIABILITY") else ["test_*.py"]

_STARTED = time.monotonic()


def pytest_sessionfinish(session, exitstatus) -> None:
    target = os.environ.get("ANNOTATOR_RELIABILITY_REPORT")
    if not target:
        return
    from tests.reliability.harness import RESULTS
    from tests.reliability.report import render

    if RESULTS:
        Path(target).write_text(render(RESULTS, time.monotonic() - _STARTED), encoding="utf-8")


@pytest.fixture
def scratch(tmp_path):
    """A folder in memory (/dev/shm) where there is one, else ``tmp_path``: the scenarios that
    copy a world for every run write tens of thousands of small files, and an fsync costs
    nothing there (the kill scenario keeps the disk)."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    folder = Path(tempfile.mkdtemp(prefix="annotator-reliability-", dir=shm))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
