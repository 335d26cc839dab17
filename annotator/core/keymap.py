"""Every fixed key of the application, per context: what it does and how it is described.

The screens and widgets build their Textual bindings from these tables
(``annotator/tui/keys.py``); the help screen lists whatever is active. Guidelines
validation reserves the keys of ``LABEL_CONTEXTS``, the contexts in which a schema's
label keys are live (the annotation and curation screens, the widgets on them, the
application around them): a label key bound there as well would never reach its label.

Keys are written as Textual takes them in ``BINDINGS``: one character for a printable key
(``"f"``, ``"?"``, ``"D"``), else its name (``"up"``, ``"ctrl+f"``, ``"f2"``, ``"escape"``).
A schema's label key is one visible character, so it is compared with these as written.
Contexts marked ``textual`` are bound by Textual itself (its app, screen, scrolling and
table widgets); they are listed so that their keys are reserved too, and
tests/tui/test_keymap.py checks the list against the bindings Textual reports as active.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Key:
    """One binding: the keys that do it, the action (a Textual action string) and what the
    user is told it does (footer, help, error messages)."""

    keys: tuple[str, ...]
    action: str
    description: str
    show: bool = True  # in the footer
    display: str | None = None  # how the footer shows the key, when not Textual's default
    priority: bool = False  # checked before the focused widget's own bindings


@dataclass(frozen=True, slots=True)
class Context:
    """Where a set of keys works: ``name`` completes "the key is used by ..."."""

    name: str
    keys: tuple[Key, ...]
    textual: bool = False  # bound by Textual itself, not built from this table


def _key(keys: str, action: str, description: str, **options) -> Key:
    return Key(tuple(keys.split(",")), action, description, **options)


APPLICATION = Context(
    "the application (every screen)",
    (
        _key("?", "help", "Help", display="?"),
        _key("ctrl+q", "quit", "Quit", show=False),
        _key("ctrl+f", "search_corpus", "Search corpus"),
        _key("ctrl+p", "command_palette", "palette", show=False, priority=True),  # as Textual names it in the footer
        _key("f2", "display_check", "Display check"),
    ),
)

DOCUMENTS = Context(
    "the document list",
    (
        _key("enter", "open", "Open", priority=True),
        _key("c", "curate", "Curate gold"),
        _key("g", "agreement", "Agreement"),
        _key("q", "app.quit", "Quit"),
    ),
)

DOCUMENT_LIST = Context(
    "the list of documents",
    (
        _key("up", "move(-1)", "Previous document", show=False),
        _key("down", "move(1)", "Next document", show=False),
        _key("pageup", "page(-1)", "Page up", show=False),
        _key("pagedown", "page(1)", "Page down", show=False),
        _key("home", "move_to(0)", "First document", show=False),
        _key("end", "move_to(-1)", "Last document", show=False),
    ),
)

ANNOTATE = Context(
    "the annotation screen",
    (
        _key("n", "app.next_document", "Next doc"),
        _key("p", "app.previous_document", "Prev doc"),
        _key("escape", "escape", "Back / cancel"),
        _key("u,ctrl+z", "undo", "Undo"),
        _key("r,ctrl+y", "redo", "Redo"),
        _key("d,delete", "delete", "Delete annotation", show=False),
        _key("l", "relabel", "Change label (then a label key)", show=False),
        _key("a", "link", "Add argument to event", show=False),
        _key("x", "peel", "Peel clitic prefix", show=False),
        _key("f", "fine", "Fine (character) mode", show=False),
        _key("y", "reviewed", "Mark reviewed", show=False),
        _key("g", "next_review", "Next item needing review", show=False),
        _key("s", "done", "Mark done"),
        _key("h", "guidelines", "Guidelines"),
        _key("e", "panel", "Annotation list", show=False),
        _key("/", "search", "Search"),
        _key("enter", "confirm", "Confirm argument", show=False),
        _key("D", "toggle_diacritics", "Diacritics", show=False),
        _key("q", "app.quit", "Quit", show=False),
        _key("space", "accept_suggestion", "Accept the suggestion under the cursor", show=False),
        _key("backspace", "reject_suggestion", "Reject the suggestion (not proposed again)", show=False),
        _key("+", "accept_label", "Accept every suggestion of this label", show=False),
        _key("=", "accept_text", "Accept every suggestion of this text", show=False),
        _key("]", "next_suggestion(1)", "Next suggestion", show=False),
        _key("[", "next_suggestion(-1)", "Previous suggestion", show=False),
    ),
)

READER = Context(
    "the reader",
    (
        _key("left", "move_left", "Word left", show=False),
        _key("right", "move_right", "Word right", show=False),
        _key("up", "move_up", "Line up", show=False),
        _key("down", "move_down", "Line down", show=False),
        _key("home", "line_start", "Start of line (reading order)", show=False),
        _key("end", "line_end", "End of line (reading order)", show=False),
        _key("pageup", "page_up", "Page up", show=False),
        _key("pagedown", "page_down", "Page down", show=False),
        _key("ctrl+home", "doc_start", "Start of document", show=False),
        _key("ctrl+end", "doc_end", "End of document", show=False),
        _key("shift+left", "extend_left", "Extend selection left", show=False),
        _key("shift+right", "extend_right", "Extend selection right", show=False),
    ),
)

CURATE = Context(
    "the curation screen",
    (  # on top of ANNOTATE: the curation screen is an annotation screen
        _key("n", "document(1)", "Next doc"),
        _key("p", "document(-1)", "Prev doc"),
        _key("j", "conflict(1)", "Next conflict"),
        _key("k", "conflict(-1)", "Previous conflict"),
        _key("o", "options", "Accept an option"),
        _key("A", "adjudicated", "Mark adjudicated"),
    ),
)

AGREEMENT = Context(
    "the agreement screen",
    (
        _key("enter", "open", "Compare annotators", priority=True),
        _key("escape", "app.pop_screen", "Back"),
        _key("R", "reload", "Recompute"),
    ),
)

COMPARE = Context(
    "the comparison of annotators",
    (
        _key("j", "step(1)", "Next disagreement"),
        _key("k", "step(-1)", "Previous disagreement"),
        _key("escape", "app.pop_screen", "Back"),
    ),
)

CORPUS_SEARCH = Context("the corpus search", (_key("escape", "cancel", "Close search"),))
HELP = Context("the help screen", (_key("escape,?,q", "close", "Close help"),))
CHOOSE = Context("a list of options", (_key("escape", "cancel", "Cancel"),))
DISPLAY_CHECK = Context(
    "the display check",
    (
        _key("1", "answer('1')", "Line 1 reads right"),
        _key("2", "answer('2')", "Line 2 reads right"),
        _key("escape", "cancel", "Neither / cancel"),
    ),
)


def _textual_keys(*pairs: tuple[str, str]) -> tuple[Key, ...]:
    """Keys a Textual widget binds itself, described by their action's name; never in the footer."""
    return tuple(_key(key, action, action.replace("_", " "), show=False) for key, action in pairs)


