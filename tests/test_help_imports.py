"""`annotator --help` and every command's `--help` answer at once: they import neither polars
nor Textual (each costs more than the 0.3 s the whole answer may take)."""

import subprocess
import sys

CHILD = """
import argparse, contextlib, io, sys
from annotator.cli import build_parser, main

def commands(parser, prefix=()):
    yield prefix
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from commands(sub, prefix + (name,))

asked = []
for command in commands(build_parser()):
    with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.suppress(SystemExit):
        main([*command, "--help"])
    if "usage:" in out.getvalue():
        asked.append(" ".join(command))
heavy = sorted({name.split(".")[0] for name in sys.modules} & {"polars", "textual"})
print(",".join(asked), file=sys.stderr)
print(" ".join(heavy) or "none", file=sys.stderr)
"""


def test_help_of_every_command_imports_neither_polars_nor_textual(tmp_path):
    proc = subprocess.run([sys.executable, "-c", CHILD], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    asked, heavy = proc.stderr.splitlines()[-2:]
    assert {"", "agreement", "export", "import texts", "adjudicate"} <= set(asked.split(",")), proc.stderr
    assert heavy == "none", f"--help imported {heavy}"
