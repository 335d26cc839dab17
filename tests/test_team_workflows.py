"""The README's team workflows, each tried end to end as a team runs it.

1. Several annotators on one server: one app process each (tests/team_session.py drives the
   real app in an OS process of its own), per-annotator folders, locks that die with their process.
2. Annotators on their own clones syncing with git through a bare repository: no merge
   conflict, nothing machine-local committed, ``annotator validate`` after every pull.
3. The lead's loop: status, agreement, adjudicate, curation in the app, export: what the lead
   decided in curation is what the export holds.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from annotator.core.workspace import Workspace
from tests.conftest import SEED_IDS, copy_workspace, write_done
from tests.team_session import TeamApp

DOC, OTHER = SEED_IDS[0], SEED_IDS[1]  # DOC: التحالف يقصف أهدافاً للميليشيات الإيرانية في ديرالزور..
PLACE = "ديرالزور"
ORG, GPE, LOC = "2", "3", "4"  # the label keys of guidelines 2.0.0


def annotator(root: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The real command on the workspace ``root``."""
    return subprocess.run(
        [sys.executable, "-m", "annotator", "-w", str(root), *args],
        cwd=cwd or root,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )


def on_disk(root: Path, who: str, doc_id: str = DOC) -> dict:
    return orjson.loads((root / "annotations" / who / f"{doc_id}.json").read_bytes())


def spans(doc: dict) -> set[tuple[int, int, str]]:
    return {(e["start"], e["end"], e["label"]) for e in doc["entities"]}


def place_span(root: Path, doc_id: str = DOC) -> tuple[int, int]:
    start = (root / "corpus" / f"{doc_id}.txt").read_text(encoding="utf-8").index(PLACE)
    return start, start + len(PLACE)


def interchange_line(root: Path, doc_id: str, entities: list[tuple[int, int, str]]) -> bytes:
    """One document of the JSONL interchange format (README), as a model or another tool writes it."""
    text = (root / "corpus" / f"{doc_id}.txt").read_text(encoding="utf-8")
    listed = [{"id": f"T{i + 1}", "start": s, "end": e, "label": label} for i, (s, e, label) in enumerate(entities)]
    line = {"id": doc_id, "text": text, "guidelines": "2.0.0", "status": "done", "entities": listed, "events": []}
    return orjson.dumps(line) + b"\n"


def status(root: Path) -> dict:
    shown = annotator(root, "status", "--format", "json")
    assert shown.returncode == 0, shown.stderr
    return orjson.loads(shown.stdout)


# ---------------------------------------------------------------- 1. one server, one process each


def test_two_annotators_label_the_same_document_at_once_and_agreement_sees_both(workspace):
    root = workspace.root
    ali, sara = TeamApp(root, "ali"), TeamApp(root, "sara")
    try:
        for app in (ali, sara):
            assert app.open(DOC)["read_only"] is None  # different names: both edit the same document
        ali.label(PLACE, GPE)
        sara.label(PLACE, LOC)  # each saves while the other has the document open
        ali.label("التحالف", ORG)
        seen = sara.label("التحالف", ORG)
        assert seen["read_only"] is None
        ali.quit()
        sara.quit()
    finally:
        ali.kill()  # only if a step above failed: the processes have ended
        sara.kill()
    place = place_span(root)
    assert spans(on_disk(root, "ali")) == {(0, 7, "ORG"), (*place, "GPE")}  # nobody lost an edit
    assert spans(on_disk(root, "sara")) == {(0, 7, "ORG"), (*place, "LOC")}
    written = sorted(p.relative_to(root).as_posix() for p in (root / "annotations").rglob("*.json"))
    assert written == [f"annotations/ali/{DOC}.json", f"annotations/sara/{DOC}.json"]  # each in their folder

    report = annotator(root, "agreement", "--format", "json")
    assert report.returncode == 0, report.stderr
    data = orjson.loads(report.stdout)
    assert data["annotators"] == ["ali", "sara"]
    (pair,) = data["spans"]["exact"]["pairs"]
    assert (pair["a_count"], pair["b_count"], pair["matched"], pair["documents"]) == (2, 2, 1, 1)
    assert {a["name"]: a["in_progress"] for a in status(root)["annotators"]} == {"ali": 1, "sara": 1}


