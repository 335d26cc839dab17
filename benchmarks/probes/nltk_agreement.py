"""nltk's AnnotationTask (Cohen's kappa and Krippendorff's alpha) on the token labels of the
first N documents, checked against our report on the same documents, scaled linearly to
the whole corpus (nltk would need many GB and many minutes for all of it).

    python benchmarks/probes/nltk_agreement.py WORKSPACE N

Prints {"value": nltk seconds scaled to every document, "nltk_s": seconds on N documents,
"same": whether kappa and alpha equal the report's, "kappa", "alpha"}. The one probe
that reads internal tables (load_tables, token_label_matrix): nltk needs the very token
labels the report counts.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from common import emit


def main(workspace: Path, count: int) -> None:
    from nltk.metrics.agreement import AnnotationTask  # type: ignore[import-untyped]

    from annotator.core.agreement import compute_report, token_label_matrix
    from annotator.core.agreement.input import load_tables
    from annotator.core.corpus import Corpus
    from annotator.core.workspace import Workspace

    ws = Workspace.open(workspace)
    every = Corpus(workspace / "corpus").ids
    data = load_tables(ws, docs=every[:count])
    matrix = token_label_matrix(data.spans, data.coverage, data.tokens, annotators=data.annotators)
    triples = [
        (name, (doc_id, start), label)
        for name in data.annotators or ()
        for doc_id, start, label in zip(matrix["doc_id"], matrix["start"], matrix[name])
        if label is not None
    ]
    start = time.perf_counter()
    task = AnnotationTask(data=triples)
    kappa, alpha = task.kappa(), task.alpha()
    seconds = time.perf_counter() - start
    ours = compute_report(data).tokens
    same = abs(kappa - ours.cohen_kappa.number) < 1e-9 and abs(alpha - ours.krippendorff_alpha.number) < 1e-9
    emit(seconds * len(every) / count, nltk_s=seconds, docs=count, same=same, kappa=kappa, alpha=alpha)


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
