"""Crash safety: SIGKILL in the middle of a burst of saves never loses an acknowledged edit.

A child process opens a document, then adds entities one by one through the Editor and
saves after each; once ``AnnotationStore.save`` returns it prints ``ack N`` (N entities
on disk). The parent kills it with SIGKILL after a random number of acknowledgements,
then reads what the child printed before it died and checks that the file is valid JSON
holding at least the last acknowledged N entities (at most N + 1: the save that was under
way may have landed), that the lock went with the process, and that
any temporary file left behind is never read as annotations.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson

from annotator.core.annotations.status import DocumentStatus
from annotator.core.annotations.store import AnnotationStore
from annotator.core.corpus import Corpus
from tests.conftest import SEED_IDS, copy_workspace

REPO = Path(__file__).resolve().parents[1]
DOC = SEED_IDS[0]
ROUNDS = 20
SEED = 20240229

CHILD = """
import sys
from pathlib import Path

from annotator.core.annotations.editing import Editor
from annotator.core.guidelines.schema import load_schema
from annotator.core.annotations.store import AnnotationStore

annotations, guidelines_dir, doc_id, sha = sys.argv[1:]
store = AnnotationStore(Path(annotations), "amal")
opened = store.open(doc_id, sha, "2.0.0", Path(guidelines_dir))
print(f"opened {len(opened.doc.entities)} {opened.read_only or 'ok'}", flush=True)
if opened.read_only:
    sys.exit(3)
editor = Editor(opened.doc, load_schema(Path(guidelines_dir), "2.0.0"))
labels = ("PER", "ORG", "GPE", "LOC", "FAC")
while True:
    n = len(editor.doc.entities)
    entity = editor.add_entity(n, n + 1 + n % 4, labels[n % len(labels)])  # a new start each time
    if n % 5 == 0:
        event = editor.add_event(n, n + 2, "Conflict.Attack")
        editor.add_argument(event.id, "Attacker", entity.id) if entity.label in ("PER", "ORG") else None
    editor.doc = store.save(editor.doc)
    sys.stdout.write(f"ack {len(editor.doc.entities)}\\n")
    sys.stdout.flush()
"""


def _read_line(proc: subprocess.Popen) -> str:
    line = proc.stdout.readline()
    if not line:
        proc.wait(timeout=10)
        raise AssertionError(f"child ended early ({proc.returncode}): {proc.stderr.read()}")
    return line.strip()


def _check_folder(store: AnnotationStore) -> list[str]:
    """Only the annotation file, the lock folder and temporary files of an interrupted save."""
    stray = []
    for path in store.directory.iterdir():
        if path.name in (f"{DOC}.json", ".locks"):
            continue
        assert path.name.startswith(f".{DOC}.json.") and path.name.endswith(".tmp"), path
        stray.append(path.name)
    return stray


def test_sigkill_during_saves_loses_no_acknowledged_edit(tmp_path):
    started = time.monotonic()
    ws = copy_workspace(tmp_path / "ws")
    annotations, guidelines = ws / "annotations", ws / "guidelines"
    sha = Corpus(ws / "corpus").info(DOC).sha256
    store = AnnotationStore(annotations, "amal")
    rng = random.Random(SEED)
    on_disk = 0  # entities in the file after the previous round
    acked_total = 0
    for round_number in range(ROUNDS):
        wanted = rng.randint(1, 25)
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(annotations), str(guidelines), DOC, sha],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        try:
            # The previous child was killed holding the lock: the kernel released it.
            assert _read_line(proc) == f"opened {on_disk} ok", round_number
            last = on_disk
            for _ in range(wanted):
                line = _read_line(proc)
                assert line.startswith("ack "), line
                count = int(line.split()[1])
                assert count == last + 1, (line, last)
                last = count
            if rng.random() < 0.5:  # sometimes right after an ack, sometimes well inside the next save
                time.sleep(rng.random() * 0.004)
            os.kill(proc.pid, signal.SIGKILL)
            assert proc.wait(timeout=10) == -signal.SIGKILL
            # The child may have run ahead of our reading: what it printed before dying is in the pipe.
            for line in proc.stdout.read().splitlines():
                assert line.startswith("ack "), line
                count = int(line.split()[1])
                assert count == last + 1, (line, last)
                last = count
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()
            proc.stderr.close()
        acked_total += last - on_disk

        raw = store.path(DOC).read_bytes()
        data = orjson.loads(raw)  # valid JSON, never half written
        assert raw.endswith(b"}\n")
        count = len(data["entities"])
        assert last <= count <= last + 1, (round_number, last, count)
        doc = store.read(DOC)
        assert doc is not None and len(doc.entities) == count
        assert doc.created and doc.modified and doc.status == "in_progress"
        # Every acknowledged entity is there, spans as the child made them.
        starts = sorted(e.start for e in doc.entities)
        assert starts == list(range(count))
        # Events point at entities that exist.
        ids = {e.id for e in doc.entities}
        assert all(a.entity in ids for ev in doc.events for a in ev.arguments)
        _check_folder(store)
        assert store.annotated_ids() == [DOC]
        assert store.statuses([DOC]) == {DOC: DocumentStatus("in_progress")}
        on_disk = count

    assert acked_total >= ROUNDS
    # Temporary files left by killed saves are never taken for annotations, and a normal
    # open afterwards edits the document.
    opened = store.open(DOC, sha, "2.0.0", guidelines)
    assert opened.read_only is None and len(opened.doc.entities) == on_disk
    opened.lock.release()
    assert time.monotonic() - started < 60
