"""Benchmark (not a test): `annotator export` end to end on 10,000 synthetic gold documents.

    python benchmarks/export.py [--docs 10000] [--runs 3]

Target (2-core machine): 10,000 documents export in under 5 s, per format.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from annotator.synthetic import generate

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        t0 = time.perf_counter()
        generate(root, docs=args.docs, annotators=2, seed=1, gold=True)
        print(f"synthetic workspace: {args.docs:,} documents with gold in {time.perf_counter() - t0:.1f} s")
        for fmt, extra in (
            ("jsonl", []),
            ("conll", []),
            ("conll", ["--tokens", "clitic", "--nested", "columns", "--events", "--split", "80,10,10"]),
            ("hf", []),
        ):
            samples = []
            for run in range(args.runs):
                out = Path(tmp) / f"out-{fmt}-{len(extra)}-{run}"
                start = time.perf_counter()
                proc = subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "annotator",
                        "export",
                        "--source",
                        "gold",
                        "--format",
                        fmt,
                        "--out",
                        str(out),
                        *extra,
                    ],
                    cwd=root,
                    capture_output=True,
                )
                samples.append(time.perf_counter() - start)
                if proc.returncode:
                    sys.exit(proc.stderr.decode())
            name = f"export {fmt} {' '.join(extra)}".strip()
            print(f"{name:<70} {statistics.median(samples):>8.2f} s   target < 5 s", flush=True)


if __name__ == "__main__":
    main()
