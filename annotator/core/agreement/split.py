"""Cutting an :class:`AgreementInput` into chunks of documents, as
:func:`annotator.core.agreement.compute_report` takes them: every row of a document (all
annotators' spans, events, arguments, coverage, its tokens, length and text) goes to the
same chunk, so the chunks cover disjoint sets of documents.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from annotator.core.agreement.input import AgreementInput

TABLES = ("spans", "coverage", "tokens", "doc_lengths", "events", "arguments")


def split_by_documents(data: AgreementInput, n: int, *, interleaved: bool = False) -> list[AgreementInput]:
    """``data`` cut into ``n`` chunks (at least 1) of about as many documents each: runs of
    consecutive doc_ids, or with ``interleaved`` every n-th doc_id. Exclusions with a
    doc_id go with their document; the folder exclusions and the counts of files
    (``files``, ``migrated``, ``not_done``...) stay with the first chunk."""
    n = max(1, n)
    ids: set[str] = set(data.texts)
    for name in TABLES:
        frame = getattr(data, name)
        if frame is not None and "doc_id" in frame.columns:
            ids.update(frame["doc_id"].unique().to_list())
    docs = sorted(ids)
    size = max(1, -(-len(docs) // n))
    where = {d: (k % n if interleaved else k // size) for k, d in enumerate(docs)}
    chunks = []
    for i in range(n):
        mine = pl.Series([d for d, k in where.items() if k == i], dtype=pl.String).implode()
        tables = {}
        for name in TABLES:
            frame = getattr(data, name)
            if frame is not None:
                tables[name] = frame.filter(pl.col("doc_id").cast(pl.String).is_in(mine))
        first = i == 0
        chunks.append(
            replace(
                data,
                **tables,
                excluded=tuple(e for e in data.excluded if where.get(e.get("doc_id") or "", 0 if first else -1) == i),
                texts={d: t for d, t in data.texts.items() if where[d] == i},
                migrated=dict(data.migrated) if first else {},
                files=data.files if first else 0,
                not_done=data.not_done if first else 0,
                not_started=data.not_started if first else 0,
                review=data.review if first else 0,
            )
        )
    return chunks
