"""What the curation of one document starts from: its gold file (merged from the annotators
by ``CURATION_STRATEGY`` when there is none yet) and each annotator's version to show.

The curation screen only asks; the choices are made here: which strategy makes the
first gold, who counts as an annotator (``run.default_annotators``), that at least
``MIN_ANNOTATORS`` must have annotated the document, and which versions are worth
showing (readable, with something in them).
"""

from __future__ import annotations

from dataclasses import dataclass

from annotator.core.adjudication.run import MIN_ANNOTATORS, DocOutcome, adjudicate_document, default_annotators
from annotator.core.adjudication.strategy import Strategy
from annotator.core.annotations.model import DocumentAnnotations
from annotator.core.annotations.store import AnnotationStore
from annotator.core.corpus import Corpus
from annotator.core.errors import AnnotatorError
from annotator.core.identity import GOLD
from annotator.core.workspace import Workspace

CURATION_STRATEGY = Strategy("majority")  # what gold starts from when a document is first curated


class TooFewAnnotators(AnnotatorError):
    """Fewer than MIN_ANNOTATORS annotated the document: there is nothing to curate."""


@dataclass(frozen=True, slots=True)
class CurationStart:
    gold: AnnotationStore  # where curation saves: annotations/gold
    versions: dict[str, DocumentAnnotations]  # annotator -> their version, for those with something to show
    merged: DocOutcome | None  # the merge made just now (None: gold was there already)


def prepare_curation(workspace: Workspace, corpus: Corpus, doc_id: str) -> CurationStart:
    """Gold for ``doc_id`` (merged first if there is none) and the annotators' versions.

    Raises TooFewAnnotators when fewer than MIN_ANNOTATORS annotated the document, and
    AnnotatorError (one line per problem) when the merge had to skip it.
    """
    document = corpus.info(doc_id)
    names = default_annotators(workspace)
    gold = AnnotationStore.of(workspace, GOLD, corpus)
    merged = None
    if not gold.path(doc_id).exists():
        if len(names) < MIN_ANNOTATORS:
            raise TooFewAnnotators(
                f"curation needs at least {MIN_ANNOTATORS} annotators' files", str(workspace.annotations_dir)
            )
        merged = adjudicate_document(workspace, corpus, doc_id, CURATION_STRATEGY, names)
        if merged.problems:
            raise AnnotatorError("; ".join(merged.problems))
        if merged.state in ("unadjudicable", "not annotated"):
            raise TooFewAnnotators(f"{doc_id}: fewer than {MIN_ANNOTATORS} annotators annotated it")
    versions = {}
    for name in names:
        opened = AnnotationStore.of(workspace, name, corpus).open(
            doc_id, document.sha256, workspace.config.guidelines, workspace.guidelines_dir, lock=False
        )
        if not opened.read_only and (opened.doc.entities or opened.doc.events):
            versions[name] = opened.doc
    return CurationStart(gold, versions, merged)
