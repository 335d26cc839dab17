"""`make bench`: every row of issue 12's budgets table, run as a user would, into
benchmarks/results.json and BENCHMARKS.md.

    python benchmarks/bench.py                       # every row at its sizes
    python benchmarks/bench.py agreement export-hf   # rows by id or id prefix (agreement = agreement-*)
    python benchmarks/bench.py --sizes 1000          # sized rows at these sizes only (a quick check)
    python benchmarks/bench.py --list                # the rows

Each run is a subprocess: wall time from spawn to exit (a probe reports its own value),
peak memory from os.wait4 (ru_maxrss: the largest process of the tree, workers included),
killed after the row's timeout and recorded as "did not finish in N s". A row that misses
its budget is run once more under cProfile for the profile BENCHMARKS.md shows. Rows not
run keep their last results in results.json.
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import platform
import pstats
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpora  # noqa: E402
import report  # noqa: E402
from rows import ROWS, Row, run_cli  # noqa: E402

RESULTS = HERE / "results.json"
NOTES = HERE / "notes.md"
MARKDOWN = HERE.parent / "BENCHMARKS.md"
PROFILE_LINES = 12


class Failed(Exception):
    """A run that exited non-zero or did not finish: its one-line reason."""


def execute(argv: list[str], cwd: Path, timeout: float, capture: bool) -> tuple[float, float, str]:
    """Run ``python *argv``: (seconds, peak MiB, stdout) or Failed."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        env = {**os.environ, "TEXTUAL_ANIMATIONS": "none", "BENCH_T0": repr(start)}
        proc = subprocess.Popen(
            [sys.executable, *argv],
            cwd=cwd,
            stdout=out if capture else subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
            env=env,
        )
        timer = threading.Timer(timeout, lambda: os.killpg(proc.pid, signal.SIGKILL))
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        if seconds >= timeout:
            raise Failed(f"did not finish in {timeout:g} s")
        if proc.returncode != 0:
            err.seek(0)
            lines = err.read().decode(errors="replace").strip().splitlines() or [f"exit {proc.returncode}"]
            raise Failed(f"failed: {lines[-1][:200]}")
        out.seek(0)
        return seconds, usage.ru_maxrss / 1024, out.read().decode()


def probe_output(stdout: str) -> dict[str, Any]:
    lines = stdout.strip().splitlines()
    if not lines:
        raise Failed("the probe printed nothing")
    return orjson.loads(lines[-1])


def workspace_for(row: Row, size: int | None) -> Path | None:
    """A fresh copy (or folder) the row's runs may write in; None: the repository."""
    name = report.key(row.id, size).replace("@", "-")
    if row.needs == "none":
        return None
    if row.needs == "texts":
        folder = corpora.cache_dir() / "work" / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        (folder / "texts").symlink_to(corpora.texts(size or 1000))
        return folder
    if row.needs == "small":
        folder = corpora.fresh_copy(corpora.workspace(1000), name)
        run_cli(folder, "import", "texts", *map(str, corpora.long_documents().values()))
        return folder
    return corpora.fresh_copy(corpora.workspace(size or 1000), name)


def measure(row: Row, size: int | None, runs: int, timeout: float, profiled: bool = True) -> dict[str, Any]:
    result: dict[str, Any] = {
        "row": row.id,
        "size": size,
        "title": row.title,
        "unit": row.unit,
        "limits": [list(limit) for limit in row.limits.get(size, [])],
        "samples": [],
        "peak_mib": None,
        "extras": {},
        "error": None,
        "profile": None,
        "timeout_s": timeout,
    }
    workspace = workspace_for(row, size)
    where = workspace or corpora.REPO
    try:
        if row.prepare:
            row.prepare(where)
        for run in range(runs):
            argv, cwd = prepared_run(row, where, run)
            seconds, peak, stdout = execute(argv, cwd, timeout, capture=row.kind == "probe")
            result["peak_mib"] = max(result["peak_mib"] or 0, peak)
            if row.kind == "probe":
                found = probe_output(stdout)
                result["samples"].append(found.pop("value"))
                merge_extras(result["extras"], found)
            else:
                result["samples"].append(seconds)
            print(
                f"  {report.key(row.id, size)} run {run + 1}/{runs}: {result['samples'][-1]:.4g} {row.unit}", flush=True
            )
        if row.after:
            merge_extras(result["extras"], probe_output(execute(row.after(where), where, timeout, True)[2]))
            result["extras"].pop("value", None)
        if row.id == "agreement-nltk":
            scale_to_agreement(result)
        if profiled and report.verdict(result) == "NOT MET":
            result["profile"] = profile(row, where, timeout)
    except Failed as failure:
        result["error"] = str(failure)
    except subprocess.TimeoutExpired as expired:
        result["error"] = f"an untimed step did not finish in {expired.timeout:g} s"
    except subprocess.CalledProcessError as failed:
        lines = (failed.stderr or b"").decode(errors="replace").strip().splitlines() or [f"exit {failed.returncode}"]
        result["error"] = f"an untimed step failed: {lines[-1][:200]}"
    finally:
        if workspace is not None:
            shutil.rmtree(workspace, ignore_errors=True)
    return result


def prepared_run(row: Row, where: Path, run: int) -> tuple[list[str], Path]:
    if row.before:
        row.before(where, run)
    return row.command(where, run), row.cwd(where, run) if row.cwd else where


