"""The real app in a pseudo-terminal: what it sends to each kind of terminal, and when.

`python -m annotator` runs in a private copy of the seed workspace with the pty as its
stdin, stdout and stderr, TERM=xterm-256color plus one terminal's variable and a fresh
XDG_CONFIG_HOME. Everything it writes is read back: the sequence that switches the
terminal's BiDi off must come before the first frame (the first cursor move), and the one
that gives it back must come on every way out.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from annotator.core.terminal import KONSOLE_OFF, KONSOLE_ON, MLTERM_OFF, MLTERM_ON, VTE_OFF, VTE_ON
from tests.conftest import copy_workspace

CUP = re.compile(rb"\x1b\[\d+;\d+H")  # a frame starts by moving the cursor
CTRL_Q = b"\x11"


class Session:
    """One run of a command in a pseudo-terminal; ``out`` is everything it wrote so far."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str]) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        self.master = master
        self.proc = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=env, start_new_session=True
        )
        os.close(slave)
        self.out = b""

    def read_until(self, done, timeout: float = 30.0) -> bool:
        """Read until ``done(out)`` or the end of output or ``timeout`` seconds."""
        end = time.monotonic() + timeout
        while not done(self.out) and time.monotonic() < end:
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self.master, 65536)
            except OSError:  # EIO: every copy of the slave side is closed
                break
            if not data:
                break
            self.out += data
        return done(self.out)

    def read_to_end(self, timeout: float = 30.0) -> int:
        self.read_until(lambda _: False, timeout) if self.proc.poll() is None else None
        self.read_until(lambda _: False, 0.3)  # what was written just before the exit
        try:
            return self.proc.wait(timeout)
        finally:
            os.close(self.master)

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)


@pytest.fixture
def start(tmp_path: Path):
    workspace = copy_workspace(tmp_path / "ws")
    sessions: list[Session] = []

    def start(variables: dict[str, str], code: str | None = None) -> Session:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(tmp_path),
            "LANG": "C.UTF-8",
            "TERM": "xterm-256color",
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            **variables,
        }
        if "PYTHONPATH" in os.environ:  # a checkout run without installing it
            env["PYTHONPATH"] = os.environ["PYTHONPATH"]
        argv = [sys.executable, "-c", code] if code else [sys.executable, "-m", "annotator", "--annotator", "t"]
        session = Session(argv, workspace, env)
        sessions.append(session)
        return session

    yield start
    for session in sessions:
        session.close()


def first_frame(out: bytes) -> bool:
    return CUP.search(out) is not None and b"Documents" in out


def assert_switched_before_the_first_frame(out: bytes, disable: str) -> None:
    at = out.find(disable.encode())
    assert at >= 0, f"{disable!r} never sent"
    assert at < CUP.search(out).start(), "the first frame came before the terminal's BiDi was switched off"
    assert at < out.find(b"Documents")


@pytest.mark.parametrize(
    ("variable", "disable", "restore", "others"),
    [
        ({"VTE_VERSION": "7600"}, VTE_OFF, VTE_ON, (KONSOLE_OFF, MLTERM_OFF)),
        ({"KONSOLE_VERSION": "230805"}, KONSOLE_OFF, KONSOLE_ON, (VTE_OFF, MLTERM_OFF)),
        ({"MLTERM": "3.9.3"}, MLTERM_OFF, MLTERM_ON, (VTE_OFF, KONSOLE_OFF)),
    ],
    ids=["vte", "konsole", "mlterm"],
)
def test_switched_off_before_the_first_frame_and_back_on_at_quit(start, variable, disable, restore, others):
    session = start(variable)
    assert session.read_until(first_frame), session.out[-500:]
    assert_switched_before_the_first_frame(session.out, disable)
    assert restore.encode() not in session.out
    session.send(CTRL_Q)
    code = session.read_to_end()
    assert code == 0, session.out[-2000:]
    out = session.out
    assert out.count(disable.encode()) == 1
    assert out.rfind(restore.encode()) > out.find(b"\x1b[?1049l")  # given back after the last frame
    for other in others:
        assert other.encode() not in out


