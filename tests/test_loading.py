"""One loader for annotation files: every reader refuses the same files, for the same reason.

A corpus of broken files (offsets out of range, negative, reversed, fractional, 10**30;
unknown labels, event types and roles; dangling arguments; duplicate ids; wrong types;
missing keys; not JSON...) is planted in a synthetic workspace and read by the store,
the agreement tables (in this process and in worker processes), adjudication and
export: each must refuse exactly those files, naming the file and saying why. The
column test the agreement runs for speed must never pass a file the item-by-item walk
refuses (checked on thousands of random corruptions). And the guidelines registry
reads each version once, again when its file changes.
"""

from __future__ import annotations

import copy
import random
import shutil
from collections.abc import Callable
from typing import Any

import orjson
import pytest

from annotator.cli import main
from annotator.core.adjudication.run import adjudicate
from annotator.core.agreement.input import load_tables
from annotator.core.annotations.loading import check, content_problems
from annotator.core.annotations.store import AnnotationStore
from annotator.core.corpus import Corpus, DocumentInfo
from annotator.core.errors import AnnotatorError
from annotator.core.export import ExportOptions, export
from annotator.core.guidelines.registry import registry
from annotator.core.workspace import BUNDLED_GUIDELINES, Workspace
from annotator.synthetic import generate

Data = dict[str, Any]


def entity(data: Data, label: str | None = None) -> Data:
    """The first entity (with ``label``, if given)."""
    return next(e for e in data["entities"] if label is None or e["label"] == label)


def argued(data: Data) -> tuple[Data, Data]:
    """An event with an argument, and that argument."""
    event = next(v for v in data["events"] if v["arguments"])
    return event, event["arguments"][0]


def _set(path: Callable[[Data], Data], key: str, value: Any) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        path(data)[key] = value

    return change


def _delete(path: Callable[[Data], Data], key: str) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        del path(data)[key]

    return change


def _reverse(data: Data) -> None:
    e = entity(data)
    e["start"], e["end"] = e["end"], e["start"]


def _role_refusing_its_label(data: Data) -> None:
    event, arg = argued(data)
    arg["role"] = "Time"  # TIMEX only; the synthetic arguments' labels are never TIMEX for a Time role
    arg["entity"] = next(e["id"] for e in data["entities"] if e["label"] not in ("TIMEX",))


def _duplicate_entity_id(data: Data) -> None:
    data["entities"][1]["id"] = data["entities"][0]["id"]


def _event_id_of_an_entity(data: Data) -> None:
    data["events"][0]["id"] = data["entities"][0]["id"]


def _same_span_twice(data: Data) -> None:
    data["entities"].append(dict(entity(data), id="T999"))


def _argument_twice(data: Data) -> None:
    event, arg = argued(data)
    event["arguments"].append(dict(arg))


def _old_version_naming_a_new_label(data: Data) -> None:
    data["guidelines"] = "1.0.0"
    for e in data["entities"]:
        e["label"] = {"TIMEX": "DATE"}.get(e["label"], e["label"])
    data["entities"][0]["label"] = "MEDIA"  # 2.0.0's; 1.0.0 has no MEDIA


RAW = b"<raw>"  # a change that gives the bytes of the file itself

