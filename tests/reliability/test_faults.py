"""Scenario 2: ENOSPC and EACCES at every write of every operation that writes.

For each operation (the app's save through the store, import texts, import annotations,
two exports, adjudicate, agreement --out, init, remembering the annotator's name) a first
run counts its write-ish calls (tests/reliability/faults.py). Then, for each errno and each
k from 1 until a run no longer reaches a k-th call, the operation runs in a forked child
on a fresh copy of the same world with the k-th call failing. Each run is judged:

- refused: exit status not 0, every stderr line ``annotator: error: ...`` naming the
  system's reason, no traceback, no raw control character;
- nothing changed: the world is byte for byte as before (lock files aside: taking a lock
  creates one), or, where partial progress is the operation's defined behaviour
  (adjudicate: each gold file on its own; init: no annotator.toml, so no workspace yet),
  every file it left is whole and valid;
- no stray temporary file, no lock left held by the process that failed;
- a retry with the fault gone succeeds and leaves the complete result.

A run that exits 0 although its k-th call failed (the program absorbed it, as it may for
the lock's holder note) must leave the complete result too.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from annotator.core.annotations.editing import Editor
from annotator.core.annotations.store import AnnotationStore
from annotator.core.corpus import Corpus
from annotator.core.errors import AnnotatorError
from annotator.core.guidelines.schema import load_schema
from annotator.core.workspace import Workspace, init_workspace
from tests.reliability.faults import inject
from tests.reliability.harness import (
    Run,
    Scenario,
    Table,
    cli_env,
    differences,
    forked,
    held_locks,
    raw_controls,
    run_cli,
    scenario,
    snapshot,
    stray_files,
    warm_up,
)

ERRNOS = (errno.ENOSPC, errno.EACCES)
NEW_TEXTS = {
    "news_a": "قصفت طائرات التحالف مواقع في ريف دير الزور الشرقي صباح اليوم.\n",
    "news_b": "أعلنت وزارة الدفاع عن وصول تعزيزات إلى قاعدة عين الأسد.\n",
    "news_c": "قال مصدر محلي إن الاشتباكات توقفت مساء الأحد قرب البوكمال.\n",
}


@dataclass(frozen=True)
class Operation:
    name: str
    what: str  # for the report
    run: Callable[[Path], int]  # in the child, in the world folder: its exit status
    complete: Callable[[Path], str | None]  # what is missing from a finished result (None: nothing)
    partial: Callable[[Path, list[str]], list[str]] | None = None  # the changes it may leave when refused


def _main(*argv: str) -> int:
    from annotator.cli import main

    return main(list(argv))


def _as_command(action: Callable[[], object]) -> int:
    """A library call judged as a command is: AnnotatorError and OSError as one error line, exit 2."""
    import sys

    try:
        action()
    except AnnotatorError as exc:
        print(f"annotator: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"annotator: error: {where}{exc.strerror}", file=sys.stderr)
        return 2
    return 0


# ----- the operations ----------------------------------------------------------------------
def _app_save(world: Path) -> int:
    """What the annotation screen does for one label key: open (lock), edit, save_opened, leave."""

    def action() -> None:
        ws = Workspace.open(world / "ws")
        corpus = Corpus(ws.corpus_dir)
        store = AnnotationStore.of(ws, "amal", corpus)
        doc_id = corpus.ids[0]
        opened = store.open(doc_id, corpus.info(doc_id).sha256, ws.config.guidelines)
        if opened.read_only:
            raise AnnotatorError(f"read-only: {opened.read_only}")  # what the screen shows
        try:
            editor = Editor(opened.doc, load_schema(ws.guidelines_dir, ws.config.guidelines))
            editor.add_entity(100, 104, "LOC")
            store.save_opened(opened, editor.doc)
        finally:
            if opened.lock is not None:
                opened.lock.release()

    return _as_command(action)


def _app_saved(world: Path) -> str | None:
    ws = Workspace.open(world / "ws")
    corpus = Corpus(ws.corpus_dir)
    doc = AnnotationStore.of(ws, "amal", corpus).read(corpus.ids[0])
    return None if doc and any((e.start, e.end, e.label) == (100, 104, "LOC") for e in doc.entities) else "no entity"


def _remember(world: Path) -> int:
    from annotator.core.identity import remember_name

    return _as_command(lambda: remember_name("salma"))


def _remembered(world: Path) -> str | None:
    text = (world / "config" / "annotator" / "user.toml").read_text(encoding="utf-8")
    return None if 'annotator = "salma"' in text and 'vte = "app"' in text else f"user.toml holds {text!r}"


def _imported_texts(world: Path) -> str | None:
    corpus = Corpus(world / "ws" / "corpus")
    missing = [d for d in NEW_TEXTS if d not in corpus or corpus.text(d) != NEW_TEXTS[d]]
    return f"not imported: {missing}" if missing else None


def _imported_annotations(world: Path) -> str | None:
    ws = Workspace.open(world / "ws")
    carol, amal = AnnotationStore.of(ws, "carol"), AnnotationStore.of(ws, "amal")
    wrong = [d for d in amal.annotated_ids() if getattr(carol.read(d), "entities", None) != amal.read(d).entities]
    return f"not imported as they are: {wrong}" if wrong else None


def _exported(name: str) -> Callable[[Path], str | None]:
    def complete(world: Path) -> str | None:
        out = world / "ws" / "exports" / name
        manifest = out / "manifest.json"
        if not manifest.is_file():
            return f"no {manifest}"
        files = json.loads(manifest.read_text(encoding="utf-8")).get("files", {})
        bad = [f for f in files if not (out / f).is_file()]
        return f"files in the manifest missing: {bad}" if bad or not files else None

    return complete


def _adjudicated(world: Path) -> str | None:
    ws = Workspace.open(world / "ws")
    gold = AnnotationStore.of(ws, "gold")
    wanted = AnnotationStore.of(ws, "amal").annotated_ids()
    return None if gold.annotated_ids() == wanted else f"gold has {gold.annotated_ids()}, wanted {wanted}"


def _gold_whole(world: Path, changes: list[str]) -> list[str]:
    """Adjudication writes each document's gold on its own: what it wrote must be whole and valid."""
    problems = [c for c in changes if not c.split(" ", 1)[1].startswith("ws/annotations/gold")]
    ws = Workspace.open(world / "ws")
    gold = AnnotationStore.of(ws, "gold")
    for doc_id in gold.annotated_ids():
        try:
            gold.read(doc_id)
        except AnnotatorError as exc:
            problems.append(f"gold file not valid: {exc}")
    return problems


