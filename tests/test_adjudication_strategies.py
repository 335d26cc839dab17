"""Adjudication strategies against an oracle written here from first principles, on synthetic
data (200 documents, 3 annotators) and on hand-made cases; threshold, closing, option texts.

The oracle is a vote over places. A unit is an entity (extent, label), an event trigger
(extent, type) or an argument (its event's trigger and type; its entity's extent; role and
entity label). Every annotator of the document answers "what is at this place?" for each
unit: the units of the same kind (for arguments: of the same event) they gave on exactly
its extent, else those overlapping it (other boundaries), else nothing. With K annotators
needed (majority: n // 2 + 1, unanimous: n, threshold: --min-agree):

- a unit K annotators gave is gold;
- a unit whose place K annotators answered the same way without it is nothing (no conflict);
- every other unit (ties, other boundaries, too few agreeing) is a conflict.

So ORG by two of three annotators against WEA by one settles the extent to ORG, and under
unanimous nothing is ever settled against its annotators (every unit not all gave is a
conflict, as before).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import orjson
import pytest

from annotator.core.adjudication.curate import close_blocker, mark_adjudicated, option_text
from annotator.core.adjudication.merge import merge
from annotator.core.adjudication.run import adjudicate
from annotator.core.adjudication.strategy import Strategy
from annotator.core.annotations.model import Argument, DocumentAnnotations, Entity, Event, counts_as_annotated
from annotator.core.errors import AnnotatorError
from annotator.core.workspace import Workspace

ATTACK, DIE = "Conflict.Attack", "Life.Die"
NEEDED = {"majority": 2, "unanimous": 3}  # of three annotators

# --------------------------------------------------------------------------- the oracle


def units_of(data: dict) -> set[tuple]:
    """Every unit of one file (annotator or gold, raw JSON) as (kind, frame, start, end, value)."""
    by_id = {e["id"]: e for e in data["entities"]}
    out = {("entity", (), e["start"], e["end"], e["label"]) for e in data["entities"]}
    for ev in data["events"]:
        t = ev["trigger"]
        out.add(("event", (), t["start"], t["end"], ev["type"]))
        for a in ev["arguments"]:
            x = by_id[a["entity"]]
            out.add(("argument", (t["start"], t["end"], ev["type"]), x["start"], x["end"], (a["role"], x["label"])))
    return out


def ballots(files: list[dict]) -> dict[tuple, tuple[int, Counter]]:
    """Per unit: how many annotators gave it, and how many gave each answer at its place."""
    said = [units_of(f) for f in files]
    out = {}
    for unit in set().union(*said):
        kind, frame, start, end, _ = unit
        answers: Counter = Counter()
        for mine in said:
            near = {u for u in mine if u[:2] == (kind, frame) and u[2] < end and start < u[3]}
            exact = {u for u in near if (u[2], u[3]) == (start, end)}
            answers[frozenset(exact or near)] += 1
        out[unit] = (sum(unit in mine for mine in said), answers)
    return out


def oracle(ballot: dict[tuple, tuple[int, Counter]], k: int) -> dict[tuple, str]:
    verdicts = {}
    for unit, (yes, answers) in ballot.items():
        if yes >= k:
            verdicts[unit] = "gold"
        elif any(count >= k and unit not in answer for answer, count in answers.items()):
            verdicts[unit] = "nothing"
        else:
            verdicts[unit] = "conflict"
    return verdicts


def offered(gold: dict) -> tuple[set[tuple], dict[tuple, set[tuple]]]:
    """The units the gold file's conflicts offer (gold items among the options left out), and for
    each event option the arguments listed with it."""
    units, with_event = set(), {}
    for c in gold["conflicts"]:
        for o in c["options"]:
            if "gold_id" in o:
                continue
            if c["kind"] == "entity":
                units.add(("entity", (), o["start"], o["end"], o["label"]))
            elif c["kind"] == "event":
                units.add(("event", (), o["start"], o["end"], o["type"]))
                frame = (o["start"], o["end"], o["type"])
                with_event[frame] = {
                    ("argument", frame, a["start"], a["end"], (a["role"], a["label"])) for a in o["arguments"]
                }
            else:
                t = c["trigger"]
                units.add(
                    ("argument", (t["start"], t["end"], t["type"]), o["start"], o["end"], (o["role"], o["label"]))
                )
    return units, with_event


# --------------------------------------------------------------------------- synthetic data


@pytest.fixture(scope="module")
def synth(tmp_path_factory) -> Path:
    from annotator.synthetic import generate

    root = tmp_path_factory.mktemp("synth") / "ws"
    generate(root, docs=200, annotators=3, gold=False)
    return root


@pytest.fixture(scope="module")
def synth_ballots(synth) -> dict[str, dict[tuple, tuple[int, Counter]]]:
    names = ("ann1", "ann2", "ann3")
    doc_ids = sorted(p.stem for p in (synth / "annotations" / "ann1").glob("*.json"))
    return {
        d: ballots([orjson.loads((synth / "annotations" / n / f"{d}.json").read_bytes()) for n in names])
        for d in doc_ids
    }


_runs: dict[tuple, dict[str, dict]] = {}


def merged(synth: Path, tmp: Path, strategy: str, min_agree: int | None = None) -> dict[str, dict]:
    """Gold files (doc id -> JSON) of ``annotator adjudicate`` on a fresh copy of the synthetic workspace."""
    key = (strategy, min_agree)
    if key not in _runs:
        root = tmp / f"{strategy}{min_agree or ''}"
        shutil.copytree(synth, root)
        run = adjudicate(Workspace.open(root), strategy, min_agree=min_agree)
        assert run.problems == [] and len(run.outcomes) == 200
        _runs[key] = {p.stem: orjson.loads(p.read_bytes()) for p in (root / "annotations" / "gold").glob("*.json")}
    return _runs[key]


@pytest.mark.parametrize(
    ("strategy", "min_agree", "k"), [("majority", None, 2), ("unanimous", None, 3), ("threshold", 1, 1)]
)
def test_synthetic_gold_and_conflicts_are_the_oracles(synth, synth_ballots, tmp_path_factory, strategy, min_agree, k):
    golds = merged(synth, tmp_path_factory.mktemp("runs"), strategy, min_agree)
    totals: Counter = Counter()
    for doc_id, ballot in synth_ballots.items():
        verdicts = oracle(ballot, k)
        gold = golds[doc_id]
        in_gold = {u for u, v in verdicts.items() if v == "gold"}
        assert units_of(gold) == in_gold, doc_id
        units, with_event = offered(gold)
        events_in_gold = {u[2:] for u in in_gold if u[0] == "event"}
        # Conflicts offer exactly the open units; an open argument of an event not in gold is
        # offered with that event's option, its arguments all the annotators gave it.
        expected = {
            u for u, v in verdicts.items() if v == "conflict" and (u[0] != "argument" or u[1] in events_in_gold)
        }
        assert units == expected, doc_id
        for frame, arguments in with_event.items():
            assert arguments == {u for u in ballot if u[0] == "argument" and u[1] == frame}
        totals.update(verdicts.values())
        # No option of any conflict has K annotators behind it or against it.
        assert not any(ballot[u][0] >= k for u in units)
    if strategy == "unanimous":
        assert totals["nothing"] == 0  # unanimous settles nothing against its annotators: unchanged
    if strategy == "majority":
        # The numbers: most disagreements have a majority and are settled, the ties stay.
        assert totals["nothing"] > totals["conflict"] > 0
    if strategy == "threshold":
        assert totals["conflict"] == totals["nothing"] == 0  # K = 1: every unit anyone gave


def test_threshold_is_majority_and_unanimous_at_their_k(synth, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("runs")

    def without_strategy(golds: dict[str, dict]) -> dict[str, dict]:
        return {
            d: {k: v for k, v in g.items() if k not in ("adjudication", "created", "modified")}
            for d, g in golds.items()
        }

    majority, two = merged(synth, tmp, "majority"), merged(synth, tmp, "threshold", 2)
    assert without_strategy(two) == without_strategy(majority)
    assert without_strategy(merged(synth, tmp, "threshold", 3)) == without_strategy(merged(synth, tmp, "unanimous"))
    first = next(iter(two.values()))
    assert first["adjudication"] == {"strategy": "threshold", "min_agree": 2, "annotators": ["ann1", "ann2", "ann3"]}


# --------------------------------------------------------------------------- hand-made cases


def doc(name: str, entities=(), events=(), status: str = "done") -> DocumentAnnotations:
    return DocumentAnnotations("d", "x", "2.0.0", name, status, tuple(entities), tuple(events))


def ents(*spans: tuple[int, int, str]) -> list[Entity]:
    return [Entity(f"T{i}", s, e, label) for i, (s, e, label) in enumerate(spans, 1)]


def run_merge(sources: dict[str, DocumentAnnotations], strategy: Strategy) -> tuple[set, list[set]]:
    """Gold entities (start, end, label) and each conflict's options not in gold, as sets of the same."""
    gold, _ = merge(DocumentAnnotations("d", "x", "2.0.0", "gold"), sources, strategy)
    name = {"entity": "label", "event": "type", "argument": "role"}
    return (
        {(e.start, e.end, e.label) for e in gold.entities},
        [
            {(o["start"], o["end"], o[name[c["kind"]]]) for o in c["options"] if "gold_id" not in o}
            for c in gold.extra["conflicts"]
        ],
    )


