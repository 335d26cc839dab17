"""The pure half of `make bench`: statistics of a row's samples, its budget checks, and
BENCHMARKS.md rendered from benchmarks/results.json and benchmarks/notes.md.

A result (one row at one size) is a dict as stored in results.json::

    {"row": "agreement-cold", "size": 10000, "title": "...", "unit": "s",
     "samples": [...], "peak_mib": 812.0, "extras": {...}, "limits": [[key, op, bound, text], ...],
     "error": null, "profile": null, "date": "2026-11-29"}

``limits`` are the budget: ``key`` is "median", "peak_mib" or an extra's name; ``op`` is
"<=", ">=" or "empty" (the extra, a list, must be empty).
"""

from __future__ import annotations

import statistics
from typing import Any

Result = dict[str, Any]

UNIT_FORMATS = {
    "s": lambda v: f"{v:,.2f} s",
    "ms": lambda v: f"{v:,.1f} ms",
    "chars/s": lambda v: f"{v / 1e6:,.2f} M chars/s",
    "x": lambda v: f"{v:,.1f}×",
}


def key(row: str, size: int | None) -> str:
    """The result's key in results.json: row id, and @size for a sized row."""
    return f"{row}@{size}" if size else row


def stats(samples: list[float]) -> dict[str, float]:
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples)}


def fmt(value: float, unit: str) -> str:
    return UNIT_FORMATS.get(unit, lambda v: f"{v:,.3g} {unit}")(value)


def checks(result: Result) -> list[tuple[str, bool]]:
    """(budget text, met) for each limit; a result with an error or no samples meets none."""
    if result.get("error") or not result.get("samples"):
        return [(text, False) for _, _, _, text in result["limits"]]
    known = {**stats(result["samples"]), "peak_mib": result.get("peak_mib"), **result.get("extras", {})}
    out = []
    for name, op, bound, text in result["limits"]:
        value = known.get(name)
        if op == "empty":
            ok = value == []
        elif value is None:
            ok = False
        else:
            ok = value <= bound if op == "<=" else value >= bound
        out.append((text, ok))
    return out


def verdict(result: Result) -> str:
    """'met', 'NOT MET', '' (a row without a budget that ran, or one never run) or 'failed'."""
    if result.get("pending"):
        return ""
    found = checks(result)
    if result.get("error"):
        return "NOT MET" if found else "failed"
    if not found:
        return ""
    return "met" if all(ok for _, ok in found) else "NOT MET"


def size_text(size: int | None) -> str:
    return f"{size:,} × 3" if size else "-"


def table_row(result: Result) -> str:
    budget = "; ".join(text for _, _, _, text in result["limits"]) or "-"
    peak = f"{result['peak_mib']:,.0f} MiB" if result.get("peak_mib") else "-"
    if result.get("pending"):
        cells = ["not measured yet", "", "", "0"]
    elif result.get("error") or not result.get("samples"):
        cells = [result.get("error") or "no result", "", "", str(len(result.get("samples") or []))]
    else:
        s = stats(result["samples"])
        unit = result["unit"]
        cells = [fmt(s["median"], unit), fmt(s["min"], unit), fmt(s["max"], unit), str(len(result["samples"]))]
    return (
        "| "
        + " | ".join([result["title"], size_text(result.get("size")), *cells, peak, budget, verdict(result)])
        + " |"
    )


def parse_notes(text: str) -> dict[str, str]:
    """notes.md: '## row-id' headings (the row id, or row-id@size), each followed by its text."""
    notes: dict[str, str] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
            notes[current] = ""
        elif current is not None:
            notes[current] += line + "\n"
    return {name: body.strip() for name, body in notes.items()}


def render(results: dict[str, Any], notes: dict[str, str], order: dict[str, Result]) -> str:
    """BENCHMARKS.md from results.json's content; ``order``: every row's key in table order,
    with what to show (title, size, limits) for a row never measured. Other results follow."""
    rows = {**{k: {**pending, "pending": True} for k, pending in order.items()}, **results.get("rows", {})}
    keys = list(order) + sorted(k for k in rows if k not in order)
    machine = results.get("machine", {})
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (benchmarks/bench.py) from benchmarks/results.json: do not edit by hand;",
        "the explanations under a row that misses its budget come from benchmarks/notes.md.",
        "Every row runs as a user would (the CLI or a probe script in a subprocess) on corpora made by",
        "`annotator synth --docs N --annotators 3`; peak memory is the largest process of the run's tree",
        '(ru_maxrss). `make bench ROWS="agreement-cold import-texts" SIZES=10000` reruns some rows;',
        "the others keep their last results (their date is below).",
        "",
        f"Last run {results.get('date', '?')} on {machine_text(machine)}.",
        "",
        "| row | size | median | min | max | runs | peak memory | budget | |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    lines += [table_row(rows[k]) for k in keys]
    details = [(k, rows[k]) for k in keys if rows[k].get("extras")]
    if details:
        lines += ["", "## Details", ""]
        for k, result in details:
            extras = ", ".join(f"{name} {_plain(value)}" for name, value in result["extras"].items())
            lines.append(f"- `{k}`: {extras}")
    missed = [(k, rows[k]) for k in keys if verdict(rows[k]) in ("NOT MET", "failed")]
    if missed:
        lines += ["", "## Not within budget", ""]
    for k, result in missed:
        failed = [text for text, ok in checks(result) if not ok]
        size = f", {size_text(result['size'])}" if result.get("size") else ""
        lines += [f"### `{k}`: {result['title']}{size}", ""]
        lines.append(
            f"Misses: {'; '.join(failed) or result.get('error')}."
            + (f" {result['error']}." if result.get("error") else "")
        )
        note = notes.get(k) or notes.get(result["row"]) or "(no explanation in benchmarks/notes.md yet)"
        lines += ["", note, ""]
        if result.get("profile"):
            lines += [
                "Profile of one more run (cProfile of the main process: annotator's functions by cumulative time):"
            ]
            lines += ["", "```text"]
            lines += [result["profile"].rstrip(), "```", ""]
    older = [(k, rows[k]) for k in keys if not rows[k].get("pending") and rows[k].get("date") != results.get("date")]
    if older:
        lines += ["", "## Results from earlier runs", ""]
        lines += [f"- `{k}`: {result.get('date', '?')}" for k, result in older]
    return "\n".join(lines).rstrip() + "\n"


def _plain(value: Any) -> str:
    return f"{value:,.4g}" if isinstance(value, float) else str(value)


def machine_text(machine: dict[str, Any]) -> str:
    if not machine:
        return "an unknown machine"
    return (
        f"{machine.get('cpu', '?')} ({machine.get('cores', '?')} cores), {machine.get('ram_gib', '?')} GiB RAM, "
        f"{machine.get('os', '?')}, Python {machine.get('python', '?')}, polars {machine.get('polars', '?')}"
    )
