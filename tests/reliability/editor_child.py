"""The process the kill scenario kills: scripted edits through the calls the app makes.

It opens documents of a workspace as the annotation screen does (``AnnotationStore.of``,
``open`` with the document's sha256 and the workspace's guidelines, which takes the lock),
edits them with the ``Editor`` (entities, events with arguments, relabels, deletions,
status changes, undo), saves after every edit with ``save_opened`` (which refuses a file
changed on disk) and lets the lock go when it moves to another document. It says what it
does on ``out`` (one ``os.write`` per line, so a line is whole or absent when it is killed):

    open DOC FINGERPRINT     what it read on opening
    try DOC FINGERPRINT      a save is about to start
    ack DOC FINGERPRINT      that save returned: the edit is acknowledged
    readonly DOC REASON      the document would not open for editing (a failure)

``python -m tests.reliability.editor_child WORKSPACE SEED`` runs it in a new interpreter,
printing to stdout; the kill scenario mostly forks it from the test process instead.
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

from annotator.core.annotations.editing import Editor
from annotator.core.annotations.store import AnnotationStore
from annotator.core.corpus import Corpus
from annotator.core.errors import AnnotatorError
from annotator.core.guidelines.schema import Schema, load_schema
from annotator.core.workspace import Workspace
from tests.reliability.harness import fingerprint

ANNOTATOR = "amal"
MAX_ENTITIES = 40  # past this, deletions come more often: files stay the size people make


def edit_forever(root: Path, seed: int, out: int) -> int:
    """Edit documents of the workspace at ``root`` until killed; 3 if one would not open."""
    ws = Workspace.open(root)
    corpus = Corpus(ws.corpus_dir)
    store = AnnotationStore.of(ws, ANNOTATOR, corpus)
    schema = load_schema(ws.guidelines_dir, ws.config.guidelines)
    rng = random.Random(seed)

    def say(*words: str) -> None:
        os.write(out, (" ".join(words) + "\n").encode("utf-8", "replace"))

    while True:
        doc_id = rng.choice(corpus.ids)
        info = corpus.info(doc_id)
        opened = store.open(doc_id, info.sha256, ws.config.guidelines)
        if opened.read_only:
            say("readonly", doc_id, " ".join(opened.read_only.split()))
            return 3
        say("open", doc_id, fingerprint(opened.doc))
        editor = Editor(opened.doc, schema)
        for _ in range(rng.randint(1, 8)):
            if not scripted_edit(editor, schema, rng, info.chars):
                continue
            say("try", doc_id, fingerprint(editor.doc))
            editor.doc = store.save_opened(opened, editor.doc)
            say("ack", doc_id, fingerprint(editor.doc))
        if opened.lock is not None:
            opened.lock.release()


def scripted_edit(editor: Editor, schema: Schema, rng: random.Random, length: int) -> bool:
    """One edit of the kinds the app makes; False when nothing changed (the editor refused it)."""
    doc = editor.doc
    roll = rng.random()
    try:
        if roll < 0.4 or not doc.entities:
            start = rng.randrange(0, length - 8)
            editor.add_entity(start, start + rng.randint(1, 8), rng.choice(schema.labels).name)
        elif roll < 0.55:
            start = rng.randrange(0, length - 8)
            event = editor.add_event(start, start + rng.randint(1, 6), rng.choice(schema.events).name)
            entity = rng.choice(doc.entities)
            roles = editor.roles_for(event.id, entity.id)
            if roles:
                editor.add_argument(event.id, rng.choice(roles), entity.id)
        elif roll < 0.65:
            editor.relabel_entity(rng.choice(doc.entities).id, rng.choice(schema.labels).name)
        elif roll < (0.9 if len(doc.entities) > MAX_ENTITIES else 0.72):
            editor.delete_entity(rng.choice(doc.entities).id)
        elif roll < 0.92:
            editor.set_status(rng.choice(("in_progress", "done")))
        else:
            editor.undo()
    except AnnotatorError:
        pass  # refused: the editor keeps what it had (an event may have been added before its argument was)
    return editor.doc is not doc


if __name__ == "__main__":
    sys.exit(edit_forever(Path(sys.argv[1]), int(sys.argv[2]), sys.stdout.fileno()))
