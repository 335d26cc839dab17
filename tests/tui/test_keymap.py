"""One keymap for the app and the guidelines: every key Textual reports as active where label
keys work is reserved (and nothing else), a schema giving a label such a key fails
`annotator guidelines check` naming what the key already does, and label keys are bound
through Textual's public BINDINGS (so a key Textual names, such as ``+`` or ``,``, works)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.binding import Binding

from annotator.core.annotations.model import DocumentAnnotations, Entity
from annotator.core.annotations.store import AnnotationStore
from annotator.core.corpus import Corpus
from annotator.core.guidelines.schema import RESERVED_KEYS, check
from annotator.core.workspace import Workspace
from annotator.tui.app import make_app
from annotator.tui.screens.annotate import AnnotateScreen
from annotator.tui.screens.curate import CurateScreen
from tests.conftest import SEED_IDS, assert_one_error, copy_workspace
from tests.test_guidelines_cli import run

SIZE = (120, 40)
DOC = SEED_IDS[0]


def textual_key(key: str) -> str:
    """The name Textual gives a key written in BINDINGS (``/`` is ``slash``, ``?`` ``question_mark``)."""
    return next(iter(Binding.make_bindings([Binding(key, "noop")]))).key


# Printable ASCII keys by Textual's name (a comma separates keys in BINDINGS: named by hand).
CHARACTER = {textual_key(chr(c)): chr(c) for c in range(0x21, 0x7F) if chr(c) != ","} | {"comma": ","}


def keymap_form(key: str) -> str:
    """An active binding's key as the keymap and a schema write it: the character of a printable key."""
    return CHARACTER.get(key, key)


def character(key: str) -> str | None:
    """The character of a printable key, None for the others (arrows, ctrl+..., enter)."""
    return CHARACTER.get(key, key if len(key) == 1 else None)


def is_label(active) -> bool:
    return active.binding.action.startswith("label(")


async def bindings_where_labels_work(pilot, screen) -> list[dict]:
    """``screen.active_bindings`` with each widget that can take focus focused in turn (the
    guidelines panel and the search box shown), kept where label keys are live."""
    await pilot.press("h", "slash")  # the guidelines panel and the search box take focus too
    await pilot.pause()
    states = []
    for widget in list(screen.focus_chain):
        widget.focus()
        await pilot.pause()
        active = screen.active_bindings
        if any(is_label(a) for a in active.values()):
            states.append(active)
    return states


def write_annotator(workspace: Workspace, who: str, entities: list[tuple[int, int, str]], doc: str = DOC) -> None:
    info = Corpus(workspace.corpus_dir).info(doc)
    AnnotationStore(workspace.annotations_dir, who).save(
        DocumentAnnotations(
            doc,
            info.sha256,
            "2.0.0",
            who,
            "done",
            tuple(Entity(f"T{i + 1}", s, e, label) for i, (s, e, label) in enumerate(entities)),
        )
    )


@pytest.fixture
async def active_states(workspace) -> list[dict]:
    """Active bindings on the annotation screen and on the curation screen, every focus."""
    write_annotator(workspace, "ali", [(0, 7, "ORG")])
    write_annotator(workspace, "sara", [(0, 7, "GPE")])
    app = make_app(workspace, annotator="tester")
    states = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AnnotateScreen)
        states += await bindings_where_labels_work(pilot, app.screen)
        await pilot.press("escape", "escape")  # close the search box, back to the list
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CurateScreen)
        states += await bindings_where_labels_work(pilot, app.screen)
    assert len(states) >= 5, "reader, panel and guidelines on both screens, plus the annotators' readers"
    return states


async def test_every_key_active_where_label_keys_work_is_reserved_and_only_those(active_states) -> None:
    active = {keymap_form(key): a for state in active_states for key, a in state.items() if not is_label(a)}
    unreserved = {
        key: (a.binding.action, type(a.node).__name__) for key, a in active.items() if key not in RESERVED_KEYS
    }
    assert unreserved == {}, "bound by the app or by Textual but missing from core/keymap.py"
    assert set(RESERVED_KEYS) - set(active) == set(), "reserved in core/keymap.py but bound nowhere label keys work"
    labels = {keymap_form(key) for state in active_states for key, a in state.items() if is_label(a)}
    assert labels == {"1", "2", "3", "4", "5", "6", "7", "8", "9", "b", "m", "c", "t", "i", "w", "v"}


def give_per_the_key(guidelines: Path, key: str) -> tuple[Path, int]:
    """guidelines/2.0.0/schema.toml with PER's key = "1" changed to ``key``: the file and that line."""
    schema = guidelines / "2.0.0" / "schema.toml"
    lines = schema.read_text(encoding="utf-8").splitlines()
    line = lines.index('name = "PER"') + 2
    assert lines[line - 1] == 'key = "1"'
    lines[line - 1] = f'key = "{key}"'
    schema.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return schema, line


async def test_a_label_on_any_key_the_app_binds_fails_the_check(active_states, tmp_path) -> None:
    # Every printable key Textual reports as active where label keys work, with what it does there.
    does: dict[str, set[str]] = {}
    for state in active_states:
        for key, a in state.items():
            char = character(key)
            if not is_label(a) and char is not None:
                does.setdefault(char, set()).add(a.binding.description)
    assert {"f", "?", "/", "D", "j", "A", "q"} <= set(does)
    for n, (key, descriptions) in enumerate(sorted(does.items())):
        ws = copy_workspace(tmp_path / f"ws{n}")
        schema, line = give_per_the_key(ws / "guidelines", key)
        problems = check(ws / "guidelines")
        assert len(problems) == 1, (key, problems)
        match = re.fullmatch(
            rf"{re.escape(str(schema))}:{line}: label 'PER': key {re.escape(repr(key))} "
            r'is reserved: .+ uses it for "(.+)"',
            problems[0],
        )
        assert match and match[1] in descriptions, (key, descriptions, problems[0])


def test_guidelines_check_names_file_label_and_the_action_on_the_key(tmp_path) -> None:
    ws = copy_workspace(tmp_path / "ws")
    schema, line = give_per_the_key(ws / "guidelines", "f")
    assert_one_error(
        run(ws, "check"),
        f"{schema}:{line}: ",
        "label 'PER'",
        "key 'f'",
        "the annotation screen",
        "Fine (character) mode",
    )


async def test_label_keys_that_textual_names_work(workspace) -> None:
    """``-`` and ``,`` are keys Textual knows by name (minus, comma): bound through BINDINGS they
    label like any other (a private ``bind`` of the raw character never fired for them)."""
    schema = workspace.guidelines_dir / "2.0.0" / "schema.toml"
    text = schema.read_text(encoding="utf-8")
    schema.write_text(text.replace('key = "1"', 'key = "-"', 1).replace('key = "2"', 'key = ","', 1), encoding="utf-8")
    assert check(workspace.guidelines_dir) == []
    app = make_app(Workspace.open(workspace.root), annotator="tester")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        reader = app.screen.reader
        await pilot.press("minus")  # PER on the first token
        reader.move_to_offset(reader.tokens[2][0])
        await pilot.pause()
        await pilot.press("comma")  # ORG on the third
        await pilot.pause()
        assert [(e.label, e.start) for e in app.screen.doc.entities] == [("PER", 0), ("ORG", reader.tokens[2][0])]
