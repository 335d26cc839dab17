"""Shared fixtures: the repository workspace with its seed corpus."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEED_IDS = sorted(p.stem for p in (REPO / "corpus").glob("*.txt"))


def seed_text(doc_id: str) -> str:
    return (REPO / "corpus" / f"{doc_id}.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seeds() -> dict[str, str]:
    return {doc_id: seed_text(doc_id) for doc_id in SEED_IDS}


@pytest.fixture(autouse=True)
def _no_terminal_or_user_config(monkeypatch, tmp_path_factory) -> None:
    """No test depends on the terminal it runs in or on the developer's user config: the
    variables that name a terminal are removed (TERM is a plain xterm-256color) and
    XDG_CONFIG_HOME is a fresh folder. Workspaces say bidi = "auto", which reads both."""
    from annotator.core.terminal import VARIABLES

    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))


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


def document_1_0_0(doc_id: str = "000_cc412d3027dac405", sha256: str = "0" * 64):
    """A document annotated under guidelines 1.0.0 with DATE, TIME, ORG, PER, GPE and an attack
    whose Time argument is a DATE: everything the 2.0.0 migration touches."""
    from annotator.core.annotations.model import Argument, DocumentAnnotations, Entity, Event

    entities = (
        Entity("T1", 0, 7, "DATE"),
        Entity("T2", 10, 19, "TIME"),
        Entity("T3", 20, 27, "ORG"),
        Entity("T4", 30, 42, "PER"),
        Entity("T5", 50, 58, "GPE"),
        Entity("T6", 60, 64, "ORG"),
    )
    attack = Event(
        "E1", "Conflict.Attack", 43, 48, (Argument("Attacker", "T3"), Argument("Place", "T5"), Argument("Time", "T1"))
    )
    return DocumentAnnotations(doc_id, sha256, "1.0.0", "amal", "in_progress", entities, (attack,))


@dataclass
class CliResult:
    """What one run of the real command printed, and its exit status."""

    code: int
    out: str
    err: str


def assert_one_error(result: CliResult, *needles: str) -> str:
    """Bad input: exit status 2, exactly one `annotator: error:` line naming ``needles``, no traceback."""
    assert result.code == 2, (result.code, result.out, result.err)
    assert "Traceback" not in result.err
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("annotator: error: ")
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def write_done(workspace, who: str, doc_id: str, entities: list[tuple[int, int, str]], events: tuple = ()) -> None:
    """Save ``who``'s finished annotations of ``doc_id`` (guidelines 2.0.0): entities T1, T2, ...
    from (start, end, label), and ``events`` as given."""
    from annotator.core.annotations.model import DocumentAnnotations, Entity
    from annotator.core.annotations.store import AnnotationStore
    from annotator.core.corpus import Corpus

    info = Corpus(workspace.corpus_dir).info(doc_id)
    entity_list = tuple(Entity(f"T{i + 1}", s, e, label) for i, (s, e, label) in enumerate(entities))
    doc = DocumentAnnotations(doc_id, info.sha256, "2.0.0", who, "done", entity_list, events)
    AnnotationStore(workspace.annotations_dir, who).save(doc)
