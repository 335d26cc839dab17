"""Scenario 5: hostile inputs through every command and the app.

Each input of tests/reliability/hostile_inputs.py is planted in a fresh copy of one world,
then the commands that read what it changed run on it (forked children, as the installed
``annotator`` runs), and, for inputs the app reads, the app runs headless on another copy
(Textual's Pilot, in a forked child): it lists the documents, opens the input's document,
presses a label key, and for some opens the agreement screen. Every command run must:

- end: no traceback, exit status 0, 1 (``validate`` only: problems found) or 2, and with 2
  at least one ``annotator: error:`` line; every stderr line starts with ``annotator:``;
- put no raw control character on stdout or stderr (C0 but tab and newline, DEL, C1; on
  stderr no bidi control either);
- write nothing outside the workspace (the world's other folders are compared before and
  after).

An input that damages the workspace must also make ``annotator validate`` say so (exit 1).
The app must not crash (its run ends normally; a workspace it cannot open is refused in one
line), and nothing it draws holds a raw control character. The real app in a pseudo-terminal
then opens tests/hostile.py's workspace (terminal codes and markup in every place): none of
the planted codes reaches the terminal.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import time
from pathlib import Path

from annotator.core.annotations.editing import Editor
from annotator.core.annotations.store import AnnotationStore
from annotator.core.corpus import Corpus
from annotator.core.errors import AnnotatorError
from annotator.core.guidelines.schema import load_schema
from annotator.core.workspace import Workspace, init_workspace
from tests.hostile import CONTROL, hostile_workspace
from tests.reliability.harness import (
    Child,
    Run,
    Table,
    cli_env,
    differences,
    finish,
    forked,
    raw_controls,
    run_cli,
    scenario,
    snapshot,
    start,
    warm_up,
)
from tests.reliability.hostile_inputs import ANNOTATOR_NAME, COMMANDS, Input, World, inputs
from tests.test_terminal_pty import Session, first_frame

TITLE = "Hostile inputs through every command and the app"
ONLY = os.environ.get("ANNOTATOR_RELIABILITY_ONLY", "")  # run only the inputs whose name holds this


def _base(folder: Path) -> World:
    ws_root = folder / "ws"
    init_workspace(ws_root, example=True)
    ws = Workspace.open(ws_root)
    corpus = Corpus(ws.corpus_dir)
    schema = load_schema(ws.guidelines_dir, ws.config.guidelines)
    for name, shift in ((ANNOTATOR_NAME, 0), ("bob", 1)):
        store = AnnotationStore.of(ws, name, corpus)
        for doc_id in corpus.ids[:3]:
            editor = Editor(
                store.open(doc_id, corpus.info(doc_id).sha256, ws.config.guidelines, lock=False).doc, schema
            )
            org = editor.add_entity(0, 7, "ORG")
            editor.add_entity(20 + shift, 27, "GPE")
            attack = editor.add_event(8, 12, "Conflict.Attack")
            editor.add_argument(attack.id, "Attacker", org.id)
            store.save(editor.doc)
    env = cli_env(folder / "home")
    (folder / "src" / "texts").mkdir(parents=True)
    (folder / "src" / "texts" / "plain.txt").write_text("نص عادي للاستيراد.\n", encoding="utf-8")
    for fmt, name in (("jsonl", "in.jsonl"), ("conll", "in.conll")):
        out = folder / f"x-{fmt}"
        run = run_cli(
            ["export", "--format", fmt, "--source", ANNOTATOR_NAME, "--jobs", "1", "--out", str(out)], ws_root, env
        )
        assert run.code == 0, run.err
        shutil.move(next(out.glob(f"all.{fmt}")), folder / "src" / name)
        shutil.rmtree(out)
    (folder / "outside").mkdir()
    (folder / "outside" / "secret.txt").write_text("secret\n", encoding="utf-8")
    shutil.copy(AnnotationStore.of(ws, ANNOTATOR_NAME).path(corpus.ids[0]), folder / "outside" / "amal.json")
    (folder / "home" / "config").mkdir(parents=True)
    return World(folder, tuple(corpus.ids))


def _copy(base: World, target: Path) -> World:
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(base.root, target, symlinks=True)
    return World(target, base.docs)


def _outside(world: World) -> dict[str, str]:
    ws = world.ws.name
    return snapshot(world.root, lambda rel: rel == ws or rel.startswith(ws + "/"))


def _resolve_name(world: World) -> Run:
    """What the bare command does first when no --annotator is given: the name from the user config."""

    def target() -> int:
        os.environ.clear()
        os.environ.update(cli_env(world.home))
        from annotator.core.identity import resolve_name

        try:
            resolve_name(None)
        except AnnotatorError as exc:
            print(f"annotator: error: {' '.join(str(exc).split())}", file=sys.stderr)
            return 2
        return 0

    return forked(target, 30)


def _judge(run: Run, command: str) -> list[str]:
    problems = []
    err = run.err.decode("utf-8", "replace")
    lines = [line for line in err.splitlines() if line.strip()]
    if run.timed_out:
        return ["did not end (killed)"]
    if "Traceback" in err:
        problems.append(f"traceback: {lines[-1][:200] if lines else ''}")
    allowed = (0, 1, 2) if command == "validate" else (0, 2)
    if run.code not in allowed:
        problems.append(f"exit {run.code}")
    if run.code == 2 and not any(line.startswith("annotator: error: ") for line in lines):
        problems.append("exit 2 without an error line")
    stray = [line for line in lines if not line.startswith("annotator: ")]
    if stray and "Traceback" not in err and command != "validate":  # validate's report ends with its summary
        problems.append(f"stderr line not 'annotator: ...': {stray[0][:160]!r}")
    for stream, data, bidi in (("stdout", run.out, False), ("stderr", run.err, True)):
        found = raw_controls(data, bidi=bidi)
        if found:
            problems.append(f"raw {found} on {stream}")
    return problems


def _start_app(world: World, item: Input) -> Child:
    """The app headless on ``world`` (started, see ``finish``): the document list, then (unless
    only the list) the input's document opened and labelled, then (mode "agreement") the
    agreement screen."""

    def target() -> int:
        os.chdir(world.ws)
        os.environ.clear()
        os.environ.update(cli_env(world.home))
        try:
            ws = Workspace.open(world.ws)
            from annotator.tui.app import make_app

            app = make_app(ws, annotator=ANNOTATOR_NAME)
        except AnnotatorError as exc:  # what the CLI says before it starts the app
            print(f"annotator: error: {' '.join(str(exc).split())}", file=sys.stderr)
            return 2
        position = _position(ws, item.doc if isinstance(item.doc, str) else world.docs[item.doc])
        drawn: list[str] = []
        asyncio.run(_drive(app, item.app or "list", position, drawn))
        raw = sorted({repr(c) for shot in drawn for c in CONTROL.findall(shot)})
        if raw:
            print(f"annotator: error: the app drew raw control characters {', '.join(raw)}", file=sys.stderr)
            return 3
        if app.return_code not in (None, 0):
            print(f"annotator: error: the app ended with status {app.return_code}", file=sys.stderr)
            return 4
        return 0

    return start(target, item.timeout)


def _app_said(run: Run) -> tuple[str, str | None]:
    """What the app did (for the table), and what is wrong with it, if anything."""
    if run.timed_out:
        return "killed", "did not end (killed)"
    if "Traceback" in run.err.decode("utf-8", "replace") or run.code not in (0, 2):
        return f"FAILED ({run.code})", run.first_line[:300]
    return ("ran", None) if run.code == 0 else ("refused", None)


def _position(ws: Workspace, doc_id: str) -> int:
    try:
        ids = Corpus(ws.corpus_dir).ids
    except AnnotatorError:
        return 0
    return ids.index(doc_id) if doc_id in ids else 0


async def _drive(app, mode: str, position: int, drawn: list[str]) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        drawn.append(app.export_screenshot())
        if mode == "list":
            return
        await pilot.press(*["down"] * position, "enter")
        await pilot.pause()
        drawn.append(app.export_screenshot())
        await pilot.press("left", "1", "h")
        await pilot.pause()
        drawn.append(app.export_screenshot())
        await pilot.press("escape", "escape")
        await pilot.pause()
        if mode == "agreement":
            await pilot.press("g")
            await pilot.pause(0.5)
            drawn.append(app.export_screenshot())
            await pilot.press("escape")
            await pilot.pause()


def test_hostile_inputs(scratch):
    warm_up()
    import annotator.tui.app  # noqa: F401  (forked app runs start warm)

    with scenario("hostile", TITLE) as s:
        base = _base(scratch / "base")
        corpus = [item for item in inputs() if ONLY in item.name]
        table = Table(
            "Every input: what each command gave (exit status), the app, and the first line said",
            ("group", "input", "commands (exit)", "app", "s", "first line"),
        )
        runs = 0
        for item in corpus:
            started, mark = time.monotonic(), len(s.failures)
            world = _copy(base, scratch / "world")
            try:
                item.plant(world)
            except Exception as exc:
                s.fail(f"{item.name}: could not be planted ({type(exc).__name__}: {exc})")
                continue
            app_world = _copy(world, scratch / "app") if item.app else None
            app_outside = _outside(app_world) if app_world else {}
            app = _start_app(app_world, item) if app_world else None  # runs while the commands do
            outside = _outside(world)
            gave, first = [], ""
            for command in _commands(item):
                run, label = _run(world, item, command)
                runs += 1
                gave.append(f"{label} {run.code if not run.timed_out else 'killed'}")
                first = first or (run.first_line if run.code != 0 else "")
                for problem in _judge(run, label):
                    s.fail(f"{item.name} / {label}: {problem}")
                if item.invalid and label == "validate" and run.code == 0:
                    s.fail(f"{item.name} / validate: says nothing is wrong")
            changed = differences(outside, _outside(world))
            if changed:
                s.fail(f"{item.name}: written outside the workspace: {changed[:4]}")
            said = "-"
            if app is not None and app_world is not None:
                ended = finish(app)
                said, problem = _app_said(ended)
                if problem:
                    s.fail(f"{item.name} / app: {problem}")
                first = first or (ended.first_line if ended.code == 2 else "")
                changed = differences(app_outside, _outside(app_world))
                if changed:
                    s.fail(f"{item.name} / app: written outside the workspace: {changed[:4]}")
            s.count(f"inputs: {item.group}")
            first = first.replace(f"{world.root}/", "").replace(f"{scratch}/app/", "")
            seconds = f"{time.monotonic() - started:.1f}"
            table.rows.append((item.group, item.name, " · ".join(gave), said, seconds, first[:150] or "(all exit 0)"))
            s.failures[mark:] = [
                f.replace(f"{world.root}/", "").replace(f"{scratch}/app/", "") for f in s.failures[mark:]
            ]
        s.tables.append(table)
        apps = sum(1 for item in corpus if item.app)
        s.counts["hostile inputs tried"] = len(corpus)
        s.counts["command runs"] = runs
        s.counts["app runs (headless)"] = apps
        s.did += [
            f"{len(corpus)} hostile inputs in {len({i.group for i in corpus})} groups (terminal controls, markup "
            "and bidi controls in every place that holds text; path tricks; symbolic links; huge files; malformed "
            "files; wrong types for every field), each planted in a fresh copy of a workspace with two annotators' "
            "files, import sources and a folder outside it",
            f"{runs:,} command runs (render, import texts, import annotations jsonl and CoNLL, agreement, export, "
            f"adjudicate, validate, guidelines show and check, the name from the user config) and {apps} runs of the "
            "app (document list, the input's document opened and labelled, some the agreement screen)",
        ]
        s.check(
            f"every one of the {runs:,} command runs ended cleanly (no traceback; exit 0, 2 with an error line, or 1 "
            "from validate), put no raw control character on stdout or stderr and wrote nothing outside the "
            "workspace; validate reported every damaged workspace",
            not any(" / app" not in f and not f.startswith("not so") for f in s.failures),
        )
        s.check(
            f"the app never crashed on any of the {apps} inputs it read (ran, or refused the workspace in one line) "
            "and drew no raw control character",
            not any(" / app" in f for f in s.failures),
        )
        s.assert_clean()


def _commands(item: Input) -> list[str | tuple[str, ...]]:
    commands = list(item.commands)
    if item.invalid and "validate" not in commands:
        commands.append("validate")
    return commands


def _run(world: World, item: Input, command: str | tuple[str, ...]) -> tuple[Run, str]:
    if command == "resolve name":
        return _resolve_name(world), "name"
    doc = item.doc if isinstance(item.doc, str) else world.docs[item.doc]
    argv = COMMANDS[command](world, doc) if isinstance(command, str) else list(command)
    return run_cli(argv, world.ws, cli_env(world.home), item.timeout), argv[0] if isinstance(
        command, tuple
    ) else command


# ----- the real app in a pseudo-terminal ------------------------------------------------------
PLANTED = (b"\x1b[2J", b"\x1b]52;", b"\x1b]0;pwned", b"\x9b31m", b"\xc2\x9b")


def test_the_real_app_sends_no_planted_code(scratch):
    with scenario("hostile", TITLE) as s:
        hostile = hostile_workspace(scratch / "pty" / "ws")
        env = cli_env(scratch / "pty")
        session = Session([sys.executable, "-m", "annotator", "--annotator", "amal"], hostile.root, env)
        try:
            drawn = session.read_until(first_frame, 30)
            time.sleep(0.5)
            ids = Corpus(hostile.root / "corpus").ids
            for doc_id in (hostile.doc_id, hostile.bad_doc):
                session.send(b"\x1b[B" * ids.index(doc_id) + b"\r")
                time.sleep(1.5)
                session.send(b"\x1b[D1h")
                time.sleep(1.0)
                session.send(b"\x1b")
                time.sleep(0.5)
                session.send(b"\x1b")
                time.sleep(0.5)
                session.send(b"\x1b[A" * len(ids))
            session.send(b"g")
            time.sleep(2.0)
            session.send(b"\x1b")
            time.sleep(0.5)
            session.send(b"\x11")  # ctrl+q
            code = session.read_to_end(15)
        finally:
            session.close()
        found = [code.decode("latin-1") for code in PLANTED if code in session.out]
        s.counts["real app runs on a workspace holding terminal codes and markup everywhere"] = 1
        s.did.append(
            "the real app in a pseudo-terminal on tests/hostile.py's workspace (terminal codes and markup in the "
            "project name, schema, manual, a document's id, title and text, entity ids, labels, review notes, "
            "statuses and annotator names): both documents opened and labelled, the guidelines panel, the agreement "
            "screen, quit"
        )
        s.check(
            f"the real app drew its screens and quit (status {code}), and none of the planted terminal codes "
            "(clear screen, OSC 52 clipboard, OSC 0 title, C1 CSI) reached the terminal",
            drawn and code == 0 and not found,
        )
        if found:
            s.fail(f"the real app sent planted codes to the terminal: {found}")
        s.assert_clean()