BROKEN: dict[str, Callable[[Data], Any]] = {
    "end beyond the text": _set(entity, "end", 10**6),
    "negative start": _set(entity, "start", -1),
    "reversed span": _reverse,
    "empty span": lambda d: entity(d).update(end=entity(d)["start"]),
    "fractional offset 0.9": _set(entity, "start", 0.9),
    "offset 10**30": lambda d: (
        RAW + orjson.dumps(d).replace(f'"end":{entity(d)["end"]}'.encode(), b'"end":1000000000000000000000000000000', 1)
    ),
    "offset 2**63": _set(entity, "end", 2**63),
    "offset as a string": _set(entity, "start", "3"),
    "offset true": _set(entity, "end", True),
    "trigger beyond the text": lambda d: d["events"][0]["trigger"].update(end=10**6),
    "unknown label": _set(entity, "label", "PERSON"),
    "unknown event type": lambda d: d["events"][0].update(type="Conflict.Demonstrate"),
    "unknown role": lambda d: argued(d)[1].update(role="Bystander"),
    "role refusing its entity's label": _role_refusing_its_label,
    "dangling argument": lambda d: argued(d)[1].update(entity="T999"),
    "duplicate entity ids": _duplicate_entity_id,
    "an event with an entity's id": _event_id_of_an_entity,
    "the same span and label twice": _same_span_twice,
    "an argument given twice": _argument_twice,
    "label not a string": _set(entity, "label", 5),
    "id null": _set(entity, "id", None),
    "entities an object": lambda d: d.update(entities={"T1": entity(d)}),
    "events a string": lambda d: d.update(events="none"),
    "arguments an object": lambda d: argued(d)[0].update(arguments={"role": "Place"}),
    "needs_review a number": _set(entity, "needs_review", 1),
    "agreed_by a string": _set(entity, "agreed_by", "ann2"),
    "entity without end": _delete(entity, "end"),
    "event without trigger": lambda d: d["events"][0].pop("trigger"),
    "trigger without start": lambda d: d["events"][0]["trigger"].pop("start"),
    "no doc_id": lambda d: d.pop("doc_id"),
    "no annotator": lambda d: d.pop("annotator"),
    "unknown status": lambda d: d.update(status="finished"),
    "format 2": lambda d: d.update(format=2),
    "format as a string": lambda d: d.update(format="1"),
    "format true": lambda d: d.update(format=True),
    "created a number": lambda d: d.update(created=5),
    "another document's file": lambda d: d.update(doc_id="syn00000"),
    "a 1.0.0 file naming a 2.0.0 label": _old_version_naming_a_new_label,
    "guidelines that do not exist": lambda d: d.update(guidelines="0.9.0"),
    "made on another text": lambda d: d.update(text_sha256="0" * 64),
    "not JSON": lambda d: RAW + b'{"doc_id": ',
    "empty file": lambda d: RAW,
    "a JSON list": lambda d: RAW + b"[1, 2]",
    "not UTF-8": lambda d: RAW + b'{"doc_id": "\xff"}',
}

# Files every reader accepts, though they look odd.
FINE: dict[str, Callable[[Data], Any]] = {
    "a removed label kept for review": lambda d: entity(d).update(label="DATE", needs_review="DATE removed: relabel"),
    "an argument its role no longer takes, event kept for review": lambda d: (
        _role_refusing_its_label(d),
        argued(d)[0].update(needs_review="Time does not accept it: fix"),
    ),
    "Conflict:Attack for Conflict.Attack": lambda d: d["events"][0].update(
        type=d["events"][0]["type"].replace(".", ":")
    ),
    "keys the program does not know": lambda d: (d.update(comment="x"), entity(d).update(text="كلمة")),
    "a valid 1.0.0 file": lambda d: (
        d.update(guidelines="1.0.0"),
        [e.update(label={"TIMEX": "DATE", "MEDIA": "ORG"}.get(e["label"], e["label"])) for e in d["entities"]],
    ),
    "null time stamps and review mark": lambda d: (d.update(created=None), entity(d).update(needs_review=None)),
    "no format field (read as format 1)": lambda d: d.pop("format"),
}

CASES = {**BROKEN, **FINE}


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> tuple[Workspace, dict[str, str]]:
    """A synthetic workspace whose ann1 files are the cases above, one document each (case -> doc id)."""
    root = tmp_path_factory.mktemp("loading") / "ws"
    generate(root, docs=len(CASES) + 2, annotators=3, seed=5, gold=False)
    ws = Workspace.open(root)
    ids = Corpus(ws.corpus_dir).ids[1:]  # syn00000 stays intact ("another document's file" names it)
    where = dict(zip(CASES, ids))
    for case, doc_id in where.items():
        path = ws.annotator_dir("ann1") / f"{doc_id}.json"
        data = orjson.loads(path.read_bytes())
        changed = CASES[case](data)
        raw = changed[len(RAW) :] if isinstance(changed, bytes) else orjson.dumps(data)
        path.write_bytes(raw)
    return ws, where


