"""Pilot tests that drive the real keys of the annotation screen and check the saved file."""

from __future__ import annotations

import orjson

from annotator.tui.app import make_app
from annotator.tui.screens.annotate import AnnotateScreen
from annotator.tui.screens.modals import ChooseScreen
from annotator.tui.widgets.reader_view import ReaderView
from tests.conftest import SEED_IDS

SIZE = (120, 34)
DOC = SEED_IDS[0]  # التحالف يقصف أهدافاً للميليشيات الإيرانية في ديرالزور.. هذه طبيعتها


def saved(workspace, doc_id: str = DOC, who: str = "tester") -> dict:
    return orjson.loads((workspace.annotations_dir / who / f"{doc_id}.json").read_bytes())


async def go_to(pilot, reader: ReaderView, word: str, occurrence: int = 0) -> None:
    """Put the cursor on the token starting where ``word`` occurs (by moving the real cursor)."""
    start = -1
    for _ in range(occurrence + 1):
        start = reader.text.index(word, start + 1)
    reader.move_to_offset(start)
    await pilot.pause()
    assert reader.cursor_span[0] == start


async def open_doc(pilot) -> tuple[AnnotateScreen, ReaderView]:
    await pilot.press("enter")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, AnnotateScreen)
    return screen, screen.query_one(ReaderView)


async def test_label_nest_event_arguments_undo_redo_done_and_reopen(workspace) -> None:
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen, reader = await open_doc(pilot)
        text = reader.text
        # 1. التحالف -> ORG (key 2 in guidelines 2.0.0), the token under the cursor.
        await pilot.press("2")
        # 2. A two-token span with shift+left (reading order), and a span nested inside it.
        await go_to(pilot, reader, "مدينة البوكمال")
        await pilot.press("shift+left", "3")  # مدينة البوكمال -> GPE (outer)
        await go_to(pilot, reader, "البوكمال", occurrence=0)
        await pilot.press("3")  # البوكمال -> GPE nested inside
        # 3. The trigger قصفت -> Conflict.Attack (key t), then two arguments.
        await go_to(pilot, reader, "قصفت")
        await pilot.press("t")
        await pilot.press("a")  # link mode from the trigger
        await go_to(pilot, reader, "مدينة البوكمال")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ChooseScreen)
        # Only roles whose accepted labels include GPE are offered.
        assert app.screen.options == list(app.schema.roles_for("Conflict.Attack", "GPE"))
        assert "Place" in app.screen.options and "Instrument" not in app.screen.options
        app.screen.dismiss("Place")
        await pilot.pause()
        await go_to(pilot, reader, "التحالف")
        await pilot.press("a")
        await pilot.pause()
        assert screen.linking is None  # the cursor is not on a trigger: nothing to link from
        await go_to(pilot, reader, "قصفت")
        await pilot.press("a")
        await go_to(pilot, reader, "التحالف")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ChooseScreen)
        app.screen.dismiss("Attacker")
        await pilot.pause()

        data = saved(workspace)
        labels = sorted((e["label"], text[e["start"] : e["end"]]) for e in data["entities"])
        assert labels == [("GPE", "البوكمال"), ("GPE", "مدينة البوكمال"), ("ORG", "التحالف")]
        [event] = data["events"]
        assert (
            event["type"] == "Conflict.Attack" and text[event["trigger"]["start"] : event["trigger"]["end"]] == "قصفت"
        )
        by_id = {e["id"]: text[e["start"] : e["end"]] for e in data["entities"]}
        assert sorted((a["role"], by_id[a["entity"]]) for a in event["arguments"]) == [
            ("Attacker", "التحالف"),
            ("Place", "مدينة البوكمال"),
        ]

        # 4. Undo the last argument, undo the first, redo one: the file follows every step.
        await pilot.press("u")
        assert [a["role"] for a in saved(workspace)["events"][0]["arguments"]] == ["Place"]
        await pilot.press("u")
        assert saved(workspace)["events"][0]["arguments"] == []
        await pilot.press("r")
        assert [a["role"] for a in saved(workspace)["events"][0]["arguments"]] == ["Place"]

        # 5. Mark done, go back to the list (status shows), reopen: the same annotations.
        await pilot.press("s")
        final = saved(workspace)
        assert final["status"] == "done"
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, AnnotateScreen)
        await pilot.press("enter")
        await pilot.pause()
        reopened = app.screen.editor.doc
        assert [e.to_json() for e in reopened.entities] == final["entities"]
        assert [e.to_json() for e in reopened.events] == final["events"]
        assert reopened.status == "done"


