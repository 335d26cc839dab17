"""Pilot tests: the file of the open document changes on disk (another program, a git pull).

The next edit is not saved over it: the file stays as the other program left it, the status
line says "not saved", and a dialog asks whether to reload it and re-apply the unsaved edits,
keep it and save mine as a copy, or cancel.
"""

from __future__ import annotations

import orjson

from annotator.core.annotations.model import DocumentAnnotations, Entity
from annotator.core.corpus import Corpus
from annotator.tui.app import make_app
from annotator.tui.screens.annotate import NOT_SAVED, AnnotateScreen
from annotator.tui.screens.modals import ChangedOnDiskScreen
from annotator.tui.widgets.reader_view import ReaderView
from tests.conftest import SEED_IDS

SIZE = (120, 34)
DOC = SEED_IDS[0]
CONFLICTED = b'<<<<<<< HEAD\n{"entities": []}\n=======\n{"entities": [1]}\n>>>>>>> origin/main\n'


def path_of(workspace):
    return workspace.annotations_dir / "tester" / f"{DOC}.json"


def on_disk(workspace) -> set[tuple[int, int, str]]:
    data = orjson.loads(path_of(workspace).read_bytes())
    return {(e["start"], e["end"], e["label"]) for e in data["entities"]}


def write_theirs(workspace, *entities: tuple[int, int, str]) -> bytes:
    """Another program rewrites the file (without the lock): the given entities."""
    sha = Corpus(workspace.corpus_dir).info(DOC).sha256
    doc = DocumentAnnotations(
        DOC, sha, "2.0.0", "tester", "in_progress", tuple(Entity(f"T{i}", *e) for i, e in enumerate(entities, 1))
    )
    data = orjson.dumps(doc.with_(created="2020-01-01T00:00:00.000+00:00").to_json(), option=orjson.OPT_INDENT_2)
    path_of(workspace).write_bytes(data)
    return data


async def open_and_label(pilot) -> tuple[AnnotateScreen, ReaderView]:
    """Open the first document and label its first token ORG (key 2): saved as usual."""
    await pilot.press("enter")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, AnnotateScreen)
    reader = screen.query_one(ReaderView)
    await pilot.press("2")
    await pilot.pause()
    return screen, reader


async def label_word(pilot, reader: ReaderView, word: str, key: str) -> tuple[int, int]:
    reader.move_to_offset(reader.text.index(word))
    await pilot.pause()
    span = reader.cursor_span
    await pilot.press(key)
    await pilot.pause()
    return span


def status(screen: AnnotateScreen) -> str:
    return str(screen.query_one("#status").render())


async def choose(pilot, choice: str) -> None:
    """Pick ``choice`` in the dialog with the keyboard (arrows, Enter)."""
    dialog = pilot.app.screen
    assert isinstance(dialog, ChangedOnDiskScreen)
    keys = [key for key, _ in ChangedOnDiskScreen.CHOICES]
    await pilot.press("home", *["down"] * keys.index(choice), "enter")
    await pilot.pause()


async def test_a_change_on_disk_is_not_overwritten_and_reload_reapplies_mine(workspace) -> None:
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen, reader = await open_and_label(pilot)
        [(start, end, _)] = on_disk(workspace)
        theirs = write_theirs(workspace, (start, end, "ORG"), (20, 28, "PER"))
        mine = await label_word(pilot, reader, "البوكمال", "3")  # GPE: refused
        assert path_of(workspace).read_bytes() == theirs  # the other program's entity did not vanish
        assert isinstance(app.screen, ChangedOnDiskScreen)
        edits = str(app.screen.query_one("#edits").render())
        assert f"add T2 GPE {mine[0]}-{mine[1]}" in edits
        assert NOT_SAVED in status(screen) and "saved " not in status(screen).replace(NOT_SAVED, "")
        await choose(pilot, "reload")
        assert app.screen is screen
        assert on_disk(workspace) == {(start, end, "ORG"), (20, 28, "PER"), (*mine, "GPE")}
        assert NOT_SAVED not in status(screen) and "saved" in status(screen)
        assert {e.id for e in screen.doc.entities} == {"T1", "T2", "T3"}  # mine renumbered past theirs
        await pilot.press("ctrl+z")  # undo the re-applied edits: the file as reloaded
        await pilot.pause()
        assert on_disk(workspace) == {(start, end, "ORG"), (20, 28, "PER")}


async def test_keep_theirs_and_save_mine_as_a_copy(workspace) -> None:
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen, reader = await open_and_label(pilot)
        theirs = write_theirs(workspace, (20, 28, "PER"))
        mine = await label_word(pilot, reader, "البوكمال", "3")
        await choose(pilot, "copy")
        assert path_of(workspace).read_bytes() == theirs
        [copy] = [p for p in path_of(workspace).parent.iterdir() if ".json.mine-" in p.name]
        data = orjson.loads(copy.read_bytes())
        assert {(e["start"], e["end"], e["label"]) for e in data["entities"]} >= {(*mine, "GPE")}
        assert [(e.start, e.end, e.label) for e in screen.doc.entities] == [(20, 28, "PER")]  # theirs shown
        assert screen.refused is None and screen.opened.read_only is None
        await label_word(pilot, reader, "البوكمال", "3")  # editing goes on, on theirs
        assert on_disk(workspace) == {(20, 28, "PER"), (*mine, "GPE")}


async def test_cancel_saves_nothing_and_asks_again_at_the_next_edit(workspace) -> None:
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen, reader = await open_and_label(pilot)
        theirs = write_theirs(workspace, (20, 28, "PER"))
        await label_word(pilot, reader, "البوكمال", "3")
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and NOT_SAVED in status(screen)
        assert "NOT SAVED" in screen.sub_title
        await pilot.press("d")  # done: an edit, so the question again; nothing written
        await pilot.pause()
        assert isinstance(app.screen, ChangedOnDiskScreen)
        assert path_of(workspace).read_bytes() == theirs
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("escape", "escape")  # leave the document: mine is kept as a copy
        await pilot.pause()
        assert not isinstance(app.screen, AnnotateScreen)
        assert path_of(workspace).read_bytes() == theirs
        assert [p for p in path_of(workspace).parent.iterdir() if ".json.mine-" in p.name]


async def test_git_conflict_markers_are_left_alone_and_the_copy_is_the_way_out(workspace) -> None:
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen, reader = await open_and_label(pilot)
        path_of(workspace).write_bytes(CONFLICTED)
        mine = await label_word(pilot, reader, "البوكمال", "3")
        assert path_of(workspace).read_bytes() == CONFLICTED
        await choose(pilot, "reload")  # cannot be read: not overwritten, read-only with the reason
        assert path_of(workspace).read_bytes() == CONFLICTED
        assert screen.opened.read_only is not None and "not valid JSON" in screen.opened.read_only
        assert "READ-ONLY" in screen.sub_title and NOT_SAVED in status(screen)
        await pilot.press("2")  # an edit: asked again, now told the file cannot be read
        await pilot.pause()
        assert isinstance(app.screen, ChangedOnDiskScreen) and app.screen.unreadable
        await choose(pilot, "copy")
        assert path_of(workspace).read_bytes() == CONFLICTED
        [copy] = [p for p in path_of(workspace).parent.iterdir() if ".json.mine-" in p.name]
        assert (*mine, "GPE") in {
            (e["start"], e["end"], e["label"]) for e in orjson.loads(copy.read_bytes())["entities"]
        }
        assert screen.opened.read_only is not None and screen.refused is None
