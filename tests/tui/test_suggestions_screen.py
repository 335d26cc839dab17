"""Suggestions in the reader, driven by the real keys: drawn apart from annotations, one key
accepts (an edit like any: saved at once, undone by undo), one rejects (remembered), one
accepts every suggestion of a label, and a name labelled once is suggested elsewhere at once."""

from __future__ import annotations

import orjson

from annotator.core.suggestions.model import GUIDELINES, STRINGS
from annotator.core.suggestions.store import DecisionStore
from annotator.tui.app import make_app
from tests.conftest import SEED_IDS
from tests.tui.test_annotate import SIZE, go_to, open_doc, saved

DOC = SEED_IDS[0]


async def _ready(pilot):
    screen, reader = await open_doc(pilot)
    await pilot.app.workers.wait_for_complete()  # the lexicon, built in a worker thread
    await pilot.pause()
    return screen, reader


def _entities(workspace, who: str = "tester") -> list[tuple[int, int, str]]:
    path = workspace.annotations_dir / who / f"{DOC}.json"
    if not path.exists():
        return []
    return sorted((e["start"], e["end"], e["label"]) for e in orjson.loads(path.read_bytes())["entities"])


async def test_accept_reject_and_accept_every_one_of_a_label(workspace) -> None:
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen, reader = await _ready(pilot)
        found = screen.suggesting.suggestions
        text = reader.text
        # the guidelines' examples alone: البوكمال is a GPE example, and it occurs in the article
        bukamal = [s for s in found if s.text == "البوكمال"]
        assert bukamal and all(s.label == "GPE" and s.source == GUIDELINES for s in bukamal)
        assert all(text[s.start : s.end] == s.text for s in found)
        assert _entities(workspace) == [], "suggestions are not annotations"

        await pilot.press("ctrl+home", "right_square_bracket")  # the first suggestion
        first = found[0]
        assert reader.cursor_span[0] == first.start
        await pilot.press("right_square_bracket")
        assert reader.cursor_span[0] == found[1].start
        await pilot.press("left_square_bracket")
        assert reader.cursor_span[0] == first.start, "[ goes back to the one before"
        await pilot.press("space")
        assert _entities(workspace) == [(first.start, first.end, first.label)]
        (decision,) = DecisionStore(workspace, "tester").read(DOC)
        assert (decision.start, decision.end, decision.label, decision.verdict) == (*first.key, "accepted")
        assert first.key not in {s.key for s in screen.suggesting.suggestions}, "accepted: no longer proposed"
        await pilot.press("u")
        assert _entities(workspace) == [], "undo takes an accepted suggestion back like any edit"

        # reject the next one: it never comes back, in this session or the next
        await pilot.press("right_square_bracket")
        rejected = screen.suggesting.at(reader.cursor_span)
        assert rejected is not None
        await pilot.press("backspace")
        assert rejected.key not in {s.key for s in screen.suggesting.suggestions}
        assert rejected.key in DecisionStore(workspace, "tester").rejected(DOC)
        assert _entities(workspace) == []

        # + accepts every suggestion of that label in the document, as one edit
        chosen = next(s for s in screen.suggesting.suggestions if s.label == "GPE")
        every = [s.key for s in screen.suggesting.suggestions if s.label == "GPE"]
        reader.move_to_offset(chosen.start)
        await pilot.pause()
        await pilot.press("plus")
        assert set(every) <= set(_entities(workspace))
        assert not [s for s in screen.suggesting.suggestions if s.label == "GPE"]
        await pilot.press("u")
        assert not [e for e in _entities(workspace) if e[2] == "GPE"], "one undo takes the whole batch back"

    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen, _ = await _ready(pilot)
        assert rejected.key not in {s.key for s in screen.suggesting.suggestions}, "rejections are remembered"


