"""CoNLL: one token per line, tab-separated, token first, then one tag column per nesting level
(outer first) and, with ``--events``, a last column of trigger tags. A blank line ends each
sentence; each document opens with ``-DOCSTART-`` and as many ``O`` columns as there are tags.
"""

from __future__ import annotations

from annotator.core.export.tagging import Tagged

EXTENSION = "conll"
DOCSTART = "-DOCSTART-"


def render(tagged: Tagged, levels: int) -> str:
    """The document as CoNLL text with ``levels`` entity columns (padded with O)."""
    n = len(tagged.words)
    columns = tagged.columns + [["O"] * n] * (levels - len(tagged.columns))
    if tagged.triggers is not None:
        columns = [*columns, tagged.triggers]
    if len(columns) == 1:
        lines = [w + "\t" + t for w, t in zip(tagged.words, columns[0])]
    else:
        lines = list(map("\t".join, zip(tagged.words, *columns)))
    parts = [DOCSTART + "\tO" * len(columns) + "\n\n"]
    for a, b in tagged.sentences:
        parts.append("\n".join(lines[a:b]))
        parts.append("\n\n")
    return "".join(parts)
