"""`annotator status`: every count a lead relies on, against a workspace whose state the test
set up itself (annotator.core.status, annotator/cli/status_cmd.py)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import orjson
import pytest

from annotator.core.annotations.model import DocumentAnnotations, Entity, Event
from annotator.core.annotations.store import AnnotationStore
from annotator.core.corpus import Corpus
from annotator.core.status import compute_status
from annotator.core.workspace import Workspace
from tests.conftest import SEED_IDS, CliResult, assert_one_error, copy_workspace
from tests.hostile import CONTROL, RAW

D0, D1, D2, D3, D4 = SEED_IDS[:5]
HOSTILE_FOLDER = "[bold]\x1b[2J\x07\u202e[@click=app.quit]x"
MTIMES = {"amal": 1_700_000_000, "badr": 1_700_000_500}  # seconds; each annotator's newest file


def run(*args: str, cwd: Path) -> CliResult:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env["COLUMNS"] = "200"
    proc = subprocess.run(
        [sys.executable, "-m", "annotator", *args], cwd=cwd, env=env, capture_output=True, timeout=120
    )
    return CliResult(proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8"))


def save(ws: Workspace, who: str, doc_id: str, status: str, entities=(), events=()) -> None:
    sha = Corpus(ws.corpus_dir).info(doc_id).sha256
    AnnotationStore(ws.annotations_dir, who).save(
        DocumentAnnotations(doc_id, sha, "2.0.0", who, status, tuple(entities), tuple(events))
    )


def iso(seconds: int) -> str:
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def team(tmp_path_factory) -> Workspace:
    """amal: D0 done (PER, GPE, an attack), D1 in progress with 2 entities to review, D2 an
    untouched not_started file, D3 marked not_started but with an entity, D4 not JSON, and a
    file of a document the corpus lacks. badr: D0 and D1 done (PER each). Gold: D0, by
    `annotator adjudicate`. A folder whose name is no annotator's, with 2 files."""
    ws = Workspace.open(copy_workspace(tmp_path_factory.mktemp("status") / "ws"))
    per, gpe = Entity("T1", 0, 4, "PER"), Entity("T2", 5, 9, "GPE")
    save(ws, "amal", D0, "done", [per, gpe], [Event("E1", "Conflict.Attack", 10, 14)])
    save(ws, "badr", D0, "done", [per])
    save(ws, "amal", D1, "in_progress", [replace(per, needs_review="why"), replace(gpe, needs_review="why")])
    save(ws, "badr", D1, "done", [per])
    save(ws, "amal", D2, "not_started")
    save(ws, "amal", D3, "not_started", [gpe])
    (ws.annotator_dir("amal") / f"{D4}.json").write_bytes(b"{not json")
    (ws.annotator_dir("amal") / "no_such_doc.json").write_bytes(b"{}")
    odd = ws.annotations_dir / HOSTILE_FOLDER
    odd.mkdir()
    for name in ("a.json", "b.json"):
        (odd / name).write_bytes(b"{}")
    result = run("adjudicate", "--strategy", "majority", "--docs", D0, cwd=ws.root)
    assert result.code == 0, result.err
    for who, newest in MTIMES.items():
        for k, path in enumerate(sorted(ws.annotator_dir(who).glob("*.json"))):
            os.utime(path, (newest - 100 * k, newest - 100 * k))  # the first file is the newest
    return ws


def test_every_bucket_review_adjudicated_labels_and_last_edit(team: Workspace):
    report = compute_status(team)
    n = len(SEED_IDS)
    assert report.documents == n
    amal, badr = report.annotators
    assert (amal.name, amal.not_started, amal.in_progress, amal.done, amal.unreadable) == ("amal", n - 4, 2, 1, 1)
    assert (amal.to_review_documents, amal.to_review) == (1, 2)
    assert amal.adjudicated == 1  # D0 is in gold
    assert amal.entities == {"GPE": 3, "PER": 2} and amal.events == {"Conflict.Attack": 1}
    assert (badr.not_started, badr.in_progress, badr.done, badr.unreadable) == (n - 2, 0, 2, 0)
    assert (badr.to_review, badr.adjudicated, badr.entities, badr.events) == (0, 1, {"PER": 2}, {})
    assert amal.last_edit == iso(MTIMES["amal"]) and badr.last_edit == iso(MTIMES["badr"])
    o = report.overall
    assert (o.documents, o.touched, o.done_by_any, o.done_by_all, o.adjudicated) == (n, 3, 2, 1, 1)
    assert (o.unreadable, o.to_review_documents, o.to_review) == (1, 1, 2)
    assert o.entities == {"GPE": 3, "PER": 4} and o.events == {"Conflict.Attack": 1}
    assert report.gold is not None and report.gold.adjudicated == 1
    assert o.last_edit == max(amal.last_edit, badr.last_edit, report.gold.last_edit)
    left = {(x.folder, x.doc_id): x.files for x in report.left_out}
    assert left == {(HOSTILE_FOLDER, None): 2, ("amal", "no_such_doc"): 1}


