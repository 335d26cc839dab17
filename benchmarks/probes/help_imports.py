"""Which heavy modules `annotator --help` imports: runs the CLI's --help in this process.

    python benchmarks/probes/help_imports.py

Prints {"value": 0, "heavy": [the ones of polars, textual imported]}.
"""

from __future__ import annotations

import contextlib
import io
import runpy
import sys

from common import emit

HEAVY = ("polars", "textual")

if __name__ == "__main__":
    sys.argv = ["annotator", "--help"]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
        runpy.run_module("annotator", run_name="__main__")
    emit(0, heavy=[name for name in HEAVY if name in sys.modules])