async def test_change_and_delete_label_and_nothing_to_undo(workspace) -> None:
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen, reader = await open_doc(pilot)
        await pilot.press("2")  # ORG
        await pilot.press("l", "3")  # change to GPE
        assert [e["label"] for e in saved(workspace)["entities"]] == ["GPE"]
        await pilot.press("d")
        assert saved(workspace)["entities"] == []
        await pilot.press("u", "u", "u")
        assert saved(workspace)["entities"] == []
        await pilot.press("u")  # nothing left to undo: no crash, file unchanged
        assert saved(workspace)["entities"] == []


async def test_peel_clitic_and_fine_mode(workspace) -> None:
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen, reader = await open_doc(pilot)
        text = reader.text
        start = text.index("بريف")
        reader.move_to_offset(start)
        await pilot.press("x")  # بريف -> ريف
        assert reader.selection == (start + 1, start + 4)
        await pilot.press("4")  # LOC
        [entity] = saved(workspace)["entities"]
        assert text[entity["start"] : entity["end"]] == "ريف"
        assert reader.fine  # peeling switched to character mode; f switches back and forth
        await pilot.press("f")
        assert not reader.fine
        await pilot.press("f")
        # Fine mode: shift+arrows extend by character.
        reader.move_to_offset(text.index("البوكمال"))
        assert reader.fine
        await pilot.press("shift+left", "shift+left")
        s, e = reader.selection
        assert e - s == 3 and text[s:e] == "الب"


async def test_a_second_process_gets_the_document_read_only(workspace) -> None:
    from annotator.core.annotations.store import AnnotationStore

    holder = AnnotationStore(workspace.annotations_dir, "tester").open(DOC, "x", "2.0.0")
    assert holder.lock is not None
    # A lock held by another open file description behaves like another process for flock.
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen, reader = await open_doc(pilot)
        assert screen.opened.read_only and "locked by pid" in screen.opened.read_only
        await pilot.press("2")
        assert not (workspace.annotations_dir / "tester" / f"{DOC}.json").exists()
    holder.lock.release()


async def test_unreadable_file_is_never_overwritten(workspace) -> None:
    path = workspace.annotations_dir / "tester" / f"{DOC}.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(b'{"doc_id": "broken"')
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen, reader = await open_doc(pilot)
        assert screen.opened.read_only and "not valid JSON" in screen.opened.read_only
        await pilot.press("2", "s")
        # The rest of the workspace still works.
        await pilot.press("n")
        await pilot.press("2")
    assert path.read_bytes() == b'{"doc_id": "broken"'
    assert saved(workspace, SEED_IDS[1])["entities"][0]["label"] == "ORG"


async def test_search_highlights_hits_at_original_offsets(workspace) -> None:
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen, reader = await open_doc(pilot)
        text = reader.text
        await pilot.press("slash")
        await pilot.press(*"الاناضول")  # typed without hamza: finds الأناضول
        await pilot.press("enter")
        await pilot.pause()
        assert screen.hits and all(text[s:e] == "الأناضول" for s, e in screen.hits)
        assert reader.cursor_span[0] == screen.hits[0][0]


async def test_help_lists_every_binding_including_label_keys(workspace) -> None:
    from annotator.tui.screens.help import HelpScreen

    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        await open_doc(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = [str(cell) for column in app.screen.table.columns for cell in column._cells]
        for expected in ("Undo", "Mark done", "GPE", "Conflict.Attack", "Peel clitic prefix", "Next doc"):
            assert expected in rows


async def test_corpus_search_opens_the_document_at_the_hit(workspace) -> None:
    from annotator.tui.screens.corpus_search import CorpusSearchScreen

    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert isinstance(app.screen, CorpusSearchScreen)
        await pilot.press(*"رويترز", "enter")
        await app.workers.wait_for_complete()  # the search runs in a worker thread
        await pilot.pause()
        table = app.screen.query_one("#corpus-hits")
        assert table.row_count >= 1
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AnnotateScreen)
        start, end = screen.reader.cursor_span
        assert screen.reader.text[start:end].startswith("رويترز")


async def test_migrated_document_lists_its_review_queue(workspace) -> None:
    from annotator.core.annotations.model import DocumentAnnotations, Entity
    from annotator.core.annotations.store import AnnotationStore
    from annotator.core.corpus import sha256_text

    text = (workspace.corpus_dir / f"{DOC}.txt").read_text(encoding="utf-8")
    sha = sha256_text(text)
    old = DocumentAnnotations(
        DOC,
        sha,
        "1.0.0",
        "tester",
        "in_progress",
        (Entity("T1", 0, 7, "ORG"), Entity("T2", text.index("الخميس"), text.index("الخميس") + 6, "DATE")),
    )
    AnnotationStore(workspace.annotations_dir, "tester").save(old)
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen, reader = await open_doc(pilot)
        labels = sorted(e.label for e in screen.doc.entities)
        assert labels == ["ORG", "TIMEX"] and screen.doc.guidelines == "2.0.0"
        await pilot.press("g")
        assert reader.cursor_span[0] == 0  # the ORG span waits for review (MEDIA split out of ORG)
        await pilot.press("y")
        assert not any(e.needs_review for e in screen.doc.entities)
        assert saved(workspace)["guidelines"] == "2.0.0"


