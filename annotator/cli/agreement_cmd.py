"""`annotator agreement`: how far the annotators agree, in the terminal or as a report file.

    annotator agreement                                   # tables in the terminal
    annotator agreement --annotators ann1,ann2 --labels PER,GPE --done-only
    annotator agreement --format html --out agreement.html [--force]

Every file is compared under the workspace's guidelines version (older files are
migrated in memory); what cannot be compared is listed under "excluded".
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

FORMATS = ("json", "markdown", "html", "csv")
SUFFIXES = {".json": "json", ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html",
            ".csv": "csv"}
PROGRESS_MIN_FILES = 2000  # smaller runs take well under a second: no progress bar
WORST_DOCUMENTS = 10
EXCLUDED_SHOWN = 10


def register(sub: argparse._SubParsersAction, groups: dict[str, argparse._SubParsersAction]) -> None:
    cmd = sub.add_parser(
        "agreement",
        help="inter-annotator agreement: entities, event triggers and arguments, per label, pair and document",
        description="Compare the annotators' files under the workspace's guidelines version (older files are "
                    "migrated in memory, nothing is written to the workspace). Without --format/--out, prints "
                    "tables; with them, writes the whole report.",
    )
    cmd.add_argument("--annotators", metavar="A,B,...", default=None,
                     help="whom to compare, in this order (default: every annotator folder)")
    cmd.add_argument("--docs", metavar="ID,ID,...", default=None, help="documents to compare (default: all)")
    cmd.add_argument("--labels", metavar="L,L,...", default=None,
                     help="entity labels to compare (default: all); other spans are left out of the span and "
                          "token measures")
    cmd.add_argument("--done-only", action="store_true", help="only files with status done")
    cmd.add_argument("--format", dest="report_format", choices=FORMATS, default=None,
                     help="write the report in this format (default with --out: from its suffix, else json)")
    cmd.add_argument("--out", type=Path, default=None, metavar="FILE",
                     help="the report file (default with --format: standard output)")
    cmd.add_argument("--force", action="store_true", help="overwrite an existing --out file")
    cmd.add_argument("--jobs", type=int, default=None, metavar="N",
                     help="processes that read files and tokenize texts (default: one per CPU for large "
                          "workspaces; 1: none)")
    cmd.set_defaults(handler=_agreement)


def _names(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [x.strip() for x in value.split(",") if x.strip()]


def _check_options(args: argparse.Namespace, ws: Any) -> tuple[str | None, list[str] | None]:
    """The output format and the labels; AnnotatorError with one line per problem."""
    from annotator.core.agreement.input import selection
    from annotator.core.errors import AnnotatorError
    from annotator.core.guidelines.schema import load_schema

    _, _, problems = selection(ws, _names(args.annotators), _names(args.docs))
    fmt = args.report_format
    if args.out is not None:
        if fmt is None:
            fmt = SUFFIXES.get(args.out.suffix.lower(), "json")
        if args.out.exists() and not args.force:
            problems.append(f"--out: {args.out} exists (add --force to overwrite it)")
        elif args.out.is_dir():
            problems.append(f"--out: {args.out} is a folder")
    if args.jobs is not None and args.jobs < 1:
        problems.append(f"--jobs: at least 1, got {args.jobs}")
    labels = _names(args.labels)
    if labels is not None:
        schema = load_schema(ws.guidelines_dir, ws.config.guidelines)
        known = [label.name for label in schema.labels]
        if not labels:
            problems.append("--labels: no label named")
        problems += [
            f"--labels: unknown label {name!r} in guidelines {schema.version} (known: {', '.join(known)})"
            for name in labels
            if name not in known
        ]
    if problems:
        raise AnnotatorError("\n".join(problems))
    return fmt, labels


class _Bar:
    """A rich progress bar on stderr, started once a stage turns out to be long."""

    def __init__(self) -> None:
        self.progress: Any = None
        self.tasks: dict[str, Any] = {}
        self.enabled = sys.stderr.isatty()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.progress is None:
            if total < PROGRESS_MIN_FILES:
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                     TimeElapsedColumn(), console=Console(stderr=True), transient=True)
            self.progress.start()
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total or None)
        self.progress.update(self.tasks[stage], completed=done, total=total or None)

    def spinner(self, stage: str) -> None:
        if self.progress is not None:
            self.tasks[stage] = self.progress.add_task(stage, total=None)

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None


def _agreement(args: argparse.Namespace) -> int:
    from annotator.cli import open_workspace
    from annotator.core.agreement.input import agreement_report, load_tables

    ws = open_workspace(args)
    fmt, labels = _check_options(args, ws)
    bar = _Bar()
    try:
        data = load_tables(ws, annotators=_names(args.annotators), docs=_names(args.docs),
                           done_only=args.done_only, progress=bar, workers=args.jobs)
        bar.spinner("computing agreement")
        report = agreement_report(data, labels=labels)
    finally:
        bar.stop()
    if fmt is None:
        _print_tables(report)
        return 0
    payload = render(report, fmt)
    if args.out is None:
        sys.stdout.buffer.write(payload)
        sys.stdout.flush()
        return 0
    from annotator.core.errors import AnnotatorError
    from annotator.core.jsonio import atomic_write_bytes

    if args.out.exists() and not args.force:  # appeared while computing
        raise AnnotatorError(f"--out: {args.out} exists (add --force to overwrite it)")
    atomic_write_bytes(args.out, payload)
    selection = report.get("selection", {})
    print(f"wrote {args.out} ({fmt}): {len(report['annotators'])} annotators, {report['documents']} documents, "
          f"{selection.get('files', 0)} files compared, {len(report['excluded'])} excluded")
    return 0


def render(report: dict[str, Any], fmt: str) -> bytes:
    """The report as bytes in ``fmt`` (json: orjson, indented, sorted keys, never NaN)."""
    if fmt == "json":
        import orjson

        return orjson.dumps(report, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE)
    from annotator.core.agreement import render as renderers

    text = {"markdown": renderers.to_markdown, "html": renderers.to_html, "csv": renderers.to_csv}[fmt](report)
    return text.encode("utf-8")


# --------------------------------------------------------------------------- terminal tables


def _value(obj: dict[str, Any] | None, key: str, *, is_map: str | None = None):
    """A rich Text for ``obj[key]`` (or ``obj[key][is_map]``): coloured number, or n/a with the reason."""
    from rich.text import Text

    if obj is None:
        return Text("n/a", style="dim")
    if is_map is not None:
        value = (obj.get(key) or {}).get(is_map)
        reason = (obj.get(f"{key}_reasons") or {}).get(is_map)
    else:
        value = obj.get(key)
        reason = obj.get(f"{key}_reason")
    if value is None:
        return Text(f"n/a ({reason})" if reason else "n/a", style="dim")
    style = "green" if value >= 0.8 else "yellow" if value >= 0.6 else "red"
    return Text(f"{value:.3f}", style=style)


def _print_tables(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False, soft_wrap=False)
    annotators: list[str] = report["annotators"]
    selection = report.get("selection", {})
    migrated = selection.get("migrated", 0)
    console.print(Text(
        f"Agreement under guidelines {report['guidelines']}: {len(annotators)} annotator(s) "
        f"({', '.join(annotators) or 'none'}), {report['documents']} documents "
        f"({report['documents_shared']} shared by two or more, {report['documents_common']} by all), "
        f"{selection.get('files', 0)} files compared"
        + (f", {migrated} migrated" if migrated else "")
        + (f", {selection.get('not_done_skipped')} not done skipped" if selection.get("not_done_skipped") else ""),
        style="bold",
    ))

    spans, tokens, events = report["spans"], report["tokens"], report["events"]
    summary = Table(title="Summary", title_justify="left")
    summary.add_column("measure")
    summary.add_column("value", justify="right")
    rows = [
        ("span F1, exact (mean over pairs)", spans.get("exact"), "f1"),
        ("span F1, overlap (mean over pairs)", spans.get("overlap"), "f1"),
        ("Cohen's κ on tokens (mean over pairs)", tokens.get("cohen_kappa"), "mean"),
        ("Fleiss' κ on tokens", tokens, "fleiss_kappa"),
        ("Krippendorff's α on tokens", tokens, "krippendorff_alpha"),
        ("Krippendorff's α_u (unitizing)", report.get("unitizing_alpha"), "overall"),
        ("event trigger F1 (mean over pairs)", events, "trigger_f1"),
        ("event argument F1 (mean over pairs)", events, "argument_f1"),
    ]
    for name, obj, key in rows:
        summary.add_row(name, _value(obj, key))
    console.print(summary)

    if len(annotators) >= 2:
        exact = {(p["a"], p["b"]): p for p in spans.get("exact", {}).get("pairs", [])}
        kappa = {(p["a"], p["b"]): p for p in tokens.get("cohen_kappa", {}).get("pairs", [])}
        matrix = Table(title="Pairs: span F1 exact above the diagonal, Cohen's κ below", title_justify="left")
        matrix.add_column("")
        for name in annotators:
            matrix.add_column(name, justify="right")
        for i, a in enumerate(annotators):
            cells = []
            for j, b in enumerate(annotators):
                if i == j:
                    cells.append(Text("—", style="dim"))
                elif i < j:
                    cells.append(_value(exact.get((a, b)), "f1"))
                else:
                    cells.append(_value(kappa.get((b, a)), "kappa"))
            matrix.add_row(a, *cells)
        console.print(matrix)

    labels = report.get("labels", [])
    if labels:
        per_label = Table(title="Labels (means over pairs)", title_justify="left")
        for column in ("label", "span F1 exact", "span F1 overlap", "α_u"):
            per_label.add_column(column, justify="left" if column == "label" else "right")
        for label in labels:
            per_label.add_row(label, _value(spans.get("exact"), "per_label", is_map=label),
                              _value(spans.get("overlap"), "per_label", is_map=label),
                              _value(report.get("unitizing_alpha"), "per_label", is_map=label))
        console.print(per_label)

    per_type = events.get("per_type", {})
    if per_type:
        types = Table(title="Event types (means over pairs)", title_justify="left")
        for column in ("type", "trigger F1", "argument F1"):
            types.add_column(column, justify="left" if column == "type" else "right")
        for name, entry in per_type.items():
            types.add_row(name, _value(entry, "trigger_f1"), _value(entry, "argument_f1"))
        console.print(types)

    docs = report.get("per_document", [])[:WORST_DOCUMENTS]
    if docs:
        worst = Table(title=f"Documents with the least agreement (first {len(docs)} of "
                            f"{len(report.get('per_document', []))})", title_justify="left")
        for column in ("document", "F1 exact", "F1 overlap", "disagreements", "spans", "annotators"):
            worst.add_column(column, justify="left" if column == "document" else "right")
        for d in docs:
            worst.add_row(d["id"], _value(d, "span_f1_exact"), _value(d, "span_f1_overlap"),
                          str(d.get("disagreements", 0)), str(d.get("spans", 0)), str(d.get("annotators", 0)))
        console.print(worst)

    excluded = report.get("excluded", [])
    if excluded:
        console.print(Text(f"Excluded ({len(excluded)}):", style="bold"))
        for item in excluded[:EXCLUDED_SHOWN]:
            where = item.get("annotator", "?") + (f"/{item['doc_id']}" if item.get("doc_id") else "/")
            files = f" ({item['files']} files)" if "files" in item else ""
            console.print(Text(f"  {where}{files}: {item.get('reason', '')}"))
        if len(excluded) > EXCLUDED_SHOWN:
            console.print(Text(f"  ... and {len(excluded) - EXCLUDED_SHOWN} more (see --format json)", style="dim"))
