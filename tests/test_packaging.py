"""What an installed program carries: the guidelines and the seed corpus as package data.

The repository's top-level guidelines/ and corpus/ are the only copies; the package reaches
them through importlib.resources, and a wheel built from the tree holds them byte for byte.
(tests/wheel_smoke.sh installs that wheel in a fresh virtual environment and runs the CLI.)
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import shutil
import subprocess
import sys
import zipfile
from importlib.resources.abc import Traversable
from pathlib import Path

import pytest

from annotator import bundled

REPO = Path(__file__).resolve().parents[1]


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def resource_tree(folder: Traversable, prefix: str = "") -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for item in folder.iterdir():
        if item.is_dir():
            out.update(resource_tree(item, f"{prefix}{item.name}/"))
        else:
            out[prefix + item.name] = item.read_bytes()
    return out


def test_bundled_data_is_the_repository_workspace():
    guidelines, corpus = resource_tree(bundled.guidelines()), resource_tree(bundled.seed_corpus())
    assert guidelines == tree(REPO / "guidelines")
    assert corpus == tree(REPO / "corpus")
    assert {"2.0.0/schema.toml", "2.0.0/guidelines.md", "1.0.0/schema.toml"} <= guidelines.keys()
    assert "index.jsonl" in corpus and sum(name.endswith(".txt") for name in corpus) == 5


def test_copy_tree_copies_every_file_unchanged(tmp_path):
    bundled.copy_tree(bundled.guidelines(), tmp_path / "out")
    assert tree(tmp_path / "out") == tree(REPO / "guidelines")


def test_the_wheel_holds_every_module_the_guidelines_and_the_seed_corpus(tmp_path):
    """A wheel built from this tree (as `pip wheel .` does, here without fetching a build backend)."""
    if importlib.util.find_spec("pip") is None:
        pytest.skip("pip is not installed in this environment: it builds the wheel")
    # The version only: importing setuptools here would fight with a distutils some library already imported.
    try:
        setuptools = importlib.metadata.version("setuptools")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("setuptools (the build backend) is not installed: it is in the test extra")
    if int(setuptools.split(".")[0]) < 77:
        pytest.skip(f"setuptools {setuptools} is older than pyproject.toml's build requirement (77)")
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    for name in ("guidelines", "corpus"):
        shutil.copytree(REPO / name, source / name)
    # symlinks=True keeps annotator/bundled/guidelines -> ../../guidelines as the link the repository has.
    shutil.copytree(
        REPO / "annotator", source / "annotator", symlinks=True, ignore=shutil.ignore_patterns("__pycache__")
    )
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    [wheel] = (tmp_path / "dist").glob("annotator-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        files = {name: archive.read(name) for name in archive.namelist() if not name.endswith("/")}
    for folder in ("guidelines", "corpus"):
        shipped = {
            name.removeprefix(f"annotator/bundled/{folder}/"): data
            for name, data in files.items()
            if name.startswith(f"annotator/bundled/{folder}/")
        }
        assert shipped == tree(REPO / folder), folder
    code = {
        p.relative_to(REPO).as_posix()
        for p in (REPO / "annotator").rglob("*")
        if p.suffix in (".py", ".tcss") and "__pycache__" not in p.parts
    }
    assert code <= files.keys(), sorted(code - files.keys())
