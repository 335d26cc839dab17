"""Text of any kind opens: ZWJ, emoji sequences, bidi controls, marks with no base, in a
document and in its title, through `annotator import texts`, `render` and the app."""

from __future__ import annotations

import subprocess
import sys

from annotator.core.workspace import Workspace
from annotator.tui.app import make_app
from annotator.tui.widgets.reader_view import ReaderView

HOSTILE = (
    "ب\u200dت عائلة 👨\u200d👩\u200d👧 \u2764\ufe0f\n"
    "\u200fabc def ghi\n"
    "\u064eبداية بحركة\n"
    "عربي abc\tdef 050\u200f123 \u2067x\u2069 \u202eobscured\u202c\n"
    "\u200d\n"
    "لا\u200dإله (\u0301ب) \U0001f3f3\ufe0f\u200d\U0001f308 \u200c\u00ad\n"
)


def _run(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "annotator", *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def _workspace(tmp_path) -> Workspace:
    root = tmp_path / "ws"
    assert _run("init", str(root), cwd=tmp_path).returncode == 0
    source = tmp_path / "hostile.txt"
    source.write_text(HOSTILE, encoding="utf-8")
    result = _run("import", "texts", str(source), cwd=root)
    assert result.returncode == 0, result.stderr
    return Workspace.open(root)


def test_render_lays_out_hostile_text(tmp_path):
    ws = _workspace(tmp_path)
    doc_id = ws.corpus_dir.joinpath("index.jsonl").read_text(encoding="utf-8").split('"id":"')[1].split('"')[0]
    for mode in ("app", "terminal"):
        result = _run("render", doc_id, "--width", "17", "--bidi", mode, cwd=ws.root)
        assert result.returncode == 0, result.stderr
        assert "\x1b" not in result.stdout and "Traceback" not in result.stderr


async def test_the_app_opens_hostile_text_and_moves_through_it(tmp_path):
    ws = _workspace(tmp_path)
    app = make_app(ws, annotator="tester")
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        reader = app.screen.query_one(ReaderView)
        for key in ["left"] * 30 + ["down"] * 6 + ["f"] + ["right"] * 20 + ["end", "home"]:
            await pilot.press(key)
        await pilot.pause()
        assert reader.text == HOSTILE
        for row in range(len(reader.text_layout)):
            reader.render_line(row)
