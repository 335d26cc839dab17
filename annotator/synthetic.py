"""Synthetic annotated corpora for tests and benchmarks, deterministic from a seed.

:func:`generate` creates a complete workspace: documents made of sentences drawn from
the bundled seed corpus (:func:`annotator.bundled.seed_corpus`, split with
:func:`annotator.core.text.sentences.split_sentences`), a gold standard (``annotations/gold``)
of about ``entities`` entity spans on token boundaries with labels from the schema and
``events`` events with 1–3 arguments whose roles the schema accepts for the argument's
label, and ``annotators`` simulated annotators derived from the gold with controlled
noise, each draw independent:

- ``label_noise``: an entity gets another label of the schema, an event another type;
- ``shift``: an entity's start or end moves by one token, a trigger grows by one token;
- ``miss``: an entity, an event or an argument is left out.

The files stay as valid as the editor keeps them (every reader refuses invalid ones,
see :mod:`annotator.core.annotations.loading`): an argument whose role does not accept
the noisy label or type is dropped, an entity shifted onto a span already carrying its
label is left out.

Every document and every annotator has its own random stream (seeded by ``seed``, the
document number and the annotator number), so the same arguments always give the same
files and a larger corpus starts with the documents of a smaller one.

Files are written plainly (no fsync: the workspace is scratch data) in the store's
format; the corpus index is written once, atomically.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import orjson

from annotator import bundled
from annotator.core.annotations.model import FORMAT
from annotator.core.corpus import INDEX_NAME, DocumentInfo, sha256_text, title_of
from annotator.core.errors import AnnotatorError
from annotator.core.guidelines.registry import Vocabulary
from annotator.core.guidelines.schema import Schema, load_schema
from annotator.core.jsonio import atomic_write_bytes, dumps
from annotator.core.text.sentences import split_sentences
from annotator.core.text.tokens import tokenize
from annotator.core.workspace import DEFAULT_GUIDELINES, Workspace, init_workspace

SEED_CORPUS = bundled.seed_corpus()
ANNOTATOR_PREFIX = "ann"
GOLD = "gold"
SPAN_LENGTHS = (1, 1, 1, 1, 2, 2, 2, 3, 3)  # entity length in tokens: mostly one or two
STAMP = "2020-01-03T00:00:00.000+00:00"  # created/modified/imported: fixed, so the files depend on the seed only


@dataclass(frozen=True, slots=True)
class _Sentence:
    text: str
    tokens: tuple[tuple[int, int], ...]
    words: tuple[bool, ...]  # token is a word (a letter or digit first), not punctuation


@dataclass(slots=True)
class _Entity:
    start: int  # token index
    end: int  # token index, exclusive
    label: str


@dataclass(slots=True)
class _Event:
    trigger: int  # token index
    end: int  # token index, exclusive
    type: str
    arguments: list[tuple[str, int]]  # (role, index into the entity list)
    number: int = 0  # the gold event's position: E<number + 1> in every file


@dataclass(frozen=True, slots=True)
class SynthResult:
    workspace: Workspace
    doc_ids: list[str]
    annotators: list[str]
    files: int  # annotation files written, gold included


def annotator_names(count: int) -> list[str]:
    width = len(str(count))
    return [f"{ANNOTATOR_PREFIX}{k + 1:0{width}d}" for k in range(count)]


def seed_sentences(corpus_dir: Traversable = SEED_CORPUS) -> list[_Sentence]:
    """The one-line sentences of the seed corpus, tokenized, in file order."""
    files = sorted((p for p in corpus_dir.iterdir() if p.name.endswith(".txt")), key=lambda p: p.name)
    texts = [p.read_text(encoding="utf-8") for p in files]
    pieces = [text[s:e] for text in texts for s, e in split_sentences(text)]
    pieces = [p for p in pieces if "\n" not in p]
    out = []
    for piece in pieces:
        tokens = tuple(tokenize(piece))
        words = tuple(piece[s].isalnum() for s, _ in tokens)
        if any(words):
            out.append(_Sentence(piece, tokens, words))
    return out


def _check(docs: int, annotators: int, probabilities: dict[str, float], entities: int, events: int) -> None:
    problems = []
    if docs < 1:
        problems.append(f"--docs: need at least one document, got {docs}")
    if not 1 <= annotators <= 999:
        problems.append(f"--annotators: need 1 to 999 annotators, got {annotators}")
    for name, p in probabilities.items():
        if not 0.0 <= p <= 1.0:
            problems.append(f"--{name}: a probability between 0 and 1, got {p}")
    if entities < 0 or events < 0:
        problems.append("--entities/--events: counts cannot be negative")
    if events > 0 and entities < 1:
        problems.append("--events: events need at least one entity per document for their arguments")
    if problems:
        raise AnnotatorError("\n".join(problems))


def generate(
    root: Path,
    *,
    docs: int,
    annotators: int = 3,
    seed: int = 0,
    label_noise: float = 0.1,
    shift: float = 0.05,
    miss: float = 0.05,
    entities: int = 40,
    events: int = 8,
    done: float = 1.0,
    gold: bool = True,
    guidelines: str = DEFAULT_GUIDELINES,
) -> SynthResult:
    """Create the workspace ``root`` (it must not be one already) with ``docs`` documents,
    their gold annotations and those of ``annotators`` simulated annotators.

    ``done``: probability that an annotator's file has status done (else in_progress).
    """
    _check(docs, annotators, {"label-noise": label_noise, "shift": shift, "miss": miss, "done": done}, entities, events)
    ws = init_workspace(root, guidelines=guidelines)
    schema = load_schema(ws.guidelines_dir, ws.config.guidelines)
    sentences = seed_sentences()
    names = annotator_names(annotators)
    width = max(5, len(str(docs - 1)))
    doc_ids = [f"syn{i:0{width}d}" for i in range(docs)]
    stamp = STAMP
    imported = STAMP[:19] + "+00:00"
    for name in ([GOLD] if gold else []) + names:
        ws.annotator_dir(name).mkdir(parents=True, exist_ok=True)
    infos: dict[str, DocumentInfo] = {}
    files = 0
    for number, doc_id in enumerate(doc_ids):
        rng = random.Random(f"{seed}/doc/{number}")
        text, tokens, words = _document(rng, sentences, 5 * (entities + events) + 20)
        sha = sha256_text(text)
        (ws.corpus_dir / f"{doc_id}.txt").write_bytes(text.encode("utf-8"))
        infos[doc_id] = DocumentInfo(
            id=doc_id,
            sha256=sha,
            chars=len(text),
            title=title_of(text),
            source=f"synthetic (seed {seed})",
            imported=imported,
        )
        gold_entities, gold_events = _gold(rng, schema, tokens, words, entities, events)
        head = {
            "format": FORMAT,
            "doc_id": doc_id,
            "text_sha256": sha,
            "guidelines": schema.version,
            "created": stamp,
            "modified": stamp,
        }
        if gold:
            _write(ws, GOLD, head, "done", gold_entities, gold_events, tokens)
            files += 1
        for k, name in enumerate(names):
            arng = random.Random(f"{seed}/doc/{number}/annotator/{k}")
            ents, evs = _annotator(
                arng, schema, gold_entities, gold_events, len(tokens), label_noise=label_noise, shift=shift, miss=miss
            )
            status = "done" if arng.random() < done else "in_progress"
            _write(ws, name, head, status, ents, evs, tokens)
            files += 1
    index = b"".join(orjson.dumps(infos[i].to_json()) + b"\n" for i in sorted(infos))
    atomic_write_bytes(ws.corpus_dir / INDEX_NAME, index)
    return SynthResult(ws, doc_ids, names, files)


def _document(
    rng: random.Random, sentences: list[_Sentence], min_words: int
) -> tuple[str, list[tuple[int, int]], list[bool]]:
    """Sentences drawn at random until ``min_words`` word tokens; a paragraph break every
    few sentences. Tokens are those of the sentences, shifted (white space joins them)."""
    parts: list[str] = []
    tokens: list[tuple[int, int]] = []
    words: list[bool] = []
    offset = 0
    count = 0
    in_paragraph = 0
    while count < min_words:
        sentence = _pick(rng, sentences)
        if parts:
            sep = "\n" if in_paragraph >= 3 and rng.random() < 0.5 else " "
            in_paragraph = 0 if sep == "\n" else in_paragraph
            parts.append(sep)
            offset += 1
        parts.append(sentence.text)
        tokens.extend((offset + s, offset + e) for s, e in sentence.tokens)
        words.extend(sentence.words)
        count += sum(sentence.words)
        offset += len(sentence.text)
        in_paragraph += 1
    return "".join(parts), tokens, words


def _pick(rng: random.Random, seq):
    """``rng.choice`` for the hot loops: one float draw instead of rejection sampling."""
    return seq[int(rng.random() * len(seq))]


def _gold(
    rng: random.Random, schema: Schema, tokens: list[tuple[int, int]], words: list[bool], n_entities: int, n_events: int
) -> tuple[list[_Entity], list[_Event]]:
    """Non-overlapping entities and one-token triggers on word tokens, a free token between
    any two; events get 1–3 arguments among the entities nearest their trigger, entities
    relabelled where needed to fit the role."""
    n = len(tokens)
    used = bytearray(n + 2)  # shifted by one: used[i + 1] is token i, borders stay free
    candidates = [i for i in range(n) if words[i]]
    labels = [label.name for label in schema.labels]
    types = [event.name for event in schema.events if event.roles]
    ents: list[_Entity] = []
    triggers: list[int] = []
    want_triggers = n_events if types else 0
    attempts = 0
    while (len(ents) < n_entities or len(triggers) < want_triggers) and attempts < 20 * len(candidates):
        attempts += 1
        start = _pick(rng, candidates)
        is_trigger = len(triggers) < want_triggers and (len(ents) >= n_entities or rng.random() < 0.2)
        length = 1 if is_trigger else _pick(rng, SPAN_LENGTHS)
        end = start + length
        if end > n or not words[end - 1] or any(used[start : end + 2]):
            continue
        used[start + 1 : end + 1] = b"\x01" * length
        if is_trigger:
            triggers.append(start)
        else:
            ents.append(_Entity(start, end, _pick(rng, labels)))
    ents.sort(key=lambda e: e.start)
    triggers.sort()
    starts = [e.start for e in ents]
    taken = [False] * len(ents)  # already an argument: relabelling it could break its role
    evs: list[_Event] = []
    for trigger in triggers:
        event_type = schema.event(_pick(rng, types))
        assert event_type is not None
        arguments: list[tuple[str, int]] = []
        for _ in range(1 + int(rng.random() * 3)):
            near = _nearest_free(starts, taken, trigger, 3)
            if not near:
                break
            pick = _pick(rng, near)
            taken[pick] = True
            entity = ents[pick]
            fitting = schema.roles_for(event_type.name, entity.label)
            if fitting:
                role = _pick(rng, fitting)
            else:
                chosen = _pick(rng, event_type.roles)
                role, entity.label = chosen.name, _pick(rng, chosen.entities)
            arguments.append((role, pick))
        evs.append(_Event(trigger, trigger + 1, event_type.name, arguments, len(evs)))
    return ents, evs


def _nearest_free(starts: list[int], taken: list[bool], token: int, k: int) -> list[int]:
    """Up to ``k`` indexes of entities not taken, nearest to ``token`` first."""
    right = bisect.bisect_left(starts, token)
    left = right - 1
    out: list[int] = []
    while len(out) < k and (left >= 0 or right < len(starts)):
        if right >= len(starts) or (left >= 0 and token - starts[left] <= starts[right] - token):
            if not taken[left]:
                out.append(left)
            left -= 1
        else:
            if not taken[right]:
                out.append(right)
            right += 1
    return out


def _annotator(
    rng: random.Random,
    schema: Schema,
    ents: list[_Entity],
    evs: list[_Event],
    n_tokens: int,
    *,
    label_noise: float,
    shift: float,
    miss: float,
) -> tuple[list[_Entity], list[_Event]]:
    """One simulated annotator's version of the gold (see the module docstring)."""
    labels = [label.name for label in schema.labels]
    types = [event.name for event in schema.events if event.roles]
    draw = rng.random
    out_ents: list[_Entity] = []
    for e in ents:
        if draw() < miss:
            out_ents.append(_Entity(-1, -1, ""))  # missed: keeps the gold numbering T<i+1>
            continue
        label, start, end = e.label, e.start, e.end
        if draw() < label_noise and len(labels) > 1:
            label = _pick(rng, [x for x in labels if x != label])
        if draw() < shift:
            moves = [
                m
                for m, ok in (
                    ("s-", start > 0),
                    ("s+", end - start > 1),
                    ("e+", end < n_tokens),
                    ("e-", end - start > 1),
                )
                if ok
            ]
            move = _pick(rng, moves) if moves else ""
            start += {"s-": -1, "s+": 1}.get(move, 0)
            end += {"e+": 1, "e-": -1}.get(move, 0)
        out_ents.append(_Entity(start, end, label))
    spans: set[tuple[int, int, str]] = set()
    for i, e in enumerate(out_ents):  # a shift onto a span with the same label: the editor refuses it
        if e.start >= 0 and (e.start, e.end, e.label) in spans:
            out_ents[i] = _Entity(-1, -1, "")
        spans.add((e.start, e.end, e.label))
    accepts = Vocabulary.of(schema).accepts
    out_evs: list[_Event] = []
    for ev in evs:
        if draw() < miss:
            continue
        event_type, start, end = ev.type, ev.trigger, ev.end
        if draw() < label_noise and len(types) > 1:
            event_type = _pick(rng, [x for x in types if x != event_type])
        if draw() < shift:
            if start > 0 and (end >= n_tokens or draw() < 0.5):
                start -= 1
            elif end < n_tokens:
                end += 1
        arguments = [(role, i) for role, i in ev.arguments if out_ents[i].start >= 0 and draw() >= miss]
        # as the editor does after a relabel or retype: only arguments the role accepts
        arguments = [(role, i) for role, i in arguments if (event_type, role, out_ents[i].label) in accepts]
        out_evs.append(_Event(start, end, event_type, arguments, ev.number))
    return out_ents, out_evs


def _write(
    ws: Workspace,
    annotator: str,
    head: dict,
    status: str,
    ents: list[_Entity],
    evs: list[_Event],
    tokens: list[tuple[int, int]],
) -> None:
    """The annotation file, in the store's format (sorted keys, indented)."""
    entities: list[dict[str, Any]] = [
        {"id": f"T{i + 1}", "start": tokens[e.start][0], "end": tokens[e.end - 1][1], "label": e.label}
        for i, e in enumerate(ents)
        if e.start >= 0
    ]
    events: list[dict[str, Any]] = [
        {
            "id": f"E{ev.number + 1}",
            "type": ev.type,
            "trigger": {"start": tokens[ev.trigger][0], "end": tokens[ev.end - 1][1]},
            "arguments": [{"role": role, "entity": f"T{i + 1}"} for role, i in ev.arguments],
        }
        for ev in evs
    ]
    entities.sort(key=lambda x: (x["start"], -x["end"], x["id"]))
    events.sort(key=lambda x: (x["trigger"]["start"], -x["trigger"]["end"], x["id"]))
    data = dict(head, annotator=annotator, status=status, entities=entities, events=events)
    (ws.annotator_dir(annotator) / f"{head['doc_id']}.json").write_bytes(dumps(data))
