"""Keeping the cursor row of a Line-API list (a header row, then one row per item) on screen."""

from __future__ import annotations

from textual.scroll_view import ScrollView


def show_row(view: ScrollView, row: int) -> None:
    """Scroll ``view`` as little as needed for item ``row`` to be visible under the header row, then redraw."""
    height = view.scrollable_content_region.height - 1
    if row < view.scroll_offset.y:
        view.scroll_to(y=row, animate=False)
    elif height > 0 and row >= view.scroll_offset.y + height:
        view.scroll_to(y=row - height + 1, animate=False)
    view.refresh()
