"""One annotator's app in an OS process of its own, driven line by line (the team workflow tests).

    python -m tests.team_session WORKSPACE NAME

runs the real app (``make_app``, headless through Textual's ``run_test``) as NAME and reads one
JSON command per line on stdin, answering each with one JSON line on stdout:

- ``{"open": DOC}``: the document list selects DOC and ``enter`` opens it;
- ``{"label": WORD, "key": K, "occurrence": N}``: the cursor onto the N-th WORD (0 by default)
  of the open document, then the key K pressed (a label key);
- ``{"look": true}``: nothing pressed, only the answer;
- ``{"quit": true}``: the app leaves as it does on ``q`` (screens removed, locks released).

The answer says what the annotator sees: ``read_only`` (the reason, or null), ``sub_title`` (the
status line's header: ``READ-ONLY`` shows there) and ``entities`` as the screen holds them.
The first line, before any command, is ``{"ready": PID}``. ``TeamApp`` is the test's side.
"""

from __future__ import annotations

import asyncio
import os
import select
import subprocess
import sys
from pathlib import Path
from typing import IO

import orjson

from tests.conftest import REPO


async def serve(root: Path, name: str, out: IO[bytes]) -> None:
    from annotator.core.workspace import Workspace
    from annotator.tui.app import make_app
    from annotator.tui.screens.annotate import AnnotateScreen

    def answer(data: dict) -> None:
        out.write(orjson.dumps(data) + b"\n")
        out.flush()

    app = make_app(Workspace.open(root), annotator=name)
    async with app.run_test(size=(120, 34)) as pilot:
        await pilot.pause()
        answer({"ready": os.getpid()})
        while line := await asyncio.to_thread(sys.stdin.buffer.readline):
            command = orjson.loads(line)
            if command.get("quit"):
                break
            if "open" in command:
                app.documents_screen.select(command["open"])
                await pilot.press("enter")
                await pilot.pause()
            screen = app.screen
            assert isinstance(screen, AnnotateScreen), screen
            if "label" in command:
                start = -1
                for _ in range(command.get("occurrence", 0) + 1):
                    start = screen.reader.text.index(command["label"], start + 1)
                screen.reader.move_to_offset(start)
                await pilot.pause()
                await pilot.press(command["key"])
                await pilot.pause()
            entities = [[e.start, e.end, e.label] for e in screen.doc.entities]
            answer({"read_only": screen.opened.read_only, "sub_title": screen.sub_title, "entities": entities})


class TeamApp:
    """The test's side: one ``python -m tests.team_session`` process, started and ready."""

    def __init__(self, root: Path, name: str, timeout: float = 60.0) -> None:
        self.timeout = timeout
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.team_session", str(root), name],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.pid = self._read()["ready"]

    def _read(self) -> dict:
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], self.timeout)
        line = self.proc.stdout.readline() if ready else b""
        if not line:
            self.kill()
            assert self.proc.stderr is not None
            raise AssertionError(f"the app process said nothing: {self.proc.stderr.read().decode()[-3000:]}")
        return orjson.loads(line)

    def send(self, **command: object) -> dict:
        assert self.proc.stdin is not None
        self.proc.stdin.write(orjson.dumps(command) + b"\n")
        self.proc.stdin.flush()
        return self._read()

    def open(self, doc_id: str) -> dict:
        return self.send(open=doc_id)

    def label(self, word: str, key: str, occurrence: int = 0) -> dict:
        return self.send(label=word, key=key, occurrence=occurrence)

    def quit(self) -> None:
        """Leave the app the normal way and wait for the process to end."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(b'{"quit": true}\n')
        self.proc.stdin.close()
        assert self.proc.wait(self.timeout) == 0, self.proc.stderr.read().decode() if self.proc.stderr else ""
        self._close_pipes()

    def kill(self) -> None:
        """SIGKILL: the process ends without releasing anything itself."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(self.timeout)
        self._close_pipes()

    def _close_pipes(self) -> None:
        for pipe in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if pipe is not None and not pipe.closed:
                pipe.close()


def main() -> None:
    root, name = Path(sys.argv[1]), sys.argv[2]
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")  # Textual may capture sys.stdout while it runs
    asyncio.run(serve(root, name, out))


if __name__ == "__main__":
    main()
