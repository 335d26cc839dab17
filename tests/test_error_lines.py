"""Error lines are data: a file name holding ESC or a bidi override reaches the terminal as
visible symbols, in one line, never as a terminal code or a reordering."""

from __future__ import annotations

import subprocess
import sys


def test_a_hostile_file_name_is_shown_not_sent(tmp_path):
    ws = tmp_path / "ws"
    assert subprocess.run([sys.executable, "-m", "annotator", "init", str(ws)], capture_output=True).returncode == 0
    name = tmp_path / "evil\x1b]52;c;aGk=\x07\u202etxt.gpj.txt"
    result = subprocess.run(
        [sys.executable, "-m", "annotator", "import", "texts", str(name)],
        cwd=ws,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("annotator: error: ")
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr and "\u202e" not in result.stderr
    assert "\u241b]52;c;aGk=\u2407<U+202E>txt.gpj.txt" in lines[0]