def check_against_oracle(annotations: list[list[tuple[int, int, str]]], strategy: Strategy) -> tuple[set, list]:
    files = [doc(f"a{i}", ents(*spans)) for i, spans in enumerate(annotations)]
    verdicts = oracle(ballots([f.to_json() for f in files]), strategy.needed(len(files)))
    result = run_merge({f.annotator: f for f in files}, strategy)
    assert result[0] == {u[2:] for u, v in verdicts.items() if v == "gold"}
    assert set().union(*result[1]) == {u[2:] for u, v in verdicts.items() if v == "conflict"}
    return result


MAJORITY, UNANIMOUS = Strategy("majority"), Strategy("unanimous")
ORG, WEA, PER = (0, 7, "ORG"), (0, 7, "WEA"), (0, 7, "PER")


@pytest.mark.parametrize(
    ("annotations", "gold", "conflicts"),
    [
        ([[ORG], [ORG], [WEA]], {ORG}, []),  # the case: two against one
        ([[ORG], [], []], set(), []),  # one marked it, two left the place empty
        ([[ORG], [WEA], [PER]], set(), [{ORG, WEA, PER}]),  # a three-way tie
        ([[ORG], [WEA], []], set(), [{ORG, WEA}]),  # a tie with "nothing"
        ([[ORG], [ORG], [WEA], [WEA]], set(), [{ORG, WEA}]),  # 2-2 of four: no strict majority
        ([[ORG], [ORG], [ORG], [WEA]], {ORG}, []),
        ([[ORG], [ORG], [], []], set(), [{ORG}]),
        ([[ORG], [WEA]], set(), [{ORG, WEA}]),  # with two annotators majority needs both
        ([[ORG], []], set(), [{ORG}]),
        # Boundaries: two on 0-7 settle it against 0-5; three different boundaries do not.
        ([[ORG], [ORG], [(0, 5, "ORG")]], {ORG}, []),
        ([[ORG], [(0, 5, "ORG")], []], set(), [{ORG, (0, 5, "ORG")}]),
        ([[ORG], [(0, 5, "ORG")], [(2, 7, "ORG")]], set(), [{ORG, (0, 5, "ORG"), (2, 7, "ORG")}]),
        # Nesting: a nested span two gave goes in beside the outer one; one only gave, it does not.
        ([[ORG, (3, 7, "GPE")], [ORG, (3, 7, "GPE")], [ORG]], {ORG, (3, 7, "GPE")}, []),
        ([[ORG, (3, 7, "GPE")], [ORG], [ORG]], {ORG}, []),
    ],
)
def test_majority_by_hand(annotations, gold, conflicts):
    assert check_against_oracle(annotations, MAJORITY) == (gold, conflicts)


