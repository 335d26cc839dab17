"""Hostile inputs shared by tests/test_security.py (the CLI, the reports) and
tests/tui/test_hostile_inputs.py (the app): terminal codes and markup, put everywhere a
workspace holds text that reaches a screen."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import orjson

from annotator.core.text.characters import BIDI_CONTROLS, char_class
from tests.conftest import copy_workspace

# What a terminal acts on: clear the screen, write the clipboard (OSC 52), set the window
# title (OSC 0), an 8-bit CSI (C1), DEL, NUL, BEL.
CONTROLS = ("\x1b[2J", "\x1b]52;c;aGk=\x07", "\x1b]0;pwned\x07", "\x9b31m", "\x7f", "\x00", "\x07")
# What Rich and Textual read as markup: a closing tag with nothing to close (a crash), a live
# action, a style, a link.
MARKUP = ("[/]", "[@click=app.quit]x[/]", "[bold]", "[link=file:///etc/passwd]")
HOSTILE = "Z" + "".join(CONTROLS) + "".join(MARKUP) + "\u202e"
# The markup as it must be shown: literally.
LITERAL = "".join(MARKUP)
# Nothing of this may reach a terminal: C0 but tab and newline, DEL, C1; and but in corpus
# text for a terminal that does BiDi itself, no bidi control either.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
RAW = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{char_class(BIDI_CONTROLS)}]")
# A document id made of markup (an id may not hold controls, slashes or a leading dot).
DOC_ID = "doc[bold][@click=app.quit]x"


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string (controls escaped, as TOML requires)."""
    return orjson.dumps(text).decode().replace("\x7f", "\\u007f")  # JSON's escapes are TOML's


@dataclass(frozen=True)
class Hostile:
    root: Path
    doc_id: str  # the document whose id, title, text and annotations are hostile
    bad_doc: str  # a seed document whose annotation file (amal's) the loader refuses


def hostile_workspace(root: Path) -> Hostile:
    """A copy of the repository workspace with HOSTILE in the project name, the 2.0.0 schema
    (title, a description, an example), its manual, a document (id of markup, title and
    text with HOSTILE) and two annotators' files on it: amal's marks an entity for review,
    so its id, label and review note may be anything; badr's overlaps it. amal's file on a
    seed document has a status and a label the loader refuses."""
    from annotator.core.corpus import Corpus

    copy_workspace(root)
    config = root / "annotator.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            'name = "Eastern Syria strikes (seed corpus)"', f"name = {toml_string('project ' + HOSTILE)}"
        ),
        encoding="utf-8",
    )
    schema = root / "guidelines" / "2.0.0" / "schema.toml"
    text = schema.read_text(encoding="utf-8")
    text = text.replace(
        'title = "Conflict news: ACE-style entities and events, TIMEX and MEDIA"', f"title = {toml_string(HOSTILE)}"
    )
    text = text.replace('description = "People:', f"description = {toml_string(HOSTILE)[:-1]} People:", 1)
    text = text.replace('examples = ["قاسم سليماني"', f'examples = [{toml_string(HOSTILE)}, "قاسم سليماني"', 1)
    schema.write_text(text, encoding="utf-8")
    manual = root / "guidelines" / "2.0.0" / "guidelines.md"
    manual.write_text(manual.read_text(encoding="utf-8").replace("## PER\n", f"## PER\n\n{HOSTILE}\n", 1), "utf-8")

    source = root.parent / f"{DOC_ID}.txt"
    source.write_text(f"عنوان {HOSTILE}\nنص عربي {HOSTILE} آخر\n", encoding="utf-8")
    corpus = Corpus(root / "corpus")
    corpus.import_texts([source])
    info = corpus.info(DOC_ID)
    start = len("عنوان ")
    files = {
        "amal": [
            {"id": HOSTILE, "start": start, "end": start + len(HOSTILE), "label": HOSTILE, "needs_review": HOSTILE}
        ],
        "badr": [{"id": "T1", "start": 0, "end": start + len(HOSTILE), "label": "PER"}],
    }
    for name, entities in files.items():
        _write(root, name, DOC_ID, info.sha256, entities, annotator=name + HOSTILE)
    bad = corpus.ids[0]
    _write(
        root, "amal", bad, corpus.info(bad).sha256, [{"id": "T1", "start": 0, "end": 3, "label": HOSTILE}], status="[/]"
    )
    return Hostile(root, DOC_ID, bad)


def _write(root: Path, name: str, doc_id: str, sha256: str, entities: list, **fields: str) -> None:
    folder = root / "annotations" / name
    folder.mkdir(parents=True, exist_ok=True)
    data = {"doc_id": doc_id, "text_sha256": sha256, "guidelines": "2.0.0", "annotator": name, "status": "in_progress"}
    data.update(fields)
    data.update(entities=entities, events=[])
    (folder / f"{doc_id}.json").write_bytes(orjson.dumps(data))
