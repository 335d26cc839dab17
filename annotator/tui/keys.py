"""Textual bindings from the core keymap (annotator/core/keymap.py), and the schema's label keys.

Textual reads a screen's bindings from its class's ``BINDINGS``. The label keys come from
the guidelines schema, known only when the app starts, so ``with_label_keys`` gives a
screen class the subclass whose ``BINDINGS`` are those keys (one class per screen class
and set of keys, made once): public API only, and Textual turns each character into its
key name as it does for every other binding.
"""

from __future__ import annotations

from functools import cache
from typing import TypeVar

from textual.binding import Binding, BindingType
from textual.screen import Screen

from annotator.core.guidelines.schema import Schema
from annotator.core.keymap import Context

S = TypeVar("S", bound=Screen)


def bindings(context: Context) -> list[BindingType]:
    """A context's keys as Textual ``BINDINGS`` (typed as Textual types that class variable)."""
    return [
        Binding(",".join(k.keys), k.action, k.description, show=k.show, key_display=k.display, priority=k.priority)
        for k in context.keys
    ]


def label_keys(schema: Schema) -> tuple[tuple[str, str], ...]:
    """(key, name) of every entity label and event type of ``schema``."""
    return tuple((item.key, item.name) for item in schema.labels_and_events)


def with_label_keys(screen: type[S], schema: Schema) -> type[S]:
    """``screen`` with the schema's label keys bound to ``label(NAME)``."""
    return _labelled(screen, label_keys(schema))


@cache
def _labelled(screen: type[S], keys: tuple[tuple[str, str], ...]) -> type[S]:
    # A comma separates keys in a Binding: the comma key goes by its name.
    labels = [Binding("comma" if key == "," else key, f"label({name!r})", name, show=False) for key, name in keys]
    # Same name: Textual's CSS type of the subclass is the screen's own.
    return type(
        screen.__name__, (screen,), {"BINDINGS": labels, "__module__": screen.__module__, "__doc__": screen.__doc__}
    )