@pytest.mark.parametrize(
    ("annotations", "gold", "conflicts"),
    [
        ([[ORG], [ORG], [WEA]], set(), [{ORG, WEA}]),
        ([[ORG], [ORG], [ORG]], {ORG}, []),
        ([[ORG], [], []], set(), [{ORG}]),
        ([[ORG, (3, 7, "GPE")], [ORG], [ORG]], {ORG}, [{(3, 7, "GPE")}]),
    ],
)
def test_unanimous_by_hand(annotations, gold, conflicts):
    assert check_against_oracle(annotations, UNANIMOUS) == (gold, conflicts)


def attack(args: list[tuple[str, str]], type_: str = ATTACK) -> Event:
    return Event("E1", type_, 20, 25, tuple(Argument(role, entity) for role, entity in args))


def test_triggers_and_roles_by_majority():
    org = [Entity("T1", 0, 7, "ORG")]
    # Two say Attack with ORG as Attacker; one says Life.Die with nothing: the Attack and its Attacker are gold.
    sources = {
        "a": doc("a", org, [attack([("Attacker", "T1")])]),
        "b": doc("b", org, [attack([("Attacker", "T1")])]),
        "c": doc("c", org, [attack([], DIE)]),
    }
    gold, stats = merge(DocumentAnnotations("d", "x", "2.0.0", "gold"), sources, MAJORITY)
    [event] = gold.events
    assert (event.type, event.agreed_by, event.arguments) == (ATTACK, ("a", "b"), (Argument("Attacker", "T1"),))
    assert gold.extra["conflicts"] == [] and stats.conflicts == 0
    # Roles: Attacker by two, Target by one on the same entity: Attacker.
    sources["c"] = doc("c", org, [attack([("Target", "T1")])])
    gold, _ = merge(DocumentAnnotations("d", "x", "2.0.0", "gold"), sources, MAJORITY)
    assert [a.role for a in gold.events[0].arguments] == ["Attacker"] and gold.extra["conflicts"] == []
    # Attacker, Target, nothing: a tie, one argument conflict with both roles.
    sources["b"] = doc("b", org, [attack([])])
    gold, _ = merge(DocumentAnnotations("d", "x", "2.0.0", "gold"), sources, MAJORITY)
    [conflict] = gold.extra["conflicts"]
    assert conflict["kind"] == "argument" and [o["role"] for o in conflict["options"]] == ["Attacker", "Target"]
    assert gold.events[0].arguments == ()


