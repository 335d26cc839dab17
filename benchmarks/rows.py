"""The rows of `make bench`: issue 12's budgets table, each a command run as a user would
(the CLI, or a probe script for what happens inside the app) on a corpus of benchmarks/corpora.py.

A row's command is what follows ``python`` (``-m annotator ...`` or a probe's path); the
harness (benchmarks/bench.py) times it, or, for a probe, takes the value it prints.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import orjson

PROBES = Path(__file__).resolve().parent / "probes"
K, M, H = 1_000, 10_000, 100_000
GIB = 2048.0  # MiB
Limit = tuple[str, str, float, str]
Limits = dict[int | None, list[Limit]]


def cli(*args: str) -> list[str]:
    return ["-m", "annotator", *args]


def probe(name: str, *args: str) -> list[str]:
    return [str(PROBES / f"{name}.py"), *args]


def at_most(seconds: float, unit: str = "s") -> Limit:
    return ("median", "<=", seconds, f"≤ {seconds:g} {unit}")


MEMORY_2GB: Limit = ("peak_mib", "<=", GIB, "≤ 2 GB")


@dataclass
class Row:
    """One row of the table. ``needs``: 'synth' (a copy of the synthetic workspace of the
    size), 'small' (a copy of the 1,000-document one with long5000 and long5mb imported),
    'texts' (an empty work folder with texts/, a link to the size's folder of texts) or 'none'
    (the repository). ``prepare`` runs once on the
    copy and ``before`` before each timed run, both untimed; ``cwd`` is where a run starts
    (default: the copy)."""

    id: str
    title: str
    command: Callable[[Path, int], list[str]]
    kind: str = "cli"  # or 'probe': the value is what the probe prints
    unit: str = "s"
    sizes: tuple[int | None, ...] = (None,)
    limits: Limits = field(default_factory=dict)
    runs: dict[int | None, int] = field(default_factory=dict)
    needs: str = "synth"
    prepare: Callable[[Path], None] | None = None
    before: Callable[[Path, int], None] | None = None
    cwd: Callable[[Path, int], Path] | None = None
    after: Callable[[Path], list[str]] | None = None  # a probe run once after; its extras join the result
    timeout: float = 300.0

    def runs_at(self, size: int | None) -> int:
        return self.runs.get(size, 3)


def run_cli(workspace: Path, *args: str) -> None:
    """An untimed step; more than 15 minutes raises subprocess.TimeoutExpired."""
    subprocess.run([sys.executable, *cli(*args)], cwd=workspace, check=True, capture_output=True, timeout=900)


def drop_cache(workspace: Path, run: int = 0) -> None:
    shutil.rmtree(workspace / ".cache", ignore_errors=True)


def prime(workspace: Path) -> None:
    run_cli(workspace, "agreement")


def change_ten_files(workspace: Path, run: int) -> None:
    """Flip one entity's label in 10 files of ann1 (others at each run), temp + rename."""
    folder = workspace / "annotations" / "ann1"
    names = sorted(p.name for p in folder.glob("*.json"))[run * 10 : run * 10 + 10]
    for name in names:
        path = folder / name
        data = orjson.loads(path.read_bytes())
        entities = data["entities"]
        labels = sorted({e["label"] for e in entities})
        if len(labels) > 1:
            first = entities[0]
            first["label"] = next(label for label in labels if label != first["label"])
        else:
            entities.pop()  # still another file
        temp = path.with_name(name + ".bench.tmp")
        temp.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2))
        temp.replace(path)


def drop_bench_annotations(workspace: Path, run: int) -> None:
    """Each keypress run starts from no labels: a label key on a token labelled by the
    previous run would change nothing and draw no frame."""
    shutil.rmtree(workspace / "annotations" / "bench", ignore_errors=True)


def drop_gold(workspace: Path, run: int) -> None:
    shutil.rmtree(workspace / "annotations" / "gold", ignore_errors=True)


def new_workspace(work: Path, run: int) -> None:
    target = work / f"run{run}"
    shutil.rmtree(target, ignore_errors=True)
    subprocess.run([sys.executable, *cli("init", str(target))], check=True, capture_output=True)


