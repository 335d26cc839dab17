"""The corpora `make bench` runs on, generated once into a cache folder and copied (hard
links, `cp -al`) for each row that writes: every program write is temp + rename, so a
copy's writes never reach the cache.

    $ANNOTATOR_BENCH_DIR (default ~/.cache/annotator-bench)/
        synth-1000/  synth-1000.json     annotator synth --docs 1000 --annotators 3, and its stamp
        texts-100000/                    the texts of synth-100000, for `import texts`
        long/long5000.txt, long/long5mb.txt

A workspace is made again when its stamp is missing or names another synth version (the
sha256 of annotator/synthetic.py).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import orjson

REPO = Path(__file__).resolve().parents[1]
ANNOTATORS = 3
SEED = 0


def cache_dir() -> Path:
    folder = Path(os.environ.get("ANNOTATOR_BENCH_DIR") or Path.home() / ".cache" / "annotator-bench")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def corpus_text() -> str:
    """The repository's seed corpus (corpus/*.txt), joined by newlines."""
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted((REPO / "corpus").glob("*.txt")))


def synth_version() -> str:
    return hashlib.sha256((REPO / "annotator" / "synthetic.py").read_bytes()).hexdigest()[:16]


def _stamp(docs: int) -> dict:
    return {"synth": synth_version(), "docs": docs, "annotators": ANNOTATORS, "seed": SEED}


def _stamp_path(docs: int) -> Path:
    return cache_dir() / f"synth-{docs}.json"


def workspace(docs: int) -> Path:
    """The cached synthetic workspace of ``docs`` documents, made if missing or stale."""
    folder = cache_dir() / f"synth-{docs}"
    stamp = _stamp_path(docs)
    if folder.is_dir() and stamp.is_file() and orjson.loads(stamp.read_bytes()) == _stamp(docs):
        return folder
    stamp.unlink(missing_ok=True)
    shutil.rmtree(folder, ignore_errors=True)
    shutil.rmtree(cache_dir() / f"texts-{docs}", ignore_errors=True)
    print(f"generating {folder} ({docs:,} documents x {ANNOTATORS}) ...", flush=True)
    command = [sys.executable, "-m", "annotator", "synth", "--out", str(folder), "--docs", str(docs)]
    subprocess.run([*command, "--annotators", str(ANNOTATORS), "--seed", str(SEED)], check=True, cwd=REPO)
    stamp.write_bytes(orjson.dumps(_stamp(docs)))
    return folder


def adopt(docs: int, source: Path) -> Path:
    """Take a workspace made by ``annotator synth --out SOURCE --docs DOCS --annotators 3``
    (seed 0) with today's synthetic.py as the cache's, by hard links."""
    folder = cache_dir() / f"synth-{docs}"
    shutil.rmtree(folder, ignore_errors=True)
    subprocess.run(["cp", "-al", str(source), str(folder)], check=True)
    _stamp_path(docs).write_bytes(orjson.dumps(_stamp(docs)))
    return folder


def texts(docs: int) -> Path:
    """A folder of the ``docs`` texts of the synthetic workspace (hard links), for import."""
    source = workspace(docs) / "corpus"
    folder = cache_dir() / f"texts-{docs}"
    if folder.is_dir() and sum(1 for _ in folder.iterdir()) == docs:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    staging = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    for path in source.glob("*.txt"):
        os.link(path, staging / path.name)
    staging.rename(folder)
    return folder


def long_documents() -> dict[str, Path]:
    """long5000.txt (5,000 words of the seed corpus) and long5mb.txt (the seed corpus on one
    line, newlines replaced by spaces, repeated to 5,000,000 bytes)."""
    folder = cache_dir() / "long"
    folder.mkdir(exist_ok=True)
    text = corpus_text()
    words = text.split(" ")
    wanted = {
        "long5000": " ".join((words * (5000 // len(words) + 1))[:5000]).encode(),
        "long5mb": _repeat_to(text.replace("\n", " ").encode(), 5_000_000),
    }
    paths = {}
    for name, data in wanted.items():
        path = folder / f"{name}.txt"
        if not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)
        paths[name] = path
    return paths


def _repeat_to(line: bytes, size: int) -> bytes:
    """``line`` repeated (space-separated) to at most ``size`` bytes, cut on a character boundary."""
    data = b" ".join([line] * (size // len(line) + 1))[:size]
    return data.decode("utf-8", errors="ignore").encode()


def fresh_copy(source: Path, name: str) -> Path:
    """A new hard-link copy of ``source`` under the cache's work/ folder."""
    target = cache_dir() / "work" / name
    shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(exist_ok=True)
    subprocess.run(["cp", "-al", str(source), str(target)], check=True)
    return target
