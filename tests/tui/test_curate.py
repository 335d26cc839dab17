"""Pilot test: adjudicate one seed document with a conflict in the curation screen."""

from __future__ import annotations

import orjson

from annotator.core.adjudication.strategy import Strategy
from annotator.core.annotations.model import Argument, Event
from annotator.tui.app import make_app
from annotator.tui.screens.curate import CurateScreen
from annotator.tui.screens.modals import ChooseScreen
from tests.conftest import SEED_IDS, write_done

DOC = SEED_IDS[0]


def write(workspace, who: str, entities: list[tuple[int, int, str]], events: tuple[Event, ...] = ()) -> None:
    write_done(workspace, who, DOC, entities, events)


async def curate(app, pilot) -> CurateScreen:
    """Press c on the document list: the curation screen of the selected document."""
    await pilot.press("c")
    await pilot.pause()
    assert isinstance(app.screen, CurateScreen)
    return app.screen


async def test_adjudicate_a_seed_document_with_a_conflict(workspace) -> None:
    text = (workspace.corpus_dir / f"{DOC}.txt").read_text(encoding="utf-8")
    place = text.index("ديرالزور")
    place_span = (place, place + len("ديرالزور"))
    # Two annotators agree on التحالف = ORG; they disagree on ديرالزور (GPE vs LOC).
    write(workspace, "ali", [(0, 7, "ORG"), (*place_span, "GPE")])
    write(workspace, "sara", [(0, 7, "ORG"), (*place_span, "LOC")])
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await curate(app, pilot)  # the selected (first) document: merged by majority first
        assert [(e.label, e.agreed_by) for e in screen.doc.entities] == [("ORG", ("ali", "sara"))]
        assert set(screen.versions) == {"ali", "sara"}
        await pilot.press("j")  # step to the conflict
        assert screen.reader.cursor_span[0] == place
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, ChooseScreen)
        choice = next(o for o in app.screen.options if o.startswith("GPE"))
        app.screen.dismiss(choice)
        await pilot.pause()
        await pilot.press("A")  # no conflict left: mark adjudicated
        await pilot.pause()
    gold = orjson.loads((workspace.annotations_dir / "gold" / f"{DOC}.json").read_bytes())
    assert sorted((e["label"], e["start"], e["end"]) for e in gold["entities"]) == [("GPE", *place_span), ("ORG", 0, 7)]
    assert gold["adjudicated"] is True and gold["status"] == "done"
    assert gold.get("conflicts") == []


async def test_next_document_in_curation_releases_the_gold_lock(workspace) -> None:
    from annotator.core.annotations.store import DocumentLock

    text = (workspace.corpus_dir / f"{DOC}.txt").read_text(encoding="utf-8")
    for who, label in (("ali", "GPE"), ("sara", "LOC")):
        write(workspace, who, [(0, 7, "ORG"), (text.index("ديرالزور"), text.index("ديرالزور") + 8, label)])
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=(120, 40)) as pilot:
        assert (await curate(app, pilot)).document.id == DOC
        await pilot.press("n")  # the next seed has no annotators: curation says so and stays on the list
        await pilot.pause()
        lock = DocumentLock(workspace.annotations_dir / "gold" / ".locks" / f"{DOC}.lock")
        assert lock.acquire() is None  # released when leaving the document
        lock.release()


async def test_curation_starts_from_the_core_strategy(workspace, monkeypatch) -> None:
    """The first gold comes from core's CURATION_STRATEGY: two of three annotators say ORG,
    which majority takes and unanimous leaves as a conflict."""
    from annotator.core.adjudication import prepare

    monkeypatch.setattr(prepare, "CURATION_STRATEGY", Strategy("unanimous"))
    write(workspace, "ali", [(0, 7, "ORG")])
    write(workspace, "sara", [(0, 7, "ORG")])
    write(workspace, "omar", [(0, 7, "GPE")])
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await curate(app, pilot)
        assert screen.doc.entities == () and len(screen.doc.extra["conflicts"]) == 1
        assert screen.sub_title.startswith("gold · 1 conflicts")
    gold = orjson.loads((workspace.annotations_dir / "gold" / f"{DOC}.json").read_bytes())
    assert gold["adjudication"]["strategy"] == "unanimous"


async def test_a_search_hit_while_curating_opens_the_annotators_document_not_gold(workspace) -> None:
    """ctrl+f from the curation screen opens the hit for the annotator on a screen of its own;
    gold is neither shown in its place nor written."""
    from tests.tui.test_annotate import lock_is_free

    write(workspace, "ali", [(0, 7, "ORG")])
    write(workspace, "sara", [(0, 7, "GPE")])
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=(120, 40)) as pilot:
        curation = await curate(app, pilot)
        gold_file = workspace.annotations_dir / "gold" / f"{DOC}.json"
        gold = gold_file.read_bytes()
        await pilot.press("ctrl+f", *"ديرالزور", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert type(screen).__name__ == "AnnotateScreen" and not isinstance(screen, CurateScreen)
        assert screen.store.annotator == "tester" and screen.document.id == DOC
        await pilot.press("2")
        assert gold_file.read_bytes() == gold
        assert (workspace.annotations_dir / "tester" / f"{DOC}.json").exists()
        await pilot.press("escape")  # back to curating, gold still held by its screen
        await pilot.pause()
        assert app.screen is curation and not lock_is_free(workspace, DOC, "gold")
        await pilot.press("escape")
        await pilot.pause()
        assert lock_is_free(workspace, DOC, "gold")


async def test_a_document_the_strategy_settled_closes_at_once(workspace) -> None:
    """ORG by two annotators against WEA by one: majority settles it, so there is no conflict
    and A marks the document adjudicated."""
    write(workspace, "ali", [(0, 7, "ORG")])
    write(workspace, "sara", [(0, 7, "ORG")])
    write(workspace, "omar", [(0, 7, "WEA")])
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await curate(app, pilot)
        assert screen.doc.extra["conflicts"] == [] and screen.sub_title.startswith("gold · 0 conflicts")
        await pilot.press("A")
        await pilot.pause()
    gold = orjson.loads((workspace.annotations_dir / "gold" / f"{DOC}.json").read_bytes())
    assert gold["adjudicated"] is True and gold["status"] == "done"
    assert [(e["label"], e["agreed_by"]) for e in gold["entities"]] == [("ORG", ["ali", "sara"])]


async def test_options_that_differ_only_in_role_name_the_roles(workspace) -> None:
    """Two annotators agree on ORG 0-7 and on the attack يقصف, and differ only in the ORG's role."""
    trigger = (8, 12)
    for who, role in (("ali", "Attacker"), ("sara", "Target")):
        write(workspace, who, [(0, 7, "ORG")], (Event("E1", "Conflict.Attack", *trigger, (Argument(role, "T1"),)),))
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await curate(app, pilot)
        await pilot.press("j")
        assert screen.reader.cursor_span[0] == 0
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, ChooseScreen)
        assert "argument 0-7 of Conflict.Attack 8-12" in app.screen.heading
        attacker, target, reject = app.screen.options
        assert attacker != target and reject == "reject every option"
        assert attacker.startswith("Attacker = ORG 0-7") and attacker.endswith("in Conflict.Attack 8-12 (ali)")
        assert target.startswith("Target = ORG 0-7") and target.endswith("in Conflict.Attack 8-12 (sara)")
        app.screen.dismiss(target)
        await pilot.pause()
        [event] = screen.doc.events
        assert [a.role for a in event.arguments] == ["Target"] and screen.doc.extra["conflicts"] == []