async def test_a_name_labelled_once_is_suggested_everywhere_else_at_once(workspace) -> None:
    """Labelling الميليشيات once teaches the session: its other occurrences are suggested at
    once, with character-exact offsets, the clitics outside (للميليشيات: ل + ال with its alef
    elided, the span starting at the second ل, as the guidelines write it)."""
    import re

    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen, reader = await _ready(pilot)
        text = reader.text
        name = "الميليشيات"  # not a guidelines example: nothing suggests it yet
        assert not [s for s in screen.suggesting.suggestions if s.text == name]
        await go_to(pilot, reader, name)
        await pilot.press("2")  # ORG
        (labelled,) = saved(workspace)["entities"]
        assert labelled["label"] == "ORG"
        expected = {(m.start(), m.end()) for m in re.finditer(rf"(?<![\w]){name}(?![\w])", text)}
        expected |= {(m.start() + 1, m.end()) for m in re.finditer(rf"(?<![\w])ل{name[1:]}(?![\w])", text)}
        expected |= {(m.start() + 1, m.end()) for m in re.finditer(rf"(?<![\w])[وفبك]{name}(?![\w])", text)}
        expected -= {(labelled["start"], labelled["end"])}
        assert len(expected) >= 2
        taught = {(s.start, s.end) for s in screen.suggesting.suggestions if s.label == "ORG" and s.source == STRINGS}
        assert expected <= taught


async def test_the_fifth_article_opens_with_its_recurring_names_suggested_one_key_each(workspace) -> None:
    """Issue 14's 'done means' in the app: the first four seed articles annotated (the hand-made
    reference), the fifth opened shows its recurring names suggested with the reference's labels
    and offsets, and ] then space accepts them one key each."""
    from annotator.core.annotations.model import DocumentAnnotations
    from annotator.core.annotations.store import AnnotationStore
    from annotator.core.suggestions.lexicon import entry_key
    from tests.suggestions.test_held_out import HELD_OUT, TAUGHT, reference

    store = AnnotationStore(workspace.annotations_dir, "tester")
    for doc_id in TAUGHT:
        doc = reference(doc_id)
        store.save(DocumentAnnotations(doc.doc_id, doc.text_sha256, doc.guidelines, "tester", "done", doc.entities))
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        app.open_document(HELD_OUT)
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        text = screen.document.text
        texts = {d: app.corpus.text(d) for d in TAUGHT}
        taught = {entry_key(texts[d][e.start : e.end]) for d in TAUGHT for e in reference(d).entities}
        recurring = {(e.start, e.end, e.label) for e in reference(HELD_OUT).entities}
        recurring = {r for r in recurring if entry_key(text[r[0] : r[1]]) in taught}
        shown = {s.key for s in screen.suggesting.suggestions}
        assert len(recurring & shown) >= 0.9 * len(recurring), "most recurring names suggested, exact"

        await pilot.press("ctrl+home")
        for _ in range(5):
            await pilot.press("right_square_bracket", "space")
        accepted = {(e.start, e.end, e.label) for e in screen.doc.entities}
        assert len(accepted) == 5 and accepted <= shown, "each ] and space accepted the next suggestion as shown"
        assert saved(workspace, HELD_OUT)["entities"], "saved at once"


async def test_a_long_document_is_matched_in_a_worker_and_loses_what_is_annotated_at_once(
    workspace, monkeypatch
) -> None:
    """A document past IN_THREAD_FROM characters (a second per megabyte to match) is matched in
    a worker thread: the same suggestions arrive, and accepting one takes it off at once."""
    from annotator.tui.screens import suggesting

    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen, _ = await _ready(pilot)
        at_once = list(screen.suggesting.suggestions)
    monkeypatch.setattr(suggesting, "IN_THREAD_FROM", 0)
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen, reader = await _ready(pilot)
        assert screen.suggesting.suggestions == at_once
        await pilot.press("ctrl+home", "right_square_bracket", "space")
        first = at_once[0]
        assert first.key not in {s.key for s in screen.suggesting.suggestions}, "gone before the worker answers"
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert {s.key for s in screen.suggesting.suggestions} <= {s.key for s in at_once} - {first.key}
        assert _entities(workspace) == [first.key]