async def test_mouse_drag_selects_and_the_status_line_says_saved(workspace) -> None:
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen, reader = await open_doc(pilot)
        text = reader.text
        first = text.index("الميليشيات الإيرانية")
        last = first + len("الميليشيات الإيرانية")
        region = reader.content_region

        def screen_cell(offset: int) -> tuple[int, int]:
            row, col = reader.text_layout.locate(offset)
            return region.x + col, region.y + row - int(reader.scroll_y)

        await pilot.mouse_down(offset=screen_cell(first + 2))
        await pilot.hover(offset=screen_cell(last - 2))
        await pilot.mouse_up(offset=screen_cell(last - 2))
        await pilot.pause()
        assert reader.selection == (first, last)
        await pilot.press("2")
        [entity] = saved(workspace)["entities"]
        assert (entity["start"], entity["end"], entity["label"]) == (first, last, "ORG")
        assert "saved" in str(screen.query_one("#status").render())


async def test_panel_row_jumps_to_its_annotation_and_palette_has_app_commands(workspace) -> None:
    from annotator.tui.commands import AnnotatorCommands

    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen, reader = await open_doc(pilot)
        target = reader.text.index("البوكمال")
        reader.move_to_offset(target)
        await pilot.press("3")
        reader.move_to_offset(0)
        await pilot.press("e")  # focus the list of annotations
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert reader.cursor_span[0] == target and reader.has_focus
        provider = AnnotatorCommands(app.screen)
        names = [name for name, _, _ in provider._commands()]
        for expected in ("Next document", "Undo", "Guidelines", "Search"):
            assert expected in names
        assert [name for name, _, _ in provider._documents(SEED_IDS[1][:6])] == [f"Open {SEED_IDS[1]}"]


async def test_an_argument_can_be_taken_away_from_its_event(workspace) -> None:
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen, reader = await open_doc(pilot)
        await go_to(pilot, reader, "مدينة البوكمال")
        await pilot.press("shift+left", "3")
        await go_to(pilot, reader, "قصفت")
        await pilot.press("t", "a")
        await go_to(pilot, reader, "مدينة البوكمال")
        await pilot.press("enter")
        await pilot.pause()
        app.screen.dismiss("Place")
        await pilot.pause()
        assert [a["role"] for a in saved(workspace)["events"][0]["arguments"]] == ["Place"]
        await go_to(pilot, reader, "قصفت")
        await pilot.press("a")
        await go_to(pilot, reader, "مدينة البوكمال")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ChooseScreen)
        assert "remove as Place" in app.screen.options and "Place" not in app.screen.options
        app.screen.dismiss("remove as Place")
        await pilot.pause()
        assert saved(workspace)["events"][0]["arguments"] == []
        assert "removed Place" in str(screen.query_one("#status").render())


def lock_is_free(workspace, doc_id: str = DOC, who: str = "tester") -> bool:
    from annotator.core.annotations.store import DocumentLock

    lock = DocumentLock(workspace.annotations_dir / who / ".locks" / f"{doc_id}.lock")
    free = lock.acquire() is None
    lock.release()
    return free


async def test_the_screen_holds_its_document_lock_until_it_goes_away(workspace) -> None:
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen, reader = await open_doc(pilot)
        assert not lock_is_free(workspace)
        await pilot.press("n")  # the next document: this one is let go, that one held
        await pilot.pause()
        assert lock_is_free(workspace) and not lock_is_free(workspace, SEED_IDS[1])
        await pilot.press("escape")  # back to the list: the screen is removed
        await pilot.pause()
        assert not isinstance(app.screen, AnnotateScreen)
        assert lock_is_free(workspace, SEED_IDS[1])
        await pilot.press("enter")  # the list is on that document: open it again at once, writable
        await pilot.pause()
        assert app.screen.document.id == SEED_IDS[1]
        assert app.screen.opened.read_only is None and not lock_is_free(workspace, SEED_IDS[1])
    assert lock_is_free(workspace, SEED_IDS[1])  # the app has quit


async def test_a_corpus_search_hit_in_the_open_document_opens_it_writable(workspace) -> None:
    """The screen lets the document go before opening it again (its own lock would otherwise
    make it read-only)."""
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen, reader = await open_doc(pilot)
        await pilot.press("ctrl+f", *"ديرالزور", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        hits = app.screen.query_one("#corpus-hits")
        assert str(hits.coordinate_to_cell_key((0, 0)).row_key.value).startswith(f"{DOC}:")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen and screen.opened.read_only is None
        await pilot.press("2")
        assert saved(workspace)["entities"][0]["label"] == "ORG"