def agreement_rows() -> list[Row]:
    budgets: Limits = {M: [at_most(2.5)], H: [at_most(30), MEMORY_2GB]}
    return [
        Row(
            "agreement-cold",
            "`annotator agreement`, cold (no .cache/)",
            lambda ws, run: cli("agreement"),
            sizes=(K, M, H),
            limits=budgets,
            before=drop_cache,
            timeout=300,
        ),
        Row(
            "agreement-warm",
            "`annotator agreement`, warm (second run)",
            lambda ws, run: cli("agreement"),
            sizes=(K, M, H),
            limits=budgets,
            prepare=prime,
            timeout=300,
        ),
        Row(
            "agreement-json",
            "`annotator agreement --format json --out`, warm",
            lambda ws, run: cli("agreement", "--format", "json", "--out", str(ws / "report.json"), "--force"),
            sizes=(M,),
            prepare=prime,
        ),
        Row(
            "agreement-nltk",
            "nltk AnnotationTask κ+α (scaled from 200 docs) / `agreement` cold",
            lambda ws, run: probe("nltk_agreement", str(ws), "200"),
            kind="probe",
            unit="x",
            sizes=(M,),
            limits={M: [("median", ">=", 20, "≥ 20×")]},
        ),
        Row(
            "agreement-changed",
            "`annotator agreement` after 10 files of ann1 changed",
            lambda ws, run: cli("agreement"),
            sizes=(H,),
            limits={H: [at_most(3)]},
            prepare=prime,
            before=change_ten_files,
            timeout=300,
        ),
    ]


def status_rows() -> list[Row]:
    """`annotator status` reads the agreement's cache: warm is a listing and a stat of every
    file; cold reads every file, as the agreement's cold load does."""
    return [
        Row(
            "status-cold",
            "`annotator status --format json`, cold (no .cache/)",
            lambda ws, run: cli("status", "--format", "json"),
            sizes=(K, M, H),
            limits={H: [at_most(30), MEMORY_2GB]},
            before=drop_cache,
            timeout=300,
        ),
        Row(
            "status-warm",
            "`annotator status --format json`, warm (second run)",
            lambda ws, run: cli("status", "--format", "json"),
            sizes=(K, M, H),
            limits={H: [at_most(5), MEMORY_2GB]},
            prepare=lambda ws: run_cli(ws, "status"),
            timeout=300,
        ),
    ]


def drop_totals(workspace: Path, run: int = 0) -> None:
    """The lexicon's kept totals removed (the agreement's cache and the span cache kept): every shard counted again."""
    for folder in (workspace / ".cache" / "suggestions").glob("*/totals-*"):
        shutil.rmtree(folder, ignore_errors=True)


def suggest_rows() -> list[Row]:
    """Issue 14: string-matching suggestions. The lexicon is built through the agreement's cache
    and .cache/suggestions/ (cold: every file and text read; warm: a listing, a stat of every
    file of ann1 and gold, and the kept sum of the per-shard totals)."""
    who = ("--annotator", "ann1")
    built = lambda ws: run_cli(ws, "suggest", "syn00000", *who)  # noqa: E731
    return [
        Row(
            "suggest-seed",
            "string-matching suggestions for a seed article, the workspace's lexicon built (median of the articles)",
            lambda ws, run: probe("suggest", str(ws), "ann1"),
            kind="probe",
            unit="ms",
            sizes=(H,),
            limits={H: [at_most(50, "ms")]},
            prepare=built,
            timeout=600,
        ),
        Row(
            "suggest-cold",
            "`annotator suggest syn00000 --annotator ann1`, cold (no .cache/): the lexicon built",
            lambda ws, run: cli("suggest", "syn00000", *who),
            sizes=(M, H),
            limits={H: [at_most(120), MEMORY_2GB]},
            runs={H: 1},
            before=drop_cache,
            timeout=900,
        ),
        Row(
            "suggest-warm",
            "`annotator suggest syn00000 --annotator ann1`, warm (second run)",
            lambda ws, run: cli("suggest", "syn00000", *who),
            sizes=(M, H),
            limits={H: [at_most(3), MEMORY_2GB]},
            prepare=built,
            timeout=600,
        ),
        Row(
            "suggest-keys",
            "keypress to frame in the annotation screen while ann1's lexicon is built (its totals dropped:"
            " every shard counted again, in a child process), median of the keys pressed during the build",
            lambda ws, run: probe("suggest_keys", str(ws), "ann1", "syn00000"),
            kind="probe",
            unit="ms",
            sizes=(H,),
            limits={H: [at_most(20, "ms")]},
            prepare=built,
            before=drop_totals,
            timeout=600,
        ),
    ]


