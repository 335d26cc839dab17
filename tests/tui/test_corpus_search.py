"""Corpus search runs in a worker thread: the screen answers keys while it reads the corpus."""

from __future__ import annotations

import threading
from pathlib import Path

from annotator.core.corpus import Corpus
from annotator.core.search import MAX_HITS
from annotator.core.text.normalize import find_all
from annotator.synthetic import generate
from annotator.tui.app import make_app
from annotator.tui.screens import corpus_search
from annotator.tui.screens.corpus_search import CorpusSearchScreen
from annotator.tui.widgets.bidi_input import BidiInput

SIZE = (120, 34)
QUERY = "قصف"  # 355 hits in the synthetic corpus below: rows arrive in two posts


def gate(monkeypatch) -> tuple[threading.Event, threading.Event, list[threading.Thread]]:
    """Hold the search at its start until the test lets it go; note the thread it runs in.
    Run on the event loop instead, it would wait 10 s and fail, never answering a key."""
    real, started, go, threads = corpus_search.search_corpus, threading.Event(), threading.Event(), []

    def gated(corpus, query, *args, **kwargs):
        threads.append(threading.current_thread())
        started.set()
        assert go.wait(10), "no key was answered while the search ran"
        yield from real(corpus, query, *args, **kwargs)

    monkeypatch.setattr(corpus_search, "search_corpus", gated)
    return started, go, threads


async def wait_for(pilot, event: threading.Event) -> None:
    for _ in range(500):
        if event.is_set():
            return
        await pilot.pause(0.01)
    raise AssertionError("the search never started")


async def test_the_screen_answers_keys_while_a_large_corpus_is_searched(tmp_path: Path, monkeypatch) -> None:
    workspace = generate(tmp_path / "syn", docs=400, annotators=1, gold=False, entities=4, events=0).workspace
    corpus = Corpus(workspace.corpus_dir)
    expected = sum(len(find_all(corpus.text(doc_id), QUERY)) for doc_id in corpus.ids)
    assert 200 < expected < MAX_HITS  # several batches of rows, under the cap
    started, go, threads = gate(monkeypatch)
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+f", *QUERY, "enter")
        await wait_for(pilot, started)
        screen = app.screen
        assert isinstance(screen, CorpusSearchScreen)
        assert threads[0] is not threading.main_thread()
        assert "searching" in str(screen.query_one("Label").render_line(0).text)
        await pilot.press("x")  # typed while the search runs: the field takes it at once
        assert screen.query_one(BidiInput).value == QUERY + "x"
        go.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.query_one("#corpus-hits").row_count == expected
        assert f"{expected} hits for" in str(screen.query_one("Label").render_line(0).text)


async def test_escape_closes_the_search_while_it_runs(workspace, monkeypatch) -> None:
    started, go, _ = gate(monkeypatch)
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+f", *QUERY, "enter")
        await wait_for(pilot, started)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, CorpusSearchScreen)
        go.set()  # the search, cancelled with its screen, stops without touching it
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not isinstance(app.screen, CorpusSearchScreen)
