"""Two `import texts` at once: both land in the index."""

import multiprocessing as mp
from pathlib import Path

from annotator.core.corpus import Corpus


def _imp(args):
    corpus_dir, files = args
    c = Corpus(Path(corpus_dir))
    for f in files:
        c.import_texts([Path(f)])
    return len(files)


def test_two_imports_racing_keep_every_document(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    src = tmp_path / "src"
    src.mkdir()
    batches = [[], []]
    for i in range(80):
        f = src / f"d{i:03}.txt"
        f.write_text(f"نص رقم {i}\n", encoding="utf-8")
        batches[i % 2].append(str(f))
    with mp.get_context("spawn").Pool(2) as pool:
        pool.map(_imp, [(str(corpus), b) for b in batches])
    assert sorted(Corpus(corpus).ids) == sorted(f"d{i:03}" for i in range(80))
