"""An annotator's lexicon built away from an interactive caller (the app's session).

:meth:`Lexicon.for_annotator` holds the GIL for seconds on a large workspace (listing and
stat'ing the files, reading the corpus index; when shards changed, parsing files and
normalizing spans). In a thread of the app it starved the event loop: at 100,000 documents
with the totals to count again, keys took up to 200 ms (p90 23 ms) and the build 39 s instead
of 9 s alone. :func:`build` runs it in a child process (a new interpreter, ``python -c``, not
multiprocessing: its spawn needs a real ``sys.stderr``, which Textual replaces) when the corpus
has :data:`PROCESS_MIN_DOCS` documents or more, and in the calling thread below that, where the
build takes less than starting a process. The workspace and the name go to the child's stdin,
pickled; the lexicon (or the error that stopped it) comes back pickled in a temporary file; the
child's output goes nowhere (the app draws on the terminal). The child can be abandoned
(``cancelled``, asked every :data:`POLL_S`): it is killed, and nothing it was writing is left
half-written (every cache file is written temp + rename).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.core.errors import AnnotatorError
from annotator.core.suggestions.lexicon import Lexicon

if TYPE_CHECKING:
    from annotator.core.workspace import Workspace

PROCESS_MIN_DOCS = 2_000
POLL_S = 0.1
_CHILD = "from annotator.core.suggestions.building import main; main()"


class Cancelled(Exception):
    """The build was abandoned: there is no lexicon."""


def build(
    workspace: Workspace, annotator: str, *, documents: int, cancelled: Callable[[], bool] = lambda: False
) -> Lexicon:
    """``Lexicon.for_annotator(workspace, annotator)``, in a child process when the corpus has
    ``documents`` >= :data:`PROCESS_MIN_DOCS`; its AnnotatorError or OSError raised here.
    Raises :class:`Cancelled` once ``cancelled()`` is true (the child killed)."""
    if documents < PROCESS_MIN_DOCS:
        return Lexicon.for_annotator(workspace, annotator)
    package = str(Path(__file__).resolve().parents[3])  # the folder holding this annotator package
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package, os.environ.get("PYTHONPATH")]))}
    with tempfile.TemporaryDirectory(prefix="annotator-lexicon-") as folder:
        result = Path(folder) / "lexicon.pickle"
        try:
            child = subprocess.Popen(
                [sys.executable, "-c", _CHILD, str(result)],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=env,
            )
        except OSError:  # no interpreter to start (an embedded Python): built here after all
            return Lexicon.for_annotator(workspace, annotator)
        try:
            assert child.stdin is not None
            with child.stdin:
                child.stdin.write(pickle.dumps((workspace, annotator)))
            while True:
                try:
                    child.wait(POLL_S)
                    break
                except subprocess.TimeoutExpired:
                    if cancelled():
                        raise Cancelled from None
        finally:
            if child.returncode is None:
                child.kill()
                child.wait()
        try:
            outcome, value = pickle.loads(result.read_bytes())
        except (OSError, EOFError, pickle.UnpicklingError):  # killed (out of memory) before it wrote
            raise AnnotatorError(
                "cannot build the suggestion lexicon", annotator, f"its process ended with code {child.returncode}"
            ) from None
    if outcome == "error":
        raise value
    return value


def main() -> None:
    """In the child: (workspace, annotator) from stdin; the lexicon, or the error that stopped
    it as an AnnotatorError or OSError, pickled into the file named by the first argument."""
    workspace, annotator = pickle.loads(sys.stdin.buffer.read())
    try:
        result: tuple[str, object] = ("lexicon", Lexicon.for_annotator(workspace, annotator))
    except (AnnotatorError, OSError) as exc:
        result = ("error", exc)
    except Exception as exc:  # a bug: said in one line by the app
        result = (
            "error",
            AnnotatorError("cannot build the suggestion lexicon", annotator, f"{type(exc).__name__}: {exc}"),
        )
    Path(sys.argv[1]).write_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
