"""The session's lexicon built in a child process for a large corpus: the same, its errors, abandoned at once."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest

from annotator.core.errors import AnnotatorError
from annotator.core.suggestions import building
from annotator.core.suggestions.building import PROCESS_MIN_DOCS, Cancelled, build
from annotator.core.suggestions.lexicon import Lexicon
from tests.conftest import write_done
from tests.suggestions.test_lexicon import DOC, NAME, counts, spans_of


def test_a_large_corpus_builds_in_a_child_the_lexicon_built_here(workspace, monkeypatch):
    write_done(workspace, "amal", DOC, spans_of(workspace, DOC, NAME, "ORG"))
    started = []
    real = subprocess.Popen
    monkeypatch.setattr(building.subprocess, "Popen", lambda *a, **k: started.append(real(*a, **k)) or started[-1])
    built = build(workspace, "amal", documents=PROCESS_MIN_DOCS)
    assert len(started) == 1 and started[0].returncode == 0
    assert built._counts == Lexicon.for_annotator(workspace, "amal")._counts
    assert counts(built, NAME) == {"ORG": (1, 0)}


def test_what_stops_the_child_is_raised_here_as_one_error(workspace):
    shutil.rmtree(workspace.guidelines_dir)
    with pytest.raises((AnnotatorError, OSError)) as here:
        Lexicon.for_annotator(workspace, "amal")
    with pytest.raises(type(here.value)) as there:
        build(workspace, "amal", documents=PROCESS_MIN_DOCS)
    assert str(there.value) == str(here.value)


def test_an_abandoned_build_ends_its_child_at_once(workspace, monkeypatch):
    started = []
    real = subprocess.Popen
    monkeypatch.setattr(building.subprocess, "Popen", lambda *a, **k: started.append(real(*a, **k)) or started[-1])
    t0 = time.monotonic()
    with pytest.raises(Cancelled):
        build(workspace, "amal", documents=PROCESS_MIN_DOCS, cancelled=lambda: True)
    assert time.monotonic() - t0 < 2
    assert started[0].poll() is not None  # killed and waited for: no process left behind


async def test_the_app_shows_suggestions_from_a_lexicon_built_in_a_child(workspace, monkeypatch) -> None:
    from annotator.tui.app import make_app
    from tests.tui.test_annotate import SIZE, open_doc

    write_done(workspace, "amal", DOC, spans_of(workspace, DOC, NAME, "ORG"))
    started = []
    real = subprocess.Popen
    monkeypatch.setattr(building.subprocess, "Popen", lambda *a, **k: started.append(real(*a, **k)) or started[-1])
    monkeypatch.setattr(building, "PROCESS_MIN_DOCS", 1)
    app = make_app(workspace, annotator="amal")
    async with app.run_test(size=SIZE) as pilot:
        screen, _ = await open_doc(pilot)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert len(started) == 1, "built in a child"
        assert counts(app.lexicon("amal"), NAME) == {"ORG": (1, 0)}
        assert any(s.text == "البوكمال" and s.label == "GPE" for s in screen.suggesting.suggestions)


async def test_closing_the_app_during_a_build_ends_the_child_at_once(workspace, monkeypatch) -> None:
    from annotator.tui.app import make_app
    from tests.tui.test_annotate import SIZE, open_doc

    started = []
    real = subprocess.Popen
    monkeypatch.setattr(building.subprocess, "Popen", lambda *a, **k: started.append(real(*a, **k)) or started[-1])
    monkeypatch.setattr(building, "PROCESS_MIN_DOCS", 1)
    monkeypatch.setattr(building, "_CHILD", "import time; time.sleep(60)")  # a build that takes a minute
    app = make_app(workspace, annotator="amal")
    async with app.run_test(size=SIZE) as pilot:
        await open_doc(pilot)
        assert len(started) == 1 and started[0].poll() is None, "building"
        t0 = time.monotonic()
    await app.workers.wait_for_complete()
    assert started[0].wait(2) is not None and time.monotonic() - t0 < 2
