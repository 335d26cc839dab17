"""From character spans to per-token tags and back.

- Tokens: ``word`` tokens come from ``annotator.core.text.tokens.tokenize``; ``clitic``
  tokens are word tokens cut wherever a span boundary falls inside one
  (``بالبوكمال`` with ``البوكمال`` labelled gives ``ب`` and ``البوكمال``). Cutting never
  drops or reorders a character.
- A character span becomes the token index span of the tokens it overlaps.
- Nesting: ``outermost`` keeps the longest span (ties: earliest start, then label) and
  drops what overlaps it; ``levels`` puts the outer spans in the first column and each
  deeper level in the next one (Wojood style).
- Schemes: IOB2 (``B-X I-X``) and BIOES (``S-X``, ``B-X I-X E-X``) are written;
  ``decode`` reads IOB1, IOB2 and BIOES alike.
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

SCHEMES = ("iob2", "bioes")
NESTED = ("outermost", "columns")
TOKENS = ("word", "clitic")
TAG = re.compile(r"O|[BIES]-\S+")

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


def to_token_spans(starts: Sequence[int], ends: Sequence[int], spans: Iterable[Span]) -> tuple[list[Span], int]:
    """Character spans as token index spans over the tokens they overlap; also how many overlap none."""
    out, missed = [], 0
    for start, end, label in spans:
        first = bisect_right(ends, start)
        last = bisect_left(starts, end)
        if first < last:
            out.append((first, last, label))
        else:
            missed += 1
    return out, missed


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
    bioes = scheme == "bioes"
    for start, end, label in spans:
        if bioes and end - start == 1:
            out[start] = "S-" + label
            continue
        out[start] = "B-" + label
        if end - start > 1:
            inside = "I-" + label
            for k in range(start + 1, end):
                out[k] = inside
            if bioes:
                out[end - 1] = "E-" + label
    return out


def decode(tag_seq: Sequence[str]) -> list[Span]:
    """Token index spans of a tag sequence in IOB1, IOB2 or BIOES (an I- after O starts a span)."""
    out: list[Span] = []
    start, label = -1, ""
    for i, tag in enumerate(tag_seq):
        if tag == "O":
            if start >= 0:
                out.append((start, i, label))
                start = -1
            continue
        prefix, name = tag[0], tag[2:]
        if prefix in "BS" or start < 0 or name != label:
            if start >= 0:
                out.append((start, i, label))
            start, label = i, name
        if prefix in "ES":
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
    """One document ready to write: tokens, sentences, tag columns."""

    doc_id: str
    words: list[str]
    sentences: list[tuple[int, int]]  # token index ranges
    columns: list[list[str]]  # entity tag columns, outer level first (at least one)
    triggers: list[str] | None  # event trigger tags (with --events)
    labels: Counter = field(default_factory=Counter)  # exported entities per label
    event_types: Counter = field(default_factory=Counter)  # exported triggers per type
    dropped: Counter = field(default_factory=Counter)  # nested entities dropped, per label
    dropped_triggers: int = 0
    unaligned: int = 0  # spans over white space only
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
) -> Tagged:
    spans = doc_tokens(text, doc, tokens, events)
    starts, ends = zip(*spans) if spans else ((), ())
    n = len(spans)
    entity_spans, unaligned = to_token_spans(starts, ends, ((e.start, e.end, e.label) for e in doc.entities))
    if nested == "columns":
        rows, dropped = levels(entity_spans)
        rows = rows or [[]]
    else:
        kept, dropped = outermost(entity_spans)
        rows = [kept]
    used = [s for row in rows for s in row]
    trigger_tags = None
    trigger_kept: list[Span] = []
    dropped_triggers = 0
    if events:
        trigger_spans, missed = to_token_spans(starts, ends, ((v.start, v.end, v.type) for v in doc.events))
        unaligned += missed
        trigger_kept, lost = outermost(trigger_spans)
        dropped_triggers = len(lost)
        trigger_tags = tags(n, trigger_kept, scheme)
    sentences, merged = sentence_ranges(starts, split_sentences(text), used + trigger_kept)
    return Tagged(
        doc_id=doc.doc_id,
        words=list(map(text.__getitem__, starmap(slice, spans))),
        sentences=sentences,
        columns=[tags(n, row, scheme) for row in rows],
        triggers=trigger_tags,
        labels=Counter(s[2] for s in used),
        event_types=Counter(s[2] for s in trigger_kept),
        dropped=Counter(s[2] for s in dropped),
        dropped_triggers=dropped_triggers,
        unaligned=unaligned,
        merged_sentences=merged,
    )


def label_list(labels: Iterable[str], scheme: str = "iob2") -> list[str]:
    """``O`` then the tags of each label (sorted by name): B, I (and E, S for BIOES)."""
    prefixes = ("B", "I", "E", "S") if scheme == "bioes" else ("B", "I")
    return ["O", *(f"{p}-{name}" for name in sorted(set(labels)) for p in prefixes)]