def refused_by_the_store(ws: Workspace, doc_ids: list[str]) -> dict[str, str]:
    corpus = Corpus(ws.corpus_dir)
    store = AnnotationStore.of(ws, "ann1", corpus)
    out = {}
    for doc_id in doc_ids:
        opened = store.open(doc_id, corpus.info(doc_id).sha256, ws.config.guidelines, ws.guidelines_dir, lock=False)
        if opened.read_only is not None:
            out[doc_id] = opened.read_only
    return out


def refused_by_agreement(ws: Workspace, workers: int) -> dict[str, str]:
    data = load_tables(ws, annotators=["ann1", "ann2"], workers=workers)
    return {e["doc_id"]: e["reason"] for e in data.excluded if e["annotator"] == "ann1"}


@pytest.mark.parametrize("workers", [1, 2])
def test_the_agreement_refuses_exactly_what_the_store_refuses(planted, workers):
    ws, where = planted
    broken = {where[c] for c in BROKEN}
    store = refused_by_the_store(ws, Corpus(ws.corpus_dir).ids)
    agreement = refused_by_agreement(ws, workers)
    assert set(store) == broken, sorted(c for c, d in where.items() if (d in store) != (c in BROKEN))
    assert set(agreement) == set(store), sorted(c for c, d in where.items() if (d in agreement) != (d in store))
    for case in BROKEN:
        doc_id = where[case]
        path = str(ws.annotator_dir("ann1") / f"{doc_id}.json")
        reason = agreement[doc_id]
        assert reason.startswith(path), (case, reason)  # the file, then the place in it
        assert "\n" not in reason and "Traceback" not in reason
        if case != "made on another text":  # the store words a changed text for the editor
            assert store[doc_id].startswith(reason), (case, store[doc_id], reason)  # the same reason


def test_reasons_say_what_is_wrong(planted):
    ws, where = planted
    reasons = refused_by_agreement(ws, 1)
    said = {
        "end beyond the text": "span",
        "fractional offset 0.9": "must be integers (got 0.9)",
        "offset 10**30": "must be integers (got 1e+30)",
        "unknown label": "no label 'PERSON' in guidelines 2.0.0",
        "unknown role": "has no role 'Bystander'",
        "dangling argument": "names no entity 'T999'",
        "duplicate entity ids": "ids used more than once",
        "not JSON": "not valid JSON",
        "a 1.0.0 file naming a 2.0.0 label": "no label 'MEDIA' in guidelines 1.0.0",
        "made on another text": "another text",
        "entity without end": "'start' and 'end' must be integers",
        "format 2": ":format: format 2 is not one this version reads (1)",
        "format as a string": "format '1' is not one this version reads (1)",
    }
    for case, words in said.items():
        assert words in reasons[where[case]], (case, reasons[where[case]])
    assert ":entities[" in reasons[where["unknown label"]]  # the place in the file


def test_validate_reports_a_format_this_version_does_not_read(planted):
    from annotator.core.validate import validate

    ws, where = planted
    found = {str(p) for p in validate(ws.root)}
    for case, shown in (("format 2", "2"), ("format as a string", "'1'"), ("format true", "True")):
        path = f"annotations/ann1/{where[case]}.json"
        assert f"{path}:format: format {shown} is not one this version reads (1)" in found, (case, sorted(found))


def test_adjudication_skips_each_broken_file_with_its_reason(planted, tmp_path):
    ws = Workspace.open(shutil.copytree(planted[0].root, tmp_path / "ws"))
    where = planted[1]
    reasons = refused_by_agreement(ws, 1)
    run = adjudicate(ws, "majority", annotators=["ann1", "ann2", "ann3"])
    outcome = {o.doc_id: o for o in run.outcomes}
    for case in BROKEN:
        doc_id = where[case]
        assert outcome[doc_id].state == "skipped", case
        (problem,) = outcome[doc_id].problems
        assert reasons[doc_id] in problem, (case, problem)
        assert not (ws.annotator_dir("gold") / f"{doc_id}.json").exists()
    for case in FINE:
        assert outcome[where[case]].state == "created", case


