"""Snapshot of the reader as a user sees it (SVG, compared cell by cell)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import copy_workspace


def test_reader_snapshot(snap_compare, tmp_path: Path) -> None:
    from annotator.core.workspace import Workspace
    from annotator.tui.app import make_app

    app = make_app(Workspace.open(copy_workspace(tmp_path / "ws")), bidi="app", annotator="tester")

    async def settled(pilot) -> None:  # the suggestions, found in a worker thread, drawn
        await pilot.press("enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.press("left", "left", "left")
        await pilot.pause()

    assert snap_compare(app, run_before=settled, terminal_size=(100, 30))