EXPORTS = {
    "export-jsonl": ["--format", "jsonl"],
    "export-conll": ["--format", "conll"],
    "export-conll-split": ["--format", "conll", "--split", "80,10,10"],
    "export-hf": ["--format", "hf"],
    "export-spacy": ["--format", "spacy"],
}
BIG: Limits = {H: [at_most(60), MEMORY_2GB]}


def export_row(row_id: str, args: list[str]) -> Row:
    return Row(
        row_id,
        f"`annotator export {' '.join(args)}` (gold)",
        lambda ws, run: cli("export", *args, "--out", str(ws / f"bench-{row_id}-{run}")),
        sizes=(M, H),
        limits=BIG,
        runs={H: 1},
        timeout=300,
    )


def app_rows() -> list[Row]:
    keypress: Limits = {None: [at_most(20, "ms")]}
    return [
        Row(
            "help",
            "`annotator --help` (polars and textual not imported)",
            lambda ws, run: cli("--help"),
            needs="none",
            limits={None: [at_most(0.3), ("heavy", "empty", 0, "no polars/textual")]},
            runs={None: 5},
            after=lambda ws: probe("help_imports"),
            timeout=60,
        ),
        Row(
            "app-start",
            "app start to first frame of the document list",
            lambda ws, run: probe("app_start", str(ws)),
            kind="probe",
            sizes=(H,),
            limits={H: [at_most(1.0)]},
            timeout=120,
        ),
        Row(
            "open-seed",
            "open a seed document: call to first frame",
            lambda ws, run: probe("open_document", str(ws), "syn00000"),
            kind="probe",
            unit="ms",
            needs="small",
            limits={None: [at_most(200, "ms")]},
            timeout=120,
        ),
        Row(
            "open-5mb",
            "open a 5 MB one-line document: call to first frame",
            lambda ws, run: probe("open_document", str(ws), "long5mb"),
            kind="probe",
            unit="ms",
            needs="small",
            limits={None: [at_most(200, "ms"), ("memory_x", "<=", 10, "memory ≤ 10× the text")]},
            timeout=300,
        ),
        *(
            Row(
                f"keypress-{action}",
                f"keypress to frame, {action}, 5,000-word document (median of 30 keys)",
                lambda ws, run, action=action: probe("keypress", str(ws), "long5000", action),  # type: ignore[misc]
                kind="probe",
                unit="ms",
                needs="small",
                limits=keypress,
                before=drop_bench_annotations,
                timeout=120,
            )
            for action in ("cursor", "label", "undo")
        ),
        Row(
            "layout",
            "layout (clusters, shaping, BiDi, wrap, map), first time, width 80",
            lambda ws, run: probe("layout"),
            kind="probe",
            unit="chars/s",
            needs="none",
            limits={None: [("median", ">=", 2e6, "≥ 2 M chars/s")]},
            timeout=300,
        ),
    ]


ROWS: list[Row] = [
    *agreement_rows(),
    *status_rows(),
    *suggest_rows(),
    Row(
        "adjudicate",
        "`annotator adjudicate --strategy majority` (gold removed first)",
        lambda ws, run: cli("adjudicate", "--strategy", "majority"),
        sizes=(M, H),
        limits=BIG,
        runs={H: 1},
        before=drop_gold,
        timeout=300,
    ),
    *(export_row(row_id, args) for row_id, args in EXPORTS.items()),
    Row(
        "import-texts",
        "`annotator import texts` of a folder of the texts, fresh workspace",
        lambda ws, run: cli("import", "texts", str((ws / "texts").resolve())),
        sizes=(H,),
        limits={H: [at_most(60)]},
        needs="texts",
        before=new_workspace,
        cwd=lambda ws, run: ws / f"run{run}",
        timeout=300,
    ),
    *app_rows(),
]
