"""Benchmarks (not tests): medians of repeated runs on this machine.

    python benchmarks/run.py            # everything
    python benchmarks/run.py layout     # one group

Targets (2-core machine): first frame < 1.0 s, open a seed < 100 ms, layout
> 1 million chars/s, cursor move < 20 ms. Results go to stdout as a table; copy them
into BENCHMARKS.md with the date and machine.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

RESULTS: list[tuple[str, float, str, str]] = []


def report(name: str, samples: list[float], unit: str, target: str) -> None:
    value = statistics.median(samples)
    RESULTS.append((name, value, unit, target))
    print(f"{name:<44} {value:>14,.3f} {unit:<10} target {target}", flush=True)


def corpus_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted((REPO / "corpus").glob("*.txt")))


def bench_cold_start(runs: int = 7) -> None:
    """Process start to the first frame of the document list, headless."""
    code = (
        "import time,sys;t0=time.perf_counter();"
        "from annotator.core.workspace import Workspace;from annotator.tui.app import make_app;"
        "import asyncio\n"
        "async def main():\n"
        "    app = make_app(Workspace.open(__import__('pathlib').Path(sys.argv[1])), annotator='bench')\n"
        "    async with app.run_test(size=(100, 30)) as pilot:\n"
        "        await pilot.pause()\n"
        "        print('ready', flush=True)\n"
        "asyncio.run(main())\n"
    )
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", code, str(REPO)], stdout=subprocess.PIPE, text=True, cwd=REPO)
        for line in proc.stdout:  # type: ignore[union-attr]
            if line.startswith("ready"):
                samples.append(time.perf_counter() - start)
                break
        proc.wait()
    report("cold start to first frame", samples, "s", "< 1.0 s")


def bench_layout() -> None:
    from annotator.core.text.layout import Layout, paragraphs_of

    text = "\n".join([corpus_text()] * 40)
    cold, rewrap = [], []
    for _ in range(5):
        t0 = time.perf_counter()
        paragraphs = paragraphs_of(text)
        Layout(paragraphs, 80)
        t1 = time.perf_counter()
        Layout(paragraphs, 79)
        t2 = time.perf_counter()
        cold.append(len(text) / (t1 - t0))
        rewrap.append(len(text) / (t2 - t1))
    report(f"layout, cold ({len(text):,} chars, width 80)", cold, "chars/s", "> 1,000,000")
    report("layout, re-wrap at a new width", rewrap, "chars/s", "> 1,000,000")


class FrameClock:
    """Times from a simulated key press to the next frame the app writes to its driver."""

    def __init__(self, app) -> None:
        self.app = app
        self.frame = asyncio.Event()
        original = app._display

        def display(screen, renderable):
            original(screen, renderable)
            self.frame.set()

        app._display = display

    async def key_to_frame(self, key: str) -> float:
        await asyncio.sleep(0.03)  # let earlier frames drain
        self.frame.clear()
        t0 = time.perf_counter()
        self.app.simulate_key(key)
        await asyncio.wait_for(self.frame.wait(), 2)
        return (time.perf_counter() - t0) * 1000


async def _tui_timings(workspace: Path) -> None:
    from annotator.core.workspace import Workspace
    from annotator.tui.app import make_app
    from annotator.tui.widgets.reader_view import ReaderView

    app = make_app(Workspace.open(workspace), annotator="bench")
    async with app.run_test(size=(100, 30)) as pilot:
        ids = app.corpus.ids
        opens = []
        for i in range(15):
            t0 = time.perf_counter()
            app.open_document(ids[i % len(ids)])
            await pilot.pause()
            opens.append((time.perf_counter() - t0) * 1000)
        report("open a seed document (to frame)", opens, "ms", "< 100 ms")
        reader = app.screen.query_one(ReaderView)
        clock = FrameClock(app)
        moves = [await clock.key_to_frame("left" if (i // 10) % 2 == 0 else "down") for i in range(60)]
        report("keypress to frame, cursor move", moves, "ms", "< 20 ms")
        big = "\n".join([corpus_text()] * 60)
        await asyncio.sleep(0.05)
        clock.frame.clear()
        t0 = time.perf_counter()
        reader.load(big)
        await asyncio.wait_for(clock.frame.wait(), 10)
        first = (time.perf_counter() - t0) * 1000
        while not reader.laid_out:
            await asyncio.sleep(0.005)
        whole = (time.perf_counter() - t0) * 1000
        words = f"{len(big.split()):,}-word document"
        report(f"open a {words}: first frame", [first], "ms", "< 100 ms")
        report(f"open a {words}: laid out to the end", [whole], "ms", "-")
        moves = [await clock.key_to_frame("pagedown" if i % 2 else "left") for i in range(40)]
        report("keypress to frame, cursor and page moves, long document", moves, "ms", "< 20 ms")


async def _labelling(workspace: Path) -> None:
    """Label and delete on a 5,000-word document: key to frame, each edit saved on disk."""
    from annotator.core.corpus import Corpus
    from annotator.core.workspace import Workspace
    from annotator.tui.app import make_app

    words = corpus_text().split(" ")
    long_text = " ".join((words * (5000 // len(words) + 1))[:5000])
    source = workspace / "long5000.txt"
    source.write_text(long_text, encoding="utf-8")
    Corpus(workspace / "corpus").import_texts([source])
    app = make_app(Workspace.open(workspace), annotator="bench")
    async with app.run_test(size=(120, 34)) as pilot:
        app.open_document("long5000")
        await pilot.pause()
        clock = FrameClock(app)
        samples = []
        for _ in range(30):
            samples.append(await clock.key_to_frame("3"))  # GPE on the token: edit, save, repaint
            samples.append(await clock.key_to_frame("left"))
        report("keypress to frame, labelling, 5,000 words", samples[::2], "ms", "< 20 ms")


async def _big_list(workspace: Path) -> None:
    """The document list of a 100,000-document corpus (index only: the list reads no texts)."""
    import orjson

    from annotator.core.workspace import Workspace
    from annotator.tui.app import make_app
    from annotator.tui.widgets.document_list import DocumentList

    title = corpus_text().split("\n")[0]
    with open(workspace / "corpus" / "index.jsonl", "wb") as index:
        for i in range(100_000):
            index.write(orjson.dumps({"id": f"doc{i:06d}", "sha256": "0" * 64, "chars": 2000, "title": title}) + b"\n")
    t0 = time.perf_counter()
    app = make_app(Workspace.open(workspace), annotator="bench")
    clock = FrameClock(app)
    async with app.run_test(size=(120, 34)):
        await asyncio.wait_for(clock.frame.wait(), 30)
        first = time.perf_counter() - t0
        documents = app.screen.query_one(DocumentList)
        moves = [await clock.key_to_frame("pagedown") for _ in range(20)]
        while len(documents.status) < 100_000:
            await asyncio.sleep(0.05)
        filled = time.perf_counter() - t0
    report("document list, 100,000 documents: app start to first frame", [first], "s", "< 1.0 s")
    report("document list, 100,000 documents: page down", moves, "ms", "< 20 ms")
    report("document list, 100,000 documents: all statuses read", [filled], "s", "-")


def bench_save() -> None:
    from annotator.core.annotations.model import DocumentAnnotations, Entity
    from annotator.core.annotations.store import AnnotationStore

    with tempfile.TemporaryDirectory() as tmp:
        store = AnnotationStore(Path(tmp), "bench")
        doc = DocumentAnnotations(
            "d",
            "0" * 64,
            "2.0.0",
            "bench",
            "in_progress",
            tuple(Entity(f"T{i}", i * 10, i * 10 + 5, "GPE") for i in range(200)),
        )
        samples = []
        for _ in range(50):
            t0 = time.perf_counter()
            store.save(doc)
            samples.append((time.perf_counter() - t0) * 1000)
        report("save one edit (200 entities, fsync + rename)", samples, "ms", "-")


def bench_tui() -> None:
    from tests.conftest import copy_workspace

    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(_tui_timings(copy_workspace(Path(tmp) / "ws")))
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(_labelling(copy_workspace(Path(tmp) / "ws")))
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(_big_list(copy_workspace(Path(tmp) / "ws")))


GROUPS = {"start": bench_cold_start, "layout": bench_layout, "tui": bench_tui, "save": bench_save}

if __name__ == "__main__":
    os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
    chosen = sys.argv[1:] or list(GROUPS)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    for name in chosen:
        GROUPS[name]()
