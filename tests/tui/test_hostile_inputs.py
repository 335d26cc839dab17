"""The app under hostile input: terminal codes and markup in every place a workspace holds
text (project name, document id and text, schema title, descriptions and manual, entity
ids, labels and review notes, statuses, annotator names, a workspace path) are drawn as
data, on every screen; a text that cannot be read, a file the loader refuses, a version
that is not one: said in one notification, the app keeps running. What is drawn is read
from the app's own rendering (``export_screenshot``: the compositor's output, as the
terminal would get it)."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import orjson
import pytest

from annotator.core.workspace import Workspace
from annotator.tui.app import make_app
from annotator.tui.screens.agreement import AgreementScreen
from annotator.tui.screens.annotate import AnnotateScreen
from annotator.tui.screens.compare import CompareScreen
from annotator.tui.screens.corpus_search import CorpusSearchScreen
from annotator.tui.screens.documents import DocumentsScreen
from annotator.tui.screens.help import HelpScreen
from annotator.tui.widgets.reader_view import ReaderView
from tests.conftest import SEED_IDS, copy_workspace
from tests.hostile import CONTROL, DOC_ID, HOSTILE, RAW, Hostile, hostile_workspace, toml_string

SIZE = (200, 50)
SHOWN_HOSTILE = "␛[2J␛]52;c;aGk=␇"  # the start of HOSTILE as printable() shows it
MARKUP = "[/][@click=app.quit]x[/][bold]"  # HOSTILE's markup, shown as written


def screen_text(app) -> str:
    """Every character the app draws now, rows one after another (SVG text unescaped)."""
    svg = app.export_screenshot()
    return "".join(html.unescape(t) for t in re.findall(r">([^<]*)</text>", svg)).replace("\xa0", " ")


def assert_data_only(app) -> str:
    """Nothing drawn is a terminal code; returns what is drawn. In 'terminal' mode the app
    sends bidi controls on purpose (each row starts with an LRM; Arabic text keeps its own
    for the terminal to order it): there, only C0, DEL and C1 are checked."""
    drawn = app.export_screenshot()
    codes = RAW if app.bidi == "app" else CONTROL
    assert not codes.search(drawn), sorted(set(codes.findall(drawn)))
    return screen_text(app)


@pytest.fixture(scope="module")
def hostile_base(tmp_path_factory) -> Hostile:
    return hostile_workspace(tmp_path_factory.mktemp("hostile") / "ws")


@pytest.fixture
def hostile(hostile_base: Hostile, tmp_path: Path) -> Hostile:
    """A private copy (the app saves and locks)."""
    root = tmp_path / "ws"
    shutil.copytree(hostile_base.root, root)
    return Hostile(root, hostile_base.doc_id, hostile_base.bad_doc)


async def open_hostile(pilot) -> AnnotateScreen:
    app = pilot.app
    app.screen.select(DOC_ID)
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, AnnotateScreen)
    return app.screen


# --------------------------------------------------------------------------- codes and markup


@pytest.mark.parametrize("bidi", ["app", "terminal"])
async def test_the_document_list_and_header_show_data(hostile: Hostile, bidi: str):
    app = make_app(Workspace.open(hostile.root), annotator="amal", bidi=bidi)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause(0.3)
        shown = assert_data_only(app)
        assert DOC_ID in shown  # the id, markup and all, in the list
        assert "project Z" + SHOWN_HOSTILE in shown  # the project name in the header


@pytest.mark.parametrize("bidi", ["app", "terminal"])
async def test_the_annotation_screen_shows_ids_labels_and_notes_as_data(hostile: Hostile, bidi: str):
    app = make_app(Workspace.open(hostile.root), annotator="amal", bidi=bidi)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await open_hostile(pilot)
        reader = screen.query_one(ReaderView)
        reader.move_to_offset(reader.text.index("Z"))  # on amal's entity: its label in the status line
        await pilot.pause(0.3)
        shown = assert_data_only(app)
        assert DOC_ID in shown  # the title
        assert shown.count("Z" + SHOWN_HOSTILE) >= 2  # the panel's id and label columns
        reader.move_to_offset(0)
        await pilot.press("1", "h")  # PER on the first word; the guidelines show PER's manual section
        await pilot.pause(0.3)
        assert "Z" + SHOWN_HOSTILE in assert_data_only(app)
        await pilot.press("question_mark")  # help: the keys, the labels' names
        await pilot.pause(0.2)
        assert isinstance(app.screen, HelpScreen)
        assert_data_only(app)
        assert app.is_running


async def test_a_refused_file_is_read_only_with_its_reason_as_data(hostile: Hostile):
    """amal's file on a seed document has status "[/]" and a label that is HOSTILE: the
    reason quotes both; Textual would read "[/]" as markup and stop the app."""
    app = make_app(Workspace.open(hostile.root), annotator="amal")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.screen.select(hostile.bad_doc)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, AnnotateScreen) and app.screen.opened.read_only
        assert "'[/]'" in app.screen.opened.read_only
        shown = assert_data_only(app)
        assert "READ-ONLY" in shown and "status" in shown
        assert app.is_running


async def test_agreement_compare_search_and_palette_show_data(hostile: Hostile):
    app = make_app(Workspace.open(hostile.root), annotator="amal")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("g")
        for _ in range(50):
            await pilot.pause(0.1)
            if app.screen.report is not None:
                break
        assert isinstance(app.screen, AgreementScreen)
        shown = assert_data_only(app)
        assert "Z" + SHOWN_HOSTILE in shown and DOC_ID in shown  # amal's label, the document
        await pilot.press("tab", "tab", "tab")
        app.screen.query_one("#docs").focus()
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, CompareScreen)
        await pilot.press("j")
        await pilot.pause(0.2)
        assert "Z" + SHOWN_HOSTILE in assert_data_only(app)  # what amal said there
        await pilot.press("escape", "escape")
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert isinstance(app.screen, CorpusSearchScreen)
        await pilot.press("Z", "enter")
        for _ in range(50):
            await pilot.pause(0.1)
            if "hits for" in screen_text(app):
                break
        assert DOC_ID in assert_data_only(app)
        await pilot.press("escape", "ctrl+p")
        await pilot.pause()
        for key in "doc[bold]":
            await pilot.press(key)
        await pilot.pause(0.5)
        assert f"Open {DOC_ID}" in assert_data_only(app)
        assert app.is_running


async def test_curation_shows_conflicts_as_data(hostile: Hostile):
    app = make_app(Workspace.open(hostile.root), annotator="amal")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.screen.select(DOC_ID)
        await pilot.press("c")
        await pilot.pause(0.3)
        for key in ("j", "o"):
            await pilot.press(key)
            await pilot.pause(0.2)
            assert_data_only(app)
        assert app.is_running


async def test_a_notification_is_never_markup(hostile: Hostile):
    app = make_app(Workspace.open(hostile.root), annotator="amal")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.notify(HOSTILE, title=HOSTILE)
        app.notify("[@click=app.quit]quit[/]", markup=True)  # even asked for: data
        await pilot.pause(0.3)
        shown = assert_data_only(app)
        assert "[@click=app.quit]quit[/]" in shown
        assert app.is_running


async def test_a_workspace_path_and_name_of_markup(tmp_path: Path):
    root = copy_workspace(tmp_path / "w[/]s[@click=app.quit]x[bold]")
    config = root / "annotator.toml"
    text = config.read_text("utf-8").replace('"Eastern Syria strikes (seed corpus)"', toml_string(root.name))
    config.write_text(text, "utf-8")
    app = make_app(Workspace.open(root), annotator="amal")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, AnnotateScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert root.name in assert_data_only(app)
        assert app.is_running


# --------------------------------------------------------------------------- nothing stops the app


def _break_text(root: Path, how: str) -> None:
    path = root / "corpus" / f"{SEED_IDS[0]}.txt"
    if how == "missing":
        path.unlink()
    elif how == "not UTF-8":
        path.write_bytes(b"\xff\xfe not utf-8")
    else:
        path.unlink()
        path.mkdir()


@pytest.mark.parametrize("how", ["missing", "not UTF-8", "a folder"])
async def test_a_text_that_cannot_be_read_is_said_and_skipped(workspace, how: str):
    _break_text(workspace.root, how)
    app = make_app(workspace, annotator="amal")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("enter")  # the first document: its text is broken
        await pilot.pause(0.3)
        assert isinstance(app.screen, DocumentsScreen)
        shown = assert_data_only(app)
        assert "cannot open" in shown and SEED_IDS[0] in shown
        await pilot.press("down", "enter")  # the next one opens
        await pilot.pause(0.3)
        await pilot.press("p")  # back to the broken one: said, the open document stays
        await pilot.pause(0.3)
        assert isinstance(app.screen, AnnotateScreen) and app.screen.document.id == SEED_IDS[1]
        await pilot.press("escape", "ctrl+f")
        await pilot.pause()
        await pilot.press("ا", "enter")  # a search over every text skips the broken one and says so
        for _ in range(50):
            await pilot.pause(0.1)
            if "could not be read" in screen_text(app):
                break
        assert "1 document(s) could not be read" in screen_text(app)
        await pilot.press("escape", "home", "c")  # curation of the broken document: said, not opened
        await pilot.pause(0.3)
        assert isinstance(app.screen, DocumentsScreen)
        assert app.is_running


ITEMS = {
    "duplicate ids": [
        {"id": "T1", "start": 0, "end": 3, "label": "PER"},
        {"id": "T1", "start": 5, "end": 8, "label": "ORG"},
    ],
    "an offset of 10**30": [{"id": "T1", "start": 0, "end": 123456789, "label": "PER"}],  # made 10**30 below
    "a version that is a path": [],
}


@pytest.mark.parametrize("case", list(ITEMS))
async def test_a_file_the_loader_refuses_opens_read_only(workspace, case: str):
    info = orjson.loads((workspace.corpus_dir / "index.jsonl").read_bytes().splitlines()[0])
    folder = workspace.annotations_dir / "amal"
    folder.mkdir(parents=True)
    guidelines = "../../../elsewhere" if case == "a version that is a path" else "2.0.0"
    data = {"doc_id": info["id"], "text_sha256": info["sha256"], "guidelines": guidelines, "annotator": "amal"}
    raw = orjson.dumps({**data, "status": "done", "entities": ITEMS[case], "events": []})
    raw = raw.replace(b"123456789", b"1" + b"0" * 30)  # orjson writes no integer that large
    (folder / f"{info['id']}.json").write_bytes(raw)
    app = make_app(workspace, annotator="amal")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, AnnotateScreen) and app.screen.opened.read_only
        assert f"{info['id']}.json" in app.screen.opened.read_only
        assert "READ-ONLY" in assert_data_only(app)
        assert app.is_running


BAD_LINES = [
    b'{"id": "../../../outside", "sha256": "0", "chars": 1, "title": "x"}',  # a path out of the workspace
    b'{"id": 7, "sha256": "0", "chars": 1, "title": "x"}',
    b'{"id": null, "sha256": "0", "chars": 1, "title": "x"}',
    b'{"id": "c", "sha256": "0", "chars": "many", "title": "x"}',
    b"{not json",
]


async def test_bad_index_lines_are_skipped_and_said(workspace, tmp_path: Path):
    (tmp_path / "outside.txt").write_text("secret\n", "utf-8")
    around = sorted(p for p in tmp_path.rglob("*") if workspace.root not in (p, *p.parents))
    index = workspace.corpus_dir / "index.jsonl"
    index.write_bytes(index.read_bytes() + b"\n".join(BAD_LINES) + b"\n")
    app = make_app(Workspace.open(workspace.root), annotator="amal")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause(0.5)
        assert app.screen.documents.infos == [app.corpus.info(i) for i in SEED_IDS]  # the good ones, all of them
        shown = assert_data_only(app)
        assert "index.jsonl:6" in shown and "4 more" in shown  # the first bad line, and how many more
        assert f"{len(BAD_LINES)} bad index line(s) skipped" in shown  # and in the list's header, to stay
        await pilot.press("end", "enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, AnnotateScreen) and app.screen.document.id == SEED_IDS[-1]
        assert app.is_running
    assert sorted(p for p in tmp_path.rglob("*") if workspace.root not in (p, *p.parents)) == around
