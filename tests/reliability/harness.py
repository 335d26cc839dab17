"""What every reliability scenario uses: where its figures and failures go, the real command
run in a forked child, snapshots of folders, and the checks that say what went wrong.

A scenario never stops at its first failure: each one is recorded (which input, what
happened) and the scenario's test fails at its end listing them, so one run of
``make reliability`` shows everything that is still wrong and RELIABILITY.md gets the
figures either way.

Commands run in children forked from the test process, which has imported the program
once: a thousand runs then cost a thousand forks, not a thousand interpreter starts. The
child gets its own working folder, environment, stdin, stdout and stderr (pipes read here),
runs ``annotator.cli.main`` as the ``annotator`` script does, and exits with its status; an
exception that escapes ``main`` is printed as Python would print it (a traceback) with
status 1. The parent never runs polars itself: a fork of a process whose polars thread
pool has started can deadlock in the child.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import selectors
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from annotator.core.annotations.model import DocumentAnnotations
from annotator.core.text.characters import BIDI_CONTROLS

REPO = Path(__file__).resolve().parents[2]


# ----- results -----------------------------------------------------------------------
@dataclass
class Table:
    title: str
    header: tuple[str, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)


@dataclass
class Scenario:
    """One scenario's figures for RELIABILITY.md: what was done, counts, checked statements,
    tables, and every failure with the input that caused it."""

    key: str
    title: str
    did: list[str] = field(default_factory=list)
    counts: dict[str, int | float | str] = field(default_factory=dict)
    checks: list[tuple[str, bool]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    mark: int = 0  # failures before the running test: its own come after

    def count(self, name: str, n: int = 1) -> None:
        self.counts[name] = int(self.counts.get(name, 0)) + n

    def fail(self, what: str) -> None:
        self.failures.append(" ".join(what.split())[:600])

    def check(self, statement: str, held: bool) -> bool:
        """A statement the run checked; RELIABILITY.md shows it ticked or crossed."""
        self.checks.append((statement, held))
        if not held:
            self.fail(f"not so: {statement}")
        return held

    def assert_clean(self) -> None:
        """Fail the running test with the failures it recorded (not those of the scenario's other tests)."""
        mine = self.failures[self.mark :]
        shown = "\n".join(f"- {f}" for f in mine[:60])
        more = f"\n... and {len(mine) - 60} more" if len(mine) > 60 else ""
        assert not mine, f"{self.title}: {len(mine)} failure(s)\n{shown}{more}"


RESULTS: dict[str, Scenario] = {}


@contextmanager
def scenario(key: str, title: str) -> Iterator[Scenario]:
    """Record (or add to) a scenario; its time is measured, and a harness error is recorded as a failure."""
    record = RESULTS.setdefault(key, Scenario(key, title))  # several tests may add to one scenario
    record.mark = len(record.failures)
    started = time.monotonic()
    try:
        yield record
    except AssertionError:  # assert_clean: the failures are recorded already
        raise
    except Exception as exc:
        record.fail(f"the scenario itself stopped: {type(exc).__name__}: {exc}")
        raise
    finally:
        record.seconds += time.monotonic() - started


# ----- running in a forked child ----------------------------------------------------------
@dataclass
class Run:
    """One child's end: ``code`` its exit status (negative: the signal that killed it)."""

    code: int
    out: bytes
    err: bytes
    seconds: float
    timed_out: bool = False

    @property
    def first_line(self) -> str:
        """The first line of stderr (else stdout), as text, for tables."""
        for stream in (self.err, self.out):
            for line in stream.decode("utf-8", "replace").splitlines():
                if line.strip():
                    return line.strip()
        return ""


@dataclass
class Child:
    """A forked child still running: its pid and the read ends of its stdout and stderr."""

    pid: int
    out: int
    err: int
    started: float
    timeout: float


def start(target: Callable[[], int | None], timeout: float = 60.0) -> Child:
    """Fork a child that runs ``target()`` and exits with what it returns; see :func:`finish`."""
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the test run
        code = 70
        try:
            os.dup2(out_w, 1)
            os.dup2(err_w, 2)
            for fd in (out_r, out_w, err_r, err_w):
                os.close(fd)
            os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
            sys.stdin = open(0, encoding="utf-8", closefd=False)
            sys.stdout = open(1, "w", encoding="utf-8", closefd=False)
            sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            code = _exit_status(target)
        finally:
            os._exit(code)
    os.close(out_w)
    os.close(err_w)
    return Child(pid, out_r, err_r, started, timeout)


def finish(child: Child, limit: int = 16 << 20) -> Run:
    """Read a child's stdout and stderr to their end (at most ``limit`` bytes kept of each),
    killing it once its time is up, and wait for it."""
    chunks: dict[int, list[bytes]] = {child.out: [], child.err: []}
    sizes = {child.out: 0, child.err: 0}
    timed_out = False
    with selectors.DefaultSelector() as selector:
        for fd in chunks:
            selector.register(fd, selectors.EVENT_READ)
        deadline = child.started + child.timeout
        while selector.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                os.kill(child.pid, signal.SIGKILL)
                deadline = float("inf")
                continue
            for key, _ in selector.select(min(left, 1.0)):
                data = os.read(key.fd, 1 << 16)
                if not data:
                    selector.unregister(key.fd)
                    continue
                if sizes[key.fd] < limit:
                    chunks[key.fd].append(data)
                sizes[key.fd] += len(data)
    os.close(child.out)
    os.close(child.err)
    _, status = os.waitpid(child.pid, 0)
    return Run(
        os.waitstatus_to_exitcode(status),
        b"".join(chunks[child.out]),
        b"".join(chunks[child.err]),
        time.monotonic() - child.started,
        timed_out,
    )


def forked(target: Callable[[], int | None], timeout: float = 60.0, limit: int = 16 << 20) -> Run:
    """Run ``target()`` in a forked child: its stdout, stderr and exit status."""
    return finish(start(target, timeout), limit)


def _exit_status(target: Callable[[], int | None]) -> int:
    """What the interpreter would exit with after running ``target`` as a script."""
    try:
        code = target()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) or exc.code is None else 1
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
    except BaseException:
        traceback.print_exc()
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    return int(code or 0)