def test_export_names_every_broken_file_and_writes_nothing(planted, tmp_path, capsys):
    ws, where = planted
    reasons = refused_by_agreement(ws, 1)
    with pytest.raises(AnnotatorError) as info:
        export(ws, ExportOptions(format="jsonl", source="ann1", out=tmp_path / "out"))
    lines = str(info.value).splitlines()
    assert sorted(lines) == sorted(reasons[where[c]] for c in BROKEN)
    assert not (tmp_path / "out").exists()
    code = main(
        ["--workspace", str(ws.root), "export", "--format", "conll", "--source", "ann1", "--out", str(tmp_path / "cli")]
    )
    err = capsys.readouterr().err.splitlines()
    assert code == 2 and len(err) == len(BROKEN) and not (tmp_path / "cli").exists()


# --------------------------------------------------------------------------- the column test and the walk

TEXT_LENGTH = 60


def _valid_document() -> Data:
    vocabulary = registry(BUNDLED_GUIDELINES).vocabulary("2.0.0")
    event_type, role, label = sorted(vocabulary.accepts)[0]
    other = sorted(vocabulary.labels - {label})[0]
    return {
        "doc_id": "d",
        "text_sha256": "s",
        "guidelines": "2.0.0",
        "annotator": "a",
        "status": "done",
        "entities": [
            {"id": "T1", "start": 0, "end": 5, "label": label},
            {"id": "T2", "start": 10, "end": 20, "label": other, "agreed_by": ["x"]},
            {"id": "T3", "start": 10, "end": 20, "label": label},
        ],
        "events": [
            {
                "id": "E1",
                "type": event_type,
                "trigger": {"start": 30, "end": 35},
                "arguments": [{"role": role, "entity": "T1"}, {"role": role, "entity": "T3"}],
            },
            {"id": "E2", "type": event_type, "trigger": {"start": 40, "end": 41}, "arguments": []},
        ],
    }


VALUES = [
    -1,
    0,
    1,
    5,
    20,
    TEXT_LENGTH,
    TEXT_LENGTH + 1,
    0.9,
    5.0,
    1e30,
    2**63,
    "3",
    True,
    False,
    None,
    [],
    {},
    ["x"],
    [1],
    "",
    "T1",
    "T2",
    "E1",
    "PER",
    "GPE",
    "MEDIA",
    "DATE",
    "Conflict.Attack",
    "Conflict:Attack",
    "Life.Die",
    "Place",
    "Target",
    "Time",
    "Victim",
    "review this",
]


def _corrupt(rng: random.Random, data: Data) -> None:
    """One random change somewhere in ``data``."""

    def listed(value: Any) -> list[Any]:
        return value if isinstance(value, list) else []

    containers: list[Any] = [data, *listed(data.get("entities")), *listed(data.get("events"))]
    for event in listed(data.get("events")):
        if isinstance(event, dict):
            containers += [event.get("trigger"), *listed(event.get("arguments"))]
    target = rng.choice([c for c in containers if isinstance(c, dict)])
    how = rng.random()
    keys = [
        "id",
        "start",
        "end",
        "label",
        "type",
        "trigger",
        "arguments",
        "role",
        "entity",
        "needs_review",
        "agreed_by",
        "entities",
        "events",
        "status",
        "guidelines",
        "doc_id",
    ]
    if how < 0.65:
        target[rng.choice(keys)] = copy.deepcopy(rng.choice(VALUES))
    elif how < 0.8 and target:
        del target[rng.choice(sorted(target))]
    elif how < 0.9:
        lists = [v for v in containers if isinstance(v, dict)]
        source = rng.choice(lists)
        for key in ("entities", "events", "arguments"):
            if isinstance(target.get(key), list) and target[key]:
                target[key].append(copy.deepcopy(source if rng.random() < 0.5 else rng.choice(target[key])))
    else:
        target["start"], target["end"] = target.get("end"), target.get("start")


