"""`annotator status [--format table|json]`: each annotator's and the team's progress (annotator.core.status)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from annotator.cli import Commands, StageProgress, comma_list, plain

if TYPE_CHECKING:
    from rich.table import Table
    from rich.text import Text

    from annotator.core.status import StatusReport

DESCRIPTION = """\
Where every annotator is, and the team as a whole: a lead's morning look, or JSON for scripts.

Per annotator, each document of the corpus is in exactly one of:
  not started   no file, or an untouched not_started file with nothing in it
  in progress   a file with annotations (or marked in progress) that is not done
  done          a file marked done
  unreadable    a file the app refuses (bad JSON or content, another text, not migratable),
                or its document's text no longer matches the index: counted apart, never hidden
                ('annotator validate' names each one and why)
Also: documents and annotations to review (marked needs_review, as opening them counts them),
adjudicated (of the documents this annotator annotated, those with a gold file that counts),
entities per label and events per type, and the last edit (newest file mtime, UTC).

Overall: documents in the corpus, touched by at least one annotator, done by one / by all,
adjudicated (gold files that count as annotated). Suggestions: how often the annotators accepted
or rejected them, per source and label (a model that helps, or misleads). Gold is not an annotator; folders that are
not annotator names and files of documents not in the corpus are listed as left out.
Reads the files through the agreement's cache (.cache/agreement/): a second run reads only
what changed. Exit status 0; 2 on a bad workspace or option.
"""


def register(sub: Commands, groups: dict[str, Commands]) -> None:
    cmd = sub.add_parser(
        "status",
        help="each annotator's documents not started / in progress / done, to review, adjudicated; labels; last edit",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cmd.add_argument(
        "--format",
        dest="status_format",
        choices=("table", "json"),
        default="table",
        help="table (default) or json for scripts (its keys: annotator/core/status.py)",
    )
    cmd.add_argument("--annotators", default=None, metavar="A,B", help="only these annotators (default: all)")
    cmd.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="processes that read files (default: one per CPU for large workspaces; 1: none)",
    )
    cmd.add_argument(
        "--no-cache", action="store_true", help="read every file again, neither reading nor writing .cache/agreement/"
    )
    cmd.set_defaults(handler=_status)


def _status(args: argparse.Namespace) -> int:
    from annotator.cli import open_workspace
    from annotator.core.corpus import Corpus
    from annotator.core.errors import AnnotatorError
    from annotator.core.status import compute_status, to_json

    if args.jobs is not None and args.jobs < 1:
        raise AnnotatorError(f"--jobs: at least 1, got {args.jobs}")
    ws = open_workspace(args)
    Corpus.checked(ws.corpus_dir)  # a bad index line: refused, not its document silently left out
    bar = StageProgress(remaining=False)
    try:
        report = compute_status(
            ws, comma_list(args.annotators), progress=bar, workers=args.jobs, use_cache=not args.no_cache
        )
    finally:
        bar.stop()
    if args.status_format == "json":
        sys.stdout.buffer.write(to_json(report))
        sys.stdout.flush()
    else:
        _print_tables(report)
    return 0


def _print_tables(report: StatusReport) -> None:

    from annotator.cli import console

    out = console()
    o = report.overall
    people = _table(plain(f"Documents per annotator ({o.documents} in the corpus)"))
    people.add_column("annotator", overflow="fold")
    for header in ("not\nstarted", "in\nprogress", "\ndone", "unread-\nable", "review\ndocs", "adju-\ndicated"):
        people.add_column(header, justify="right")
    people.add_column("last edit\n(UTC)")
    for p in report.annotators:
        cells = (p.not_started, p.in_progress, p.done, p.unreadable, p.to_review_documents, p.adjudicated)
        people.add_row(plain(p.name), *(plain(c) for c in cells), plain(_when(p.last_edit)))
    out.print(people if report.annotators else plain("no annotator folder in annotations/ yet"))
    gold = report.gold
    lines = [
        f"touched by at least one annotator: {o.touched}; done by one: {o.done_by_any}, by all: {o.done_by_all}",
        f"adjudicated (gold): {o.adjudicated}"
        + (f", {gold.done} of them done, {gold.unreadable} gold files unreadable" if gold else ", no gold yet"),
        f"annotations to review: {o.to_review} in {o.to_review_documents} documents; unreadable files: {o.unreadable}",
        f"last edit: {_when(o.last_edit)}",
    ]
    for line in lines:
        out.print(plain(line))
    _print_labels(report)
    _print_suggestions(report)
    for x in report.left_out:
        what = f"{x.folder}/{x.doc_id}.json" if x.doc_id is not None else f"{x.folder}/ ({x.files} files)"
        out.print(plain(f"left out: annotations/{what}: {x.reason}"))


def _table(title: Text) -> Table:
    """A table of this report: its title on the left, a rule under the head, no frame."""
    from rich import box
    from rich.table import Table

    return Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, collapse_padding=True)


def _print_labels(report: StatusReport) -> None:

    from annotator.cli import console

    o = report.overall
    if not (o.entities or o.events):
        return
    table = _table(plain("Annotations per label"))
    table.add_column("kind")
    table.add_column("label", overflow="fold")
    for p in report.annotators:
        table.add_column(plain(p.name), justify="right", overflow="fold")
    table.add_column("all", justify="right")
    for kind, total, of in (("entity", o.entities, "entities"), ("event", o.events, "events")):
        for label, n in total.items():
            cells = [getattr(p, of).get(label, 0) for p in report.annotators]
            table.add_row(kind, plain(label), *(plain(c) for c in cells), plain(n))
    console().print(table)


def _print_suggestions(report: StatusReport) -> None:
    """Per source and label, how often the annotators accepted or rejected a suggestion."""

    from annotator.cli import console

    out = console()
    if report.suggestions:
        table = _table(plain("Suggestions decided (all annotators)"))
        table.add_column("source", overflow="fold")
        table.add_column("label", overflow="fold")
        for header in ("accepted", "rejected", "rate"):
            table.add_column(header, justify="right")
        for c in report.suggestions:
            rate = "-" if c.rate is None else f"{c.rate:.0%}"
            table.add_row(plain(c.source), plain(c.label), plain(c.accepted), plain(c.rejected), plain(rate))
        out.print(table)
    for line in report.suggestions_unreadable:
        out.print(plain(f"left out: {line}"))


def _when(iso: str | None) -> str:
    return "never" if iso is None else iso.replace("T", " ")[:16]
