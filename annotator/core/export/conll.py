"""CoNLL: one token per line, tab-separated, token first, then one tag column per nesting level
(outer first) and, with ``--events``, a last column of trigger tags. A blank line ends each
sentence; each document opens with ``-DOCSTART-`` and as many ``O`` columns as there are tags.
"""

from __future__ import annotations

from annotator.core.export.tagging import Tagged

EXTENSION = "conll"
DOCSTART = "-DOCSTART-"


def render(tagged: Tagged, levels: int | None = None) -> str:
    """The document as CoNLL text with ``levels`` entity columns (default: its own; padded with O)."""
    n = len(tagged.words)
    columns = tagged.columns
    if levels is not None and levels > len(columns):
        columns = columns + [["O"] * n] * (levels - len(columns))
    if tagged.triggers is not None:
        columns = [*columns, tagged.triggers]
    lines = list(map("\t".join, zip(tagged.words, *columns)))
    for _, end in tagged.sentences:
        lines[end - 1] += "\n"  # the blank line after each sentence
    head = DOCSTART + "\tO" * len(columns) + "\n\n"
    return head + "\n".join(lines) + "\n" if lines else head


def pad(chunk: str, missing: int, events: bool) -> str:
    """A rendered document given ``missing`` more (all O) entity columns, before any trigger column."""
    if missing <= 0:
        return chunk
    fill = "\tO" * missing
    out = []
    for line in chunk.split("\n"):
        if line and events:
            head, _, last = line.rpartition("\t")
            line = f"{head}{fill}\t{last}"
        elif line:
            line += fill
        out.append(line)
    return "\n".join(out)