def test_the_column_test_never_passes_what_the_walk_refuses():
    guidelines = registry(BUNDLED_GUIDELINES)
    vocabulary = guidelines.vocabulary("2.0.0")
    text = DocumentInfo(id="d", sha256="s", chars=TEXT_LENGTH, title="")
    rng = random.Random(7)
    accepted = refused = 0
    for _ in range(4000):
        data = orjson.loads(orjson.dumps(_valid_document()))
        for _ in range(rng.choice((1, 1, 2, 3))):
            _corrupt(rng, data)
        raw = orjson.dumps(data)
        data = orjson.loads(raw)
        problems = content_problems(data, vocabulary, TEXT_LENGTH)
        try:
            check(raw, "f.json", guidelines=guidelines, text=text)
        except AnnotatorError:
            refused += 1
            continue
        accepted += 1
        assert problems == [], (data, problems)  # accepted, so the walk found nothing either
    assert accepted > 200 and refused > 2000  # both ways were exercised


def test_the_walk_refuses_what_the_column_test_refuses_unless_marked_for_review():
    guidelines = registry(BUNDLED_GUIDELINES)
    vocabulary = guidelines.vocabulary("2.0.0")
    text = DocumentInfo(id="d", sha256="s", chars=TEXT_LENGTH, title="")
    rng = random.Random(11)
    for _ in range(4000):
        data = orjson.loads(orjson.dumps(_valid_document()))
        _corrupt(rng, data)
        raw = orjson.dumps(data)
        data = orjson.loads(raw)
        try:
            check(raw, "f.json", guidelines=guidelines, text=text)
            ok = True
        except AnnotatorError:
            ok = False
        header_ok = (
            all(isinstance(data.get(k), str) for k in ("doc_id", "text_sha256", "guidelines", "annotator"))
            and data.get("status", "in_progress") in ("not_started", "in_progress", "done")
            and data.get("guidelines") in ("1.0.0", "2.0.0")
        )
        if header_ok and data["guidelines"] == "2.0.0":
            assert ok == (content_problems(data, vocabulary, TEXT_LENGTH) == []), data


# --------------------------------------------------------------------------- the registry


def test_the_registry_reads_a_version_once_and_again_when_it_changes(tmp_path):
    folder = shutil.copytree(BUNDLED_GUIDELINES, tmp_path / "guidelines")
    reg = registry(folder)
    assert registry(folder) is reg
    first = reg.schema("2.0.0")
    assert reg.schema("2.0.0") is first  # cached
    assert [s.version for s in reg.chain("1.0.0", "2.0.0")] == ["2.0.0"]
    path = folder / "2.0.0" / "schema.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(first.title, "Renamed title"), encoding="utf-8")
    assert reg.schema("2.0.0").title == "Renamed title"
    pinned = reg.snapshot()
    with pytest.raises(AnnotatorError, match="no such guidelines version"):
        reg.schema("3.0.0")
    shutil.copytree(folder / "2.0.0", folder / "3.0.0")
    three = folder / "3.0.0" / "schema.toml"
    declared = three.read_text(encoding="utf-8").split("\n[[migrations]]")[0]
    declared = declared.replace('version = "2.0.0"', 'version = "3.0.0"').replace(
        'previous = "1.0.0"', 'previous = "2.0.0"'
    )
    three.write_text(declared, encoding="utf-8")
    assert reg.schema("3.0.0").version == "3.0.0"  # the error was not kept once the version appeared
    assert pinned.schema("2.0.0").title == "Renamed title"
    path.write_text(path.read_text(encoding="utf-8").replace("Renamed title", "Again"), encoding="utf-8")
    assert pinned.schema("2.0.0").title == "Renamed title"  # a snapshot does not look again
