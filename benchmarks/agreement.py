"""Benchmark (not a test): `annotator agreement` end to end on a large synthetic corpus.

    python benchmarks/agreement.py                      # 10,000 documents x 3 annotators
    python benchmarks/agreement.py --docs 2000 --runs 3 --nltk-docs 100

Generates the corpus in a temporary folder (annotator.synthetic: ~40 entities and
~8 events per document), then runs ``annotator agreement --format json --out ...`` as a
user does, in a subprocess: wall time (median of the runs) and peak memory (ru_maxrss of
the children: the largest single process, workers included). Then times nltk's
``AnnotationTask`` (kappa and alpha) on the same token-level labels of the first
``--nltk-docs`` documents, checks that it gives the same κ and α as the report on those
documents, and scales its time linearly to the whole corpus (nltk would need several
GB and many minutes for all of it) to print the ratio.

Targets (2-core machine): under 5 s and under 2 GB. Copy the table into BENCHMARKS.md
with the date and machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

RESULTS: list[tuple[str, float, str, str]] = []


def report(name: str, value: float, unit: str, target: str) -> None:
    RESULTS.append((name, value, unit, target))
    print(f"{name:<58} {value:>14,.3f} {unit:<10} target {target}", flush=True)


def cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "annotator", *map(str, args)], cwd=cwd, capture_output=True)
    if proc.returncode != 0:
        sys.exit(f"annotator {' '.join(map(str, args))} failed:\n{proc.stderr.decode()}")
    return proc


def bench_cli(workspace: Path, out: Path, runs: int, jobs: str | None) -> float:
    extra = ["--jobs", jobs] if jobs else []
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        cli("agreement", "--format", "json", "--out", out, "--force", *extra, cwd=workspace)
        samples.append(time.perf_counter() - start)
    value = statistics.median(samples)
    label = f"--jobs {jobs}" if jobs else "default jobs"
    report(f"annotator agreement --format json ({label}), median of {runs}", value, "s", "< 5 s")
    return value


def token_triples(workspace: Path, doc_ids: list[str]) -> tuple[list[tuple[str, tuple[str, int], str]], Any]:
    """(coder, item, label) per annotator and token of ``doc_ids``, and our report on them."""
    from annotator.core.agreement import compute_report, token_label_matrix
    from annotator.core.agreement.input import load_tables
    from annotator.core.workspace import Workspace

    data = load_tables(Workspace.open(workspace), docs=doc_ids)
    matrix = token_label_matrix(data.spans, data.coverage, data.tokens, annotators=data.annotators)
    triples = []
    for name in data.annotators:
        for doc_id, start, label in zip(matrix["doc_id"], matrix["start"], matrix[name]):
            if label is not None:
                triples.append((name, (doc_id, start), label))
    return triples, compute_report(data)


def bench_nltk(workspace: Path, doc_ids: list[str], total_docs: int) -> float:
    from nltk.metrics.agreement import AnnotationTask

    triples, ours = token_triples(workspace, doc_ids)
    start = time.perf_counter()
    task = AnnotationTask(data=triples)
    kappa = task.kappa()
    alpha = task.alpha()
    seconds = time.perf_counter() - start
    our_kappa = ours.tokens.cohen_kappa.number
    our_alpha = ours.tokens.krippendorff_alpha.number
    same = abs(kappa - our_kappa) < 1e-9 and abs(alpha - our_alpha) < 1e-9
    print(
        f"nltk on {len(doc_ids)} documents ({len(triples):,} triples): kappa {kappa:.6f} alpha {alpha:.6f}; "
        f"report: kappa {our_kappa:.6f} alpha {our_alpha:.6f} ({'same' if same else 'DIFFERENT'})",
        flush=True,
    )
    report(f"nltk AnnotationTask kappa+alpha, {len(doc_ids)} documents", seconds, "s", "-")
    scaled = seconds * total_docs / len(doc_ids)
    report(f"nltk AnnotationTask kappa+alpha, scaled to {total_docs:,} documents", scaled, "s", "-")
    return scaled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--annotators", type=int, default=3)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--nltk-docs", type=int, default=200, help="documents nltk is timed on (0: skip)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory(prefix="agreement-bench-") as tmp:
        workspace = Path(tmp) / "ws"
        start = time.perf_counter()
        from annotator.synthetic import generate

        result = generate(workspace, docs=args.docs, annotators=args.annotators, seed=args.seed)
        report(
            f"synth: {args.docs:,} documents x {args.annotators} annotators + gold ({result.files:,} files)",
            time.perf_counter() - start,
            "s",
            "a few s",
        )
        out = Path(tmp) / "report.json"
        ours = bench_cli(workspace, out, args.runs, None)
        bench_cli(workspace, out, args.runs, "1")
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
        report("peak memory of one agreement process (ru_maxrss)", peak, "MiB", "< 2048 MiB")
        report("report size", out.stat().st_size / 1e6, "MB", "-")
        if args.nltk_docs:
            nltk_seconds = bench_nltk(workspace, result.doc_ids[: args.nltk_docs], args.docs)
            report("nltk (scaled, kappa+alpha only) / annotator agreement (everything)", nltk_seconds / ours, "x", "-")


if __name__ == "__main__":
    main()