def test_a_file_edited_after_a_run_is_read_again(team: Workspace, tmp_path: Path):
    import shutil

    root = tmp_path / "ws"
    shutil.copytree(team.root, root, ignore=shutil.ignore_patterns(".cache"))
    ws = Workspace.open(root)
    assert compute_status(ws, ["badr"]).annotators[0].done == 2  # fills the cache
    assert any((root / ".cache" / "agreement").rglob("*.parquet"))
    save(ws, "badr", D1, "in_progress", [Entity("T1", 0, 4, "PER", needs_review="why")])
    save(ws, "badr", D2, "done")
    badr = compute_status(ws, ["badr"]).annotators[0]
    assert (badr.done, badr.in_progress, badr.to_review) == (2, 1, 1)


def test_the_cached_counts_are_those_of_the_files(team: Workspace, tmp_path: Path):
    import shutil

    root = tmp_path / "ws"
    shutil.copytree(team.root, root, ignore=shutil.ignore_patterns(".cache"))
    ws = Workspace.open(root)
    fresh = compute_status(ws, use_cache=False)
    assert not (root / ".cache").exists()
    compute_status(ws)  # fills the cache
    assert compute_status(ws) == fresh  # from the cache's rows


def test_json_and_table_say_the_same(team: Workspace):
    data = orjson.loads(run("status", "--format", "json", cwd=team.root).out)
    table = run("status", cwd=team.root)
    assert table.code == 0 and table.err == ""
    assert [a["name"] for a in data["annotators"]] == ["amal", "badr"]
    keys = ("not_started", "in_progress", "done", "unreadable", "to_review_documents", "adjudicated")
    for person in data["annotators"]:
        row = next(line.split() for line in table.out.splitlines() if line.split()[:1] == [person["name"]])
        assert row[1:7] == [str(person[k]) for k in keys]
        assert " ".join(row[7:9]) == person["last_edit"].replace("T", " ")[:16]
    o = data["overall"]
    assert f"done by one: {o['done_by_any']}, by all: {o['done_by_all']}" in table.out
    assert f"annotations to review: {o['to_review']} in {o['to_review_documents']} documents" in table.out
    assert f"adjudicated (gold): {o['adjudicated']}" in table.out


def test_names_from_the_disk_are_shown_as_data(team: Workspace):
    result = run("status", cwd=team.root)
    assert result.code == 0
    assert not RAW.search(result.out) and not CONTROL.search(result.err)
    assert "[bold]" in result.out and "[@click=app.quit]x" in result.out and "<U+202E>" in result.out


def test_a_bad_workspace_or_name_is_one_line(team: Workspace, tmp_path: Path):
    assert_one_error(run("status", cwd=tmp_path), "annotator.toml")
    assert_one_error(run("status", "--annotators", "nobody", cwd=team.root), "nobody")
    assert_one_error(run("status", "--annotators", "gold", cwd=team.root), "gold")


def test_a_new_workspace_has_everything_to_do(tmp_path: Path):
    assert run("init", "--example", "ws", cwd=tmp_path).code == 0
    result = run("status", "--format", "json", cwd=tmp_path / "ws")
    assert result.code == 0, result.err
    data = orjson.loads(result.out)
    assert (data["documents"], data["annotators"], data["gold"]) == (len(SEED_IDS), [], None)
    assert data["overall"]["touched"] == 0 and data["overall"]["last_edit"] is None
