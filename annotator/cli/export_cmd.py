"""`annotator export`: training data (JSON Lines, CoNLL, Hugging Face, spaCy) with a manifest."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.cli import Commands, progress_on_stderr, say

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

FORMATS = ("jsonl", "conll", "hf", "spacy")


def register(sub: Commands, groups: dict[str, Commands]) -> None:
    cmd = sub.add_parser("export", help="export annotations for training (jsonl, conll, hf, spacy) with a manifest")
    cmd.add_argument("--source", default="gold", help="gold (default) or an annotator name")
    cmd.add_argument("--docs", default=None, help="only these documents (comma-separated ids)")
    cmd.add_argument("--done-only", action="store_true", help="only documents marked done")
    cmd.add_argument(
        "--format",
        dest="export_format",
        choices=FORMATS,
        default="jsonl",
        help="jsonl (interchange, default), conll, hf (Hugging Face token classification), "
        "or spacy (DocBin files for spacy train; needs the spacy extra)",
    )
    cmd.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output folder, must not exist or be empty (default exports/FORMAT-SOURCE-UTCSTAMP)",
    )
    cmd.add_argument(
        "--split",
        default=None,
        help="train,dev,test percentages, e.g. 80,10,10: each document by a hash of its id and the seed, "
        "so it keeps its split when the corpus grows",
    )
    cmd.add_argument("--seed", type=int, default=0, help="seed of the split (default 0)")
    cmd.add_argument(
        "--scheme",
        choices=("iob2", "bioes", "bilou"),
        default="iob2",
        help="tagging scheme: iob2 (default, read by every reader), bioes (seqeval, Flair), bilou (spaCy, seqeval)",
    )
    cmd.add_argument(
        "--nested",
        choices=("outermost", "columns"),
        default="outermost",
        help="outermost: longest span wins (default); columns: one tag column per nesting level",
    )
    cmd.add_argument("--events", action="store_true", help="add trigger tags (last column / trigger_tags)")
    cmd.add_argument(
        "--tokens",
        choices=("word", "clitic"),
        default="word",
        help="word tokens (default) or split words where a span boundary falls inside them",
    )
    cmd.add_argument(
        "--misaligned",
        choices=("widen", "drop", "error"),
        default="widen",
        help="a span starting or ending inside a word token: widen it to the whole words (default), "
        "drop it, or stop with an error; widened and dropped spans are counted and warned about",
    )
    cmd.add_argument(
        "--jobs", type=int, default=0, help="processes for large exports (default: one per CPU; 1: no extra process)"
    )
    cmd.set_defaults(handler=_export)


def _export(args: argparse.Namespace) -> int:
    from annotator.cli import comma_list, open_workspace
    from annotator.core.corpus import Corpus
    from annotator.core.export import ExportOptions, export, parse_split
    from annotator.core.identity import check_name

    source = check_name(args.source, "--source", allow_gold=True)
    options = ExportOptions(
        format=args.export_format,
        source=source,
        docs=comma_list(args.docs),
        done_only=args.done_only,
        out=args.out,
        split=parse_split(args.split) if args.split is not None else None,
        seed=args.seed,
        scheme=args.scheme,
        nested=args.nested,
        events=args.events,
        tokens=args.tokens,
        misaligned=args.misaligned,
        workers=max(args.jobs, 0),
        command=list(sys.argv),
    )
    ws = open_workspace(args)
    Corpus.checked(ws.corpus_dir)  # a bad index line: refused, not its document silently left out
    if sys.stderr.isatty():
        with _ProgressBar() as bar:
            result = export(ws, options, progress=bar.step)
    else:
        result = export(ws, options)
    manifest = result.manifest
    counts = manifest["counts"]
    say(
        f"exported {counts['documents']} document(s), {counts['entities']} entities, "
        f"{counts['events']} events to {result.out}"
    )
    if manifest["dropped_nested"]:
        say(f"{manifest['dropped_nested']} nested entities dropped (see manifest.json)")
    for key, what in (("widened_spans", "widened to whole tokens"), ("dropped_misaligned", "left out")):
        if manifest[key]:
            say(
                f"annotator: warning: {manifest[key]} span(s) start or end inside a token and were {what} "
                f"(manifest.json {key}; --tokens clitic cuts tokens at span boundaries)",
                err=True,
            )
    for name, ids in manifest["documents"].items():
        if not ids:
            say(f"annotator: warning: the {name} split is empty", err=True)
    return 0


class _ProgressBar:
    """A rich progress bar on stderr, shown once an export turns out to be long."""

    LONG = 200  # documents

    def __init__(self) -> None:
        self.bar: tuple[Progress, TaskID] | None = None  # made on the first step of a long export

    def step(self, done: int, total: int) -> None:
        if total < self.LONG:
            return
        if self.bar is None:
            progress = progress_on_stderr("exporting", remaining=True)
            self.bar = (progress, progress.add_task("export", total=total))
        if done % 50 == 0 or done == total:
            progress, task = self.bar
            progress.update(task, completed=done, total=total)

    def __enter__(self) -> _ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar[0].stop()
