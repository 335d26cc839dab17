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


def copy_workspace(target: Path) -> Path:
    """A private copy of the repository workspace (config, corpus, guidelines), empty annotations."""
    import shutil

    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "annotator.toml", target / "annotator.toml")
    shutil.copytree(REPO / "corpus", target / "corpus")
    if (REPO / "guidelines").is_dir():
        shutil.copytree(REPO / "guidelines", target / "guidelines")
    (target / "annotations").mkdir()
    (target / "exports").mkdir()
    return target


@pytest.fixture
def workspace(tmp_path: Path):
    from annotator.core.workspace import Workspace

    return Workspace.open(copy_workspace(tmp_path / "ws"))