def test_plain_xterm_gets_no_konsole_or_mlterm_sequence(start):
    session = start({"XTERM_VERSION": "XTerm(390)"})
    assert session.read_until(first_frame)
    session.send(CTRL_Q)
    assert session.read_to_end() == 0
    for sequence in (KONSOLE_OFF, KONSOLE_ON, MLTERM_OFF, MLTERM_ON, VTE_OFF, VTE_ON):
        assert sequence.encode() not in session.out
    assert b"\x1b]50;" not in session.out and b"\x1b]5379;" not in session.out


def test_tmux_inside_vte_passes_the_switch_through(start):
    session = start({"VTE_VERSION": "7600", "TMUX": "/tmp/tmux-1000/default,1,0", "TERM": "tmux-256color"})
    assert session.read_until(lambda out: first_frame(out) and b"allow-passthrough" in out)
    assert_switched_before_the_first_frame(session.out, "\x1bPtmux;\x1b\x1b[8l\x1b\\")
    session.send(CTRL_Q)
    assert session.read_to_end() == 0
    assert b"\x1bPtmux;\x1b\x1b[8h\x1b\\" in session.out


def test_apple_terminal_is_not_switched_and_gets_logical_text(start):
    session = start({"TERM_PROGRAM": "Apple_Terminal"})
    assert session.read_until(first_frame)
    session.send(b"\r")  # open the first document
    assert session.read_until(lambda out: "التحالف".encode() in out)  # logical order, not shaped
    session.send(CTRL_Q)
    assert session.read_to_end() == 0
    assert VTE_OFF.encode() not in session.out
    assert not re.search("[\ufb50-\ufdff\ufe70-\ufeff]", session.out.decode("utf-8", "replace"))  # unshaped


def test_sigterm_gives_the_terminal_back(start):
    session = start({"VTE_VERSION": "7600"})
    assert session.read_until(first_frame)
    session.proc.send_signal(signal.SIGTERM)
    assert session.read_to_end() == 128 + signal.SIGTERM
    assert session.out.rfind(VTE_ON.encode()) > session.out.find(VTE_OFF.encode()) >= 0
    assert session.out.rfind(b"\x1b[?1049l") >= 0  # and left the alternate screen


def test_sighup_gives_a_live_terminal_back(start):
    session = start({"KONSOLE_VERSION": "230805"})
    assert session.read_until(first_frame)
    session.proc.send_signal(signal.SIGHUP)
    assert session.read_to_end() == 128 + signal.SIGHUP
    assert session.out.rfind(KONSOLE_ON.encode()) > session.out.find(KONSOLE_OFF.encode()) >= 0


def test_a_hung_up_terminal_ends_the_app_at_once(start):
    """The window closed: nothing to give back, and the app must not wait on a dead terminal."""
    session = start({"VTE_VERSION": "7600"})
    assert session.read_until(first_frame)
    os.close(session.master)  # the terminal goes away: the pty hangs up
    session.proc.send_signal(signal.SIGHUP)
    try:
        code = session.proc.wait(5)
    except subprocess.TimeoutExpired:
        pytest.fail("the app hangs after its terminal hung up")
    assert code == -signal.SIGHUP


def test_suspend_gives_the_terminal_back_and_resume_switches_it_off_again(start):
    session = start({"VTE_VERSION": "7600"})
    assert session.read_until(first_frame)
    session.proc.send_signal(signal.SIGTSTP)  # what ctrl+z sends when signals are on
    assert session.read_until(lambda out: VTE_ON.encode() in out, 5)
    suspended = len(session.out)
    wait_until_stopped(session.proc.pid)
    session.proc.send_signal(signal.SIGCONT)  # fg
    assert session.read_until(lambda out: VTE_OFF.encode() in out[suspended:], 5)
    session.send(CTRL_Q)
    assert session.read_to_end() == 0
    out = session.out
    assert out.count(VTE_OFF.encode()) == 2 and out.count(VTE_ON.encode()) == 2
    assert out.rfind(VTE_ON.encode()) > out.rfind(VTE_OFF.encode())