def merge_extras(extras: dict[str, Any], found: dict[str, Any]) -> None:
    """Numbers: the worst (largest) of the runs; anything else: the last run's."""
    for name, value in found.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool) and name in extras:
            extras[name] = max(extras[name], value)
        else:
            extras[name] = value


def scale_to_agreement(result: dict[str, Any]) -> None:
    """The nltk probe gives nltk's seconds for the whole corpus; the row is that over the
    median of `agreement-cold` at the same size (this run's or the last stored one)."""
    ours = load_results()["rows"].get(report.key("agreement-cold", result["size"]))
    if not ours or not ours.get("samples"):
        raise Failed(f"run agreement-cold at {result['size']} first (the ratio's denominator)")
    agreement = report.stats(ours["samples"])["median"]
    result["extras"]["nltk_scaled_s"] = round(report.stats(result["samples"])["median"], 2)
    result["extras"]["agreement_cold_s"] = round(agreement, 2)
    result["samples"] = [value / agreement for value in result["samples"]]


def profile(row: Row, where: Path, timeout: float) -> str:
    """The top of a cProfile of one more run: annotator's functions by cumulative time."""
    with tempfile.TemporaryDirectory() as tmp:
        stats_file = Path(tmp) / "run.prof"
        argv, cwd = prepared_run(row, where, 99)
        try:
            execute(["-m", "cProfile", "-o", str(stats_file), *argv], cwd, timeout * 2, capture=True)
        except Failed as failure:
            return f"(the profiled run {failure})"
        text = io.StringIO()
        stats = pstats.Stats(str(stats_file), stream=text).sort_stats("cumulative")
        stats.print_stats(r"annotator/", PROFILE_LINES)  # the program's own functions: not the event loop's
        prefixes = sorted({str(corpora.REPO) + "/", *(p + "/" for p in sys.path if "-packages" in p)}, key=len)
        shortened = text.getvalue()
        for prefix in reversed(prefixes):
            shortened = shortened.replace(prefix, "")
        lines = shortened.strip().splitlines()
        start = next((i for i, line in enumerate(lines) if "function calls" in line), 0)
        return "\n".join(line.rstrip() for line in lines[start:] if line.strip())


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    mem_kib = int(
        next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if "MemTotal" in line)
    )
    os_name = platform.platform()
    release = Path("/etc/os-release")
    if release.is_file():
        pretty = [
            line.split("=", 1)[1].strip('"')
            for line in release.read_text().splitlines()
            if line.startswith("PRETTY_NAME=")
        ]
        os_name = pretty[0] if pretty else os_name
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": round(mem_kib / 1024**2),
        "os": os_name,
        "python": platform.python_version(),
        "polars": metadata.version("polars"),
    }


def load_results() -> dict[str, Any]:
    return orjson.loads(RESULTS.read_bytes()) if RESULTS.is_file() else {"rows": {}}


def write_atomic(path: Path, data: bytes) -> None:
    temp = path.with_name(path.name + ".tmp")
    temp.write_bytes(data)
    temp.replace(path)


def save(results: dict[str, Any]) -> None:
    write_atomic(RESULTS, orjson.dumps(results, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n")
    notes = report.parse_notes(NOTES.read_text(encoding="utf-8")) if NOTES.is_file() else {}
    order = {
        report.key(row.id, size): {
            "row": row.id,
            "size": size,
            "title": row.title,
            "unit": row.unit,
            "limits": [list(limit) for limit in row.limits.get(size, [])],
        }
        for row in ROWS
        for size in row.sizes
    }
    write_atomic(MARKDOWN, report.render(results, notes, order).encode())


def selected(names: list[str]) -> list[Row]:
    if not names:
        return ROWS
    chosen = [row for row in ROWS if any(row.id == n or row.id.startswith(n + "-") for n in names)]
    unknown = [n for n in names if not any(row.id == n or row.id.startswith(n + "-") for row in ROWS)]
    if unknown:
        sys.exit(f"bench: no row {', '.join(unknown)} (see --list)")
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rows", nargs="*", help="row ids or prefixes (default: every row)")
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.replace(",", " ").split()], help="e.g. 1000,10000")
    parser.add_argument("--runs", type=int, help="runs per row (default: the row's, mostly 3)")
    parser.add_argument("--timeout", type=float, help="seconds per run (default: the row's)")
    parser.add_argument("--no-profile", action="store_true", help="no cProfile run of the rows that miss")
    parser.add_argument("--list", action="store_true", help="list the rows and exit")
    parser.add_argument("--adopt", metavar="N=DIR", help="take DIR (annotator synth --docs N, seed 0) as the cache's")
    args = parser.parse_args()
    if args.list:
        for row in ROWS:
            print(f"{row.id:<20} {', '.join(report.size_text(s) for s in row.sizes):<30} {row.title}")
        return
    if args.adopt:
        docs, folder = args.adopt.split("=", 1)
        print(corpora.adopt(int(docs), Path(folder)))
        return
    results = load_results()
    results["machine"] = machine()
    results["date"] = datetime.date.today().isoformat()
    for row in selected(args.rows):
        sizes = row.sizes if row.sizes == (None,) or not args.sizes else tuple(args.sizes)
        for size in sizes:
            runs = args.runs or row.runs_at(size)
            print(f"{report.key(row.id, size)}: {runs} runs", flush=True)
            result = measure(row, size, runs, args.timeout or row.timeout, profiled=not args.no_profile)
            result["date"] = results["date"]
            results["rows"][report.key(row.id, size)] = result
            print(f"  -> {report.table_row(result)}", flush=True)
            save(results)
    save(results)


if __name__ == "__main__":
    main()
