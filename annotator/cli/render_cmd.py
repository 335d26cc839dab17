"""`annotator render DOC_ID --width N`: print a document's display lines as the reader lays them out."""

from __future__ import annotations

import argparse
import os
import sys

from annotator.cli import Commands
from annotator.core.workspace import BIDI_MODES


def register(sub: Commands, groups: dict[str, Commands]) -> None:
    render = sub.add_parser("render", help="print a document laid out as the reader shows it (plain text)")
    render.add_argument("doc_id")
    render.add_argument("--width", type=int, default=80, help="cells per line (default 80)")
    render.add_argument(
        "--bidi",
        dest="render_bidi",
        choices=BIDI_MODES,
        default=None,
        help="layout mode (default: --bidi / ANNOTATOR_BIDI / config / auto); 'auto' is 'app' into "
        "a pipe or a file, and logical text in a terminal that does BiDi itself",
    )
    render.add_argument("--no-diacritics", action="store_true", help="hide harakat (display only)")
    render.set_defaults(handler=_render)


def _render(args: argparse.Namespace) -> int:
    from annotator.cli import open_workspace
    from annotator.core.corpus import Corpus
    from annotator.core.errors import AnnotatorError
    from annotator.core.terminal import detect, unswitched_mode
    from annotator.core.text.layout import stream_lines

    if args.width < 1:
        raise AnnotatorError(f"width must be at least 1, got {args.width}", "--width")
    ws = open_workspace(args)
    requested, _ = ws.bidi_setting(args.render_bidi or args.bidi)
    # Plain output switches nothing in the terminal, so the user's display-check answer (given
    # with the terminal's BiDi switched off) does not apply here.
    mode = unswitched_mode(requested, detect(os.environ), sys.stdout.isatty())
    text = Corpus.checked(ws.corpus_dir).text(args.doc_id)
    out = sys.stdout
    for line in stream_lines(text, args.width, mode, diacritics=not args.no_diacritics):  # written as laid out
        out.write((" " * line.indent + line.text).rstrip() + "\n")
    return 0