def wait_until_stopped(pid: int, timeout: float = 5.0) -> None:
    """The app gives the terminal back, then stops itself: wait for the stop before continuing it."""
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        time.sleep(0.5)
        return
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if any(line.startswith("State:") and "T" in line.split()[1] for line in status.read_text().splitlines()):
            return
        time.sleep(0.02)
    pytest.fail("the app did not stop after SIGTSTP")


CRASH = """
import sys
from annotator.cli import main
from annotator.tui.screens.documents import DocumentsScreen

def boom(self):
    raise RuntimeError("boom: a bug in a key's action")

DocumentsScreen.action_agreement = boom
sys.exit(main(["--annotator", "t"]))
"""


def test_a_crash_gives_the_terminal_back(start):
    session = start({"VTE_VERSION": "7600"}, code=CRASH)
    assert session.read_until(first_frame)
    session.send(b"g")  # the agreement key: raises
    code = session.read_to_end()
    out = session.out
    assert code != 0 and b"boom" in out
    assert out.rfind(VTE_ON.encode()) > out.find(VTE_OFF.encode()) >= 0
    assert out.find(VTE_ON.encode()) < out.find(b"boom")  # given back before the traceback is printed


def test_doctor_checks_by_eye_restores_and_remembers(start, tmp_path):
    """In a terminal the doctor switches the terminal's BiDi off as the app does, shows the
    sentence both ways, gives the terminal back and remembers the answer for this terminal."""
    import tomllib

    from annotator.core.terminal import CHECK_SENTENCE
    from annotator.core.text.layout import visual

    session = start(
        {"VTE_VERSION": "7600"}, code="import sys\nfrom annotator.cli import main\nsys.exit(main(['doctor']))"
    )
    assert session.read_until(lambda out: b"1 or 2?" in out)
    out = session.out.decode("utf-8")
    line1, line2 = visual(CHECK_SENTENCE, "app"), visual(CHECK_SENTENCE, "terminal")
    assert out.index(VTE_OFF) < out.index(f"1   {line1}") < out.index(f"2   {line2}")
    assert VTE_ON not in out
    session.send(b"2\r")
    assert session.read_to_end() == 0
    out = session.out.decode("utf-8")
    assert out.index("1 or 2?") < out.index(VTE_ON) < out.index("remembered: 'terminal' for vte")
    config = tomllib.loads((tmp_path / "config" / "annotator" / "user.toml").read_text(encoding="utf-8"))
    assert config == {"bidi": {"vte": "terminal"}}


def test_f2_asks_with_the_terminal_switched_as_in_app_mode_and_applies_the_answer(start, tmp_path):
    """Drawing in terminal mode in VTE (its BiDi left on), F2 switches VTE's BiDi off for the
    question, as the app draws; answering 1 keeps it off and draws in app mode from then on."""
    import tomllib

    session = start({"VTE_VERSION": "7600", "ANNOTATOR_BIDI": "terminal"})
    assert session.read_until(first_frame)
    assert VTE_OFF.encode() not in session.out
    session.send(b"\x1bOQ")  # F2
    assert session.read_until(lambda out: VTE_OFF.encode() in out and b"1 or 2?" in out)
    assert session.out.find(VTE_OFF.encode()) < session.out.rfind(b"1 or 2?")
    session.send(b"1")
    assert session.read_until(lambda out: b"drawing in 'app' mode now" in out)
    session.send(CTRL_Q)
    assert session.read_to_end() == 0
    out = session.out
    assert out.count(VTE_OFF.encode()) == 1 and out.rfind(VTE_ON.encode()) > out.find(VTE_OFF.encode())
    config = tomllib.loads((tmp_path / "config" / "annotator" / "user.toml").read_text(encoding="utf-8"))
    assert config == {"bidi": {"vte": "app"}}  # the name came from --annotator: not remembered
