"""Styles looked up once per theme or CSS change, not once per row drawn.

Line-API widgets draw every visible row on every repaint; ``rich_style`` and
``get_component_rich_style`` walk the CSS each time, which profiling showed to cost more
than drawing the row itself.
"""

from __future__ import annotations

from rich.style import Style


class CachedStyles:
    """Mixin for a Widget: ``style_of(name)`` (None: the widget's own style), cached."""

    _style_cache: dict[str | None, Style]

    def style_of(self, name: str | None = None) -> Style:
        cache = self.__dict__.setdefault("_style_cache", {})
        style = cache.get(name)
        if style is None:
            style = self.rich_style if name is None else self.get_component_rich_style(name)  # type: ignore[attr-defined]
            cache[name] = style
        return style

    def notify_style_update(self) -> None:
        super().notify_style_update()  # type: ignore[misc]
        self.__dict__["_style_cache"] = {}
        self.styles_changed()

    def styles_changed(self) -> None:
        """Hook: drop whatever was drawn with the old styles."""
