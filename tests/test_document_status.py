"""AnnotationStore.statuses: each document's state and the annotations waiting for review,
counted as opening the document would count them (a file on an older guidelines version
migrated in memory, never written)."""

from __future__ import annotations

from annotator.core.annotations.loading import migrate_to
from annotator.core.annotations.model import DocumentAnnotations, Entity
from annotator.core.annotations.status import DocumentStatus, to_review
from annotator.core.annotations.store import AnnotationStore
from annotator.core.corpus import Corpus
from annotator.core.guidelines.registry import registry
from tests.conftest import SEED_IDS, document_1_0_0

TARGET = "2.0.0"


def _store(workspace) -> AnnotationStore:
    return AnnotationStore.of(workspace, "amal")


def _sha(workspace, doc_id: str) -> str:
    return Corpus(workspace.corpus_dir).info(doc_id).sha256


def test_a_file_on_the_older_guidelines_counts_what_its_migration_marks(workspace) -> None:
    store = _store(workspace)
    doc = document_1_0_0(SEED_IDS[0], _sha(workspace, SEED_IDS[0]))
    store.save(doc)
    before = store.path(SEED_IDS[0]).read_bytes()
    # The file declares no mark: the two ORG entities are marked only by the split to ORG, MEDIA in 2.0.0.
    assert to_review(doc) == 0
    status = store.statuses([SEED_IDS[0]], TARGET)[SEED_IDS[0]]
    assert status == DocumentStatus("in_progress", 2, "1.0.0")
    # The same count as the document opening shows, and nothing written.
    opened = store.open(SEED_IDS[0], _sha(workspace, SEED_IDS[0]), TARGET)
    assert to_review(opened.doc) == 2
    opened.lock.release()
    assert store.path(SEED_IDS[0]).read_bytes() == before
    # Without a target version, the file counts as it declares.
    assert store.statuses([SEED_IDS[0]])[SEED_IDS[0]] == DocumentStatus("in_progress", 0)


def test_a_file_at_the_workspace_version_counts_the_marks_it_holds(workspace) -> None:
    store = _store(workspace)
    doc_id = SEED_IDS[1]
    migrated, _ = migrate_to(
        document_1_0_0(doc_id, _sha(workspace, doc_id)), registry(workspace.guidelines_dir), TARGET, "test"
    )
    store.save(migrated.with_(status="done"))
    assert store.statuses([doc_id], TARGET) == {doc_id: DocumentStatus("done", 2)}
    plain = DocumentAnnotations(
        SEED_IDS[2], _sha(workspace, SEED_IDS[2]), TARGET, "amal", "done", (Entity("T1", 0, 3, "ORG"),)
    )
    store.save(plain)
    assert store.statuses([SEED_IDS[2], SEED_IDS[3]], TARGET) == {
        SEED_IDS[2]: DocumentStatus("done"),
        SEED_IDS[3]: DocumentStatus("not_started"),
    }


def test_a_file_that_cannot_be_migrated_is_unreadable(workspace) -> None:
    store = _store(workspace)
    doc_id = SEED_IDS[0]
    store.save(document_1_0_0(doc_id, _sha(workspace, doc_id)).with_(guidelines="0.9.0"))
    assert store.statuses([doc_id], TARGET)[doc_id].state == "unreadable"
