"""`annotator import annotations FILE --annotator NAME [--format jsonl|conll]`, or a model's predictions
`--as-suggestions --source NAME` (annotator.core.suggestions.importing)."""

from __future__ import annotations

import argparse
from pathlib import Path

from annotator.cli import Commands, say
from annotator.core.annotations.model import STATUSES

FORMATS = ("jsonl", "conll")


def register(sub: Commands, groups: dict[str, Commands]) -> None:
    cmd = groups["import"].add_parser(
        "annotations", help="import annotations (interchange JSON Lines or CoNLL) for one annotator, all or nothing"
    )
    cmd.add_argument("file", type=Path)
    cmd.add_argument(
        "--annotator",
        dest="import_annotator",
        metavar="NAME",
        default=None,
        help="whose annotations these become (required; 'gold' only when named explicitly)",
    )
    cmd.add_argument(
        "--format",
        dest="import_format",
        choices=FORMATS,
        default=None,
        help="default: conll for .conll files, else jsonl",
    )
    cmd.add_argument(
        "--replace", action="store_true", help="overwrite the annotator's existing files for these documents"
    )
    cmd.add_argument(
        "--doc",
        default=None,
        help="conll: the document(s) of the file, comma-separated in block order (default: matched by their text)",
    )
    cmd.add_argument(
        "--guidelines", default=None, help="conll: the guidelines version the labels follow (default: the workspace's)"
    )
    cmd.add_argument(
        "--status", choices=STATUSES, default=None, help="conll: status of the imported documents (default in_progress)"
    )
    cmd.add_argument(
        "--as-suggestions",
        action="store_true",
        help="a model's predictions: kept as suggestions under suggestions/models/<source>/, never annotations "
        "(JSON Lines entities may carry 'score' in [0, 1]); needs --source, takes no --annotator",
    )
    cmd.add_argument("--source", default=None, metavar="NAME", help="with --as-suggestions: the model's name")
    cmd.set_defaults(handler=_import_annotations)


def _import_annotations(args: argparse.Namespace) -> int:
    from annotator.cli import open_workspace
    from annotator.core.errors import AnnotatorError
    from annotator.core.identity import check_name
    from annotator.core.interchange.jsonl import read_jsonl, save_imported

    if args.as_suggestions:
        return _import_suggestions(args)
    if args.source:
        raise AnnotatorError("--source names a model", "--source", "use it with --as-suggestions")
    name = args.import_annotator or args.annotator
    if not name:
        raise AnnotatorError("whose annotations are these?", "--annotator", "give --annotator NAME")
    annotator = check_name(name, "--annotator", allow_gold=True)
    fmt = args.import_format or ("conll" if args.file.suffix.lower() == ".conll" else "jsonl")
    ws = open_workspace(args)
    if fmt == "conll":
        from annotator.core.interchange.conll import read_conll

        doc_ids = [d.strip() for d in args.doc.split(",")] if args.doc else None
        parsed = read_conll(
            args.file, ws, annotator, doc_ids=doc_ids, guidelines=args.guidelines, status=args.status or "in_progress"
        )
    else:
        for flag, value in (("--doc", args.doc), ("--guidelines", args.guidelines), ("--status", args.status)):
            if value:
                raise AnnotatorError(f"{flag} is for CoNLL files", flag, "JSON Lines name them on each line")
        parsed = read_jsonl(args.file, ws, annotator)
    saved = save_imported(ws, annotator, parsed, replace=args.replace)
    for message in parsed.migrated:
        say(f"migrated {message}")
    say(f"imported {len(saved)} document(s) for {annotator} from {args.file}")
    return 0


def _import_suggestions(args: argparse.Namespace) -> int:
    from annotator.cli import open_workspace
    from annotator.core.errors import AnnotatorError
    from annotator.core.suggestions.importing import import_suggestions
    from annotator.core.suggestions.store import check_source

    if args.import_annotator or args.annotator:
        raise AnnotatorError(
            "--annotator does not go with --as-suggestions", "--annotator", "suggestions belong to a --source"
        )
    for flag, value in (("--replace", args.replace), ("--status", args.status)):
        if value:
            raise AnnotatorError(f"{flag} does not go with --as-suggestions", flag, "a source's files are replaced")
    if not args.source:
        raise AnnotatorError("which model are these from?", "--source", "give --source NAME")
    source = check_source(args.source)
    fmt = args.import_format or ("conll" if args.file.suffix.lower() == ".conll" else "jsonl")
    if fmt == "jsonl":
        for flag, value in (("--doc", args.doc), ("--guidelines", args.guidelines)):
            if value:
                raise AnnotatorError(f"{flag} is for CoNLL files", flag, "JSON Lines name them on each line")
    ws = open_workspace(args)
    doc_ids = [d.strip() for d in args.doc.split(",")] if args.doc else None
    done = import_suggestions(ws, args.file, source, fmt, doc_ids=doc_ids, guidelines=args.guidelines)
    for message in done.migrated:
        say(f"migrated {message}")
    if done.events_left_out:
        say(f"left out {done.events_left_out} event(s): suggestions are entity spans")
    say(f"imported {done.suggestions} suggestion(s) for {done.documents} document(s) from {args.file}")
    say(f"source {source}: never counted as annotations until an annotator accepts them")
    return 0
