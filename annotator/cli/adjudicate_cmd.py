"""`annotator adjudicate --strategy unanimous|majority|threshold [--min-agree K] [--annotators a,b] [--docs ID,...]`:
merge into gold."""

from __future__ import annotations

import argparse

from annotator.cli import Commands
from annotator.core.adjudication.merge import MIN_ANNOTATORS
from annotator.core.adjudication.strategy import STRATEGIES


def _names(text: str) -> list[str]:
    items = [x.strip() for x in text.split(",")]
    if not all(items):
        raise argparse.ArgumentTypeError(f"empty name in {text!r} (give a comma-separated list)")
    return items


def register(sub: Commands, groups: dict[str, Commands]) -> None:
    p = sub.add_parser(
        "adjudicate",
        help="merge the annotators' documents into gold (annotations/gold/)",
        description="Merge the annotators' documents into gold. Units (entities, event triggers, arguments) "
        "that at least K of a document's annotators gave go into gold with agreed_by; units that K annotators "
        "answered otherwise (another label on the same extent, or nothing) are left out; only what the strategy "
        "cannot settle (ties, too few agreeing) is recorded as a conflict for the curation screen. Documents fewer "
        "than "
        f"{MIN_ANNOTATORS} annotators annotated are reported as unadjudicable. Finished gold "
        "(status done) and anything decided by hand is never overwritten.",
    )
    p.add_argument(
        "--strategy",
        choices=STRATEGIES,
        required=True,
        help="unanimous: K = every annotator of the document; majority: K = more than half of them; "
        "threshold: K = --min-agree",
    )
    p.add_argument(
        "--min-agree",
        type=int,
        default=None,
        metavar="K",
        help="with --strategy threshold: how many annotators must give a unit (1 to the number of annotators merged)",
    )
    p.add_argument(
        "--annotators",
        type=_names,
        default=None,
        metavar="A,B,...",
        help="annotators to merge (default: every folder in annotations/ except gold)",
    )
    p.add_argument(
        "--docs",
        type=_names,
        default=None,
        metavar="ID,...",
        help="documents to merge (default: every document someone annotated)",
    )
    p.set_defaults(handler=_adjudicate)


def _adjudicate(args: argparse.Namespace) -> int:
    from rich import box
    from rich.table import Table

    from annotator.cli import console, open_workspace, plain
    from annotator.core.adjudication.run import adjudicate
    from annotator.core.corpus import Corpus
    from annotator.core.errors import AnnotatorError

    ws = open_workspace(args)
    Corpus.checked(ws.corpus_dir)  # a bad index line: refused, not its document silently left out
    run = adjudicate(ws, args.strategy, args.annotators, args.docs, args.min_agree)
    out = console()
    table = Table(
        title=plain(f"{run.strategy.describe()} of {', '.join(run.annotators)}: agreed units and open conflicts"),
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    table.add_column("document", no_wrap=True)
    for name in ("annotators", "entities", "events", "conflicts"):
        table.add_column(name, justify="right")
    table.add_column("gold")
    merged = ("created", "updated", "unchanged", "adjudicated")
    for o in run.outcomes:
        numbers = (
            [str(o.agreed_entities), str(o.agreed_events), str(o.conflicts)] if o.state in merged else ["-", "-", "-"]
        )
        if o.state == "adjudicated":
            numbers[:2] = ["-", "-"]
        table.add_row(plain(o.doc_id), str(len(o.annotators)), *numbers, o.state)  # an id of markup is data
    out.print(table)
    if not run.outcomes:
        out.print("no document annotated by the selected annotators")
    if run.unadjudicable:
        out.print(plain(f"unadjudicable (fewer than {MIN_ANNOTATORS} annotators): {', '.join(run.unadjudicable)}"))
    if run.problems:
        raise AnnotatorError("\n".join(run.problems))
    return 0
