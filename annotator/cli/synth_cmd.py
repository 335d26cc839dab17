"""`annotator synth --docs N --annotators K --seed S --out DIR`: a synthetic annotated workspace."""

from __future__ import annotations

import argparse
from pathlib import Path

from annotator.cli import Commands, say


def register(sub: Commands, groups: dict[str, Commands]) -> None:
    cmd = sub.add_parser(
        "synth",
        help="create a synthetic workspace: documents from the seed corpus, a gold standard and noisy annotators",
        description="Documents are sentences drawn from the seed corpus; the gold standard has entities on token "
        "boundaries and events whose argument roles the schema accepts; each simulated annotator "
        "copies the gold with label noise, boundary shifts and misses. Deterministic from --seed.",
    )
    cmd.add_argument("--out", type=Path, required=True, metavar="DIR", help="the new workspace folder")
    cmd.add_argument("--docs", type=int, required=True, metavar="N", help="number of documents")
    cmd.add_argument("--annotators", type=int, default=3, metavar="K", help="simulated annotators (default 3)")
    cmd.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    cmd.add_argument(
        "--label-noise",
        type=float,
        default=0.1,
        metavar="P",
        help="probability that an entity (event) gets another label (type) (default 0.1)",
    )
    cmd.add_argument(
        "--shift",
        type=float,
        default=0.05,
        metavar="P",
        help="probability that a span's start or end moves by one token (default 0.05)",
    )
    cmd.add_argument(
        "--miss",
        type=float,
        default=0.05,
        metavar="P",
        help="probability that an entity, event or argument is left out (default 0.05)",
    )
    cmd.add_argument("--entities", type=int, default=40, metavar="N", help="gold entities per document (default 40)")
    cmd.add_argument("--events", type=int, default=8, metavar="N", help="gold events per document (default 8)")
    cmd.add_argument(
        "--done",
        type=float,
        default=1.0,
        metavar="P",
        help="probability that an annotator's file has status done, else in_progress (default 1)",
    )
    cmd.add_argument("--no-gold", dest="gold", action="store_false", help="do not write annotations/gold")
    cmd.set_defaults(handler=_synth, takes_workspace=False)  # --out is the workspace it makes


def _synth(args: argparse.Namespace) -> int:
    import time

    from annotator.synthetic import generate

    start = time.perf_counter()
    result = generate(
        args.out,
        docs=args.docs,
        annotators=args.annotators,
        seed=args.seed,
        label_noise=args.label_noise,
        shift=args.shift,
        miss=args.miss,
        entities=args.entities,
        events=args.events,
        done=args.done,
        gold=args.gold,
    )
    names = result.annotators
    shown = ", ".join(names) if len(names) <= 6 else f"{names[0]} ... {names[-1]}"
    say(
        f"created synthetic workspace {result.workspace.root}: {len(result.doc_ids)} documents, "
        f"{len(names)} annotators ({shown}){' and gold' if args.gold else ''}, {result.files} annotation files "
        f"in {time.perf_counter() - start:.1f} s"
    )
    return 0
