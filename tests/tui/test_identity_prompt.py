"""With no --annotator and no $ANNOTATOR, the app asks for a name once and remembers it."""

from __future__ import annotations

from annotator.core.identity import remembered_name
from annotator.tui.app import make_app
from annotator.tui.screens.modals import AskNameScreen


async def test_name_is_asked_once_and_remembered(workspace, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    app = make_app(workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, AskNameScreen)
        await pilot.press("enter")  # empty: refused, asked again
        assert isinstance(app.screen, AskNameScreen)
        await pilot.press(*"gold", "enter")  # reserved
        assert isinstance(app.screen, AskNameScreen)
        await pilot.press(*["backspace"] * 4, *"salma", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, AskNameScreen)
        assert app.annotator == "salma"
    assert remembered_name() == "salma"
