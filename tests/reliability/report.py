"""RELIABILITY.md: the figures of one run of the reliability suite, failures included."""

from __future__ import annotations

import os
import platform
import sys
from datetime import UTC, datetime

from tests.reliability.harness import Scenario

ORDER = ("kills", "faults", "races", "external", "hostile")
SHOWN = 150  # failures listed per scenario


def render(results: dict[str, Scenario], seconds: float) -> str:
    scenarios = sorted(results.values(), key=lambda s: ORDER.index(s.key) if s.key in ORDER else len(ORDER))
    failed = [s for s in scenarios if s.failures]
    lines = [
        "# Reliability",
        "",
        "Written by `make reliability` (tests/reliability/) from its last run; nothing here is typed by hand.",
        "",
        f"- date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {_machine()}",
        f"- duration: {_duration(seconds)} for the whole run",
        f"- result: {_verdict(scenarios, failed)}",
        "",
        "| scenario | result | time |",
        "| --- | --- | --- |",
    ]
    for number, s in enumerate(scenarios, 1):
        result = f"{len(s.failures):,} failure(s)" if s.failures else "passed"
        lines.append(f"| {number}. {s.title} | {result} | {_duration(s.seconds)} |")
    for number, s in enumerate(scenarios, 1):
        lines += ["", f"## {number}. {s.title}", ""]
        lines += [f"- {sentence}" for sentence in s.did]
        if s.counts:
            lines += ["", "| figure | count |", "| --- | ---: |"]
            lines += [f"| {name} | {_number(value)} |" for name, value in s.counts.items()]
        if s.checks:
            lines += ["", "Checked:", ""]
            lines += [f"- [{'x' if held else ' '}] {statement}" for statement, held in s.checks]
        if s.failures:
            shown = f"; the first {SHOWN}" if len(s.failures) > SHOWN else ""
            lines += ["", f"Failures ({len(s.failures):,}{shown}):", ""]
            lines += [f"1. {_cell(f, 400)}" for f in s.failures[:SHOWN]]
        for table in s.tables:
            lines += ["", f"{table.title}:", "", "| " + " | ".join(table.header) + " |"]
            lines.append("| " + " | ".join("---" for _ in table.header) + " |")
            lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in table.rows]
    return "\n".join(lines) + "\n"


def _verdict(scenarios: list[Scenario], failed: list[Scenario]) -> str:
    if not failed:
        return f"all {len(scenarios)} scenarios passed"
    names = ", ".join(s.title for s in failed)
    return f"{len(failed)} of {len(scenarios)} scenarios found failures ({names})"


def _machine() -> str:
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            model = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), "")
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    python = f"Python {sys.version.split()[0]}"
    return ", ".join(x for x in (f"{cores} cores", model, platform.system(), platform.machine(), python) if x)


def _duration(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 120 else f"{int(seconds // 60)} min {int(seconds % 60)} s"


def _number(value: int | float | str) -> str:
    if isinstance(value, bool) or isinstance(value, str):
        return str(value)
    return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"


def _cell(value: object, limit: int = 160) -> str:
    """Table text: one line, pipes escaped, control characters shown as their code point."""
    text = "".join(c if c.isprintable() else f"<U+{ord(c):04X}>" for c in str(value))
    text = text.replace("|", "\\|").replace("`", "'")
    return text if len(text) <= limit else text[: limit - 1] + "…"
