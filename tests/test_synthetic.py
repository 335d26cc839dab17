"""`annotator synth` writes only what the schema allows: every file it writes, gold and
each noisy annotator's, passes the one loader against the workspace's guidelines and
corpus, whatever the noise, the seed or the guidelines version."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from annotator.core.annotations.loading import check
from annotator.core.corpus import Corpus
from annotator.core.guidelines.registry import registry
from annotator.core.workspace import Workspace
from annotator.synthetic import generate


def refused(root: Path) -> tuple[int, list[str]]:
    """How many annotation files the workspace at ``root`` holds, and the loader's refusals."""
    ws = Workspace.open(root)
    corpus, guidelines = Corpus(ws.corpus_dir), registry(ws.guidelines_dir)
    files = sorted(ws.annotations_dir.rglob("*.json"))
    problems = []
    for path in files:
        try:
            check(path.read_bytes(), str(path), doc_id=path.stem, guidelines=guidelines, text=corpus.info(path.stem))
        except Exception as exc:  # every refusal is reported, whatever it is
            problems.append(str(exc))
    return len(files), problems


@pytest.mark.parametrize("guidelines", ["1.0.0", "2.0.0"])
@pytest.mark.parametrize("seed, noise", [(0, 0.1), (1, 0.5), (2, 1.0)])
def test_every_file_synth_writes_passes_the_loader(tmp_path: Path, guidelines: str, seed: int, noise: float):
    generate(
        tmp_path / "ws",
        docs=6,
        annotators=3,
        seed=seed,
        label_noise=noise,
        shift=noise / 2,
        miss=noise / 3,
        entities=30,
        events=12,
        guidelines=guidelines,
    )
    count, problems = refused(tmp_path / "ws")
    assert count == 6 * 4 and problems == []


def test_the_synth_command_writes_valid_files(tmp_path: Path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "annotator",
            "synth",
            "--out",
            str(tmp_path / "ws"),
            "--docs",
            "4",
            "--label-noise",
            "0.6",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    count, problems = refused(tmp_path / "ws")
    assert count == 4 * 4 and problems == []