# Bound by Textual (textual 8.2): App, Screen, ScrollableContainer (the reader and the
# guidelines panel scroll), DataTable (the annotation list).
TEXTUAL_APP = Context("Textual's application", (_key("ctrl+c", "help_quit", "How to quit", show=False),), textual=True)
TEXTUAL_SCREEN = Context(
    "Textual's screen",
    (
        _key("tab", "app.focus_next", "Focus next", show=False),
        _key("shift+tab", "app.focus_previous", "Focus previous", show=False),
        _key("ctrl+c,super+c", "screen.copy_text", "Copy selected text", show=False),
    ),
    textual=True,
)
TEXTUAL_SCROLLING = Context(
    "scrolling",
    _textual_keys(
        ("up", "scroll_up"),
        ("down", "scroll_down"),
        ("left", "scroll_left"),
        ("right", "scroll_right"),
        ("home", "scroll_home"),
        ("end", "scroll_end"),
        ("pageup", "page_up"),
        ("pagedown", "page_down"),
        ("ctrl+pageup", "page_left"),
        ("ctrl+pagedown", "page_right"),
    ),
    textual=True,
)
TEXTUAL_TABLE = Context(
    "the annotation list",
    _textual_keys(
        ("enter", "select_cursor"),
        ("up", "cursor_up"),
        ("down", "cursor_down"),
        ("right", "cursor_right"),
        ("left", "cursor_left"),
        ("pageup", "page_up"),
        ("pagedown", "page_down"),
        ("ctrl+home", "scroll_top"),
        ("ctrl+end", "scroll_bottom"),
        ("home", "scroll_home"),
        ("end", "scroll_end"),
    ),
    textual=True,
)

# Where label keys work: the annotation screen (and the curation screen, one of them), the
# widgets that take focus on it, the application and Textual around them. First wins in messages.
LABEL_CONTEXTS = (ANNOTATE, CURATE, READER, APPLICATION, TEXTUAL_APP, TEXTUAL_SCREEN, TEXTUAL_SCROLLING, TEXTUAL_TABLE)


def _owners(contexts: tuple[Context, ...]) -> dict[str, tuple[Context, Key]]:
    owners: dict[str, tuple[Context, Key]] = {}
    for context in contexts:
        for key in context.keys:
            for name in key.keys:
                owners.setdefault(name, (context, key))
    return owners


RESERVED_FOR_LABELS = _owners(LABEL_CONTEXTS)
"""Every key bound where label keys are live, with the first context and binding that holds it."""


def label_key_owner(key: str) -> str | None:
    """What already uses ``key`` where label keys work (``the annotation screen's "Fine
    (character) mode"``), or None when a label may have it."""
    owner = RESERVED_FOR_LABELS.get(key)
    if owner is None:
        return None
    context, binding = owner
    return f'{context.name} uses it for "{binding.description}"'
