"""From character spans to per-token tags and back.

- Tokens: ``word`` tokens come from ``annotator.core.text.tokens.tokenize``; ``clitic``
  tokens are word tokens cut wherever a span boundary falls inside one
  (``بالبوكمال`` with ``البوكمال`` labelled gives ``ب`` and ``البوكمال``). Cutting never
  drops or reorders a character.
- A character span becomes the token index span of the tokens it overlaps. A span whose
  start or end falls inside a token (``البوكمال`` in ``والبوكمال`` with word tokens) is
  *misaligned*: ``widen`` keeps it as the whole tokens, ``drop`` leaves it out; both are
  counted, and the first one is kept to be named. Clitic tokens cut words at every span
  boundary, so nothing is misaligned there.
- Nesting: ``outermost`` keeps the longest span (ties: earliest start, then label) and
  drops what overlaps it; ``levels`` puts the outer spans in the first column and each
  deeper level in the next one (Wojood style).
- Schemes: IOB2 (``B-X I-X``), BIOES (``S-X``, ``B-X I-X E-X``) and BILOU (``U-X``,
  ``B-X I-X L-X``, spaCy's) are written; ``decode`` reads IOB1, IOB2, BIOES and BILOU alike.
- Sentences: token ranges from ``split_sentences``, merged where a span crosses a break.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import starmap

from annotator.core.annotations.model import DocumentAnnotations
from annotator.core.text.sentences import split_sentences
from annotator.core.text.tokens import tokenize

SCHEMES = ("iob2", "bioes", "bilou")
NESTED = ("outermost", "columns")
TOKENS = ("word", "clitic")
MISALIGNED = ("widen", "drop", "error")
TAG = re.compile(r"O|[BIESLU]-\S+")
# The prefixes of each scheme: begin, inside, last, single (iob2 has no last or single of its own).
_PREFIXES = {"iob2": ("B", "I", "I", "B"), "bioes": ("B", "I", "E", "S"), "bilou": ("B", "I", "L", "U")}

Span = tuple[int, int, str]  # start, end (exclusive), label: characters or token indices


def clitic_split(tokens: Sequence[tuple[int, int]], boundaries: Iterable[int]) -> list[tuple[int, int]]:
    """``tokens`` with each one cut at every boundary strictly inside it."""
    starts = [s for s, _ in tokens]
    cuts: dict[int, list[int]] = {}  # token index -> cut points inside it
    for b in set(boundaries):
        i = bisect_right(starts, b) - 1
        if i >= 0 and tokens[i][0] < b < tokens[i][1]:
            cuts.setdefault(i, []).append(b)
    if not cuts:
        return list(tokens)
    out: list[tuple[int, int]] = []
    done = 0
    for i in sorted(cuts):
        out.extend(tokens[done:i])
        start, end = tokens[i]
        for b in sorted(cuts[i]):
            out.append((start, b))
            start = b
        out.append((start, end))
        done = i + 1
    out.extend(tokens[done:])
    return out


def token_range(starts: Sequence[int], ends: Sequence[int], start: int, end: int) -> tuple[int, int] | None:
    """The token indices ``[first, last)`` a character span overlaps; None when it overlaps none."""
    first = bisect_right(ends, start)
    last = bisect_left(starts, end)
    return (first, last) if first < last else None


@dataclass(frozen=True, slots=True)
class Misaligned:
    """A span that starts or ends inside a token, with what the error line names."""

    doc_id: str
    item: str  # entity or event id
    label: str
    start: int
    end: int
    text: str  # the span's characters
    words: str  # the characters of the tokens it overlaps

    def describe(self) -> str:
        return (
            f"{self.doc_id} {self.item} {self.label} [{self.start}, {self.end}) {self.text!r} "
            f"is part of the token(s) {self.words!r}"
        )


@dataclass(slots=True)
class Placed:
    """Character spans placed on tokens under one ``misaligned`` policy, with what it did."""

    spans: list[Span] = field(default_factory=list)  # token index spans
    unaligned: int = 0  # over white space only: no token
    widened: int = 0  # misaligned, kept as whole tokens (``widen``, and ``error``, which writes nothing)
    dropped: int = 0  # misaligned, left out (``drop``)
    first: Misaligned | None = None


def place(
    text: str,
    doc_id: str,
    tokens: Sequence[tuple[int, int]],
    items: Iterable[tuple[str, int, int, str]],
    misaligned: str = "widen",
) -> Placed:
    """Each (id, start, end, label) as the token span it overlaps, misaligned ones widened or dropped."""
    starts = [s for s, _ in tokens]
    ends = [e for _, e in tokens]
    out = Placed()
    for item, start, end, label in items:
        found = token_range(starts, ends, start, end)
        if found is None:
            out.unaligned += 1
            continue
        first, last = found
        if starts[first] < start or ends[last - 1] > end:
            if out.first is None:
                words = text[starts[first] : ends[last - 1]]
                out.first = Misaligned(doc_id, item, label, start, end, text[start:end], words)
            if misaligned == "drop":
                out.dropped += 1
                continue
            out.widened += 1
        out.spans.append((first, last, label))
    return out


def outermost(spans: Iterable[Span]) -> tuple[list[Span], list[Span]]:
    """(kept, dropped): the longest span wins, ties to the earliest start, then the label."""
    kept: list[Span] = []
    dropped: list[Span] = []
    taken: set[int] = set()  # token indices covered by a kept span
    for span in sorted(spans, key=lambda s: (s[0] - s[1], s[0], s[2])):
        inside = range(span[0], span[1])
        if taken.isdisjoint(inside):
            kept.append(span)
            taken.update(inside)
        else:
            dropped.append(span)
    return sorted(kept), dropped


def levels(spans: Iterable[Span]) -> tuple[list[list[Span]], list[Span]]:
    """Spans spread over nesting levels, outer first; also the exact repeats that were dropped."""
    unique = sorted(set(spans), key=lambda s: (s[0], -s[1], s[2]))
    repeats = list((Counter(spans) - Counter(unique)).elements())
    rows: list[list[Span]] = []
    row_end: list[int] = []
    for span in unique:
        level = next((k for k, end in enumerate(row_end) if end <= span[0]), len(rows))
        if level == len(rows):
            rows.append([])
            row_end.append(0)
        rows[level].append(span)
        row_end[level] = span[1]
    return rows, repeats


def tags(n: int, spans: Iterable[Span], scheme: str = "iob2") -> list[str]:
    """Tags of ``n`` tokens for non-overlapping token index spans."""
    out = ["O"] * n
    begin, inside, last, single = _PREFIXES[scheme]
    for start, end, label in spans:
        if end - start == 1:
            out[start] = f"{single}-{label}"
            continue
        out[start] = f"{begin}-{label}"
        for k in range(start + 1, end - 1):
            out[k] = f"{inside}-{label}"
        out[end - 1] = f"{last}-{label}"
    return out


def decode(tag_seq: Sequence[str]) -> list[Span]:
    """Token index spans of a tag sequence in IOB1, IOB2, BIOES or BILOU (an I- after O starts a span)."""
    out: list[Span] = []
    start, label = -1, ""
    for i, tag in enumerate(tag_seq):
        if tag == "O":
            if start >= 0:
                out.append((start, i, label))
                start = -1
            continue
        prefix, name = tag[0], tag[2:]
        if prefix in "BSU" or start < 0 or name != label:
            if start >= 0:
                out.append((start, i, label))
            start, label = i, name
        if prefix in "ESLU":
            out.append((start, i + 1, label))
            start = -1
    if start >= 0:
        out.append((start, len(tag_seq), label))
    return out


def sentence_ranges(
    starts: Sequence[int], sentences: Iterable[tuple[int, int]], spans: Iterable[Span]
) -> tuple[list[tuple[int, int]], int]:
    """Token ranges of the sentences, merged where a token span crosses a break; also how many merges."""
    n = len(starts)
    breaks = sorted({bisect_left(starts, s) for s, _ in sentences} - {0, n})
    inside = {k for s, e, _ in spans for k in range(s + 1, e)}  # breaks no span may cross
    kept = [b for b in breaks if b not in inside]
    bounds = [0, *kept, n] if n else []
    return [(a, b) for a, b in zip(bounds, bounds[1:]) if a < b], len(breaks) - len(kept)


@dataclass(slots=True)
class Tagged:
    """One document ready to write: tokens, sentences, tag columns, and the spans they come from."""

    doc_id: str
    words: list[str]
    sentences: list[tuple[int, int]]  # token index ranges
    columns: list[list[str]]  # entity tag columns, outer level first (at least one)
    triggers: list[str] | None  # event trigger tags (with --events)
    offsets: list[tuple[int, int]] = field(default_factory=list)  # each token's characters
    entities: list[Span] = field(default_factory=list)  # every entity placed on tokens, nested ones too
    outer: list[Span] = field(default_factory=list)  # the first column's entities (none overlap)
    trigger_spans: list[Span] = field(default_factory=list)  # the triggers tagged (with --events)
    labels: Counter = field(default_factory=Counter)  # exported entities per label
    event_types: Counter = field(default_factory=Counter)  # exported triggers per type
    dropped: Counter = field(default_factory=Counter)  # nested entities dropped, per label
    dropped_triggers: int = 0
    unaligned: int = 0  # spans over white space only
    widened: int = 0  # spans starting or ending inside a token, kept as whole tokens
    dropped_misaligned: int = 0  # such spans left out (--misaligned drop)
    first_misaligned: Misaligned | None = None
    merged_sentences: int = 0


def doc_tokens(text: str, doc: DocumentAnnotations, mode: str = "word", events: bool = False) -> list[tuple[int, int]]:
    tokens = tokenize(text)
    if mode == "clitic":
        bounds = [b for e in doc.entities for b in (e.start, e.end)]
        if events:
            bounds += [b for v in doc.events for b in (v.start, v.end)]
        tokens = clitic_split(tokens, bounds)
    return tokens


def tag_document(
    text: str,
    doc: DocumentAnnotations,
    *,
    tokens: str = "word",
    scheme: str = "iob2",
    nested: str = "outermost",
    events: bool = False,
    misaligned: str = "widen",
) -> Tagged:
    spans = doc_tokens(text, doc, tokens, events)
    starts = [s for s, _ in spans]
    n = len(spans)
    entities = place(text, doc.doc_id, spans, ((e.id, e.start, e.end, e.label) for e in doc.entities), misaligned)
    if nested == "columns":
        rows, dropped = levels(entities.spans)
        rows = rows or [[]]
    else:
        kept, dropped = outermost(entities.spans)
        rows = [kept]
    used = [s for row in rows for s in row]
    trigger_tags = None
    trigger_kept: list[Span] = []
    dropped_triggers = 0
    triggers = Placed()
    if events:
        triggers = place(text, doc.doc_id, spans, ((v.id, v.start, v.end, v.type) for v in doc.events), misaligned)
        trigger_kept, lost = outermost(triggers.spans)
        dropped_triggers = len(lost)
        trigger_tags = tags(n, trigger_kept, scheme)
    sentences, merged = sentence_ranges(starts, split_sentences(text), used + trigger_kept)
    return Tagged(
        doc_id=doc.doc_id,
        words=list(map(text.__getitem__, starmap(slice, spans))),
        sentences=sentences,
        columns=[tags(n, row, scheme) for row in rows],
        triggers=trigger_tags,
        offsets=list(spans),
        entities=entities.spans,
        outer=rows[0],
        trigger_spans=trigger_kept,
        labels=Counter(s[2] for s in used),
        event_types=Counter(s[2] for s in trigger_kept),
        dropped=Counter(s[2] for s in dropped),
        dropped_triggers=dropped_triggers,
        unaligned=entities.unaligned + triggers.unaligned,
        widened=entities.widened + triggers.widened,
        dropped_misaligned=entities.dropped + triggers.dropped,
        first_misaligned=entities.first or triggers.first,
        merged_sentences=merged,
    )


def label_list(labels: Iterable[str], scheme: str = "iob2") -> list[str]:
    """``O`` then the tags of each label (sorted by name): B, I (and E, S for BIOES; L, U for BILOU)."""
    begin, inside, last, single = _PREFIXES[scheme]
    prefixes = list(dict.fromkeys((begin, inside, last, single)))
    return ["O", *(f"{p}-{name}" for name in sorted(set(labels)) for p in prefixes)]