def warm_up() -> None:
    """Import what the commands import, once, before forking them (importing polars is safe
    to fork; running it here is not, and nothing here runs it)."""
    import polars  # noqa: F401
    import rich.console
    import rich.table  # noqa: F401

    import annotator.cli
    import annotator.core.adjudication.run
    import annotator.core.agreement.render
    import annotator.core.agreement.report
    import annotator.core.export
    import annotator.core.interchange.conll
    import annotator.core.interchange.jsonl
    import annotator.core.validate

    annotator.cli.build_parser()  # imports every command module


def cli_env(home: Path, **extra: str) -> dict[str, str]:
    """A clean environment: a private HOME and user config, a plain terminal name, UTF-8."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "TERM": "xterm-256color",
        "XDG_CONFIG_HOME": str(home / "config"),
        **extra,
    }


def cli(argv: list[str], cwd: Path, env: dict[str, str], timeout: float = 60.0) -> Child:
    """Start ``annotator ARGV`` in ``cwd`` with exactly ``env``, as the installed script runs it."""

    def target() -> int:
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
        from annotator.cli import main

        return main(argv)

    return start(target, timeout)


def run_cli(argv: list[str], cwd: Path, env: dict[str, str], timeout: float = 60.0) -> Run:
    return finish(cli(argv, cwd, env, timeout))


# ----- what a folder holds ----------------------------------------------------------------
def snapshot(root: Path, skip: Callable[[str], bool] = lambda rel: False) -> dict[str, str]:
    """Every file (its sha256), folder and symbolic link under ``root``, by path relative to it."""
    seen: dict[str, str] = {}
    if not root.exists():
        return seen
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            path = Path(folder) / name
            rel = str(path.relative_to(root))
            if skip(rel):
                continue
            if path.is_symlink():
                seen[rel] = f"-> {os.readlink(path)}"
            elif path.is_dir():
                seen[rel] = "folder"
            else:
                seen[rel] = _digest(path)
    return seen


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
    except OSError as exc:
        return f"unreadable: {exc.strerror}"
    return digest.hexdigest()


def differences(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """What changed between two snapshots, one phrase per path."""
    out = [f"new {p}" for p in after if p not in before]
    out += [f"gone {p}" for p in before if p not in after]
    out += [f"changed {p}" for p in before if p in after and before[p] != after[p]]
    return sorted(out)


def stray_files(*roots: Path) -> list[str]:
    """Temporary files and folders a write left behind."""
    found = []
    for root in roots:
        for folder, dirs, files in os.walk(root):
            for name in [*dirs, *files]:
                if name.endswith((".tmp", ".partial", ".unpadded")):
                    found.append(str(Path(folder) / name))
    return sorted(found)


def held_locks(root: Path) -> list[str]:
    """Lock files under ``root`` that something still holds (this process included)."""
    held = []
    for path in sorted(root.rglob("*.lock")):
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            held.append(str(path))
        finally:
            os.close(fd)
    return held


# ----- what reaches the terminal -----------------------------------------------------------
def raw_controls(data: bytes, *, bidi: bool = False) -> str | None:
    """The first control character in ``data`` a terminal would act on (C0 but tab and line feed,
    DEL, C1 as characters or as bare bytes), with ``bidi`` also a bidi control; None if clean."""
    text = data.decode("utf-8", "surrogateescape")
    for at, c in enumerate(text):
        code = ord(c)
        if (code < 0x20 and c not in "\t\n") or 0x7F <= code <= 0x9F or 0xDC80 <= code <= 0xDC9F:
            return f"U+{code:04X} at {at}" if code < 0xDC00 else f"byte 0x{code - 0xDC00:02X} at {at}"
        if bidi and c in BIDI_CONTROLS:
            return f"bidi control U+{code:04X} at {at}"
    return None


# ----- annotations as the checks compare them ----------------------------------------------
def fingerprint(doc: DocumentAnnotations) -> str:
    """What an edit changes (status, entities, events with arguments), not the timestamps."""
    content = (
        doc.status,
        sorted((e.id, e.start, e.end, e.label) for e in doc.entities),
        sorted(
            (ev.id, ev.type, ev.start, ev.end, sorted((a.role, a.entity) for a in ev.arguments)) for ev in doc.events
        ),
    )
    return hashlib.sha256(repr(content).encode()).hexdigest()[:16]


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"
