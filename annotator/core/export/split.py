"""Train, dev and test by document, each document placed by its own id and the seed alone.

A document's place never depends on which other documents are exported: the first 8 bytes of
``sha256(f"{seed}:{doc_id}")`` read as a big-endian integer ``n`` give it the number
``n / 2**64`` in [0, 1), compared with the cumulative percentages: train below ``train/100``,
dev below ``(train + dev)/100``, test above. Adding documents to the corpus, or exporting
fewer, never moves a document to another split (nothing of test leaks into train); the sizes
come out near the percentages, closer the more documents there are. The comparison is done
on integers, so the rule gives the same answer everywhere.
"""

from __future__ import annotations

import hashlib

from annotator.core.errors import AnnotatorError

SPLITS = ("train", "dev", "test")
RULE = (
    "sha256(f'{seed}:{doc_id}'), first 8 bytes as a big-endian integer n: "
    "train if n*100 < train*2**64, else dev if n*100 < (train+dev)*2**64, else test"
)
_SCALE = 2**64


def parse_split(text: str) -> tuple[int, int, int]:
    """``"80,10,10"`` as (80, 10, 10): three non-negative integers summing to 100."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise AnnotatorError(f"bad split {text!r}", "--split", "three non-negative integers such as 80,10,10")
    split = (int(parts[0]), int(parts[1]), int(parts[2]))
    check_split(split)
    return split


def check_split(split: tuple[int, int, int]) -> None:
    if len(split) != 3 or any(p < 0 for p in split) or sum(split) != 100:
        raise AnnotatorError(
            f"bad split {','.join(map(str, split))}", "--split", "three non-negative integers summing to 100"
        )


def split_of(doc_id: str, split: tuple[int, int, int], seed: int) -> str:
    """The split a document belongs to, for ever (see the module's rule)."""
    n = int.from_bytes(hashlib.sha256(f"{seed}:{doc_id}".encode()).digest()[:8], "big") * 100
    train, dev, _ = split
    if n < train * _SCALE:
        return "train"
    if n < (train + dev) * _SCALE:
        return "dev"
    return "test"


def split_documents(doc_ids: list[str], split: tuple[int, int, int], seed: int) -> dict[str, list[str]]:
    """Train/dev/test by document, each list sorted."""
    out: dict[str, list[str]] = {name: [] for name in SPLITS}
    for doc_id in sorted(doc_ids):
        out[split_of(doc_id, split, seed)].append(doc_id)
    return out
