"""What the document list says of one annotator's document: its state, and how many of its
annotations wait for a person's review.

To review: the entities and events marked ``needs_review`` once the document is under the
workspace's guidelines version, which is what opening it shows (:func:`to_review`, also the
count in the annotation screen's header and what its review keys step through). A file on an
older version is counted as opening would count it: migrated in memory
(:func:`~annotator.core.annotations.loading.migrate_to`; nothing is written), so the marks a
migration adds (a split or removed label) are counted before anyone opens it. That costs one
migration per such file and read (files stay on an older version only until their next save);
a file at the workspace's version counts the marks it declares from the loader's columns
(:attr:`~annotator.core.annotations.loading.Flat.review`), with no document built.
"""

from __future__ import annotations

from dataclasses import dataclass

from annotator.core.annotations.loading import Checked, migrate_to
from annotator.core.annotations.model import DocumentAnnotations
from annotator.core.errors import AnnotatorError
from annotator.core.guidelines.migration import review_queue
from annotator.core.guidelines.registry import Registry

UNREADABLE = "unreadable"


@dataclass(frozen=True, slots=True)
class DocumentStatus:
    """One document of one annotator, as the document list shows it."""

    state: str  # 'not_started' (no file), 'in_progress', 'done', or 'unreadable' (opening would refuse to edit it)
    review: int = 0  # annotations waiting for review once the document is under the workspace's guidelines
    migrates_from: str | None = None  # the older guidelines version the file is on (opening migrates it)


NOT_STARTED = DocumentStatus("not_started")


def to_review(doc: DocumentAnnotations) -> int:
    """How many of ``doc``'s entities and events a person still has to review (the review queue)."""
    return len(review_queue(doc))


def status_of(checked: Checked, guidelines: Registry | None, target: str | None, where: str) -> DocumentStatus:
    """The status of a file the loader passed (``checked``): under ``target`` (the version the
    workspace opens documents under; None: as the file declares) with the versions of
    ``guidelines``. A file that cannot be migrated to ``target`` opens read-only: unreadable."""
    data = checked.data
    state = data.get("status", "in_progress")
    declared = data["guidelines"]
    if target is None or guidelines is None or declared == target:
        return DocumentStatus(state, checked.flat.review)
    try:
        migrated, _ = migrate_to(checked.document(), guidelines, target, where)
    except AnnotatorError:
        return DocumentStatus(UNREADABLE)
    return DocumentStatus(state, to_review(migrated), declared)