def _report_written(world: Path) -> str | None:
    report = world / "ws" / "agreement.html"
    return None if report.is_file() and report.read_bytes().rstrip().endswith(b"</html>") else "no whole report"


def _not_a_workspace_yet(world: Path, changes: list[str]) -> list[str]:
    """init may leave folders behind, but no annotator.toml: a retry starts over."""
    if (world / "new" / "annotator.toml").exists():
        return ["annotator.toml written although init failed"]
    return [c for c in changes if not c.split(" ", 1)[1].startswith("new")]


def _initialised(reference: dict[str, str]) -> Callable[[Path], str | None]:
    def complete(world: Path) -> str | None:
        made = snapshot(world / "new")
        wrong = differences(reference, made)
        return f"differs from a clean init: {wrong[:5]}" if wrong else None

    return complete


OPERATIONS = [
    Operation("app save", "the app's save: `store.open` (lock), `Editor`, `store.save_opened`", _app_save, _app_saved),
    Operation(
        "import texts",
        "`annotator import texts` of a folder of 3 new texts",
        lambda w: _main("-w", str(w / "ws"), "import", "texts", str(w / "src" / "texts")),
        _imported_texts,
    ),
    Operation(
        "import annotations",
        "`annotator import annotations` of a JSON Lines file of 3 documents for a new annotator",
        lambda w: _main(
            "-w", str(w / "ws"), "import", "annotations", str(w / "src" / "amal.jsonl"), "--annotator", "carol"
        ),
        _imported_annotations,
    ),
    Operation(
        "export hf",
        "`annotator export --format hf` (data files, labels, manifest)",
        lambda w: _main(
            "-w",
            str(w / "ws"),
            "export",
            "--format",
            "hf",
            "--source",
            "amal",
            "--jobs",
            "1",
            "--out",
            str(w / "ws" / "exports" / "hf"),
        ),
        _exported("hf"),
    ),
    Operation(
        "export conll columns",
        "`annotator export --format conll --nested columns` (an intermediate file, then the padded one)",
        lambda w: _main(
            "-w",
            str(w / "ws"),
            "export",
            "--format",
            "conll",
            "--nested",
            "columns",
            "--source",
            "amal",
            "--jobs",
            "1",
            "--out",
            str(w / "ws" / "exports" / "conll"),
        ),
        _exported("conll"),
    ),
    Operation(
        "adjudicate",
        "`annotator adjudicate --strategy majority` (gold for 3 documents of 2 annotators)",
        lambda w: _main("-w", str(w / "ws"), "adjudicate", "--strategy", "majority"),
        _adjudicated,
        _gold_whole,
    ),
    Operation(
        "agreement --out",
        "`annotator agreement --format html --out FILE`",
        lambda w: _main(
            "-w",
            str(w / "ws"),
            "agreement",
            "--format",
            "html",
            "--jobs",
            "1",
            "--out",
            str(w / "ws" / "agreement.html"),
        ),
        _report_written,
    ),
    Operation(
        "init",
        "`annotator init DIR --example`",
        lambda w: _main("init", str(w / "new"), "--example"),
        lambda w: None,  # replaced by the clean init's snapshot once it is known
        _not_a_workspace_yet,
    ),
    Operation(
        "remember name",
        "remembering the annotator's name in user.toml (kept: its [bidi] answer)",
        _remember,
        _remembered,
    ),
]


