"""Adjudication into gold: unanimous and majority merges, conflicts, re-runs, curation, the CLI.

Three annotators (a, b, c) annotate one seed document; the expected gold is worked out
by hand in each test. Offsets only need to lie inside the text.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from annotator.core.adjudication.run import (
    accept,
    adjudicate,
    conflicts,
    default_annotators,
    mark_adjudicated,
    merge,
    progress,
    reject,
)
from annotator.core.adjudication.strategy import Strategy
from annotator.core.annotations.model import Argument, DocumentAnnotations, Entity, Event
from annotator.core.annotations.store import AnnotationStore
from annotator.core.corpus import Corpus
from annotator.core.errors import AnnotatorError
from annotator.core.workspace import Workspace
from tests.conftest import SEED_IDS, copy_workspace

DOC = SEED_IDS[1]
OTHER = SEED_IDS[2]
ATTACK, DIE = "Conflict.Attack", "Life.Die"


# --------------------------------------------------------------------------- helpers


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace.open(copy_workspace(tmp_path / "ws"))


def sha(ws: Workspace, doc_id: str = DOC) -> str:
    return Corpus(ws.corpus_dir).info(doc_id).sha256


def save(
    ws: Workspace,
    name: str,
    entities=(),
    events=(),
    doc_id: str = DOC,
    guidelines: str = "2.0.0",
    status: str = "in_progress",
    text_sha: str | None = None,
) -> None:
    doc = DocumentAnnotations(
        doc_id, text_sha or sha(ws, doc_id), guidelines, name, status, tuple(entities), tuple(events)
    )
    AnnotationStore(ws.annotations_dir, name).save(doc)


def gold(ws: Workspace, doc_id: str = DOC) -> DocumentAnnotations:
    doc = AnnotationStore(ws.annotations_dir, "gold").read(doc_id)
    assert doc is not None
    return doc


def gold_path(ws: Workspace, doc_id: str = DOC) -> Path:
    return ws.annotations_dir / "gold" / f"{doc_id}.json"


def content(path: Path) -> dict:
    data = orjson.loads(path.read_bytes())
    data.pop("created")
    data.pop("modified")
    return data


def ents(doc: DocumentAnnotations) -> dict[tuple, tuple[str, ...]]:
    """(start, end, label) -> agreed_by."""
    return {(e.start, e.end, e.label): e.agreed_by for e in doc.entities}


def args_of(doc: DocumentAnnotations, event: Event) -> set[tuple]:
    by_id = {e.id: e for e in doc.entities}
    return {(a.role, by_id[a.entity].start, by_id[a.entity].end, by_id[a.entity].label) for a in event.arguments}


def event_at(doc: DocumentAnnotations, start: int, end: int, type_: str) -> Event:
    found = [e for e in doc.events if (e.start, e.end, e.type) == (start, end, type_)]
    assert len(found) == 1, doc.events
    return found[0]


def options(conflict: dict) -> list[tuple]:
    name = {"entity": "label", "event": "type", "argument": "role"}[conflict["kind"]]
    return [(o[name], o["start"], o["end"], tuple(o["annotators"]), o.get("gold_id")) for o in conflict["options"]]


def three_annotators(ws: Workspace) -> None:
    """a: GPE 10-18, PER 30-35, ORG 50-55; Attack 0-5 (Target GPE, Attacker ORG)
    b: GPE 10-18, PER 30-35;              Attack 0-5 (Target GPE)
    c: LOC 10-18, GPE 9-18, PER 30-35, ORG 50-55; Attack 0-5 (Target LOC, Attacker ORG); Die 60-64
    """
    save(
        ws,
        "a",
        [Entity("T1", 10, 18, "GPE"), Entity("T2", 30, 35, "PER"), Entity("T3", 50, 55, "ORG")],
        [Event("E1", ATTACK, 0, 5, (Argument("Target", "T1"), Argument("Attacker", "T3")))],
    )
    save(
        ws,
        "b",
        [Entity("T7", 10, 18, "GPE"), Entity("T8", 30, 35, "PER")],
        [Event("E4", ATTACK, 0, 5, (Argument("Target", "T7"),))],
    )
    save(
        ws,
        "c",
        [
            Entity("T1", 10, 18, "LOC"),
            Entity("T2", 9, 18, "GPE"),
            Entity("T3", 30, 35, "PER"),
            Entity("T4", 50, 55, "ORG"),
        ],
        [Event("E1", ATTACK, 0, 5, (Argument("Target", "T1"), Argument("Attacker", "T4"))), Event("E2", DIE, 60, 64)],
    )


# --------------------------------------------------------------------------- strategies


def test_unanimous(ws):
    three_annotators(ws)
    run = adjudicate(ws, "unanimous")
    assert run.problems == [] and run.annotators == ("a", "b", "c")
    [outcome] = run.outcomes
    assert (outcome.doc_id, outcome.state, outcome.agreed_entities, outcome.agreed_events) == (DOC, "created", 1, 1)
    g = gold(ws)
    assert (g.annotator, g.status, g.guidelines, g.text_sha256) == ("gold", "in_progress", "2.0.0", sha(ws))
    assert g.extra["adjudicated"] is False
    assert ents(g) == {(30, 35, "PER"): ("a", "b", "c")}
    attack = event_at(g, 0, 5, ATTACK)
    assert attack.agreed_by == ("a", "b", "c") and attack.arguments == ()
    cs = g.extra["conflicts"]
    assert [(c["id"], c["kind"], c["start"], c["end"]) for c in cs] == [
        ("C1", "entity", 9, 18),
        ("C2", "argument", 10, 18),
        ("C3", "entity", 50, 55),
        ("C4", "argument", 50, 55),
        ("C5", "event", 60, 64),
    ]
    assert options(cs[0]) == [
        ("GPE", 9, 18, ("c",), None),
        ("GPE", 10, 18, ("a", "b"), None),
        ("LOC", 10, 18, ("c",), None),
    ]
    assert options(cs[1]) == [("Target", 10, 18, ("a", "b"), None), ("Target", 10, 18, ("c",), None)]
    assert [o["label"] for o in cs[1]["options"]] == ["GPE", "LOC"]
    assert all(o["entity"] is None for o in cs[1]["options"])  # neither entity made it into gold
    assert cs[1]["event"] == attack.id and cs[1]["trigger"] == {"start": 0, "end": 5, "type": ATTACK}
    assert options(cs[2]) == [("ORG", 50, 55, ("a", "c"), None)]
    assert options(cs[3]) == [("Attacker", 50, 55, ("a", "c"), None)]
    assert options(cs[4]) == [(DIE, 60, 64, ("c",), None)]
    assert cs[4]["options"][0]["arguments"] == []
    assert progress(ws)[DOC] == "conflicts: 5"
    assert conflicts(g) == cs


def test_majority(ws):
    """Majority settles every unit of three_annotators: what two of three gave goes in, and
    what only c gave is left out, as two of three answered that place otherwise."""
    three_annotators(ws)
    [outcome] = adjudicate(ws, "majority").outcomes
    assert (outcome.agreed_entities, outcome.agreed_events, outcome.conflicts) == (3, 1, 0)
    g = gold(ws)
    # LOC 10-18 and GPE 9-18 (c) lose to GPE 10-18 (a, b); Target LOC (c) to Target GPE (a, b);
    # Life.Die 60-64 (c) to nothing there (a, b).
    assert ents(g) == {(10, 18, "GPE"): ("a", "b"), (30, 35, "PER"): ("a", "b", "c"), (50, 55, "ORG"): ("a", "c")}
    attack = event_at(g, 0, 5, ATTACK)
    # Every event argument resolves to a gold entity.
    assert {a.entity for a in attack.arguments} <= {e.id for e in g.entities}
    assert args_of(g, attack) == {("Target", 10, 18, "GPE"), ("Attacker", 50, 55, "ORG")}
    assert [e.type for e in g.events] == [ATTACK]
    assert g.extra["conflicts"] == [] and progress(ws)[DOC] == "conflicts: 0"
    # Nothing is left to settle: the document can be closed at once.
    assert mark_adjudicated(g).extra["adjudicated"] is True


def test_two_annotators_majority_needs_both(ws):
    save(ws, "a", [Entity("T1", 10, 18, "GPE"), Entity("T2", 30, 35, "PER")])
    save(ws, "b", [Entity("T1", 10, 18, "GPE")])
    adjudicate(ws, "majority")
    g = gold(ws)
    assert ents(g) == {(10, 18, "GPE"): ("a", "b")}
    assert [options(c) for c in g.extra["conflicts"]] == [[("PER", 30, 35, ("a",), None)]]


def test_only_annotators_of_the_document_count(ws):
    # c has no file for DOC and an untouched not_started file does not count either.
    save(ws, "a", [Entity("T1", 10, 18, "GPE")])
    save(ws, "b", [Entity("T1", 10, 18, "GPE")])
    save(ws, "c", [], status="not_started")
    [outcome] = adjudicate(ws, "unanimous").outcomes
    assert outcome.annotators == ("a", "b")
    assert ents(gold(ws)) == {(10, 18, "GPE"): ("a", "b")}


def test_single_annotator_is_unadjudicable(ws):
    three_annotators(ws)
    save(ws, "a", [Entity("T1", 5, 9, "GPE")], doc_id=OTHER)
    for strategy in ("unanimous", "majority"):
        run = adjudicate(ws, strategy)
        assert run.unadjudicable == [OTHER] and run.problems == []
        assert not gold_path(ws, OTHER).exists()
    assert progress(ws)[OTHER] == "not started"
    # Documents nobody annotated are not listed unless asked for.
    assert {o.doc_id for o in run.outcomes} == {DOC, OTHER}
    asked = adjudicate(ws, "majority", doc_ids=[SEED_IDS[0]])
    assert [(o.doc_id, o.state) for o in asked.outcomes] == [(SEED_IDS[0], "not annotated")]


def test_annotator_selection(ws, tmp_path):
    three_annotators(ws)
    (ws.annotations_dir / "bad name!").mkdir()
    (ws.annotations_dir / ".hidden").mkdir()
    assert default_annotators(ws) == ["a", "b", "c"]
    adjudicate(ws, "unanimous", annotators=["a", "b"])
    g = gold(ws)
    assert ents(g) == {(10, 18, "GPE"): ("a", "b"), (30, 35, "PER"): ("a", "b")}
    assert g.extra["adjudication"] == {"strategy": "unanimous", "annotators": ["a", "b"]}
    with pytest.raises(AnnotatorError, match="reserved"):
        adjudicate(ws, "unanimous", annotators=["a", "gold"])
    with pytest.raises(AnnotatorError, match="no annotations by 'zed'"):
        adjudicate(ws, "unanimous", annotators=["a", "zed"])
    with pytest.raises(AnnotatorError, match="at least 2"):
        adjudicate(ws, "unanimous", annotators=["a"])
    with pytest.raises(AnnotatorError, match="no document 'nope'"):
        adjudicate(ws, "unanimous", doc_ids=["nope"])
    with pytest.raises(AnnotatorError, match="unknown strategy"):
        adjudicate(ws, "plurality")


def test_older_guidelines_are_migrated_before_comparing(ws):
    # 2.0.0 merged 1.0.0's DATE and TIME into TIMEX.
    save(ws, "a", [Entity("T1", 100, 105, "DATE")], guidelines="1.0.0")
    save(ws, "b", [Entity("T1", 100, 105, "TIMEX")])
    save(ws, "c", [Entity("T5", 100, 105, "TIME")], guidelines="1.0.0")
    adjudicate(ws, "unanimous")
    g = gold(ws)
    assert g.guidelines == "2.0.0"
    assert ents(g) == {(100, 105, "TIMEX"): ("a", "b", "c")}


def test_annotations_of_another_text_skip_the_document(ws):
    three_annotators(ws)
    save(ws, "c", [Entity("T1", 10, 18, "GPE")], text_sha="0" * 64)
    run = adjudicate(ws, "majority")
    assert [o.state for o in run.outcomes] == ["skipped"]
    assert len(run.problems) == 1 and "c" in run.problems[0] and "another text" in run.problems[0]
    assert not gold_path(ws).exists()


# --------------------------------------------------------------------------- events


def test_event_arguments_merge_and_resolve_to_gold_ids():
    def doc(name: str, entities, events) -> DocumentAnnotations:
        return DocumentAnnotations(DOC, "x", "2.0.0", name, "done", tuple(entities), tuple(events))

    # Entity ids differ per annotator; arguments are compared by extent and label.
    a = doc(
        "a",
        [Entity("T1", 0, 4, "PER"), Entity("T2", 10, 14, "GPE")],
        [Event("E1", DIE, 5, 8, (Argument("Victim", "T1"), Argument("Place", "T2")))],
    )
    b = doc(
        "b",
        [Entity("X", 10, 14, "GPE"), Entity("Y", 0, 4, "PER")],
        [
            Event("E9", DIE, 5, 8, (Argument("Place", "X"), Argument("Victim", "Y"))),
            Event("E3", ATTACK, 20, 25, (Argument("Place", "X"),)),
        ],
    )
    c = doc(
        "c",
        [Entity("T1", 0, 4, "PER"), Entity("T2", 10, 14, "GPE")],
        [
            Event("E1", DIE, 5, 8, (Argument("Victim", "T1"),)),
            Event("E2", ATTACK, 20, 25, (Argument("Place", "T2"), Argument("Dangling", "T99"))),
        ],
    )
    blank = DocumentAnnotations(DOC, "x", "2.0.0", "gold")
    g, stats = merge(blank, {"a": a, "b": b, "c": c}, Strategy("unanimous"))
    assert (stats.agreed_entities, stats.agreed_events) == (2, 1)
    die = event_at(g, 5, 8, DIE)
    assert args_of(g, die) == {("Victim", 0, 4, "PER")}
    [place] = g.extra["conflicts"][:1]
    assert (place["kind"], place["event"]) == ("argument", die.id)
    gpe = next(e.id for e in g.entities if e.label == "GPE")
    assert [(o["role"], o["annotators"], o["entity"]) for o in place["options"]] == [("Place", ["a", "b"], gpe)]
    [attack] = g.extra["conflicts"][1:]
    assert attack["kind"] == "event"
    assert options(attack) == [(ATTACK, 20, 25, ("b", "c"), None)]
    assert attack["options"][0]["arguments"] == [
        {"role": "Place", "start": 10, "end": 14, "label": "GPE", "annotators": ["b", "c"]}
    ]

    g2, _ = merge(blank, {"a": a, "b": b, "c": c}, Strategy("majority"))
    die = event_at(g2, 5, 8, DIE)
    assert args_of(g2, die) == {("Victim", 0, 4, "PER"), ("Place", 10, 14, "GPE")}
    attack = event_at(g2, 20, 25, ATTACK)
    assert attack.agreed_by == ("b", "c") and args_of(g2, attack) == {("Place", 10, 14, "GPE")}
    assert g2.extra["conflicts"] == []

    # Accepting the Attack option brings the arguments all its annotators gave.
    accepted = accept(g, attack_id := g.extra["conflicts"][1]["id"], 0)
    assert attack_id not in [c["id"] for c in accepted.extra["conflicts"]]
    new = event_at(accepted, 20, 25, ATTACK)
    assert new.agreed_by == ("b", "c") and args_of(accepted, new) == {("Place", 10, 14, "GPE")}


def test_accepting_an_event_leaves_arguments_not_all_gave_as_conflicts():
    def doc(name: str, events) -> DocumentAnnotations:
        return DocumentAnnotations(
            DOC, "x", "2.0.0", name, "done", (Entity("T1", 0, 4, "PER"), Entity("T2", 10, 14, "GPE")), tuple(events)
        )

    a = doc("a", [Event("E1", DIE, 5, 8, (Argument("Victim", "T1"), Argument("Place", "T2")))])
    b = doc("b", [Event("E1", DIE, 5, 8, (Argument("Victim", "T1"),))])
    c = doc("c", [])
    g, _ = merge(DocumentAnnotations(DOC, "x", "2.0.0", "gold"), {"a": a, "b": b, "c": c}, Strategy("unanimous"))
    [event_conflict] = g.extra["conflicts"]
    g = accept(g, event_conflict["id"], 0)
    die = event_at(g, 5, 8, DIE)
    assert args_of(g, die) == {("Victim", 0, 4, "PER")}
    [pending] = g.extra["conflicts"]
    assert (pending["kind"], pending["event"], pending["id"]) == ("argument", die.id, "C1")
    assert options(pending) == [("Place", 10, 14, ("a",), None)]
    g = accept(g, "C1", 0)
    assert args_of(g, event_at(g, 5, 8, DIE)) == {("Victim", 0, 4, "PER"), ("Place", 10, 14, "GPE")}
    assert g.extra["conflicts"] == []
    # A re-run of the merge keeps all of it and raises nothing again.
    again, stats = merge(g, {"a": a, "b": b, "c": c}, Strategy("unanimous"))
    assert again.to_json() == g.to_json() and stats.added == 0


# --------------------------------------------------------------------------- re-runs


@pytest.mark.parametrize("strategy", ["majority", "unanimous"])  # no conflicts, five conflicts
def test_rerun_is_idempotent(ws, strategy):
    three_annotators(ws)
    adjudicate(ws, strategy)
    first_bytes, first = gold_path(ws).read_bytes(), content(gold_path(ws))
    run = adjudicate(ws, strategy)
    assert [o.state for o in run.outcomes] == ["unchanged"]
    assert content(gold_path(ws)) == first
    assert gold_path(ws).read_bytes() == first_bytes  # not even rewritten
    # A merge of the merge result changes nothing either (pure level).
    g = gold(ws)
    sources = {n: AnnotationStore(ws.annotations_dir, n).read(DOC) for n in "abc"}
    again, stats = merge(g, sources, Strategy(strategy))
    assert again.to_json() == g.to_json() and stats.added == 0


def test_rerun_adds_new_agreed_units_and_refreshes_conflicts(ws):
    three_annotators(ws)
    adjudicate(ws, "unanimous")
    before = gold(ws)
    # All three now mark WEA 80-85; b alone VEH 90-95; c one more alternative in C1 (FAC 10-17).
    for name, more in (
        ("a", [Entity("T9", 80, 85, "WEA")]),
        ("b", [Entity("T9", 80, 85, "WEA"), Entity("T10", 90, 95, "VEH")]),
        ("c", [Entity("T9", 80, 85, "WEA"), Entity("T10", 10, 17, "FAC")]),
    ):
        doc = AnnotationStore(ws.annotations_dir, name).read(DOC)
        save(ws, name, [*doc.entities, *more], doc.events)
    [outcome] = adjudicate(ws, "unanimous").outcomes
    assert (outcome.state, outcome.added) == ("updated", 1)
    after = gold(ws)
    assert ents(after) == {**ents(before), (80, 85, "WEA"): ("a", "b", "c")}
    # Existing items keep their ids; no duplicates; conflicts keep their ids and gain the new one.
    assert {e.id for e in before.entities} < {e.id for e in after.entities}
    assert len(after.entities) == len({(e.start, e.end, e.label) for e in after.entities})
    assert [(c["id"], c["kind"], c["start"]) for c in after.extra["conflicts"]] == [
        ("C1", "entity", 9),
        ("C2", "argument", 10),
        ("C3", "entity", 50),
        ("C4", "argument", 50),
        ("C5", "event", 60),
        ("C6", "entity", 90),
    ]
    assert [o.get("label") for o in after.extra["conflicts"][0]["options"]] == ["GPE", "FAC", "GPE", "LOC"]


def test_hand_edits_survive_a_rerun(ws):
    three_annotators(ws)
    adjudicate(ws, "unanimous")
    g = accept(accept(gold(ws), "C2", 0), "C3", 0)  # Target GPE 10-18 (a, b) and ORG 50-55 (a, c) into gold
    per = next(e for e in g.entities if e.label == "PER")
    org = next(e for e in g.entities if e.label == "ORG")
    attack = event_at(g, 0, 5, ATTACK)
    # By hand: PER 30-35 becomes NORP (agreed_by dropped), ORG 50-55 is deleted, FAC 70-75 is
    # added; the Attack is edited (its agreed_by dropped) and keeps its Target.
    entities = [Entity(per.id, 30, 35, "NORP") if e.id == per.id else e for e in g.entities if e.id != org.id]
    entities.append(Entity(g.next_id("T"), 70, 75, "FAC"))
    events = [Event(attack.id, ATTACK, 0, 5, attack.arguments)]
    AnnotationStore(ws.annotations_dir, "gold").save(g.with_(entities=tuple(entities), events=tuple(events)))
    edited = content(gold_path(ws))
    adjudicate(ws, "unanimous")
    after = gold(ws)
    assert ents(after) == {(10, 18, "GPE"): ("a", "b"), (30, 35, "NORP"): (), (70, 75, "FAC"): ()}
    attack = event_at(after, 0, 5, ATTACK)
    assert attack.agreed_by == () and args_of(after, attack) == {("Target", 10, 18, "GPE")}
    # Only the conflicts about the hand-made Attack's arguments could change: it is the adjudicator's
    # now, so its Attacker conflict (C4) is gone; C1 (entity) and C5 (Life.Die) stay.
    assert [(c["id"], c["kind"]) for c in after.extra["conflicts"]] == [("C1", "entity"), ("C5", "event")]
    assert {k: v for k, v in content(gold_path(ws)).items() if k != "conflicts"} == {
        k: v for k, v in edited.items() if k != "conflicts"
    }


def test_agreement_on_a_hand_made_span_is_offered_not_applied(ws):
    three_annotators(ws)
    adjudicate(ws, "unanimous")
    g = gold(ws)
    # The adjudicator types LOC 10-18 by hand instead of settling C1; then c changes LOC to GPE.
    loc = Entity(g.next_id("T"), 10, 18, "LOC")
    AnnotationStore(ws.annotations_dir, "gold").save(g.with_(entities=(*g.entities, loc)))
    c = AnnotationStore(ws.annotations_dir, "c").read(DOC)
    save(ws, "c", [Entity(e.id, 10, 18, "GPE") if e.label == "LOC" else e for e in c.entities], c.events)
    adjudicate(ws, "unanimous")
    after = gold(ws)
    assert (10, 18, "GPE") not in ents(after) and ents(after)[(10, 18, "LOC")] == ()
    first = after.extra["conflicts"][0]
    assert (first["id"], first["kind"]) == ("C1", "entity")
    assert options(first) == [
        ("GPE", 9, 18, ("c",), None),
        ("GPE", 10, 18, ("a", "b", "c"), None),
        ("LOC", 10, 18, (), loc.id),
    ]


def test_adjudicated_gold_is_never_touched(ws):
    three_annotators(ws)
    adjudicate(ws, "majority")
    store = AnnotationStore(ws.annotations_dir, "gold")
    store.save(mark_adjudicated(gold(ws)))
    frozen = gold_path(ws).read_bytes()
    save(ws, "a", [Entity("T1", 80, 85, "WEA")])
    save(ws, "b", [Entity("T1", 80, 85, "WEA")])
    run = adjudicate(ws, "unanimous")
    assert [o.state for o in run.outcomes] == ["adjudicated"]
    assert gold_path(ws).read_bytes() == frozen
    assert progress(ws)[DOC] == "adjudicated"
    g = gold(ws)
    assert g.status == "done" and g.extra["adjudicated"] is True


def test_unreadable_gold_is_left_untouched(ws):
    three_annotators(ws)
    save(ws, "a", [Entity("T1", 5, 9, "GPE")], doc_id=OTHER)
    save(ws, "b", [Entity("T1", 5, 9, "GPE")], doc_id=OTHER)
    gold_path(ws).parent.mkdir(parents=True)
    gold_path(ws).write_bytes(b'{"doc_id": "broken')
    run = adjudicate(ws, "majority")
    assert gold_path(ws).read_bytes() == b'{"doc_id": "broken'
    assert {o.doc_id: o.state for o in run.outcomes} == {DOC: "skipped", OTHER: "created"}
    [problem] = run.problems
    assert problem.startswith(f"{DOC}: gold file unreadable, left untouched")
    assert progress(ws)[DOC] == "unreadable"
    assert progress(ws)[OTHER] == "conflicts: 0"


def test_gold_locked_by_the_curation_screen_is_skipped(ws):
    from annotator.core.annotations.store import DocumentLock

    three_annotators(ws)
    lock = DocumentLock(ws.annotations_dir / "gold" / ".locks" / f"{DOC}.lock")
    assert lock.acquire() is None
    try:
        run = adjudicate(ws, "majority")
    finally:
        lock.release()
    assert [o.state for o in run.outcomes] == ["skipped"] and "locked" in run.problems[0]
    assert not gold_path(ws).exists()


# --------------------------------------------------------------------------- curation


def test_accept_replaces_the_same_span_and_sticks(ws):
    three_annotators(ws)
    adjudicate(ws, "unanimous")
    store = AnnotationStore(ws.annotations_dir, "gold")
    store.save(accept(gold(ws), "C2", 0))  # Target GPE 10-18 (a, b): that GPE comes into gold with it
    adjudicate(ws, "unanimous")
    g = gold(ws)
    old_gpe = next(e.id for e in g.entities if (e.start, e.end, e.label) == (10, 18, "GPE"))
    c1 = next(c for c in g.extra["conflicts"] if c["id"] == "C1")
    assert options(c1) == [
        ("GPE", 9, 18, ("c",), None),
        ("GPE", 10, 18, ("a", "b"), old_gpe),
        ("LOC", 10, 18, ("c",), None),
    ]
    # The adjudicator picks LOC 10-18 over the gold GPE 10-18.
    before = orjson.dumps(g.to_json())
    accepted = accept(g, "C1", 2)
    assert orjson.dumps(g.to_json()) == before  # the input document is not changed
    g = accepted
    assert "C1" not in [c["id"] for c in g.extra["conflicts"]]
    assert (10, 18, "GPE") not in ents(g) and (9, 18, "GPE") not in ents(g)
    assert ents(g)[(10, 18, "LOC")] == ("c",)
    attack = event_at(g, 0, 5, ATTACK)
    assert args_of(g, attack) == {("Target", 10, 18, "LOC")}
    assert old_gpe not in {a.entity for a in attack.arguments}
    store.save(g)
    adjudicate(ws, "unanimous")
    after = gold(ws)
    # Neither the replaced GPE nor the passed-over GPE 9-18 comes back; C2 (Target LOC) stays settled.
    assert set(ents(after)) == {(10, 18, "LOC"), (30, 35, "PER")}
    assert [(c["id"], c["kind"]) for c in after.extra["conflicts"]] == [
        ("C3", "entity"),
        ("C4", "argument"),
        ("C5", "event"),
    ]


def test_reject_and_accept_arguments(ws):
    three_annotators(ws)
    adjudicate(ws, "unanimous")
    g = gold(ws)
    g = reject(g, "C5")  # c's Life.Die
    assert DIE not in {e.type for e in g.events}
    g = accept(g, "C2", 0)  # Target GPE 10-18 (a, b): the entity comes into gold with it
    assert ents(g)[(10, 18, "GPE")] == ("a", "b")
    assert args_of(g, event_at(g, 0, 5, ATTACK)) == {("Target", 10, 18, "GPE")}
    assert [c["id"] for c in g.extra["conflicts"]] == ["C1", "C3", "C4"]
    with pytest.raises(AnnotatorError, match="no conflict 'C5'"):
        reject(g, "C5")
    with pytest.raises(AnnotatorError, match="no option 7"):
        accept(g, "C1", 7)
    AnnotationStore(ws.annotations_dir, "gold").save(g)
    adjudicate(ws, "unanimous")
    after = gold(ws)
    assert DIE not in {e.type for e in after.events}
    # C1 loses its GPE 10-18 option (decided, now in gold) and shows it as gold; C2, C5 stay settled.
    cs = {c["id"]: c for c in after.extra["conflicts"]}
    assert sorted(cs) == ["C1", "C3", "C4"]
    gpe = next(e.id for e in after.entities if e.label == "GPE")
    assert options(cs["C1"]) == [
        ("GPE", 9, 18, ("c",), None),
        ("GPE", 10, 18, ("a", "b"), gpe),
        ("LOC", 10, 18, ("c",), None),
    ]
    assert progress(ws)[DOC] == "conflicts: 3"


# --------------------------------------------------------------------------- CLI


def cli(ws: Workspace, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "120"}
    return subprocess.run(
        [sys.executable, "-m", "annotator", "-w", str(ws.root), "adjudicate", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def test_cli(ws):
    three_annotators(ws)
    save(ws, "a", [Entity("T1", 5, 9, "GPE")], doc_id=OTHER)
    proc = cli(ws, "--strategy", "majority")
    assert proc.returncode == 0, proc.stderr
    row = next(line for line in proc.stdout.splitlines() if DOC in line)
    assert row.split() == [DOC, "3", "3", "1", "0", "created"]
    assert f"unadjudicable (fewer than 2 annotators): {OTHER}" in proc.stdout
    assert gold_path(ws).exists() and not gold_path(ws, OTHER).exists()
    again = cli(ws, "--strategy", "majority", "--docs", DOC, "--annotators", "a,b,c")
    assert again.returncode == 0 and "unchanged" in again.stdout


def test_cli_errors(ws):
    three_annotators(ws)
    bad = cli(ws, "--strategy", "plurality")
    assert bad.returncode == 2
    for args, needle in (
        (["--annotators", "a,gold"], "reserved"),
        (["--docs", "nope"], "no document 'nope'"),
        (["--annotators", "a"], "at least 2"),
    ):
        proc = cli(ws, "--strategy", "majority", *args)
        assert proc.returncode == 2, proc.stdout
        lines = proc.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("annotator: error: ") and needle in lines[0]
        assert "Traceback" not in proc.stderr
    gold_path(ws).parent.mkdir(parents=True)
    gold_path(ws).write_bytes(b"not json")
    proc = cli(ws, "--strategy", "majority")
    assert proc.returncode == 2
    [line] = proc.stderr.splitlines()
    assert line.startswith(f"annotator: error: {DOC}: gold file unreadable, left untouched")
    assert "skipped" in proc.stdout  # the summary is still printed
    assert gold_path(ws).read_bytes() == b"not json"


def test_cli_lists_the_documents_with_most_conflicts_and_totals_all(tmp_path):
    """On a large corpus the command lists --list N documents, the most open conflicts first, and
    one totals line over every document, whose conflicts are those the gold files hold."""
    from annotator.synthetic import generate

    root = tmp_path / "syn"
    generate(root, docs=30, annotators=3, seed=3, gold=False)
    proc = cli(Workspace.open(root), "--strategy", "majority", "--list", "4")
    assert proc.returncode == 0, proc.stderr
    rows = [line.split() for line in proc.stdout.splitlines() if line.strip().startswith("syn")]
    assert len(rows) == 4
    held = {
        p.stem: len(orjson.loads(p.read_bytes()).get("conflicts", []))
        for p in (root / "annotations/gold").glob("*.json")
    }
    listed = [int(r[4]) for r in rows]
    assert listed == sorted(held.values(), reverse=True)[:4] and listed == [held[r[0]] for r in rows]
    totals = next(line for line in proc.stdout.splitlines() if line.startswith("30 documents"))
    assert f"{sum(held.values()):,} open conflicts" in totals and "(30 created)" in totals
