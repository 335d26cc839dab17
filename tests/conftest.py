"""Shared fixtures: the repository workspace with its seed corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEED_IDS = sorted(p.stem for p in (REPO / "corpus").glob("*.txt"))


def seed_text(doc_id: str) -> str:
    return (REPO / "corpus" / f"{doc_id}.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seeds() -> dict[str, str]:
    return {doc_id: seed_text(doc_id) for doc_id in SEED_IDS}