# ----- the world every operation starts from ------------------------------------------------------
def _base_world(folder: Path) -> Path:
    """A workspace with amal's and bob's annotations of 3 documents, new texts, an interchange
    file, a user config: what every operation needs, made once."""
    ws_root = folder / "ws"
    init_workspace(ws_root, example=True)
    ws = Workspace.open(ws_root)
    corpus = Corpus(ws.corpus_dir)
    schema = load_schema(ws.guidelines_dir, ws.config.guidelines)
    for name, shift in (("amal", 0), ("bob", 1)):
        store = AnnotationStore.of(ws, name, corpus)
        for doc_id in corpus.ids[:3]:
            info = corpus.info(doc_id)
            editor = Editor(store.open(doc_id, info.sha256, ws.config.guidelines, lock=False).doc, schema)
            per = editor.add_entity(0, 7, "ORG")
            editor.add_entity(20 + shift, 27, "GPE")
            attack = editor.add_event(8, 12, "Conflict.Attack")
            editor.add_argument(attack.id, "Attacker", per.id)
            store.save(editor.doc)
    texts = folder / "src" / "texts"
    texts.mkdir(parents=True)
    for name, text in NEW_TEXTS.items():
        (texts / f"{name}.txt").write_text(text, encoding="utf-8")
    run = run_cli(
        ["export", "--format", "jsonl", "--source", "amal", "--jobs", "1", "--out", str(folder / "x")],
        ws_root,
        cli_env(folder / "home"),
    )
    assert run.code == 0, run.err
    shutil.move(folder / "x" / "all.jsonl", folder / "src" / "amal.jsonl")
    shutil.rmtree(folder / "x")
    (folder / "config" / "annotator").mkdir(parents=True)
    (folder / "config" / "annotator" / "user.toml").write_text('[bidi]\nvte = "app"\n', encoding="utf-8")
    (folder / "home").mkdir(exist_ok=True)
    return folder


def _attempt(op: Operation, world: Path, fail_at: int | None, err: int) -> tuple[Run, dict]:
    """``op`` in a forked child on ``world`` with the ``fail_at``-th write failing with ``err``;
    what it printed and exited with, and what it counted and found held afterwards."""
    report = world.parent / f"{world.name}.report.json"

    def target() -> int:
        os.chdir(world)
        os.environ.update(XDG_CONFIG_HOME=str(world / "config"), HOME=str(world / "home"))
        found: dict = {}
        try:
            with inject(fail_at, err) as faults:
                try:
                    code = op.run(world)
                finally:
                    found.update(calls=faults.calls, hit=faults.hit)
        except BaseException:
            traceback.print_exc()
            code = 1
        found["locks"] = held_locks(world)  # while this process, which may hold one, still runs
        report.write_text(json.dumps(found), encoding="utf-8")
        return code

    run = forked(target, timeout=120)
    found = (
        json.loads(report.read_text(encoding="utf-8")) if report.exists() else {"calls": 0, "hit": None, "locks": []}
    )
    return run, found


def _judge(op: Operation, run: Run, found: dict, before: dict[str, str], world: Path, err: int) -> list[str]:
    """What is wrong with one faulted run (and its retry); [] if nothing."""
    problems: list[str] = []
    reason = os.strerror(err)
    stderr = run.err.decode("utf-8", "replace")
    if run.timed_out:
        return ["hung (killed after 120 s)"]
    control = raw_controls(run.err) or raw_controls(run.out)
    if control:
        problems.append(f"raw control character in its output: {control}")
    if found["locks"]:
        problems.append(f"lock left held: {found['locks']}")
    strays = stray_files(world)
    if strays:
        problems.append(f"temporary files left: {[str(Path(p).relative_to(world)) for p in strays]}")
    if run.code == 0:  # the program absorbed the failure: then the result must be whole
        missing = op.complete(world)
        return problems + ([f"exit 0 but incomplete: {missing}"] if missing else [])
    if "Traceback" in stderr:
        problems.append(f"traceback: {stderr.strip().splitlines()[-1][:200]}")
    lines = [line for line in stderr.splitlines() if line.strip()]
    if not lines or any(not line.startswith("annotator: error: ") for line in lines):
        problems.append(f"not one error line per problem: {stderr[:200]!r}")
    elif reason not in stderr:
        problems.append(f"the error does not say {reason!r}: {lines[0][:200]!r}")
    changes = _lock_folders_aside(differences(before, snapshot(world, _not_locks)), world)
    problems += op.partial(world, changes) if op.partial else [f"left {c}" for c in changes]
    retry, again = _attempt(op, world, None, err)
    if retry.code != 0:
        problems.append(f"retry failed (exit {retry.code}): {retry.first_line[:200]}")
    else:
        missing = op.complete(world)
        if missing:
            problems.append(f"retry incomplete: {missing}")
    if again["locks"]:
        problems.append(f"lock held after the retry: {again['locks']}")
    return problems