def test_who_counts_as_an_annotator():
    """One rule (counts_as_annotated) for files: an untouched not_started file is nobody's vote;
    a not_started file with annotations (imported pre-annotations) is a vote."""
    assert not counts_as_annotated(doc("c", status="not_started"))
    assert counts_as_annotated(doc("c", ents(WEA), status="not_started"))
    assert counts_as_annotated(doc("c", status="done")) and counts_as_annotated(doc("c", status="in_progress"))
    assert not counts_as_annotated({"status": "not_started", "entities": [], "events": []})
    assert counts_as_annotated({"status": "not_started", "entities": [], "events": [{"id": "E1"}]})
    assert counts_as_annotated({"entities": []})  # a file without a status is in progress


def test_a_not_started_file_with_nothing_is_not_a_vote_against(workspace):
    from annotator.core.annotations.store import AnnotationStore
    from annotator.core.corpus import Corpus
    from tests.conftest import SEED_IDS

    doc_id = SEED_IDS[1]
    sha = Corpus(workspace.corpus_dir).info(doc_id).sha256
    for name, entities, status in (
        ("a", ents(ORG), "done"),
        ("b", ents(WEA), "done"),
        ("c", (), "not_started"),
        ("d", ents(ORG), "not_started"),  # pre-annotated, never opened: counts
    ):
        d = DocumentAnnotations(doc_id, sha, "2.0.0", name, status, tuple(entities))
        AnnotationStore(workspace.annotations_dir, name).save(d)
    [outcome] = adjudicate(workspace, "majority").outcomes
    # a, b, d annotated it (c did not): ORG two of three.
    assert outcome.annotators == ("a", "b", "d") and (outcome.agreed_entities, outcome.conflicts) == (1, 0)