def test_the_same_name_twice_reads_only_and_a_killed_session_lets_go(workspace):
    """A second session under a name already open sees every document read-only, told who holds
    it; SIGKILL on the first frees the name and the document for the next session."""
    root = workspace.root
    first = TeamApp(root, "ali")
    second = third = None
    try:
        assert first.open(DOC)["read_only"] is None
        first.label("التحالف", ORG)
        saved = (root / "annotations" / "ali" / f"{DOC}.json").read_bytes()

        second = TeamApp(root, "ali")
        seen = second.open(DOC)
        assert f"pid {first.pid}" in seen["read_only"] and "READ-ONLY" in seen["sub_title"]
        assert seen["entities"] == [[0, 7, "ORG"]]  # it shows the first session's work
        second.label(PLACE, GPE)
        assert (root / "annotations" / "ali" / f"{DOC}.json").read_bytes() == saved
        elsewhere = second.open(OTHER)  # a document the first session never opened: read-only too
        assert f"pid {first.pid}" in elsewhere["read_only"]
        second.label("قصف", ORG)
        assert not (root / "annotations" / "ali" / f"{OTHER}.json").exists()
        second.quit()
        second = None

        first.kill()  # no clean-up of its own: the kernel drops its locks
        third = TeamApp(root, "ali")
        seen = third.open(DOC)
        assert seen["read_only"] is None and seen["entities"] == [[0, 7, "ORG"]]
        third.label(PLACE, GPE)
        assert spans(on_disk(root, "ali")) == {(0, 7, "ORG"), (*place_span(root), "GPE")}
    finally:
        for app in (first, second, third):
            if app is not None:
                app.kill()


def test_a_document_open_in_the_app_is_not_written_by_an_import_until_it_is_left(workspace, tmp_path):
    """The per-document lock: the lead imports pre-annotations into ali's folder while ali has
    the document open; refused, naming the holder, nothing written; once ali leaves, it goes in."""
    root = workspace.root
    (tmp_path / "model.jsonl").write_bytes(interchange_line(root, DOC, [(0, 7, "GPE")]))
    command = ("import", "annotations", str(tmp_path / "model.jsonl"), "--annotator", "ali", "--replace")
    ali = TeamApp(root, "ali")
    try:
        ali.open(DOC)
        ali.label("التحالف", ORG)
        saved = (root / "annotations" / "ali" / f"{DOC}.json").read_bytes()
        refused = annotator(root, *command)
        assert refused.returncode == 2 and f"pid {ali.pid}" in refused.stderr, refused.stderr
        assert (root / "annotations" / "ali" / f"{DOC}.json").read_bytes() == saved
        ali.quit()
    finally:
        ali.kill()
    imported = annotator(root, *command)
    assert imported.returncode == 0, imported.stderr
    assert spans(on_disk(root, "ali")) == {(0, 7, "GPE")}


# ---------------------------------------------------------------- 2. own clones, synced with git

GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="git is not installed: the clone workflow runs real git")


def git(cwd: Path, *args: str, who: str = "lead") -> str:
    """git as ``who``, with no user or system config of the machine running the tests."""
    assert GIT is not None
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(cwd.parent),
        "GIT_TERMINAL_PROMPT": "0",
    }
    config = ["-c", f"user.name={who}", "-c", f"user.email={who}@example.org", "-c", "init.defaultBranch=main"]
    config += ["-c", "pull.rebase=false", "-c", "core.autocrlf=false"]
    done = subprocess.run([GIT, *config, *args], cwd=cwd, capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stdout}{done.stderr}"
    return done.stdout


def share(clone: Path, who: str, message: str) -> None:
    """What an annotator does to share their work: commit everything, pull the others', push."""
    git(clone, "add", "-A", who=who)
    git(clone, "commit", "-q", "-m", message, who=who)
    git(clone, "pull", "-q", "--no-edit", who=who)  # a merge of divergent work: never a conflict
    git(clone, "push", "-q", who=who)


def correct_word(root: Path, doc_id: str, old: str, new: str) -> str:
    """The lead corrects a word of a corpus text by hand; the corrected text."""
    path = root / "corpus" / f"{doc_id}.txt"
    text = path.read_text(encoding="utf-8").replace(old, new, 1)
    path.write_bytes(text.encode("utf-8"))
    return text


