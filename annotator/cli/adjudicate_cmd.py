"""`annotator adjudicate --strategy unanimous|majority|threshold [--min-agree K] [--annotators a,b] [--docs ID,...]
[--list N|all]`: merge into gold, list the documents (at most N, the most open conflicts first) and
totals."""

from __future__ import annotations

import argparse
from collections import Counter
from typing import TYPE_CHECKING

from annotator.cli import Commands
from annotator.core.adjudication.merge import MIN_ANNOTATORS
from annotator.core.adjudication.strategy import STRATEGIES

if TYPE_CHECKING:
    from annotator.core.adjudication.run import DocOutcome

MERGED = ("created", "updated", "unchanged", "adjudicated")  # gold states that have merge figures


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
    p.add_argument(
        "--list",
        type=_listed,
        default=LISTED,
        metavar="N|all",
        help=f"documents listed, one row each (default {LISTED}; when more were merged, those with the most open "
        "conflicts; the totals line counts all of them)",
    )
    p.set_defaults(handler=_adjudicate)


LISTED = 50


def _listed(text: str) -> int | None:
    if text.strip().lower() == "all":
        return None
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"not a number of documents or 'all': {text!r}")
    return n


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
    outcomes = run.outcomes
    cap = args.list
    shown = outcomes if cap is None or len(outcomes) <= cap else _most_conflicts(outcomes, cap)
    which = "" if len(shown) == len(outcomes) else f" (the {len(shown):,} of {len(outcomes):,} documents with the most)"
    table = Table(
        title=plain(
            f"{run.strategy.describe()} of {', '.join(run.annotators)}: agreed units and open conflicts{which}"
        ),
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    table.add_column("document", no_wrap=True)
    for name in ("annotators", "entities", "events", "conflicts"):
        table.add_column(name, justify="right")
    table.add_column("gold")
    merged = MERGED
    for o in shown:
        numbers = (
            [str(o.agreed_entities), str(o.agreed_events), str(o.conflicts)] if o.state in merged else ["-", "-", "-"]
        )
        if o.state == "adjudicated":
            numbers[:2] = ["-", "-"]
        table.add_row(plain(o.doc_id), str(len(o.annotators)), *numbers, o.state)  # an id of markup is data
    if shown:
        out.print(table)
    if outcomes:
        out.print(_totals(outcomes))
    if not run.outcomes:
        out.print("no document annotated by the selected annotators")
    if run.unadjudicable:
        out.print(plain(f"unadjudicable (fewer than {MIN_ANNOTATORS} annotators): {', '.join(run.unadjudicable)}"))
    if run.problems:
        raise AnnotatorError("\n".join(run.problems))
    return 0


def _most_conflicts(outcomes: list[DocOutcome], n: int) -> list[DocOutcome]:
    """The ``n`` documents with the most open conflicts (then by id), in that order."""
    return sorted(outcomes, key=lambda o: (-o.conflicts, o.doc_id))[:n]


def _totals(outcomes: list[DocOutcome]) -> str:
    """One line over every document merged: how many per gold state, and the units."""
    states = Counter(o.state for o in outcomes)
    merged = [o for o in outcomes if o.state in MERGED]
    units = (
        f"{sum(o.agreed_entities for o in merged if o.state != 'adjudicated'):,} agreed entities, "
        f"{sum(o.agreed_events for o in merged if o.state != 'adjudicated'):,} agreed events, "
        f"{sum(o.conflicts for o in merged):,} open conflicts"
    )
    per_state = ", ".join(f"{n:,} {state}" for state, n in sorted(states.items()))
    return f"{len(outcomes):,} documents ({per_state}): {units}"