# --------------------------------------------------------------------------- threshold


def test_threshold_by_hand():
    five = [[ORG], [ORG], [ORG], [WEA], []]
    for k, gold, conflicts in (
        (1, {ORG, WEA}, []),  # anyone
        (3, {ORG}, []),  # the majority of five
        (4, set(), [{ORG, WEA}]),  # four must agree: nobody settles it
    ):
        assert check_against_oracle(five, Strategy.of("threshold", k)) == (gold, conflicts)


@pytest.mark.parametrize(
    ("strategy", "k", "message"),
    [
        ("threshold", None, "--strategy threshold needs --min-agree K"),
        ("threshold", 0, "--min-agree: 0 is not a number of annotators (give 1 or more)"),
        ("majority", 2, "--min-agree goes with --strategy threshold, not majority"),
        ("plurality", None, "unknown strategy 'plurality'"),
        ("threshold", 4, "--min-agree: 4 is more than the 3 annotators merged (a, b, c: give at most 3)"),
    ],
)
def test_threshold_is_checked(workspace, strategy, k, message):
    for name in "abc":
        (workspace.annotations_dir / name).mkdir(parents=True)
    with pytest.raises(AnnotatorError) as caught:
        adjudicate(workspace, strategy, min_agree=k)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert not (workspace.annotations_dir / "gold").exists()


def cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "annotator", "-w", str(root), "adjudicate", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "200"},
    )


def test_threshold_on_the_command_line(synth, tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(synth, root)
    help_ = cli(root, "--help")
    assert "threshold" in help_.stdout and "--min-agree K" in help_.stdout
    bad = cli(root, "--strategy", "threshold", "--min-agree", "4")
    assert bad.returncode == 2 and not (root / "annotations" / "gold").exists()
    [line] = bad.stderr.splitlines()
    why = "4 is more than the 3 annotators merged (ann1, ann2, ann3: give at most 3)"
    assert line == f"annotator: error: --min-agree: {why}"
    ok = cli(root, "--strategy", "threshold", "--min-agree", "2", "--docs", "syn00000")
    assert ok.returncode == 0, ok.stderr
    assert "threshold 2 of ann1, ann2, ann3" in ok.stdout


# --------------------------------------------------------------------------- closing, option texts


def test_the_close_rule():
    sources = {"a": doc("a", ents(ORG)), "b": doc("b", ents(ORG)), "c": doc("c", ents(WEA))}
    blank = DocumentAnnotations("d", "x", "2.0.0", "gold")
    settled, _ = merge(blank, sources, MAJORITY)
    assert close_blocker(settled) is None  # every conflict settled by the strategy: it closes
    closed = mark_adjudicated(settled)
    assert (closed.status, closed.extra["adjudicated"]) == ("done", True)
    open_, _ = merge(blank, sources, UNANIMOUS)
    assert close_blocker(open_) == "1 open conflict to settle"
    with pytest.raises(AnnotatorError, match="cannot be marked adjudicated yet"):
        mark_adjudicated(open_)
    review = settled.with_(entities=(Entity("T1", 0, 7, "ORG", needs_review="MEDIA split out of ORG"),))
    assert close_blocker(review) == "1 annotation still to review after a guidelines migration"


def test_options_that_differ_only_in_role_read_differently():
    org = [Entity("T1", 0, 7, "ORG")]
    sources = {"a": doc("a", org, [attack([("Attacker", "T1")])]), "b": doc("b", org, [attack([("Target", "T1")])])}
    gold, _ = merge(DocumentAnnotations("d", "x", "2.0.0", "gold"), sources, MAJORITY)
    [conflict] = gold.extra["conflicts"]
    texts = [option_text(conflict, o) for o in conflict["options"]]
    assert texts == [
        f"Attacker = ORG 0-7 [{gold.entities[0].id}] in {ATTACK} 20-25 (a)",
        f"Target = ORG 0-7 [{gold.entities[0].id}] in {ATTACK} 20-25 (b)",
    ]