def reindex(root: Path, doc_id: str) -> None:
    """The text's index line made to follow it (sha256, chars): no command does it for a text
    already imported ('import texts' refuses another text under an existing id)."""
    text = (root / "corpus" / f"{doc_id}.txt").read_bytes()
    lines = []
    for raw in (root / "corpus" / "index.jsonl").read_bytes().splitlines():
        entry = orjson.loads(raw)
        if entry["id"] == doc_id:
            entry.update(sha256=hashlib.sha256(text).hexdigest(), chars=len(text.decode("utf-8")))
        lines.append(orjson.dumps(entry) + b"\n")
    (root / "corpus" / "index.jsonl").write_bytes(b"".join(lines))


@needs_git
def test_clones_sync_through_git_without_conflicts_and_validate_after_each_pull(tmp_path):
    """Slower than most (about 6 s on 2 cores: some twenty git and annotator processes), kept whole
    because the workflow is the sequence."""
    remote, lead = tmp_path / "team.git", tmp_path / "lead"
    made = annotator(tmp_path, "init", "--example", str(lead), cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(lead, "init", "-q")
    git(lead, "add", "-A")
    git(lead, "commit", "-q", "-m", "workspace: seed corpus and guidelines")
    git(lead, "remote", "add", "origin", str(remote))
    git(lead, "push", "-q", "-u", "origin", "main")
    ali, sara = tmp_path / "ali", tmp_path / "sara"
    for name, clone in (("ali", ali), ("sara", sara)):
        git(tmp_path, "clone", "-q", str(remote), str(clone), who=name)

    # ali labels in the app; sara imports a model's pre-annotations. Both run the agreement.
    app = TeamApp(ali, "ali")
    app.open(DOC)
    app.label("التحالف", ORG)
    app.label(PLACE, GPE)
    app.quit()
    (tmp_path / "model.jsonl").write_bytes(interchange_line(sara, DOC, [(0, 7, "ORG"), (*place_span(sara), "LOC")]))
    imported = annotator(sara, "import", "annotations", str(tmp_path / "model.jsonl"), "--annotator", "sara")
    assert imported.returncode == 0, imported.stderr
    for clone in (ali, sara):
        assert annotator(clone, "agreement", "--format", "json").returncode == 0  # fills .cache/
    assert (ali / "annotations" / "ali" / ".locks").is_dir() and (ali / ".cache").is_dir()
    assert git(ali, "status", "--porcelain", "--untracked-files=all").split() == ["??", f"annotations/ali/{DOC}.json"]

    share(sara, "sara", "sara: first document")
    share(ali, "ali", "ali: first document")  # ali's history diverged from sara's: merged
    git(sara, "pull", "-q", who="sara")
    for clone in (ali, sara):
        tracked = git(clone, "ls-files").split()
        assert {f"annotations/ali/{DOC}.json", f"annotations/sara/{DOC}.json"} <= set(tracked)
        assert not [p for p in tracked if ".locks/" in p or ".cache/" in p or p.endswith(".tmp")]
        checked = annotator(clone, "validate")
        assert (checked.returncode, checked.stdout) == (0, ""), checked.stdout + checked.stderr
    assert on_disk(sara, "ali") == on_disk(ali, "ali")  # sara has ali's work as ali saved it

    # The lead fixes a word of the text and forgets the index: validate names the text.
    git(lead, "pull", "-q")
    correct_word(lead, DOC, "التحالف", "الائتلاف")
    git(lead, "commit", "-q", "-am", "corpus: a word corrected")
    git(lead, "push", "-q")
    git(ali, "pull", "-q", who="ali")
    checked = annotator(ali, "validate")
    assert checked.returncode == 1
    assert [line.split(":")[0] for line in checked.stdout.splitlines()] == [f"corpus/{DOC}.txt"]
    # ... then its index line too: every annotation file made on the old text is named, one line each.
    reindex(lead, DOC)
    git(lead, "commit", "-q", "-am", "corpus: index follows the corrected text")
    git(lead, "push", "-q")
    git(ali, "pull", "-q", who="ali")
    checked = annotator(ali, "validate")
    assert checked.returncode == 1
    named = [line.split(":")[0] for line in checked.stdout.splitlines()]
    assert named == [f"annotations/ali/{DOC}.json", f"annotations/sara/{DOC}.json"], checked.stdout

    # Nothing uses the stale annotations silently: agreement leaves them out and says why,
    # the app opens the document read-only and writes nothing.
    report = orjson.loads(annotator(ali, "agreement", "--format", "json").stdout)
    assert sorted((e["annotator"], e["doc_id"]) for e in report["excluded"]) == [("ali", DOC), ("sara", DOC)]
    assert all("another text" in e["reason"] for e in report["excluded"])
    before = (ali / "annotations" / "ali" / f"{DOC}.json").read_bytes()
    app = TeamApp(ali, "ali")
    seen = app.open(DOC)
    app.label(PLACE, LOC)
    app.quit()
    assert seen["read_only"] and "sha256" in seen["read_only"]
    assert (ali / "annotations" / "ali" / f"{DOC}.json").read_bytes() == before


# ---------------------------------------------------------------- 3. the lead's loop


async def test_the_leads_loop_from_agreement_to_an_export_of_the_curated_gold(tmp_path):
    """ali and sara disagree on ديرالزور (GPE / LOC); three annotators agree on OTHER. The lead
    adjudicates by majority, settles the conflict in the curation screen as LOC, and exports."""
    from annotator.tui.app import make_app
    from annotator.tui.screens.curate import CurateScreen
    from annotator.tui.screens.modals import ChooseScreen

    workspace = Workspace.open(copy_workspace(tmp_path / "ws"))
    root = workspace.root
    place = place_span(root)
    write_done(workspace, "ali", DOC, [(0, 7, "ORG"), (*place, "GPE")])
    write_done(workspace, "sara", DOC, [(0, 7, "ORG"), (*place, "LOC")])
    for who in ("ali", "sara", "omar"):
        write_done(workspace, who, OTHER, [(0, 6, "ORG")])

    morning = status(root)  # the lead's look at where everyone is
    assert {a["name"]: (a["not_started"], a["in_progress"], a["done"]) for a in morning["annotators"]} == {
        "ali": (3, 0, 2),
        "omar": (4, 0, 1),
        "sara": (3, 0, 2),
    }
    assert morning["overall"]["done_by_all"] == 1  # OTHER: omar did not do DOC

    report = annotator(root, "agreement", "--format", "json")
    assert report.returncode == 0, report.stderr
    pairs = orjson.loads(report.stdout)["spans"]["exact"]["pairs"]
    assert {(p["a"], p["b"]) for p in pairs} == {("ali", "omar"), ("ali", "sara"), ("omar", "sara")}
    assert all(isinstance(p["f1"], float) for p in pairs), pairs

    merged = annotator(root, "adjudicate", "--strategy", "majority")
    assert merged.returncode == 0, merged.stderr
    assert spans(on_disk(root, "gold", OTHER)) == {(0, 6, "ORG")}
    assert len(on_disk(root, "gold", DOC)["conflicts"]) == 1  # GPE or LOC: majority cannot say

    app = make_app(workspace, annotator="lead")
    async with app.run_test(size=(120, 40)) as pilot:
        app.documents_screen.select(DOC)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CurateScreen)
        await pilot.press("j")  # to the conflict
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, ChooseScreen)
        app.screen.dismiss(next(o for o in app.screen.options if o.startswith("LOC")))
        await pilot.pause()
        await pilot.press("A")  # adjudicated
        await pilot.pause()
    gold = on_disk(root, "gold", DOC)
    assert spans(gold) == {(0, 7, "ORG"), (*place, "LOC")} and gold["adjudicated"] is True
    assert status(root)["gold"]["done"] == 1  # the curated document is finished gold; OTHER awaits its look

    out = root / "exports"
    for fmt in ("jsonl", "conll"):
        done = annotator(root, "export", "--format", fmt, "--out", str(out / fmt))
        assert done.returncode == 0, done.stderr
    exported = {
        line["id"]: {(e["start"], e["end"], e["label"]) for e in line["entities"]}
        for part in (out / "jsonl").glob("*.jsonl")
        for line in map(orjson.loads, part.read_bytes().splitlines())
    }
    assert exported == {DOC: {(0, 7, "ORG"), (*place, "LOC")}, OTHER: {(0, 6, "ORG")}}
    rows = [line.split("\t") for part in (out / "conll").glob("*.conll") for line in part.read_text().splitlines()]
    at_place = [tags for token, *tags in rows if token == PLACE]  # its first occurrence is the labelled one
    assert at_place[0] == ["B-LOC"] and not [tags for _, *tags in rows if tags and tags[0].endswith("GPE")]
