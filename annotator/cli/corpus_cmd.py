"""`annotator init DIR` and `annotator import texts PATH...`."""

from __future__ import annotations

import argparse
from pathlib import Path

from annotator.cli import Commands, say
from annotator.core.workspace import DEFAULT_GUIDELINES


def register(sub: Commands, groups: dict[str, Commands]) -> None:
    init = sub.add_parser("init", help="create a workspace: empty, or with --example the seed corpus")
    init.add_argument("directory", type=Path)
    init.add_argument("--name", help="project name (default: the folder name)")
    init.add_argument(
        "--guidelines", default=DEFAULT_GUIDELINES, help=f"guidelines version (default {DEFAULT_GUIDELINES})"
    )
    init.add_argument(
        "--example",
        action="store_true",
        help="start with the bundled seed corpus (five Arabic news articles) instead of an empty one",
    )
    init.set_defaults(handler=_init, takes_workspace=False)  # DIR is the workspace it makes

    texts = groups["import"].add_parser(
        "texts", help="add .txt files or folders of them to the corpus (all or nothing)"
    )
    texts.add_argument("paths", nargs="+", type=Path)
    texts.set_defaults(handler=_import_texts)


def _init(args: argparse.Namespace) -> int:
    from annotator.core.workspace import init_workspace

    ws = init_workspace(args.directory, args.name, args.guidelines, example=args.example)
    corpus = ", seed corpus" if args.example else ""
    say(f"created workspace {ws.config.name!r} in {ws.root} (guidelines {ws.config.guidelines}{corpus})")
    return 0


def _import_texts(args: argparse.Namespace) -> int:
    from annotator.cli import open_workspace
    from annotator.core.corpus import Corpus

    ws = open_workspace(args)
    corpus = Corpus(ws.corpus_dir)
    added, unchanged = corpus.import_texts(args.paths)
    for info in added:
        notes = [n for n, on in (("BOM dropped", info.bom), (f"{info.crlf} CRLF to LF", info.crlf)) if on]
        say(f"imported {info.id} ({info.chars} chars{', ' + ', '.join(notes) if notes else ''})")
    if unchanged:
        print(f"{len(unchanged)} already in the corpus with the same text")
    print(f"corpus: {len(corpus)} documents")
    return 0
