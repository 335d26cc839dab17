"""`annotator serve` in a real browser: headless Chromium (Debian's, driven by Playwright; nothing
downloads a browser) opens the page, two tabs give two names and label the same seed article, one
with the keyboard and one with the mouse, and what they did is checked on disk, on screen and by
`annotator status` and `annotator agreement`. Skipped, saying why, where Chromium or Playwright is
missing; .ci/run installs Chromium.

The mouse span is checked against a twin: the same app, headless under Textual's own Pilot at the
browser terminal's size, given the same drag at the same cells. The browser path (xterm.js's mouse
reports, textual-serve, Textual's web driver) must select exactly what Textual's own mouse events do.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import orjson
import pytest

from tests.conftest import SEED_IDS, copy_workspace
from tests.web.serving import proxied, serving

DOC = SEED_IDS[0]  # the first row of the document list: Enter opens it
VIEWPORT = {"width": 1280, "height": 800}


def _chromium() -> str:
    found = os.environ.get("ANNOTATOR_CHROMIUM") or next(
        (path for name in ("chromium", "chromium-browser") if (path := shutil.which(name))), None
    )
    if not found:
        pytest.skip("no Chromium on this machine (apt-get install chromium; .ci/run installs it)")
    return found


def until(check: Callable[[], object], what: str, timeout: float = 30) -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def held(lock: Path) -> bool:
    """Whether some process holds the flock on ``lock`` (the app's session and document locks)."""
    if not lock.exists():
        return False
    fd = os.open(lock, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def entities(path: Path) -> list[dict]:
    try:
        return orjson.loads(path.read_bytes())["entities"]
    except (FileNotFoundError, orjson.JSONDecodeError):
        return []


class Tab:
    """One browser tab on the served page: keys to the terminal, cells to pixels."""

    def __init__(self, page) -> None:
        self.page = page
        self.size: tuple[int, int] | None = None  # the terminal's columns and rows, as the page sent them
        self.received = 0  # bytes of the app's output
        page.on("websocket", self._watch)

    def _watch(self, socket) -> None:
        query = parse_qs(urlparse(socket.url).query)
        self.size = (int(query["width"][0]), int(query["height"][0]))

        def sent(payload) -> None:
            if isinstance(payload, str) and payload.startswith('["resize"'):
                data = json.loads(payload)[1]
                self.size = (data["width"], data["height"])

        def received(payload) -> None:
            self.received += len(payload)

        socket.on("framesent", sent)
        socket.on("framereceived", received)

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.page.wait_for_selector("body.-first-byte", timeout=30_000)
        self.page.focus(".xterm-helper-textarea")  # keys to the terminal, no click sent to the app
        # The first frame drawn (kilobytes; the driver's set-up sequences before it are a few
        # dozen bytes): the app is mounted and its name prompt takes what is typed next.
        for _ in range(300):  # Playwright delivers the websocket's events while it waits
            if self.received > 4000:
                return
            self.page.wait_for_timeout(100)
        raise AssertionError("timed out waiting for the app's first frame")

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)

    def cell(self, x: int, y: int) -> tuple[float, float]:
        """The centre of the terminal cell (``x``, ``y``) in page pixels."""
        assert self.size is not None
        box = self.page.locator(".xterm-screen").bounding_box()
        assert box is not None
        columns, rows = self.size
        return box["x"] + (x + 0.5) * box["width"] / columns, box["y"] + (y + 0.5) * box["height"] / rows

    def drag(self, y: int, x1: int, x2: int) -> None:
        mouse = self.page.mouse
        mouse.move(*self.cell(x1, y))
        mouse.down()
        for x in range(x1, x2 + (1 if x2 >= x1 else -1), 1 if x2 >= x1 else -1):
            mouse.move(*self.cell(x, y))
        mouse.up()

    def shot(self, y: int, x1: int, x2: int) -> bytes:
        """A screenshot of the cells ``x1``..``x2`` of row ``y``."""
        (left, top), (right, _) = self.cell(min(x1, x2), y), self.cell(max(x1, x2), y)
        assert self.size is not None
        box = self.page.locator(".xterm-screen").bounding_box()
        assert box is not None
        width, height = box["width"] / self.size[0], box["height"] / self.size[1]
        clip = {"x": left - width / 2, "y": top - height / 2, "width": right - left + width, "height": height}
        return self.page.screenshot(clip=clip)


def twin_drag(workspace: Path, size: tuple[int, int], y: int, x1: int, x2: int, key: str) -> tuple[int, int]:
    """The span Textual's own mouse events select for the same drag, in a copy of the workspace."""
    from annotator.core.workspace import Workspace
    from annotator.tui.app import make_app

    async def run() -> None:
        app = make_app(Workspace.open(workspace), bidi="app", annotator="twin")
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            await pilot.mouse_down(offset=(x1, y))
            for x in range(x1, x2 + (1 if x2 >= x1 else -1), 1 if x2 >= x1 else -1):
                await pilot.hover(offset=(x, y))
            await pilot.mouse_up(offset=(x2, y))
            await pilot.press(key)
            await pilot.pause()

    with ThreadPoolExecutor(1) as thread:  # Playwright's sync API runs a loop in this thread
        thread.submit(asyncio.run, run()).result()
    (entity,) = entities(workspace / "annotations" / "twin" / f"{DOC}.json")
    return entity["start"], entity["end"]


def annotator(workspace: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "annotator", "--workspace", str(workspace), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_two_browser_tabs_label_the_same_article_under_their_own_names(tmp_path: Path) -> None:
    executable = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (make test installs it)")
    from annotator.core.guidelines.schema import load_schema
    from annotator.core.workspace import Workspace

    ws = copy_workspace(tmp_path / "ws")
    twin = copy_workspace(tmp_path / "twin")
    workspace = Workspace.open(ws)
    labels = load_schema(workspace.guidelines_dir, workspace.config.guidelines).labels
    first, second = labels[0], labels[1]
    text = (ws / "corpus" / f"{DOC}.txt").read_text(encoding="utf-8")
    salma, omar = ws / "annotations" / "salma" / f"{DOC}.json", ws / "annotations" / "omar" / f"{DOC}.json"
    session = ws / ".locks" / "session-salma.lock"

    with serving(ws, tmp_path / "serve.log") as served, sync_api.sync_playwright() as playwright:
        assert "no authentication" in served.output()
        browser = playwright.chromium.launch(executable_path=executable)
        try:
            outside: list[str] = []
            local = "http://127.0.0.1:"  # the server, or the proxy in front of it

            def new_tab() -> Tab:
                page = browser.new_page(viewport=VIEWPORT)
                page.on("request", lambda r: r.url.startswith(local) or outside.append(r.url))
                return Tab(page)

            # Salma: her name, the first article, the first word labelled from the keyboard.
            a = new_tab()
            a.open(served.url)
            assert "No login here" in a.page.inner_text("#notice")
            a.type("salma")
            a.press("Enter")
            until(lambda: held(session), "salma's session to take her name")
            a.press("Enter")
            until(lambda: held(ws / "annotations" / "salma" / ".locks" / f"{DOC}.lock"), "salma's document to open")
            a.press(first.key)
            (entity,) = until(lambda: entities(salma), f"{salma} to hold the keyboard label")
            word = text.split()[0]
            assert (entity["label"], entity["start"], entity["end"]) == (first.name, text.index(word), len(word))

            # Omar, in another tab: the same article, a span dragged with the mouse on the third row.
            b = new_tab()
            b.open(served.url)
            b.type("omar")
            b.press("Enter")
            until(lambda: held(ws / ".locks" / "session-omar.lock"), "omar's session")
            b.press("Enter")
            until(lambda: held(ws / "annotations" / "omar" / ".locks" / f"{DOC}.lock"), "omar's document to open")
            time.sleep(0.5)  # the first frame of the document drawn
            y, x1, x2 = 3, 30, 50
            assert b.size is not None
            before, elsewhere = b.shot(y, x1, x2), b.shot(y + 8, x1, x2)
            b.drag(y, x1, x2)
            b.press(second.key)
            (dragged,) = until(lambda: entities(omar), f"{omar} to hold the mouse label")
            assert dragged["label"] == second.name
            span = (dragged["start"], dragged["end"])
            assert len(text[span[0] : span[1]].split()) >= 2, "a drag over 20 cells covers words"
            assert span == twin_drag(twin, b.size, y, x1, x2, second.key)
            time.sleep(0.5)
            assert b.shot(y, x1, x2) != before, "the labelled cells are drawn highlighted"
            assert b.shot(y + 8, x1, x2) == elsewhere, "a row the label does not reach is unchanged"
            picture = tmp_path / "serve-chromium.png"
            b.page.screenshot(path=str(picture))
            assert picture.stat().st_size > 20_000  # a drawn screen, not a blank page
            if target := os.environ.get("ANNOTATOR_SCREENSHOT"):  # the README's picture
                shutil.copy(picture, target)

            # Omar also labels the first word, as salma did: one match for the agreement.
            b.press("Control+Home")
            b.press(first.key)
            until(lambda: len(entities(omar)) == 2, "omar's second label")

            # Salma's name in a third tab: read-only there, her file untouched by its keys.
            c = new_tab()
            c.open(served.url)
            c.type("salma")
            c.press("Enter")
            time.sleep(1)
            c.press("Enter")
            time.sleep(1)
            kept = salma.read_bytes()
            c.press(second.key)
            time.sleep(1.5)
            assert salma.read_bytes() == kept

            # Through a proxy under a sub-path on another port: the page finds its script, font
            # and websocket there (relative addresses), and the app answers.
            with proxied(served.url) as behind:
                d = new_tab()
                d.open(behind)
                d.type("lead")
                d.press("Enter")
                until(lambda: held(ws / ".locks" / "session-lead.lock"), "a session through the proxy")
                d.page.close()

            assert outside == [], "everything the page loads comes from the server"
            for tab in (a, b, c):
                tab.page.close()
            until(lambda: not held(session), "the sessions to end with their tabs")
        finally:
            browser.close()

    assert not (Path(os.environ["XDG_CONFIG_HOME"]) / "annotator" / "user.toml").exists(), "no name remembered"
    status = annotator(ws, "status", "--format", "json")
    assert status.returncode == 0, status.stderr
    shown = {a["name"]: a for a in orjson.loads(status.stdout)["annotators"]}
    assert shown["salma"]["in_progress"] == shown["omar"]["in_progress"] == 1
    assert shown["salma"]["entities"] == {first.name: 1}
    assert shown["omar"]["entities"] == {first.name: 1, second.name: 1}
    agreement = annotator(ws, "agreement", "--format", "json")
    assert agreement.returncode == 0, agreement.stderr
    assert set(orjson.loads(agreement.stdout)["annotators"]) == {"omar", "salma"}