def _not_locks(rel: str) -> bool:
    """Lock files, and the agreement's cache (.cache/: safe to delete, rebuilt when it cannot be read or written)."""
    return "/.locks" in f"/{rel}" or f"/{rel}".startswith("/ws/.cache")


def _lock_folders_aside(changes: list[str], world: Path) -> list[str]:
    """A new folder that holds nothing but lock files is where a lock was taken: not a change."""

    def only_locks(rel: str) -> bool:
        folder = world / rel
        return folder.is_dir() and all(_not_locks(str(p.relative_to(world))) for p in folder.rglob("*") if p.is_file())

    return [c for c in changes if not (c.startswith("new ") and only_locks(c[4:]))]


def test_enospc_and_eacces_at_every_write(scratch):
    tmp_path = scratch
    warm_up()
    with scenario("faults", "ENOSPC and EACCES injected at every write") as s:
        base = _base_world(tmp_path / "base")
        table = Table(
            "Each operation, each errno, each k",
            (
                "operation",
                "write-ish calls",
                "runs",
                "refused cleanly",
                "absorbed (exit 0, result whole)",
                "failed",
                "what the error said (first refused run)",
            ),
        )
        total_runs = 0
        for op in OPERATIONS:
            counted, found = _attempt(op, _copy(base, tmp_path / op.name.replace(" ", "_") / "count"), None, 0)
            if counted.code != 0:
                s.fail(f"{op.name}: fails without any fault (exit {counted.code}): {counted.first_line}")
                continue
            if op.name == "init":
                op = Operation(
                    op.name, op.what, op.run, _initialised(snapshot(tmp_path / "init" / "count" / "new")), op.partial
                )
            calls = found["calls"]
            runs, clean, absorbed, failed, said = _fault_every_write(s, op, base, tmp_path, calls)
            total_runs += runs
            table.rows.append((op.name, str(calls), str(runs), str(clean), str(absorbed), str(failed), said))
            s.count(f"{op.name}: faulted runs", runs)
        s.tables.append(table)
        s.did += [
            "operations: " + "; ".join(f"{op.name} ({op.what})" for op in OPERATIONS),
            "each run in a forked child on a fresh copy of one world (a workspace with 2 annotators' files, new "
            "texts, an interchange file, a user config); the k-th write-ish call (open for writing, write, fsync, "
            "ftruncate, replace, rename, link, symlink, mkdir, sendfile) failing with ENOSPC, then EACCES, for every "
            "k up to the operation's count (tests/reliability/faults.py)",
            "after each refused run: the error lines, the world compared byte for byte with before (lock files "
            "aside), stray temporary files, locks still held by the failed process, then a retry without the fault",
        ]
        s.counts["faulted runs"] = total_runs
        s.check(
            f"nothing lost or half-written: each of the {total_runs:,} faulted runs was refused with a clear error "
            "(or absorbed with a whole result), left the workspace as it was (or, where partial progress is "
            "defined, whole and valid), no temporary file, no lock held, and a retry succeeded",
            not s.failures,
        )
        s.assert_clean()


def _copy(base: Path, target: Path) -> Path:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(base, target, symlinks=True)
    return target


def _fault_every_write(
    s: Scenario, op: Operation, base: Path, tmp_path: Path, calls: int
) -> tuple[int, int, int, int, str]:
    before = snapshot(base, _not_locks)
    runs = clean = absorbed = failed = 0
    said = ""
    for err in ERRNOS:
        for k in range(1, calls + 2):
            world = _copy(base, tmp_path / op.name.replace(" ", "_") / "run")
            run, found = _attempt(op, world, k, err)
            if found["hit"] is None:  # fewer than k calls this time: it ran to the end
                if run.code != 0:
                    s.fail(f"{op.name}: with no call left to fail, exit {run.code}: {run.first_line}")
                break
            runs += 1
            problems = _judge(op, run, found, before, world, err)
            if problems:
                failed += 1
                said_wrong = f"{op.name}, {errno.errorcode[err]} at call {k} {found['hit']}: " + "; ".join(problems)
                s.fail(said_wrong.replace(f"{world}/", ""))
            elif run.code == 0:
                absorbed += 1
            else:
                clean += 1
                said = said or run.first_line.replace(f"{world}/", "")[:140]
    return runs, clean, absorbed, failed, said
