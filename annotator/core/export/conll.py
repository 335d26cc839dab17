"""CoNLL: one token per line, tab-separated, token first, then one tag column per nesting level
(outer first) and, with ``--events``, a last column of trigger tags. A blank line ends each
sentence. Each document opens with ``-DOCSTART- -X- O O`` and a blank line: CoNLL-2003's own
document line, the exact string spaCy's ``convert`` splits documents on; other readers skip a
line that starts with ``-DOCSTART-`` (Hugging Face's CoNLL scripts, this program's import) or
take it as a one-token boundary sentence (Flair: ``column_delimiter="\\t"`` and
``document_separator_token="-DOCSTART- -X- O O"`` keep its spaces out of the tag columns).
"""

from __future__ import annotations

from annotator.core.export.tagging import Tagged

EXTENSION = "conll"
DOCSTART = "-DOCSTART-"
DOCSTART_LINE = "-DOCSTART- -X- O O"  # CoNLL-2003's document line, as spaCy's converter looks for it


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
    head = DOCSTART_LINE + "\n\n"
    return head + "\n".join(lines) + "\n" if lines else head


def pad(chunk: str, missing: int, events: bool) -> str:
    """A rendered document given ``missing`` more (all O) entity columns, before any trigger column."""
    if missing <= 0:
        return chunk
    fill = "\tO" * missing
    out = []
    for line in chunk.split("\n"):
        if line == DOCSTART_LINE:
            pass
        elif line and events:
            head, _, last = line.rpartition("\t")
            line = f"{head}{fill}\t{last}"
        elif line:
            line += fill
        out.append(line)
    return "\n".join(out)


def column_names(levels: int, events: bool) -> list[str]:
    """What each column holds, for the manifest (and a reader's column map): ``token``, ``ner``
    (the outer level), ``ner_2``... (each one deeper), ``trigger``."""
    names = ["token", *(("ner" if k == 1 else f"ner_{k}") for k in range(1, levels + 1))]
    return [*names, "trigger"] if events else names
