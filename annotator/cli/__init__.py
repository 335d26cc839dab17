"""The command line: the bare command opens the TUI, subcommands run headless.

Each command group lives in its own module with ``register(subparsers)``; heavy imports
(Textual, polars) happen inside the handlers so ``annotator render`` starts fast.
Bad input raises AnnotatorError, printed as one line per problem, exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, NoReturn, Protocol

from annotator import __version__
from annotator.core.errors import AnnotatorError
from annotator.core.workspace import BIDI_MODES, Workspace

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress
    from rich.text import Text

EXIT_BAD_INPUT = 2
WORKSPACE_HELP = "workspace folder (default: the current folder or the nearest parent with annotator.toml)"


class Commands(Protocol):
    """Where a command module adds its parsers: what ``add_subparsers()`` returns. argparse
    names that class only privately, so command modules know it by the one method they call."""

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser: ...


def _commands() -> list[ModuleType]:
    """Every ``annotator/cli/*_cmd.py`` module, in name order; each has ``register(sub, groups)``."""
    import importlib
    import pkgutil

    import annotator.cli as package

    names = sorted(m.name for m in pkgutil.iter_modules(package.__path__) if m.name.endswith("_cmd"))
    return [importlib.import_module(f"annotator.cli.{name}") for name in names]


class _Parser(argparse.ArgumentParser):
    """Usage mistakes get one line, like every other bad input, with where to look."""

    def error(self, message: str) -> NoReturn:
        from annotator.core.text.printable import printable

        line = printable(f"{self.prog}: {message} (see '{self.prog} --help')")
        self.exit(EXIT_BAD_INPUT, f"annotator: error: {line}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="annotator",
        description="Annotate Arabic text in the terminal. Without a command, opens the TUI on the workspace.",
    )
    parser.add_argument("--version", action="version", version=f"annotator {__version__}")
    parser.add_argument(
        "--workspace",
        "-w",
        type=Path,
        default=None,
        help=WORKSPACE_HELP,
    )
    parser.add_argument(
        "--bidi",
        choices=BIDI_MODES,
        default=None,
        help="'auto' (default): from the terminal, see 'annotator doctor'; 'app' reorders and shapes "
        "Arabic itself and switches a BiDi terminal's own reordering off; 'terminal' sends logical "
        "text for the terminal to reorder. Also ANNOTATOR_BIDI or [reader] bidi in annotator.toml",
    )
    parser.add_argument("--annotator", default=None, help="annotator name (else $ANNOTATOR, else asked once)")
    parser.add_argument(
        "--ask-name",
        action="store_true",
        help="ask who is annotating at every start and remember nothing (what 'annotator serve' runs for "
        "each browser tab; --annotator and $ANNOTATOR are ignored)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    # Commands with several kinds (import texts / import annotations) share one parent.
    groups = {
        "import": sub.add_parser("import", help="import texts or annotations into the workspace").add_subparsers(
            dest="what", metavar="WHAT", required=True
        ),
    }
    for module in _commands():
        module.register(sub, groups)
    # The workspace may also follow the command (`annotator serve --workspace DIR`): every
    # command takes it, and it is left unset there unless given (the one before wins otherwise).
    commands = [*sub.choices.values(), *(p for group in groups.values() for p in group.choices.values())]
    for command in commands:
        if command.get_default("handler") is not None and command.get_default("takes_workspace") is not False:
            command.add_argument("--workspace", "-w", type=Path, default=argparse.SUPPRESS, help=WORKSPACE_HELP)
    return parser


def open_workspace(args: argparse.Namespace) -> Workspace:
    return Workspace.open(args.workspace or Path.cwd())


def comma_list(value: str | None) -> tuple[str, ...] | None:
    """``--docs a, b,`` as ("a", "b"): names stripped, empty ones dropped; None when not given."""
    if value is None:
        return None
    return tuple(x.strip() for x in value.split(",") if x.strip())


# Output. Whatever the commands print that came from a file, a name or a path goes through
# core.text.printable (controls as symbols, bidi controls named): as a line (say), or as a
# rich Text (plain) on a console that reads no markup and no :emoji: codes.


def say(line: str, *, err: bool = False) -> None:
    """Print one line that may hold data (ids, names, paths) on stdout (stderr with ``err``)."""
    from annotator.core.text.printable import printable

    print(printable(line), file=sys.stderr if err else sys.stdout)


def plain(value: object, **kwargs: Any) -> Text:
    """``value`` as a rich Text: shown as it is, never read as markup or a terminal code."""
    from rich.text import Text

    from annotator.core.text.printable import printable

    return Text(printable(str(value)), **kwargs)


def console(*, stderr: bool = False) -> Console:
    """A rich console for tables and reports: no markup, no emoji codes, no highlighting of
    what looks like numbers or paths; its cells and titles are given as ``plain``."""
    from rich.console import Console

    return Console(stderr=stderr, markup=False, emoji=False, highlight=False, soft_wrap=False)


def progress_on_stderr(label: str, *, remaining: bool) -> Progress:
    """A started rich progress bar on stderr that leaves nothing behind: the label, the bar,
    done/total, and the time left (``remaining``) or taken so far."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    progress = Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn() if remaining else TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    progress.start()
    return progress


class StageProgress:
    """Progress of a command's stages (``progress(stage, done, total)``, the callback the core
    takes) as a bar on stderr: only on a terminal, and only once a stage has at least
    ``min_total`` items (smaller runs end in well under a second)."""

    def __init__(self, *, remaining: bool, min_total: int = 2000) -> None:
        self.remaining = remaining
        self.min_total = min_total
        self.enabled = sys.stderr.isatty()
        self.progress: Any = None
        self.tasks: dict[str, Any] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.progress is None:
            if total < self.min_total:
                return
            self.progress = progress_on_stderr("{task.description}", remaining=self.remaining)
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total or None)
        self.progress.update(self.tasks[stage], completed=done, total=total or None)

    def spinner(self, stage: str) -> None:
        """A stage with no count (shown only if a bar is already up)."""
        if self.progress is not None:
            self.tasks[stage] = self.progress.add_task(stage, total=None)

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
            self.tasks = {}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            return _run_tui(args)
        return int(args.handler(args) or 0)
    except AnnotatorError as exc:
        for line in str(exc).splitlines():
            say(f"annotator: error: {line}", err=True)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `annotator render ... | head`: the reader went away, not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:  # a folder that cannot be created, a disk that is full...: one line, no traceback
        where = f"{exc.filename}: " if exc.filename else ""
        message = " ".join(f"{where}{exc.strerror or exc}".splitlines())
        say(f"annotator: error: {message}", err=True)
        return EXIT_BAD_INPUT


def _run_tui(args: argparse.Namespace) -> int:
    from annotator.core.identity import resolve_name

    workspace = open_workspace(args)
    display = workspace.display(args.bidi)
    annotator = None if args.ask_name else resolve_name(args.annotator)
    from annotator.tui.app import make_app

    # The app switches the terminal's own BiDi off before its first frame and back on at
    # every way out (quit, crash, suspend, SIGTERM, SIGHUP): see annotator/tui/terminal_driver.py.
    app = make_app(workspace, display=display, annotator=annotator, remember_name=not args.ask_name)
    app.run()
    return app.return_code or 0
