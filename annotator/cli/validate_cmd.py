"""`annotator validate [--fix]`: every problem of the workspace, one line each (annotator.core.validate)."""

from __future__ import annotations

import argparse

from annotator.cli import Commands, StageProgress

EXIT_PROBLEMS = 1

DESCRIPTION = """\
Check the whole workspace and print every problem, one line each: file, place in it, reason.
Exit status 1 if there is any, 0 if none (2: the command itself was misused, or no workspace).
Run it after every 'git pull'.

Checked: annotator.toml; every guidelines version (as 'annotator guidelines check'); every line of
corpus/index.jsonl; every indexed text (there, a regular file, UTF-8, the sha256 and length the
index records); .txt files in corpus/ the index does not list (a problem: they will never be
annotated); folders of annotations/ that are not annotator names; every annotation file (as the
app reads it: its document in the corpus, its content against its guidelines version and the
text, migratable to the workspace's version); temp files left by an interrupted save or import;
a .gitignore that is missing or does not ignore temp and lock files. A file holding git conflict
markers says so.
"""

FIX_HELP = (
    "also mend what is safe to mend: remove the temp files (one beside an annotation file only "
    "while nobody is editing that document), write a missing .gitignore, append the missing "
    "lines to an existing one (nothing in it is changed); then check again"
)


def register(sub: Commands, groups: dict[str, Commands]) -> None:
    cmd = sub.add_parser(
        "validate",
        help="check the whole workspace (config, guidelines, corpus, annotation files); run after every git pull",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cmd.add_argument("--fix", action="store_true", help=FIX_HELP)
    cmd.set_defaults(handler=_validate)


def _validate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from annotator.cli import say
    from annotator.core.validate import fix, validate
    from annotator.core.workspace import find_root

    root = find_root(args.workspace or Path.cwd())
    bar = StageProgress(remaining=True)
    try:
        problems = validate(root, bar)
        if args.fix and any(p.fixable for p in problems):
            for done in fix(root, problems):
                say(f"{'fixed' if done.done else 'not fixed'}: {done.path}: {done.what}")
            bar.stop()
            problems = validate(root, bar)
    finally:
        bar.stop()
    for problem in problems:
        say(str(problem))
    fixable = sum(p.fixable for p in problems)
    if not problems:
        say(f"ok: no problems in {root}", err=True)
        return 0
    hint = f", {fixable} of them fixed by 'annotator validate --fix'" if fixable and not args.fix else ""
    count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
    say(f"{count} in {root}{hint}", err=True)
    return EXIT_PROBLEMS
