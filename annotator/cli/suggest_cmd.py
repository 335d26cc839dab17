"""`annotator suggest DOC_ID [--annotator NAME] [--format jsonl|table]`: what the reader would propose."""

from __future__ import annotations

import argparse

from annotator.cli import Commands

DESCRIPTION = """\
The suggestions the reader shows an annotator in one document, for scripts and tests:
every source together (string matching on what the annotator and gold annotated and on the
guidelines' examples; models imported with 'import annotations --as-suggestions'), less the
spans the annotator already annotated and the suggestions they rejected.

Each suggestion: start and end (code points into the stored text, end exclusive), label, the
text it covers, its source and score (how sure the source is, 0 to 1; string matching: the
label's share of the times the name was labelled, a guidelines example counting once).
jsonl: one JSON object a line; table: also why. Exit status 0; 2 on a bad workspace,
document or name.
"""


def register(sub: Commands, groups: dict[str, Commands]) -> None:
    cmd = sub.add_parser(
        "suggest",
        help="the suggestions for one document (string matching and imported models), as JSON lines or a table",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cmd.add_argument("doc_id", metavar="DOC_ID")
    cmd.add_argument(
        "--annotator",
        dest="suggest_annotator",
        metavar="NAME",
        default=None,
        help="for whom (default: as the app finds it: $ANNOTATOR, else the remembered name)",
    )
    cmd.add_argument(
        "--format", dest="suggest_format", choices=("jsonl", "table"), default="jsonl", help="jsonl (default) or table"
    )
    cmd.set_defaults(handler=_suggest)


def _suggest(args: argparse.Namespace) -> int:
    import orjson

    from annotator.cli import console, open_workspace, plain, say
    from annotator.core.corpus import Corpus, check_doc_id
    from annotator.core.errors import AnnotatorError
    from annotator.core.identity import resolve_name
    from annotator.core.suggestions.lexicon import Lexicon
    from annotator.core.suggestions.service import suggestions_for

    name = resolve_name(args.suggest_annotator or args.annotator)
    if name is None:
        raise AnnotatorError("for whom?", "--annotator", "give --annotator NAME or set $ANNOTATOR")
    ws = open_workspace(args)
    doc_id = check_doc_id(args.doc_id, "DOC_ID")
    corpus = Corpus(ws.corpus_dir)
    if doc_id not in corpus:
        raise AnnotatorError(f"no document {doc_id!r} in the corpus", "DOC_ID", "see corpus/index.jsonl")
    lexicon = Lexicon.for_annotator(ws, name, corpus=corpus)  # the index read once (0.7 s at 100,000 documents)
    found = suggestions_for(ws, name, doc_id, text=corpus.text(doc_id), lexicon=lexicon)
    if args.suggest_format == "jsonl":
        for s in found:
            say(orjson.dumps(s.to_json()).decode())
        return 0
    from rich.table import Table

    table = Table(title=plain(f"{len(found)} suggestion(s) for {name} in {doc_id}"))
    for column in ("start", "end", "label", "text", "source", "score", "why"):
        table.add_column(column, justify="right" if column in ("start", "end", "score") else "left")
    for s in found:
        score = "" if s.score is None else f"{s.score:.2f}"
        table.add_row(*(plain(v) for v in (s.start, s.end, s.label, s.text, s.source, score, s.why)))
    console().print(table)
    return 0
